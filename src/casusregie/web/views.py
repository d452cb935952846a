"""The home page, the health check and the error pages."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.cases.models import Case
from casusregie.cases.phases import Phase
from casusregie.privacy import policy
from casusregie.privacy.policy import memberships_of
from casusregie.referrals.models import KnownToQuery, Referral, ReferralStatus


def _counts(user: Any, model: type[Model], **filters: Any) -> dict[int, int]:
    """Per house, how many visible rows match: one grouped query."""
    rows = policy.visible(user, model).filter(**filters).values("house").annotate(n=Count("pk"))
    return {row["house"]: row["n"] for row in rows}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's houses and roles, with what waits for them in each (a handful of grouped
    queries, whatever the number of houses)."""
    user = request.user
    open_cases = _counts(user, Case, phase__in=[p for p in Phase.values if p != Phase.CLOSED])
    awaiting = _counts(user, Referral, status=ReferralStatus.SUBMITTED)
    questions = _counts(user, KnownToQuery, answer="", deadline__gte=timezone.localdate())
    no_director = _counts(user, Case, phase__in=Phase.after_meeting(), case_director__isnull=True)
    houses = []
    for house, memberships in groupby(memberships_of(user), key=lambda m: m.house):
        rows = list(memberships)
        roles = {m.role for m in rows}
        houses.append(
            {
                "house": house,
                "memberships": rows,
                "is_admin": Role.FUNCTIONAL_ADMIN in roles,
                "is_staff": bool(roles & set(policy.STAFF_ROLES)),
                "open_cases": open_cases.get(house.pk, 0),
                "awaiting": awaiting.get(house.pk, 0),
                "questions": questions.get(house.pk, 0),
                "no_director": no_director.get(house.pk, 0),
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
