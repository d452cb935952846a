""" "Mijn werk": the monitor every member of a house opens first (issue 4, item 8).

Counts first, then short lists. Every row comes through the access policy, and the number of
queries does not grow with the number of actions, cases or organisations (tested).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.cases.actions import record_case_list
from casusregie.cases.models import Case, Participation
from casusregie.cases.phases import Phase
from casusregie.meetings.models import Meeting, MeetingStatus
from casusregie.plans.models import Action, ActionStatus, Feedback, ReviewStatus
from casusregie.privacy import policy

LIST_SIZE = 20
DONE_DAYS = 30  # "Done" per organisation counts the last 30 days


@login_required
def my_work(request: HttpRequest, slug: str) -> HttpResponse:
    user: Any = request.user
    house = policy.access_house(user, slug)
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=7)
    memberships = policy.house_memberships(user, house)
    roles = {m.role for m in memberships}
    my_orgs = [m.organisation_id for m in memberships]

    actions = policy.visible_in(user, Action, house)
    mine = actions.filter(
        Q(owner=user) | Q(owner__isnull=True, owner_organisation__in=my_orgs),
        status=ActionStatus.OPEN,
    )
    my_counts = mine.aggregate(
        overdue=Count("pk", filter=Q(due_date__lt=today)),
        soon=Count("pk", filter=Q(due_date__gte=today, due_date__lte=soon)),
        later=Count("pk", filter=Q(due_date__gt=soon)),
    )
    my_actions = list(
        mine.select_related("case", "owner_organisation").order_by("due_date", "id")[:LIST_SIZE]
    )

    reviews = policy.visible_in(user, Feedback, house).filter(review_status=ReviewStatus.PENDING)
    if Role.PROCESS_DIRECTOR not in roles:
        reviews = reviews.filter(action__case__case_director=user)
    reviews_list = list(
        reviews.select_related("action", "action__case", "organisation").order_by("submitted_at")[
            :LIST_SIZE
        ]
    )

    takes_part = Exists(
        Participation.objects.filter(
            case=OuterRef("pk"), ended_at__isnull=True, organisation__in=my_orgs
        )
    )
    my_cases = (
        policy.visible_in(user, Case, house)
        .exclude(phase=Phase.CLOSED)
        .filter(Q(takes_part) | Q(process_director=user) | Q(case_director=user))
        .order_by("-phase_changed_at")
    )
    cases_list = list(my_cases[:LIST_SIZE])
    record_case_list(user, house, [c.pk for c in cases_list])

    meetings = list(
        policy.visible_in(user, Meeting, house)
        .filter(status=MeetingStatus.SCHEDULED, starts_at__gte=timezone.now())
        .order_by("starts_at")[:LIST_SIZE]
    )

    per_org: list[dict[str, Any]] | None = None
    if roles & {Role.HOUSE_MANAGER, Role.PARTNER_MANAGER, Role.PROCESS_DIRECTOR}:
        scope = policy.visible_in(user, Action, house)
        if not roles & {Role.HOUSE_MANAGER, Role.PROCESS_DIRECTOR}:
            scope = scope.filter(owner_organisation__in=my_orgs)  # a partner manager
        # Current work plus what was finished recently: the rows read stay bounded by the
        # work in hand, not by years of history (issue 10; partial index action_house_done).
        since = timezone.now() - datetime.timedelta(days=DONE_DAYS)
        current = Q(status__in=[ActionStatus.OPEN, ActionStatus.FEEDBACK_GIVEN])
        recent = Q(status=ActionStatus.DONE, done_at__gte=since)
        per_org = list(
            scope.filter(current | recent)
            .values("owner_organisation__name")
            .annotate(
                on_time=Count("pk", filter=Q(status=ActionStatus.OPEN, due_date__gte=today)),
                overdue=Count("pk", filter=Q(status=ActionStatus.OPEN, due_date__lt=today)),
                review=Count("pk", filter=Q(status=ActionStatus.FEEDBACK_GIVEN)),
                done=Count("pk", filter=recent),
            )
            .order_by("owner_organisation__name")
        )
    house_figures = None
    if roles & {Role.HOUSE_MANAGER, Role.PROCESS_DIRECTOR}:
        cutoff = timezone.now() - datetime.timedelta(weeks=house.plan_stall_weeks)
        # Both figures concern cases after their meeting: reading only those (index
        # case_house_phase) keeps closed history out of the count.
        house_figures = (
            policy.visible_in(user, Case, house)
            .filter(phase__in=Phase.after_meeting())
            .aggregate(
                without_case_director=Count(
                    "pk", filter=Q(phase__in=Phase.after_meeting(), case_director__isnull=True)
                ),
                stalled=Count(
                    "pk",
                    filter=Q(
                        phase__in=(Phase.PLAN, Phase.EXECUTION), plan__last_progress_at__lt=cutoff
                    ),
                ),
            )
        )
    return render(
        request,
        "work/my_work.html",
        {
            "house": house,
            "today": today,
            "my_counts": my_counts,
            "my_actions": my_actions,
            "reviews": reviews_list,
            "cases": cases_list,
            "meetings": meetings,
            "per_org": per_org,
            "house_figures": house_figures,
        },
    )
