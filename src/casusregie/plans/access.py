"""Who may see which part of a plan.

- The plan and its goals: everyone who may see the case.
- An action in full (title, owner, feedback): the house's staff, the owner organisation, the
  case director, and organisations whose own actions depend on it (seed §6.4.1: "only the
  agreements relevant to you"). Other participants see counts per organisation, not content.
- Feedback: the house's staff, the owner organisation and the case director.
- An escalation: the house's staff and the owner organisation only (never the shared minutes).
- The services map: see services_access.py.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q

from casusregie.accounts.roles import Role
from casusregie.cases.access import is_case_director
from casusregie.cases.models import Case, Participation
from casusregie.privacy import policy

from .models import (
    Action,
    ActionChange,
    ActionRequest,
    ActionStatus,
    Escalation,
    Feedback,
    Goal,
    Plan,
    PlanRevision,
    StallDecision,
)


def _case_visible(user: Any, case_ref: str) -> Exists:
    return Exists(policy.visible(user, Case).filter(pk=OuterRef(case_ref)))


@policy.register(Plan, staff_see_all="case__house")
def plan_predicate(user: Any) -> Q:
    return Q(_case_visible(user, "case"))


@policy.register(Goal)
def goal_predicate(user: Any) -> Q:
    return Q(_case_visible(user, "plan__case"))


@policy.register(PlanRevision)
def revision_predicate(user: Any) -> Q:
    return Q(_case_visible(user, "plan__case"))


def owner_takes_part(prefix: str = "") -> Q:
    """The action's owner organisation still takes part in its case: after a participation
    ends, its people read nothing of the case, their own actions included (decision 0045)."""
    return Q(
        Exists(
            Participation.objects.filter(
                case=OuterRef(f"{prefix}case"),
                organisation=OuterRef(f"{prefix}owner_organisation"),
                ended_at__isnull=True,
            )
        )
    )


def action_q(user: Any, prefix: str = "") -> Q:
    """The action predicate, also for rows that point at an action (`prefix` = "action__")."""
    house = f"{prefix}house"
    depends = Exists(
        Action.depends_on.through.objects.filter(
            to_action=OuterRef(f"{prefix}pk" if prefix else "pk"),
            from_action__owner_organisation__in=policy.case_memberships(user)
            .filter(house=OuterRef(OuterRef(house)))
            .values("organisation"),
            from_action__owner_organisation__participations__case=F("from_action__case"),
            from_action__owner_organisation__participations__ended_at__isnull=True,
        )
    )
    return (
        Q(policy.staff_of(user, house))
        | (
            Q(policy.member_of(user, f"{prefix}owner_organisation", house))
            & owner_takes_part(prefix)
        )
        | Q(**{f"{prefix}case__case_director": user})
        | policy.stands_in_for(user, f"{prefix}case__case_director", house)
        | Q(depends)
    )


@policy.register(Action, staff_see_all="house")
def action_predicate(user: Any) -> Q:
    return action_q(user)


@policy.register(Feedback, staff_see_all="action__house")
def feedback_predicate(user: Any) -> Q:
    house = "action__house"
    return (
        Q(policy.staff_of(user, house))
        | (
            Q(policy.member_of(user, "action__owner_organisation", house))
            & owner_takes_part("action__")
        )
        | Q(action__case__case_director=user)
        | policy.stands_in_for(user, "action__case__case_director", house)
    )


@policy.register(Escalation)
def escalation_predicate(user: Any) -> Q:
    return Q(policy.staff_of(user)) | (
        Q(policy.member_of(user, "action__owner_organisation")) & owner_takes_part("action__")
    )


@policy.register(ActionChange, staff_see_all="action__house")
def action_change_predicate(user: Any) -> Q:
    """The history of an action: whoever may read the action."""
    return action_q(user, "action__")


@policy.register(ActionRequest, staff_see_all="action__house")
def action_request_predicate(user: Any) -> Q:
    """A request for more time or a refusal: whoever may read the action."""
    return action_q(user, "action__")


@policy.register(StallDecision, staff_see_all="plan__case__house")
def stall_decision_predicate(user: Any) -> Q:
    """Decisions about stalled plans: the house's staff (the list is theirs)."""
    return Q(policy.staff_of(user, "plan__case__house"))


def progress_counts(user: Any, case: Case, today: Any) -> Any:
    """Open, overdue, awaiting-review and done actions per owner organisation of a case.

    Counts, not content, are shared with everyone who may see the case (decision 0012), so they
    cover every action of the case: the case itself is read through the policy here, and an
    inaccessible case gives no rows.
    """
    return (
        Action.objects.filter(case__in=policy.visible(user, Case).filter(pk=case.pk))
        .values("owner_organisation", "owner_organisation__name")
        .annotate(
            open=Count("pk", filter=Q(status=ActionStatus.OPEN, due_date__gte=today)),
            overdue=Count("pk", filter=Q(status=ActionStatus.OPEN, due_date__lt=today)),
            review=Count("pk", filter=Q(status=ActionStatus.FEEDBACK_GIVEN)),
            done=Count("pk", filter=Q(status=ActionStatus.DONE)),
        )
        .order_by("owner_organisation__name")
    )


def may_edit_plan(user: Any, case: Case) -> bool:
    """The house's process directors and the case director (or their stand-in) shape the
    plan."""
    if getattr(user, "pk", None) is None:
        return False
    # The role first: read once per request, it spares the stand-in look-up.
    return policy.has_role(user, case.house, Role.PROCESS_DIRECTOR) or is_case_director(user, case)


def may_review(user: Any, action: Action) -> bool:
    """The case director (or their stand-in) and the house's process directors."""
    return policy.has_role(user, action.house, Role.PROCESS_DIRECTOR) or is_case_director(
        user, action.case
    )


def may_answer_for_owner(user: Any, action: Action) -> bool:
    """The owner organisation's people (a case-working role) ask for time or decline, while
    the organisation takes part in the case."""
    return policy.works_for(user, action.house, action.owner_organisation)


def may_see_stalled(user: Any, house: Any) -> bool:
    """The stalled-plans list and its decisions are the process director's."""
    return getattr(user, "pk", None) is not None and policy.has_role(
        user, house, Role.PROCESS_DIRECTOR
    )
