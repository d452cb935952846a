"""Before a member first sees case data in a house, and again after the house publishes a new
version of its working method and privacy rules, they read it and confirm it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from casusregie.api.problems import problem_response

from .actions import unconfirmed_methods

EXEMPT = frozenset({"privacy:method", "privacy:method_edit"})


class OnboardingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user: Any = request.user
        match = request.resolver_match
        if not user.is_authenticated or match is None or match.view_name in EXEMPT:
            return None
        if request.path_info.startswith("/api/"):
            if unconfirmed_methods(user).exists():
                return problem_response(
                    403,
                    "onboarding_required",
                    _("Read and confirm the working method of your house in the browser first."),
                )
            return None
        slug = match.kwargs.get("slug")
        if not request.path_info.startswith("/huizen/") or not slug:
            return None
        if not unconfirmed_methods(user, slug).exists():
            return None
        response = redirect("privacy:method", slug=slug)
        response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response
