"""The home page, the health check and the error pages."""

from __future__ import annotations

import sys
from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext

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
        response = JsonResponse({"status": "unavailable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
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


# PostgreSQL error classes that mean "the database cannot serve now" rather than a fault of the
# request or the code: connection (08), read-only transaction (25006), serialisation or deadlock
# (40001, 40P01), insufficient resources such as a full disk (53), operator intervention such as
# a restart or shutdown (57P).
UNAVAILABLE_STATES = ("08", "25006", "40001", "40P01", "53", "57P")
# SQLite's equivalents (demo and development).
UNAVAILABLE_SQLITE = ("database is locked", "disk is full", "readonly database", "disk i/o error")
RETRY_AFTER_SECONDS = 5


def database_unavailable(exception: BaseException | None) -> bool:
    """The exception says the database is down, restarting, full or read-only."""
    from django.db import InterfaceError, OperationalError
    from django.db.utils import DatabaseError

    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, DatabaseError):
        return False
    state = getattr(exception.__cause__, "sqlstate", None)
    if state:
        return state.startswith(UNAVAILABLE_STATES)
    message = str(exception).lower()
    if any(text in message for text in UNAVAILABLE_SQLITE):
        return True
    # psycopg could not connect at all (refused, starting up): no state, an OperationalError.
    return isinstance(exception, OperationalError) and connection.vendor == "postgresql"


def server_error(request: HttpRequest) -> HttpResponse:
    """The last-resort error page. When the database is unavailable (restarting, full,
    read-only) it is a 503 with `Retry-After`, rendered without touching the database, and for
    the API a problem document; nothing half-done was stored (every action is one
    transaction)."""
    if database_unavailable(sys.exc_info()[1]):
        if request.path_info.startswith("/api/"):
            from casusregie.api.problems import problem_response

            response: HttpResponse = problem_response(
                503,
                "unavailable",
                gettext("The database is briefly unavailable. Try again in a moment."),
            )
        else:
            response = HttpResponse(loader.render_to_string("web/error_503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return render(request, "web/error_500.html", status=500)
