"""Single sign-on with the partner organisations' OpenID Connect provider (mozilla-django-oidc).

Who may use it: people who already have an account here, found by the e-mail address the
provider has verified (`email_verified`). Nobody is created (no self-provisioning); an unknown
person gets a page that says whom to ask. API clients' system accounts never log in.

Two factors: when the ID token's `amr` names a second factor (CASUSREGIE_OIDC_MFA_AMR), the
session counts as two-factor verified through a `ProviderMfa` device; otherwise our own TOTP
code is asked next, exactly as after a password. Either way the session ends up like a
verified password login, so the rest of the product works unchanged (decision 0017).
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from casusregie.accounts.models import User
from casusregie.privacy.audit import record_change
from casusregie.privacy.chain import append
from casusregie.privacy.crypto import keyed_hash
from casusregie.privacy.log import current_trace_id, new_span_id
from casusregie.privacy.models import AuditEvent

from .models import ProviderMfa

SESSION_KEY = "casusregie_sso"

# Why a single sign-on was refused; each has its own Dutch explanation on the page.
UNKNOWN = "unknown_person"
UNVERIFIED = "email_not_verified"
INACTIVE = "inactive"
PROVIDER = "provider_error"
CANCELLED = "cancelled"


def has_provider_mfa(claims: dict[str, Any]) -> bool:
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    return bool(set(amr) & set(settings.OIDC_MFA_AMR))


class SsoBackend(OIDCAuthenticationBackend):
    """Existing, active people only, by verified e-mail; ID tokens checked in full."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # mozilla-django-oidc reads its settings here; without single sign-on they are empty,
        # and this backend only answers the callback (see `authenticate`).
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)
        self.UserModel = User
        self.refused = ""

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        # Only the callback passes a nonce; a password login never reaches the provider.
        if not settings.OIDC_ENABLED or request is None or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        """mozilla-django-oidc checks signature and nonce; the issuer, audience and expiry of
        the ID token are checked here too."""
        payload = super().verify_token(token, **kwargs)
        if kwargs.get("nonce") is None:
            return payload  # a userinfo answer in JWT form: no ID token rules
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if payload.get("iss", "").rstrip("/") != settings.OIDC_ISSUER:
            raise SuspiciousOperation("ID token from another issuer")
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        self.id_claims = payload
        return payload

    def store_tokens(self, access_token: str, id_token: str) -> None:
        """Keep nothing: the provider's tokens are not needed after login."""

    def match_user(self, claims: dict[str, Any]) -> tuple[User | None, str]:
        """The one person these claims name, or None and the reason."""
        email = str(claims.get("email") or "").strip().lower()
        if not email:
            return None, UNKNOWN
        if claims.get("email_verified") is not True:
            return None, UNVERIFIED
        user = User.objects.filter(email=email, api_client__isnull=True).first()
        if user is None:
            return None, UNKNOWN
        if not user.is_active:
            return None, INACTIVE
        return user, ""

    def get_or_create_user(self, access_token: str, id_token: Any, payload: Any) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        user, self.refused = self.match_user(claims)
        self.userinfo_claims = claims
        if user is not None and self.request is not None:
            id_claims = getattr(self, "id_claims", {}) or {}
            self.request.casusregie_sso = {"mfa": has_provider_mfa(id_claims)}
        elif self.request is not None:
            self.request.casusregie_sso_refused = (self.refused, claims.get("email") or "")
        return user

    def get_user(self, user_id: Any) -> Any:
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None


def _audit_refusal(reason: str, email: str, user: User | None) -> None:
    """A refused single sign-on, in the audit trail. For someone without an account only a
    keyed hash of the address is kept: enough to count repeats, no personal data of a
    stranger."""
    after = {"reason": reason, "via": "oidc"}
    if user is None and email:
        after["email_hash"] = keyed_hash(email.strip().lower(), purpose="sso-refused")
    event = AuditEvent(
        trace_id=current_trace_id(),
        span_id=new_span_id(),
        actor=None,
        house=None,
        action="login.sso_refused",
        object_type="accounts.user",
        object_id=str(user.pk) if user is not None else "",
        after=after,
    )
    with transaction.atomic():
        append([event], [])


class SsoStartView(OIDCAuthenticationRequestView):
    """To the provider's login page; `next` is kept for afterwards."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: log the person in (or say why not), and write the audit row."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            return super().get(request)
        except requests.RequestException:
            return self._refused(PROVIDER, "")
        except SuspiciousOperation as error:
            # A replayed or forged answer (state, nonce, signature, issuer, audience).
            if "state" in str(error):
                raise
            return self._refused(PROVIDER, "")

    def login_success(self) -> HttpResponse:
        request = self.request
        user = self.user
        mfa = bool(getattr(request, "casusregie_sso", {}).get("mfa"))
        if mfa:
            device, _created = ProviderMfa.objects.get_or_create(
                user=user, defaults={"name": "identity provider"}
            )
            # django-otp stores the device in the session as auth.login runs.
            user.otp_device = device
        response = super().login_success()
        request.session[SESSION_KEY] = True
        record_change(
            actor=user,
            house=None,
            action="login.sso",
            obj=user,
            after={"via": "oidc", "mfa_by_provider": mfa},
        )
        return response

    def login_failure(self) -> HttpResponse:
        if self.request.GET.get("error"):
            return self._refused(CANCELLED, "")
        reason, email = getattr(self.request, "casusregie_sso_refused", (PROVIDER, ""))
        return self._refused(reason, email)

    def _refused(self, reason: str, email: str) -> HttpResponse:
        user = User.objects.filter(email=email.strip().lower()).first() if email else None
        _audit_refusal(reason, email, user)
        messages = {
            UNKNOWN: _(
                "Your organisation's login worked, but there is no Casusregie account for this "
                "e-mail address. Accounts are not created automatically: ask the functional "
                "administrator of your care and safety house to add you."
            ),
            UNVERIFIED: _(
                "Your organisation's login did not confirm your e-mail address, so we cannot "
                "tell which account is yours. Ask your organisation's IT department to verify "
                "it, or log in with your e-mail address and password."
            ),
            INACTIVE: _(
                "Your Casusregie account has been switched off. Ask the functional "
                "administrator of your care and safety house."
            ),
            CANCELLED: _("The login at your organisation was cancelled."),
            PROVIDER: _(
                "Logging in through your organisation did not work. Try again, or log in with "
                "your e-mail address and password."
            ),
        }
        return render(
            self.request,
            "integrations/sso_refused.html",
            {"message": messages.get(reason, messages[PROVIDER])},
            status=403,
        )


def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Ending a single sign-on session is audited like starting one. Connected to Django's
    `user_logged_out` (apps.py): the logout view is shared with password logins."""
    if request is None or user is None or not request.session.get(SESSION_KEY):
        return
    record_change(actor=user, house=None, action="logout.sso", obj=user, after={"via": "oidc"})
