"""Session idle timeout and mandatory two-factor authentication."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from casusregie.api.problems import problem_response

# Pages a logged-in user may reach before completing two-factor verification.
TWO_FACTOR_EXEMPT = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:verify",
        "accounts:setup_2fa",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
        "set_language",
        "web:health",
    }
)


class IdleTimeoutMiddleware:
    """Log a user out after CASUSREGIE_SESSION_IDLE_MINUTES without a request.

    The time of the last request is written to the session at most once a minute, so an active
    user does not cause a session write on every page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get("last_seen")
            if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                if request.path_info.startswith("/api/"):
                    return problem_response(
                        401, "not_authenticated", _("Your session has expired.")
                    )
                messages.warning(
                    request,
                    _(
                        "Your session has expired after %(minutes)s minutes without activity. "
                        "Please log in again."
                    )
                    % {"minutes": settings.SESSION_IDLE_MINUTES},
                )
                return redirect_to_login(request.get_full_path())
            if last_seen is None or now - int(last_seen) >= 60:
                request.session["last_seen"] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """Send a user who must use 2FA to verification (or set-up) before any other page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user: Any = request.user
        if not settings.REQUIRE_2FA or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is None or match.view_name in TWO_FACTOR_EXEMPT:
            return None
        if not user.requires_2fa():
            return None
        if request.path_info.startswith("/api/"):
            # An API client cannot follow a redirect to an HTML form: tell it to log in.
            return problem_response(
                401, "not_authenticated", _("Complete two-factor verification first.")
            )
        target = (
            "accounts:verify"
            if any(True for _device in devices_for_user(user, confirmed=True))
            else "accounts:setup_2fa"
        )
        response = redirect(target)
        response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response
