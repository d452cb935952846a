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
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.cases.access import case_subjects, subject_refs
from casusregie.cases.phases import Phase
from casusregie.houses.models import EscalationTarget, House
from casusregie.inbox.actions import notify
from casusregie.privacy import log
from casusregie.privacy.models import Operation

from .actions import action_link
from .models import Action, ActionStatus, Escalation, Plan


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
