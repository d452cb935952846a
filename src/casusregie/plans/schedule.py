"""Work the clock makes due: reminders, escalation levels and stalled plans.

Each function takes the day to act for, stamps what it did on the rows it touched and so
does nothing new when it runs again the same day (the scheduler may run every 15 minutes, or
late). Notifications of an escalation go privately to that level, never into shared minutes.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.cases.access import case_subjects, subject_refs
from casusregie.cases.models import Participation
from casusregie.cases.phases import Phase
from casusregie.houses.models import EscalationTarget, House
from casusregie.inbox.actions import notify
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation

from .actions import action_link
from .models import Action, ActionStatus, Escalation, Feedback, Plan


def _owners(action: Action) -> list[Any]:
    """The owner person, or the owner organisation's participants in the house."""
    if action.owner is not None:
        return [action.owner]
    return list(
        User.objects.filter(
            memberships__house=action.house_id,
            memberships__organisation=action.owner_organisation_id,
            memberships__ended_at__isnull=True,
            memberships__role__in=(Role.PARTNER_PARTICIPANT, Role.PARTNER_MANAGER),
        ).distinct()
    )


def _role_holders(house_id: int, role: Role, organisation_id: int | None = None) -> list[Any]:
    people = User.objects.filter(
        memberships__house=house_id, memberships__role=role, memberships__ended_at__isnull=True
    )
    if organisation_id is not None:
        people = people.filter(memberships__organisation=organisation_id)
    return list(people.distinct())


def _at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _open_actions() -> Any:
    return Action.objects.filter(status=ActionStatus.OPEN).select_related(
        "house", "case", "case__process_director", "owner", "owner_organisation"
    )


def run_reminders(today: datetime.date) -> int:
    """Remind owners once before the due date and every few days when overdue."""
    sent = 0
    stamp = _at_noon(today)
    for action in _open_actions().filter(
        Q(reminded_before_at__isnull=True) | Q(due_date__lt=today)
    ):
        house = action.house
        ref = {"number": action.number, "ref": action.case.reference}
        if action.due_date >= today:
            if (action.due_date - today).days > house.reminder_days_before_deadline:
                continue
            if action.reminded_before_at is not None:
                continue
            message = _("Action A%(number)s of case %(ref)s is due soon: give feedback") % ref
            field = "reminded_before_at"
        else:
            last = action.reminded_overdue_at
            every = max(1, house.overdue_reminder_every_days)
            if last is not None and (today - timezone.localdate(last)).days < every:
                continue
            message = _("Action A%(number)s of case %(ref)s is overdue: give feedback") % ref
            field = "reminded_overdue_at"
        with transaction.atomic():
            Action.objects.filter(pk=action.pk).update(**{field: stamp})
            notify(_owners(action), house=house, link=action_link(action), message=message)
        sent += 1
    return sent


def _level_people(action: Action, target: str) -> list[Any]:
    house_id = action.house_id
    if target == EscalationTarget.OWNER:
        return _owners(action)
    if target == EscalationTarget.PROCESS_DIRECTOR:
        director = action.case.process_director
        return [director] if director else _role_holders(house_id, Role.PROCESS_DIRECTOR)
    if target == EscalationTarget.PARTNER_MANAGER:
        return _role_holders(house_id, Role.PARTNER_MANAGER, action.owner_organisation_id)
    # House manager and the administrative table (prepared by the house manager).
    return _role_holders(house_id, Role.HOUSE_MANAGER)


def run_escalations(today: datetime.date) -> int:
    """Reach every ladder level whose delay after the due date has passed without feedback."""
    reached = 0
    for action in _open_actions().filter(due_date__lt=today):
        ladder = action.house.escalation_ladder or []
        due_levels = [
            step
            for step in ladder
            if step["level"] > action.escalation_level
            and action.due_date + datetime.timedelta(days=step["after_days"]) <= today
        ]
        for step in due_levels:
            with transaction.atomic():
                escalation, created = Escalation.objects.get_or_create(
                    action=action,
                    level=step["level"],
                    defaults={
                        "house": action.house,
                        "title": step["title"][:200],
                        "notified": step.get("notify", ""),
                        "reached_at": _at_noon(today),
                    },
                )
                Action.objects.filter(pk=action.pk).update(escalation_level=step["level"])
                if not created:
                    continue
                log.record(
                    actor=None,
                    house=action.house,
                    name="action.escalate",
                    operation=Operation.CREATE,
                    obj=escalation,
                    case_id=action.case_id,
                    subjects=subject_refs(case_subjects(action.case)),
                    after={"level": step["level"], "notify": step.get("notify", "")},
                )
                message = _(
                    "Escalation level %(level)s for action A%(number)s of case %(ref)s: %(title)s"
                ) % {
                    "level": step["level"],
                    "number": action.number,
                    "ref": action.case.reference,
                    "title": step["title"],
                }
                notify(
                    _level_people(action, step.get("notify", "")),
                    house=action.house,
                    link=action_link(action),
                    message=message[:300],
                )
                reached += 1
    return reached


def stalled_plans(house: House, today: datetime.date) -> Any:
    """Plans of open cases in plan or execution without progress for the stall period."""
    cutoff = _at_noon(today) - datetime.timedelta(weeks=house.plan_stall_weeks)
    return Plan.objects.filter(
        case__house=house,
        case__phase__in=(Phase.PLAN, Phase.EXECUTION),
        last_progress_at__lt=cutoff,
    )


# --- Stalled plans (decision 0052) -----------------------------------------------------------


def stall_reasons(plan: Plan, today: datetime.date) -> list[dict[str, Any]]:
    """Why a plan stands still: when feedback last came (or never), how many actions are
    overdue, and the open actions whose owner left (their membership or the organisation's
    participation ended)."""
    case_id = plan.case_id
    house = plan.case.house
    last = (
        Feedback.objects.filter(action__case=case_id)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    reasons: list[dict[str, Any]] = [
        {"code": "no_feedback", "since": timezone.localdate(last).isoformat() if last else None}
    ]
    open_actions = list(
        Action.objects.filter(case=case_id, status=ActionStatus.OPEN).order_by("number")
    )
    overdue = sum(1 for a in open_actions if a.due_date < today)
    if overdue:
        reasons.append({"code": "overdue", "count": overdue})
    taking_part = set(
        Participation.objects.filter(case=case_id, ended_at__isnull=True).values_list(
            "organisation", flat=True
        )
    )
    working = set(
        policy.memberships_in(house)
        .filter(user__in=[a.owner_id for a in open_actions if a.owner_id])
        .values_list("user", "organisation")
    )
    left = [
        a.number
        for a in open_actions
        if a.owner_organisation_id not in taking_part
        or (a.owner_id is not None and (a.owner_id, a.owner_organisation_id) not in working)
    ]
    if left:
        reasons.append({"code": "owner_left", "actions": left})
    return reasons


def run_stalled_plans(today: datetime.date) -> int:
    """Mark the plans that have stood still for their house's stall period, with why, and
    tell the process director once per stall. Plans that moved again, or whose case left the
    plan and execution phases, leave the list. Returns the number newly marked."""
    marked = 0
    stamp = _at_noon(today)
    for house in House.objects.all():
        stalled = stalled_plans(house, today)
        Plan.objects.filter(case__house=house, stalled_at__isnull=False).exclude(
            pk__in=stalled.values("pk")
        ).update(stalled_at=None)
        for plan in stalled.filter(stalled_at__isnull=True).select_related(
            "case", "case__house", "case__process_director"
        ):
            with transaction.atomic():
                reasons = stall_reasons(plan, today)
                done = Plan.objects.filter(pk=plan.pk, stalled_at__isnull=True).update(
                    stalled_at=stamp, stall_reasons=reasons, stall_notified_at=stamp
                )
                if not done:
                    continue
                case = plan.case
                log.record(
                    actor=None,
                    house=house,
                    name="plan.stalled",
                    operation=Operation.UPDATE,
                    obj=plan,
                    case_id=case.pk,
                    subjects=subject_refs(case_subjects(case)),
                    after={"reasons": [r["code"] for r in reasons]},
                )
                director = case.process_director
                notify(
                    [director] if director else _role_holders(house.pk, Role.PROCESS_DIRECTOR),
                    house=house,
                    link=reverse("plans:stalled", kwargs={"slug": house.slug}),
                    message=_("The plan of case %(ref)s has stalled: decide what happens")
                    % {"ref": case.reference},
                )
                marked += 1
    return marked
