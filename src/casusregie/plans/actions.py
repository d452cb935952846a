"""Changes to plans and actions. Each validates everything first (no half-saved batch),
changes, writes the processing log with the organisations it discloses to, and queues
notifications, in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.cases.access import case_subjects, subject_refs
from casusregie.cases.models import Case
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import Organisation
from casusregie.inbox.actions import notify
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.webhooks import events as webhook_events

from .access import may_edit_plan, may_review
from .models import (
    Action,
    ActionStatus,
    Escalation,
    Feedback,
    Goal,
    GoalStatus,
    Plan,
    PlanRevision,
    ReviewStatus,
    Service,
)


@dataclass
class ActionData:
    """One action as entered at the table or on the plan page."""

    title: str
    owner_organisation: Organisation | None
    due_date: datetime.date | None
    owner: User | None = None
    domain: str = ""
    goal: Goal | None = None
    service: Service | None = None
    depends_on: Sequence[Action] = field(default_factory=list)


def require_plan_editor(case: Case, actor: Any) -> None:
    if not may_edit_plan(actor, case):
        raise PermissionDenied(
            _("Only a process director or the case director can change the plan.")
        )
    if not case.is_open:
        raise ValidationError(_("This case is closed."))


def ensure_plan(case: Case) -> Plan:
    """The case's plan, created empty on first use."""
    now = timezone.now()
    plan, _created = Plan.objects.get_or_create(
        case=case, defaults={"updated_at": now, "last_progress_at": now}
    )
    return plan


def snapshot(plan: Plan) -> dict[str, Any]:
    """What a revision keeps: the goals and the actions with owner, due date and status."""
    return {
        "goals": [
            {"id": g.pk, "domain": g.domain, "text": g.text, "status": g.status}
            for g in plan.goals.all()
        ],
        "actions": [
            {
                "number": a.number,
                "title": a.title,
                "owner_organisation": a.owner_organisation.name,
                "owner": a.owner.full_name if a.owner else "",
                "due_date": a.due_date.isoformat(),
                "status": a.status,
                "goal": a.goal_id,
            }
            for a in Action.objects.filter(case=plan.case_id)
            .select_related("owner_organisation", "owner")
            .order_by("number")
        ],
    }


def record_revision(plan: Plan, *, actor: Any, note: str = "") -> PlanRevision:
    """Keep the plan as it is now as the next revision and bump its version."""
    now = timezone.now()
    number = (plan.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = PlanRevision.objects.create(
        plan=plan,
        number=number,
        snapshot=snapshot(plan),
        note=note[:300],
        actor=actor,
        created_at=now,
    )
    Plan.objects.filter(pk=plan.pk).update(
        version=plan.version + 1, updated_at=now, last_progress_at=now
    )
    plan.version += 1
    plan.updated_at = plan.last_progress_at = now
    return revision


def touch_progress(case_id: int) -> None:
    """Something moved in the plan (feedback, a status): it is not stalled."""
    Plan.objects.filter(case_id=case_id).update(last_progress_at=timezone.now())


def plan_link(case: Case) -> str:  # the case page shows the plan
    return reverse("cases:detail", kwargs={"slug": case.house.slug, "pk": case.pk})


def _active_participants(case: Case) -> set[int]:
    return set(
        case.participations.filter(ended_at__isnull=True).values_list("organisation", flat=True)
    )


def validate_actions(case: Case, rows: Sequence[ActionData]) -> None:
    """Check every row before anything is written. Errors name the row: `row-2-title`."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    participants = _active_participants(case)
    plan_id = Plan.objects.filter(case=case).values_list("pk", flat=True).first()

    def add(index: int, name: str, message: str) -> None:
        errors.setdefault(f"row-{index}-{name}", []).append(message)

    if not rows:
        raise ValidationError(_("Enter at least one action."))
    for index, row in enumerate(rows, start=1):
        if not row.title.strip():
            add(index, "title", _("Describe the action."))
        if row.owner_organisation is None:
            add(index, "owner_organisation", _("Every action needs an owner organisation."))
        elif row.owner_organisation.pk not in participants:
            add(
                index,
                "owner_organisation",
                _("%(org)s does not take part in this case; add it as a participant first.")
                % {"org": row.owner_organisation.name},
            )
        if (
            row.owner is not None
            and row.owner_organisation is not None
            and not policy.works_for(row.owner, case.house, row.owner_organisation)
        ):
            add(index, "owner", _("The owner must work for the owner organisation in this house."))
        if row.due_date is None:
            add(index, "due_date", _("Every action needs a due date."))
        elif row.due_date < today:
            add(index, "due_date", _("The due date cannot be in the past."))
        if row.domain and row.domain not in LifeDomain.values:
            add(index, "domain", _("Unknown life domain."))
        if row.goal is not None and row.goal.plan_id != plan_id:
            add(index, "goal", _("This goal belongs to another plan."))
        if row.service is not None and row.service.house_id != case.house_id:
            add(index, "service", _("This service is not offered in this house."))
        for other in row.depends_on:
            if other.case_id != case.pk:
                add(index, "depends_on", _("An action can only depend on actions of this case."))
                break
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_actions(
    case: Case,
    rows: Sequence[ActionData],
    *,
    actor: Any,
    meeting: Any = None,
) -> list[Action]:
    """Record agreed actions (at the table or on the plan page), all or none."""
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    require_plan_editor(case, actor)
    validate_actions(case, rows)
    plan = ensure_plan(case)
    now = timezone.now()
    first = (Action.objects.filter(case=case).aggregate(n=Max("number"))["n"] or 0) + 1
    created: list[Action] = []
    for offset, row in enumerate(rows):
        assert row.owner_organisation is not None
        assert row.due_date is not None
        action = Action.objects.create(
            case=case,
            house=case.house,
            number=first + offset,
            title=row.title.strip()[:300],
            goal=row.goal,
            domain=row.domain or (row.goal.domain if row.goal else ""),
            service=row.service,
            owner_organisation=row.owner_organisation,
            owner=row.owner,
            due_date=row.due_date,
            meeting=meeting,
            created_by=actor,
            created_at=now,
        )
        if row.depends_on:
            action.depends_on.set(row.depends_on)
        created.append(action)
    record_revision(
        plan,
        actor=actor,
        note=_("%(count)s action(s) added") % {"count": len(created)},
    )
    owners = {a.owner_organisation for a in created}
    for action in created:
        log.record(
            actor=actor,
            house=case.house,
            name="action.create",
            operation=Operation.CREATE,
            obj=action,
            case_id=case.pk,
            subjects=subject_refs(case_subjects(case)),
            recipients=[action.owner_organisation],
            after={
                "number": action.number,
                "owner_organisation": action.owner_organisation_id,
                "owner": action.owner_id,
                "due_date": action.due_date.isoformat(),
                "meeting": getattr(meeting, "pk", None),
            },
        )
    for organisation in owners:
        mine = [a for a in created if a.owner_organisation == organisation]
        people = {a.owner for a in mine if a.owner is not None}
        if any(a.owner is None for a in mine):
            people |= set(
                User.objects.filter(
                    memberships__house=case.house,
                    memberships__organisation=organisation,
                    memberships__ended_at__isnull=True,
                    memberships__role__in=(Role.PARTNER_PARTICIPANT, Role.PARTNER_MANAGER),
                )
            )
        notify(
            [u for u in people if u != actor],
            house=case.house,
            link=plan_link(case),
            message=_("New action(s) for %(org)s in case %(ref)s")
            % {"org": organisation.name, "ref": case.reference},
        )
    webhook_events.emit(webhook_events.ACTION_ASSIGNED, *created)
    return created


def action_link(action: Action) -> str:
    return reverse("plans:action", kwargs={"slug": action.house.slug, "pk": action.pk})


def _reviewers(case: Case) -> list[User]:
    """Who reviews feedback: the case director, else the case's process director, else every
    process director of the house."""
    if case.case_director is not None:
        return [case.case_director]
    if case.process_director is not None:
        return [case.process_director]
    return list(
        User.objects.filter(
            memberships__house=case.house,
            memberships__role=Role.PROCESS_DIRECTOR,
            memberships__ended_at__isnull=True,
        ).distinct()
    )


def _lock(action: Action) -> Action:
    return (
        Action.objects.select_for_update(of=("self",))
        .select_related("case", "case__house", "house", "owner_organisation")
        .get(pk=action.pk)
    )


@transaction.atomic
def do_submit_feedback(action: Action, *, what_was_done: str, result: str, actor: Any) -> Feedback:
    """The owner organisation reports what was done and with what result (*terugkoppeling*)."""
    action = _lock(action)
    if not policy.works_for(actor, action.house, action.owner_organisation):
        raise PermissionDenied(_("Only the owner organisation can give feedback on this action."))
    if action.status != ActionStatus.OPEN:
        raise ValidationError(_("This action is not waiting for feedback."))
    errors: dict[str, list[str]] = {}
    if not what_was_done.strip():
        errors["what_was_done"] = [_("Say what was done.")]
    if not result.strip():
        errors["result"] = [_("Say what it achieved.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    feedback = Feedback.objects.create(
        action=action,
        author=actor,
        organisation=action.owner_organisation,
        what_was_done=what_was_done.strip(),
        result=result.strip(),
        submitted_at=now,
    )
    action.status = ActionStatus.FEEDBACK_GIVEN
    action.version += 1
    action.save(update_fields=["status", "version"])
    Escalation.objects.filter(action=action, resolved_at__isnull=True).update(resolved_at=now)
    touch_progress(action.case_id)
    case = action.case
    recipients = (
        [case.case_director_organisation]
        if case.case_director_organisation_id
        and case.case_director_organisation_id != action.owner_organisation_id
        else []
    )
    log.record(
        actor=actor,
        house=action.house,
        name="action.feedback",
        operation=Operation.CREATE,
        obj=feedback,
        case_id=case.pk,
        actor_organisation=action.owner_organisation,
        subjects=subject_refs(case_subjects(case)),
        recipients=[o for o in recipients if o is not None],
        after={"action": action.pk, "status": action.status},
    )
    notify(
        [u for u in _reviewers(case) if u != actor],
        house=action.house,
        link=action_link(action),
        message=_("Feedback on action A%(number)s of case %(ref)s awaits your review")
        % {"number": action.number, "ref": case.reference},
    )
    return feedback


@transaction.atomic
def do_review_feedback(feedback: Feedback, *, accept: bool, note: str = "", actor: Any) -> Feedback:
    """The case director or a process director accepts feedback (the action is done) or asks
    for more (the action is open again)."""
    action = _lock(feedback.action)
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if not may_review(actor, action):
        raise PermissionDenied(
            _("Only the case director or a process director can review feedback.")
        )
    if feedback.review_status != ReviewStatus.PENDING or action.status != (
        ActionStatus.FEEDBACK_GIVEN
    ):
        raise ValidationError(_("This feedback has already been reviewed."))
    if not accept and not note.strip():
        raise ValidationError({"note": [_("Say what more is needed.")]})
    now = timezone.now()
    feedback.review_status = ReviewStatus.ACCEPTED if accept else ReviewStatus.MORE_REQUESTED
    feedback.reviewed_by = actor
    feedback.review_note = note.strip()
    feedback.reviewed_at = now
    feedback.save(update_fields=["review_status", "reviewed_by", "review_note", "reviewed_at"])
    action.status = ActionStatus.DONE if accept else ActionStatus.OPEN
    action.done_at = now if accept else None
    action.version += 1
    action.save(update_fields=["status", "done_at", "version"])
    touch_progress(action.case_id)
    log.record(
        actor=actor,
        house=action.house,
        name="action.review",
        operation=Operation.UPDATE,
        obj=feedback,
        case_id=action.case_id,
        subjects=subject_refs(case_subjects(action.case)),
        after={"action": action.pk, "status": action.status, "review": feedback.review_status},
    )
    owners = [action.owner] if action.owner else [feedback.author]
    notify(
        [u for u in owners if u is not None and u != actor],
        house=action.house,
        link=action_link(action),
        message=(
            _("Action A%(number)s of case %(ref)s is done")
            if accept
            else _("More is asked about action A%(number)s of case %(ref)s")
        )
        % {"number": action.number, "ref": action.case.reference},
    )
    webhook_events.emit(webhook_events.FEEDBACK_REVIEWED, feedback)
    return feedback


def _check_plan_version(plan: Plan, version: int | None) -> None:
    if version is not None and version != plan.version:
        raise ValidationError(
            _(
                "The plan was changed meanwhile by someone else; your input is kept, "
                "check and save again."
            )
        )


@transaction.atomic
def do_add_goal(
    case: Case, *, domain: str, text: str, actor: Any, version: int | None = None
) -> Goal:
    """A goal per life domain; a new plan revision records it."""
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    require_plan_editor(case, actor)
    plan = ensure_plan(case)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _check_plan_version(plan, version)
    errors: dict[str, list[str]] = {}
    if domain not in LifeDomain.values:
        errors["domain"] = [_("Choose a life domain.")]
    if not text.strip():
        errors["text"] = [_("Describe the goal.")]
    if errors:
        raise ValidationError(errors)
    position = (plan.goals.aggregate(n=Max("position"))["n"] or 0) + 1
    goal = Goal.objects.create(plan=plan, domain=domain, text=text.strip()[:300], position=position)
    record_revision(plan, actor=actor, note=_("Goal added: %(text)s") % {"text": goal.text[:200]})
    log.record(
        actor=actor,
        house=case.house,
        name="plan.goal.add",
        operation=Operation.CREATE,
        obj=goal,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        after={"domain": domain},
    )
    return goal


@transaction.atomic
def do_set_goal_status(goal: Goal, *, status: str, actor: Any, version: int | None = None) -> Goal:
    plan = Plan.objects.select_for_update().select_related("case__house").get(pk=goal.plan_id)
    require_plan_editor(plan.case, actor)
    _check_plan_version(plan, version)
    if status not in GoalStatus.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    before = goal.status
    goal.status = status
    goal.save(update_fields=["status"])
    record_revision(
        plan,
        actor=actor,
        note=_("Goal “%(text)s”: %(status)s")
        % {"text": goal.text[:150], "status": GoalStatus(status).label},
    )
    log.record(
        actor=actor,
        house=plan.case.house,
        name="plan.goal.status",
        operation=Operation.UPDATE,
        obj=goal,
        case_id=plan.case_id,
        subjects=subject_refs(case_subjects(plan.case)),
        before={"status": before},
        after={"status": status},
    )
    return goal
