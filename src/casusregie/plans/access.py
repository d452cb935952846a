"""Who may see which part of a plan.

- The plan and its goals: everyone who may see the case.
- An action in full (title, owner, feedback): the house's staff, the owner organisation, the
  case director, and organisations whose own actions depend on it (seed §6.4.1: "only the
  agreements relevant to you"). Other participants see counts per organisation, not content.
- Feedback: the house's staff, the owner organisation and the case director.
- An escalation: the house's staff and the owner organisation only (never the shared minutes).
- The services map: every member of the house.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from casusregie.accounts.roles import Role
from casusregie.cases.models import Case
from casusregie.privacy import policy

from .models import Action, ActionStatus, Escalation, Feedback, Goal, Plan, PlanRevision, Service


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


def action_q(user: Any, prefix: str = "") -> Q:
    """The action predicate, also for rows that point at an action (`prefix` = "action__")."""
    house = f"{prefix}house"
    depends = Exists(
        Action.depends_on.through.objects.filter(
            to_action=OuterRef(f"{prefix}pk" if prefix else "pk"),
            from_action__owner_organisation__in=policy.case_memberships(user)
            .filter(house=OuterRef(OuterRef(house)))
            .values("organisation"),
        )
    )
    return (
        Q(policy.staff_of(user, house))
        | Q(policy.member_of(user, f"{prefix}owner_organisation", house))
        | Q(**{f"{prefix}case__case_director": user})
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
        | Q(policy.member_of(user, "action__owner_organisation", house))
        | Q(action__case__case_director=user)
    )


@policy.register(Escalation)
def escalation_predicate(user: Any) -> Q:
    return Q(policy.staff_of(user)) | Q(policy.member_of(user, "action__owner_organisation"))


@policy.register(Service)
def service_predicate(user: Any) -> Q:
    return Q(Exists(policy.active_memberships(user).filter(house=OuterRef("house"))))


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
    """The house's process directors and the case director shape the plan."""
    if getattr(user, "pk", None) is None:
        return False
    if case.case_director_id == user.pk:
        return True
    return policy.has_role(user, case.house, Role.PROCESS_DIRECTOR)


def may_review(user: Any, action: Action) -> bool:
    return action.case.case_director_id == getattr(user, "pk", None) or policy.has_role(
        user, action.house, Role.PROCESS_DIRECTOR
    )
