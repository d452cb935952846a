""" "Mijn werk": the monitor every member of a house opens first (issue 4, item 8).

Counts first, then short lists. Every row comes through the access policy, and the number of
queries does not grow with the number of actions, cases or organisations (tested).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.aftercare.work import my_work_section as aftercare_section
from casusregie.cases.actions import record_case_list
from casusregie.cases.models import Case, Participation
from casusregie.cases.phases import Phase
from casusregie.houses import access as house_access
from casusregie.houses.models import House
from casusregie.meetings.models import Meeting, MeetingStatus
from casusregie.plans.models import (
    Action,
    ActionRequest,
    ActionStatus,
    Feedback,
    Plan,
    RequestStatus,
    ReviewStatus,
)
from casusregie.privacy import policy

LIST_SIZE = 20
DONE_DAYS = 30  # "Done" per organisation counts the last 30 days
# The figures about a whole house (or a manager's organisations) are the same for everyone who
# may see them; they are counted at most once a minute per scope and worker (decision 0035).
FIGURES_SECONDS = 60


@dataclass(frozen=True)
class Figures:
    per_org: list[dict[str, Any]]
    house: dict[str, int] | None
    computed_at: datetime.datetime


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
    # Owners' requests for more time or refusals waiting for a decision (decision 0051).
    requests = policy.visible_in(user, ActionRequest, house).filter(status=RequestStatus.PENDING)
    if Role.PROCESS_DIRECTOR not in roles:
        requests = requests.filter(action__case__case_director=user)
    requests_list = list(
        requests.select_related("action", "action__case", "organisation").order_by("at")[:LIST_SIZE]
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

    standing_in = stand_in_sections(user, house, today)

    meetings = list(
        policy.visible_in(user, Meeting, house)
        .filter(status=MeetingStatus.SCHEDULED, starts_at__gte=timezone.now())
        .order_by("starts_at")[:LIST_SIZE]
    )

    figures = house_work_figures(user, house, roles, my_orgs, today)
    # Role grants waiting for this person's approval (decision 0040): one count, only for
    # those who decide on grants.
    grants_to_approve = (
        house_access.grants_awaiting(user, house).count()
        if house_access.may_decide_grants(user, house)
        else 0
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
            "action_requests": requests_list,
            "stalled_link": Role.PROCESS_DIRECTOR in roles,
            "cases": cases_list,
            "meetings": meetings,
            "per_org": figures.per_org if figures else None,
            "house_figures": figures.house if figures else None,
            "figures_at": figures.computed_at if figures else None,
            "grants_to_approve": grants_to_approve,
            "standing_in": standing_in,
            "aftercare": aftercare_section(user, house, today),
        },
    )


def stand_in_sections(user: Any, house: House, today: datetime.date) -> list[dict[str, Any]]:
    """ "As a stand-in for X until d-m-Y": the open actions and cases of the people this user
    stands in for today (decision 0046), each read through the access policy. Three queries
    whatever the number of arrangements, actions or cases."""
    arrangements = [a for a in house_access.standing_in(house, user) if a.starts_on <= today]
    if not arrangements or not policy.has_role(user, house, *policy.CASE_ROLES):
        return []
    absent = [a.absent_id for a in arrangements]
    actions = list(
        policy.visible_in(user, Action, house)
        .filter(owner__in=absent, status=ActionStatus.OPEN)
        .select_related("case")
        .order_by("due_date", "id")[:LIST_SIZE]
    )
    cases = list(
        policy.visible_in(user, Case, house)
        .exclude(phase=Phase.CLOSED)
        .filter(Q(case_director__in=absent) | Q(process_director__in=absent))
        .order_by("-phase_changed_at")[:LIST_SIZE]
    )
    record_case_list(user, house, [c.pk for c in cases])
    return [
        {
            "arrangement": a,
            "actions": [x for x in actions if x.owner_id == a.absent_id],
            "cases": [
                c for c in cases if a.absent_id in (c.case_director_id, c.process_director_id)
            ],
        }
        for a in arrangements
    ]


def house_work_figures(
    user: Any, house: House, roles: set[str], my_orgs: list[int], today: datetime.date
) -> Figures | None:
    """Actions per organisation (house staff: every organisation; a partner manager: their
    own) and, for staff, the house figures. They depend only on the house, the scope and the
    day, not on who asks, so they are kept for a minute: at national scale counting a large
    house's open work costs hundreds of milliseconds (docs/performance.md). The page says
    when they were counted."""
    staff = bool(roles & {Role.HOUSE_MANAGER, Role.PROCESS_DIRECTOR})
    if not staff and Role.PARTNER_MANAGER not in roles:
        return None
    scope = "house" if staff else "orgs-" + "-".join(str(pk) for pk in sorted(my_orgs))
    key = f"work:figures:{house.pk}:{scope}:{today.isoformat()}"
    found: Figures | None = cache.get(key)
    if found is not None:
        return found
    actions = policy.visible_in(user, Action, house)
    if not staff:
        actions = actions.filter(owner_organisation__in=my_orgs)
    # Current work plus what was finished recently: the rows read stay bounded by the work in
    # hand, not by years of history (issue 10; partial index action_house_done).
    since = timezone.now() - datetime.timedelta(days=DONE_DAYS)
    current = Q(status__in=[ActionStatus.OPEN, ActionStatus.FEEDBACK_GIVEN])
    recent = Q(status=ActionStatus.DONE, done_at__gte=since)
    per_org = list(
        actions.filter(current | recent)
        .values("owner_organisation__name")
        .annotate(
            on_time=Count("pk", filter=Q(status=ActionStatus.OPEN, due_date__gte=today)),
            overdue=Count("pk", filter=Q(status=ActionStatus.OPEN, due_date__lt=today)),
            review=Count("pk", filter=Q(status=ActionStatus.FEEDBACK_GIVEN)),
            done=Count("pk", filter=recent),
        )
        .order_by("owner_organisation__name")
    )
    figures = None
    if staff:
        cutoff = timezone.now() - datetime.timedelta(weeks=house.plan_stall_weeks)
        # Both figures concern cases after their meeting: reading only those (index
        # case_house_phase) keeps closed history out of the count; a plan is looked up per
        # such case instead of joining every plan of the country.
        stalled_plan = Exists(
            policy.visible_in(user, Plan, house).filter(
                case=OuterRef("pk"), last_progress_at__lt=cutoff
            )
        )
        figures = (
            policy.visible_in(user, Case, house)
            .filter(phase__in=Phase.after_meeting())
            .aggregate(
                without_case_director=Count("pk", filter=Q(case_director__isnull=True)),
                stalled=Count(
                    "pk", filter=Q(stalled_plan, phase__in=(Phase.PLAN, Phase.EXECUTION))
                ),
            )
        )
    found = Figures(per_org=per_org, house=figures, computed_at=timezone.now())
    cache.set(key, found, timeout=FIGURES_SECONDS)
    return found
