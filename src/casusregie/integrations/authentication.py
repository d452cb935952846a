"""Who is calling the API: an API client's token, or a person's access token from the identity
provider (`Authorization: Bearer ...` for both). The web login's session comes after these.

Client tokens start with `crt_`, so the two kinds never need guessing. A failed token is a 401
problem with a `Bearer` challenge; what a token may do is checked in `permissions.py`.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from . import actions
from .models import ApiToken

REALM = 'Bearer realm="casusregie"'


class ProviderUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "provider_unavailable"
    default_detail = gettext_lazy(
        "The identity provider could not be reached to check the token. Try again later."
    )


def bearer_token(request: Request) -> str | None:
    header = authentication.get_authorization_header(request).decode("latin-1")
    parts = header.split()
    if not parts or parts[0].lower() != "bearer":
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(
            _("Send the token as 'Authorization: Bearer <token>'.")
        )
    return parts[1]


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A token of an API client: the call is made by the client's system account."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        text = bearer_token(request)
        if text is None or not text.startswith(actions.TOKEN_PREFIX):
            return None
        token = (
            ApiToken.objects.usable()
            .select_related("client", "client__user")
            .filter(digest=actions.digest(text))
            .first()
        )
        if token is None or not token.client.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is unknown, revoked or expired."))
        actions.note_use(token)
        return token.client.user, token

    def authenticate_header(self, request: Request) -> str:
        return REALM


class OidcBearer(str):
    """`request.auth` of a call made with a person's access token from the provider."""


class OidcBearerAuthentication(authentication.BaseAuthentication):
    """An access token from the configured identity provider, for an existing person.

    The provider's userinfo endpoint checks the token and says whose it is (its e-mail address,
    which the provider must have verified); the person must exist here, be active and, where
    two-factor authentication is required, have logged in at the provider with a second factor
    (`amr`). No session is made: every call carries its token.
    """

    def authenticate(self, request: Request) -> tuple[Any, OidcBearer] | None:
        text = bearer_token(request)
        if text is None or text.startswith(actions.TOKEN_PREFIX):
            return None
        if not settings.OIDC_ENABLED:
            raise exceptions.AuthenticationFailed(_("This token is unknown, revoked or expired."))
        from .sso import SsoBackend, has_provider_mfa

        backend = SsoBackend()
        try:
            claims = backend.get_userinfo(text, None, None)
        except requests.HTTPError as error:
            if error.response is not None and error.response.status_code in (400, 401, 403):
                raise exceptions.AuthenticationFailed(
                    _("The identity provider does not accept this token.")
                ) from error
            raise ProviderUnavailable from error
        except (requests.RequestException, ValueError, SuspiciousOperation) as error:
            raise ProviderUnavailable from error
        user, _problem = backend.match_user(claims)
        if user is None:
            raise exceptions.AuthenticationFailed(
                _("This token belongs to nobody with an account in Casusregie.")
            )
        if settings.REQUIRE_2FA and user.requires_2fa() and not has_provider_mfa(claims):
            raise exceptions.AuthenticationFailed(
                _(
                    "The identity provider does not confirm a second factor for this token; "
                    "log in there with two-factor authentication."
                )
            )
        return user, OidcBearer(text)

    def authenticate_header(self, request: Request) -> str:
        return REALM


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "clientToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Token of an API client (`crt_...`), made by the house's functional "
            "administrator. Answers only within the client's scopes.",
        }


class OidcBearerScheme(OpenApiAuthenticationExtension):
    target_class = OidcBearerAuthentication
    name = "oidcAccessToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Access token of a person from the configured OpenID Connect "
            "provider (when single sign-on is configured).",
        }
