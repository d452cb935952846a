"""The home page, the health check and the error pages."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from casusregie.accounts.roles import Role
from casusregie.privacy.policy import memberships_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's houses, with their organisations and roles in each."""
    houses = []
    for house, memberships in groupby(memberships_of(request.user), key=lambda m: m.house):
        rows = list(memberships)
        houses.append(
            {
                "house": house,
                "memberships": rows,
                "is_admin": any(m.role == Role.FUNCTIONAL_ADMIN for m in rows),
            }
        )
    return render(request, "web/home.html", {"houses": houses})


def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def _error(request: HttpRequest, status: int) -> HttpResponse:
    context: dict[str, Any] = {"status": status}
    return render(request, f"web/error_{status}.html", context, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "web/error_500.html", status=500)
