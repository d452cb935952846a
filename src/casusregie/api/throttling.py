"""Rate limits of the API (ASVS 11.1.4): one counter per API client, one per person.

An API client counts all its tokens together (`CASUSREGIE_API_CLIENT_RATE` per minute); a
person counts their own calls, by session or by OIDC access token (`CASUSREGIE_API_USER_RATE`).
Anonymous calls are not counted here: they get no further than 401, and the login form has its
own lockout. A call over the limit is a 429 problem with `Retry-After` (problems.py).

The counters live in Django's cache (a sliding window of timestamps, DRF's
SimpleRateThrottle). Without a shared cache each worker process counts on its own.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from casusregie.integrations.models import ApiToken
from casusregie.privacy import lookups


class CallerRateThrottle(SimpleRateThrottle):
    def __init__(self) -> None:
        # The scope is known only per request; SimpleRateThrottle would look up a rate here.
        self.rate = None

    def allow_request(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return True
        if isinstance(request.auth, ApiToken):
            self.scope, self.ident = "client", request.auth.client_id
        else:
            self.scope, self.ident = "user", user.pk
        # Read at call time, not at import, so a changed setting takes effect.
        self.rate = api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


class LookUpLimitReached(exceptions.APIException):
    """A look-up over the limits: the API's 429 problem (type `throttled`) with `Retry-After`,
    saying whose limit was reached and when to try again."""

    status_code = 429
    default_code = "throttled"

    def __init__(self, refused: lookups.LookUpRefused) -> None:
        super().__init__(refused.message())
        self.wait = refused.wait
