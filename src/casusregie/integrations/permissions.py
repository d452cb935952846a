"""What a token may do beyond what its user may see: scopes, and the onboarding gate.

Calls with the web login's session pass untouched (the session middleware already enforces
two-factor authentication and onboarding). Calls with a token are stopped here:

- an API client's token outside its scopes: 403 `insufficient-scope`, naming the scope;
- an endpoint that is not open to clients: 403;
- a token whose user has not confirmed the house's working method: 403 `onboarding_required`
  (the middleware cannot see token users: DRF authenticates them after it ran).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, permissions
from rest_framework.request import Request

from casusregie.privacy.actions import unconfirmed_methods

from .authentication import OidcBearer
from .models import ApiToken
from .scopes import required_scopes


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"


class OnboardingRequired(exceptions.PermissionDenied):
    default_code = "onboarding_required"
    default_detail = gettext_lazy(
        "The working method of the house has not been confirmed for this account. A person "
        "confirms it in the browser (for an API client: its functional administrator)."
    )


class TokenLimits(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        auth = request.auth
        if isinstance(auth, ApiToken):
            match = request._request.resolver_match
            needed = required_scopes(view, request.method or "GET", match and match.url_name)
            if getattr(view, "open_to_every_client", False):
                needed = []  # e.g. "who am I": any valid token may ask
            elif needed is None:
                raise exceptions.PermissionDenied(
                    _("This endpoint is not available to API clients.")
                )
            missing = [scope for scope in needed if scope not in auth.client.scope_list]
            if missing:
                raise InsufficientScope(
                    _("This token lacks the scope %(scope)s.") % {"scope": missing[0]}
                )
        if isinstance(auth, ApiToken | OidcBearer) and unconfirmed_methods(request.user).exists():
            raise OnboardingRequired
        return True
