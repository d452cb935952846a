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
from casusregie.cases.access import case_subjects, on_behalf_of, subject_refs
from casusregie.cases.models import Case
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import EscalationTarget, Organisation
from casusregie.inbox.actions import notify
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.webhooks import events as webhook_events

from .access import may_answer_for_owner, may_edit_plan, may_review, may_see_stalled
from .models import (
    Action,
    ActionChange,
    ActionChangeKind,
    ActionRequest,
    ActionStatus,
    Escalation,
    Feedback,
    Goal,
    GoalStatus,
    Plan,
    PlanRevision,
    RequestKind,
    RequestStatus,
    ReviewStatus,
    Service,
    StallDecision,
    StallDecisionKind,
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
        version=plan.version + 1, updated_at=now, last_progress_at=now, stalled_at=None
    )
    plan.version += 1
    plan.updated_at = plan.last_progress_at = now
    plan.stalled_at = None
    return revision


def touch_progress(case_id: int) -> None:
    """Something moved in the plan (feedback, a status): it is not stalled."""
    Plan.objects.filter(case_id=case_id).update(last_progress_at=timezone.now(), stalled_at=None)


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
                **on_behalf_of(actor, case.house, case.case_director_id),
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
        after={
            "action": action.pk,
            "status": action.status,
            **on_behalf_of(actor, action.house, action.owner_id),
        },
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
        after={
            "action": action.pk,
            "status": action.status,
            "review": feedback.review_status,
            **on_behalf_of(actor, action.house, action.case.case_director_id),
        },
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
        after={"domain": domain, **on_behalf_of(actor, case.house, case.case_director_id)},
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
        after={
            "status": status,
            **on_behalf_of(actor, plan.case.house, plan.case.case_director_id),
        },
    )
    return goal


@transaction.atomic
def do_hand_over_actions(
    handovers: Sequence[tuple[Action, User]], *, from_user: User, actor: Any, reason: str
) -> list[Action]:
    """Part of a handover (houses.actions.do_handover, decision 0046): open actions owned by
    `from_user` get a new owner, who works on cases for the same owner organisation. All or
    none; one processing-log line per person of the case and one plan revision per plan."""
    locked: list[tuple[Action, User]] = []
    errors: dict[str, list[str]] = {}
    for action, owner in handovers:
        action = _lock(action)
        if not policy.has_role(actor, action.house, Role.PROCESS_DIRECTOR, Role.FUNCTIONAL_ADMIN):
            raise PermissionDenied(
                _("Only a process director or a functional administrator hands work over.")
            )
        key = f"action_{action.pk}"
        if action.owner_id != from_user.pk or not action.is_open:
            errors[key] = [
                _("Action A%(number)s of case %(ref)s is no longer open with %(name)s.")
                % {"number": action.number, "ref": action.case.reference, "name": from_user}
            ]
        elif not policy.works_for(owner, action.house, action.owner_organisation):
            errors[key] = [
                _("The new owner must work on cases for %(org)s in this house.")
                % {"org": action.owner_organisation.name}
            ]
        locked.append((action, owner))
    if errors:
        raise ValidationError(errors)
    plans: dict[int, Plan] = {}
    for action, owner in locked:
        action.owner = owner
        action.version += 1
        action.save(update_fields=["owner", "version"])
        log.record(
            actor=actor,
            house=action.house,
            name="action.handover",
            operation=Operation.UPDATE,
            obj=action,
            case_id=action.case_id,
            subjects=subject_refs(case_subjects(action.case)),
            before={"owner": from_user.pk},
            after={"owner": owner.pk},
            reason=reason,
        )
        plan = Plan.objects.filter(case_id=action.case_id).first()
        if plan is not None:
            plans[plan.pk] = plan
    for plan in plans.values():
        record_revision(plan, actor=actor, note=_("Action owner handed over"))
    return [action for action, _owner in locked]


# --- The action lifecycle (decision 0051) ----------------------------------------------------
#
# After an action is agreed it can be changed, reassigned, rescheduled or cancelled by whoever
# shapes the plan; its owner can ask for more time or decline, and the process director or the
# case director decides. Each change keeps an ActionChange row and a plan revision; the minutes
# of the meeting where it was agreed are not touched (they show what was agreed then).


def _organisation_people(house: Any, organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__house=house,
            memberships__organisation=organisation_id,
            memberships__ended_at__isnull=True,
            memberships__role__in=(Role.PARTNER_PARTICIPANT, Role.PARTNER_MANAGER),
        ).distinct()
    )


def owner_people(action: Action) -> list[User]:
    """Who is told about an action: its owner person, or its owner organisation's people."""
    if action.owner_id is not None:
        return [action.owner]  # type: ignore[list-item]
    return _organisation_people(action.house_id, action.owner_organisation_id)


def _dependant_people(action: Action) -> list[User]:
    """The owners of the open actions that wait for this one."""
    people: dict[int, User] = {}
    for other in Action.objects.filter(
        depends_on=action, status__in=(ActionStatus.OPEN, ActionStatus.FEEDBACK_GIVEN)
    ).select_related("owner"):
        for person in owner_people(other):
            people[person.pk] = person
    return list(people.values())


def _tell(people: Sequence[Any], action: Action, message: str, actor: Any) -> None:
    notify(
        [u for u in people if u is not None and u != actor],
        house=action.house,
        link=action_link(action),
        message=message,
    )


def _ref(action: Action) -> dict[str, Any]:
    return {"number": action.number, "ref": action.case.reference}


def _require_open(action: Action) -> None:
    if not action.is_open:
        raise ValidationError(_("This action is no longer open."))


def _check_version(action: Action, version: int | None) -> None:
    if version is not None and version != action.version:
        raise ValidationError(
            _(
                "The action was changed meanwhile by someone else; your input is kept, "
                "check and save again."
            )
        )


def _state(action: Action) -> dict[str, Any]:
    return {
        "title": action.title,
        "goal": action.goal_id,
        "domain": action.domain,
        "service": action.service_id,
        "owner_organisation": action.owner_organisation_id,
        "owner": action.owner_id,
        "due_date": action.due_date.isoformat(),
        "status": action.status,
        "depends_on": sorted(a.pk for a in action.depends_on.all()),
    }


def _record_change(
    action: Action,
    *,
    kind: str,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str,
    actor: Any,
    note: str,
    recipients: Sequence[Organisation] = (),
) -> ActionChange:
    """The history row, the plan revision and the processing-log line of one change."""
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    was = {k: before.get(k) for k in changed}
    change = ActionChange.objects.create(
        action=action,
        kind=kind,
        before=was,
        after=changed,
        reason=reason,
        by=actor,
        at=timezone.now(),
    )
    plan = Plan.objects.select_for_update().filter(case_id=action.case_id).first()
    if plan is None:
        plan = ensure_plan(action.case)
    record_revision(plan, actor=actor, note=note)
    log.record(
        actor=actor,
        house=action.house,
        name=f"action.{kind}",
        operation=Operation.UPDATE,
        obj=action,
        case_id=action.case_id,
        subjects=subject_refs(case_subjects(action.case)),
        recipients=list(recipients),
        before=was,
        after={**changed, **on_behalf_of(actor, action.house, action.case.case_director_id)},
        reason=reason,
    )
    return change


def _editor_lock(action: Action, actor: Any, version: int | None) -> Action:
    action = _lock(action)
    require_plan_editor(action.case, actor)
    _require_open(action)
    _check_version(action, version)
    return action


def _validate_dependencies(action: Action | None, case: Case, depends_on: Sequence[Action]) -> None:
    """Dependencies: open actions of the same case, never the action itself or one that
    (through others) already waits for it."""
    errors: list[str] = []
    for other in depends_on:
        if other.case_id != case.pk:
            errors.append(_("An action can only depend on actions of this case."))
        elif action is not None and other.pk == action.pk:
            errors.append(_("An action cannot depend on itself."))
        elif not other.is_open:
            errors.append(
                _("Action A%(number)s is no longer open; choose open actions only.")
                % {"number": other.number}
            )
    if action is not None and not errors and depends_on:
        # Walk what the chosen actions wait for: reaching `action` would close a circle.
        seen: set[int] = set()
        frontier = {other.pk for other in depends_on}
        while frontier:
            if action.pk in frontier:
                errors.append(_("These dependencies would make the actions wait for each other."))
                break
            seen |= frontier
            frontier = (
                set(
                    Action.depends_on.through.objects.filter(from_action__in=frontier).values_list(
                        "to_action", flat=True
                    )
                )
                - seen
            )
    if errors:
        raise ValidationError({"depends_on": list(dict.fromkeys(errors))})


@transaction.atomic
def do_add_action(case: Case, data: ActionData, *, actor: Any) -> Action:
    """One action added on the plan page or through the API (process director or case
    director). Errors are named after the fields (`title`, `due_date`, ...)."""
    _validate_dependencies(None, case, data.depends_on)
    try:
        (created,) = do_create_actions(case, [data], actor=actor)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(
                {key.removeprefix("row-1-"): value for key, value in error.error_dict.items()}
            ) from None
        raise
    return created


@transaction.atomic
def do_edit_action(
    action: Action,
    *,
    title: str,
    goal: Goal | None,
    domain: str,
    service: Service | None,
    depends_on: Sequence[Action],
    actor: Any,
    version: int | None = None,
) -> Action:
    """Change what an open action is about: title, goal, life domain, service, dependencies."""
    action = _editor_lock(action, actor, version)
    case = action.case
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Describe the action.")]
    if domain and domain not in LifeDomain.values:
        errors["domain"] = [_("Unknown life domain.")]
    if goal is not None and goal.plan.case_id != case.pk:
        errors["goal"] = [_("This goal belongs to another plan.")]
    if service is not None and service.house_id != case.house_id:
        errors["service"] = [_("This service is not offered in this house.")]
    try:
        _validate_dependencies(action, case, depends_on)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    before = _state(action)
    action.title = title.strip()[:300]
    action.goal = goal
    action.domain = domain or (goal.domain if goal else "")
    action.service = service
    action.version += 1
    action.save(update_fields=["title", "goal", "domain", "service", "version"])
    action.depends_on.set(depends_on)
    after = _state(action)
    if after == before:  # the transaction is rolled back: nothing is written
        raise ValidationError(_("Nothing was changed."))
    _record_change(
        action,
        kind=ActionChangeKind.EDIT,
        before=before,
        after=after,
        reason="",
        actor=actor,
        note=_("Action A%(number)s changed") % {"number": action.number},
    )
    _tell(
        owner_people(action) + _dependant_people(action),
        action,
        _("Action A%(number)s of case %(ref)s was changed") % _ref(action),
        actor,
    )
    return action


@transaction.atomic
def do_reassign_action(
    action: Action,
    *,
    owner_organisation: Organisation | None,
    owner: User | None,
    reason: str,
    actor: Any,
    version: int | None = None,
) -> Action:
    """Give an open action to another organisation taking part in the case, or to another
    person of the owner organisation. The new owner is told, and so is the previous one."""
    action = _editor_lock(action, actor, version)
    case = action.case
    errors: dict[str, list[str]] = {}
    if owner_organisation is None:
        errors["owner_organisation"] = [_("Every action needs an owner organisation.")]
    elif owner_organisation.pk not in _active_participants(case):
        errors["owner_organisation"] = [
            _("%(org)s does not take part in this case; add it as a participant first.")
            % {"org": owner_organisation.name}
        ]
    elif owner is not None and not policy.works_for(owner, case.house, owner_organisation):
        errors["owner"] = [_("The owner must work for the owner organisation in this house.")]
    if not reason.strip():
        errors["reason"] = [_("Give a reason.")]
    if (
        not errors
        and owner_organisation is not None
        and owner_organisation.pk == action.owner_organisation_id
        and getattr(owner, "pk", None) == action.owner_id
    ):
        errors["owner_organisation"] = [_("This is already the owner.")]
    if errors:
        raise ValidationError(errors)
    assert owner_organisation is not None
    previous = owner_people(action)
    before = _state(action)
    action.owner_organisation = owner_organisation
    action.owner = owner
    action.escalation_level = 0
    action.reminded_before_at = None
    action.reminded_overdue_at = None
    action.version += 1
    action.save(
        update_fields=[
            "owner_organisation",
            "owner",
            "escalation_level",
            "reminded_before_at",
            "reminded_overdue_at",
            "version",
        ]
    )
    Escalation.objects.filter(action=action, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    _record_change(
        action,
        kind=ActionChangeKind.REASSIGN,
        before=before,
        after=_state(action),
        reason=reason.strip(),
        actor=actor,
        note=_("Action A%(number)s reassigned") % {"number": action.number},
        recipients=[owner_organisation],
    )
    _tell(
        owner_people(action),
        action,
        _("Action A%(number)s of case %(ref)s is now yours") % _ref(action),
        actor,
    )
    _tell(
        [p for p in previous if p not in owner_people(action)] + _dependant_people(action),
        action,
        _("Action A%(number)s of case %(ref)s was given to another owner") % _ref(action),
        actor,
    )
    webhook_events.emit(webhook_events.ACTION_ASSIGNED, action)
    return action


def _reschedule(action: Action, due_date: datetime.date, reason: str, actor: Any) -> None:
    before = _state(action)
    action.due_date = due_date
    action.reminded_before_at = None
    action.reminded_overdue_at = None
    action.version += 1
    action.save(update_fields=["due_date", "reminded_before_at", "reminded_overdue_at", "version"])
    _record_change(
        action,
        kind=ActionChangeKind.RESCHEDULE,
        before=before,
        after=_state(action),
        reason=reason,
        actor=actor,
        note=_("Action A%(number)s rescheduled to %(date)s")
        % {"number": action.number, "date": due_date.strftime("%d-%m-%Y")},
    )
    _tell(
        owner_people(action) + _dependant_people(action),
        action,
        _("Action A%(number)s of case %(ref)s has a new due date: %(date)s")
        % {**_ref(action), "date": due_date.strftime("%d-%m-%Y")},
        actor,
    )


@transaction.atomic
def do_reschedule_action(
    action: Action,
    *,
    due_date: datetime.date | None,
    reason: str,
    actor: Any,
    version: int | None = None,
) -> Action:
    """A new due date with a reason; the old one stays in the action's history."""
    action = _editor_lock(action, actor, version)
    errors: dict[str, list[str]] = {}
    if due_date is None:
        errors["due_date"] = [_("Every action needs a due date.")]
    elif due_date < timezone.localdate():
        errors["due_date"] = [_("The due date cannot be in the past.")]
    elif due_date == action.due_date:
        errors["due_date"] = [_("This is already the due date.")]
    if not reason.strip():
        errors["reason"] = [_("Give a reason.")]
    if errors:
        raise ValidationError(errors)
    assert due_date is not None
    _reschedule(action, due_date, reason.strip(), actor)
    return action


def _cancel(action: Action, reason: str, actor: Any) -> None:
    before = _state(action)
    now = timezone.now()
    action.status = ActionStatus.CANCELLED
    action.version += 1
    action.save(update_fields=["status", "version"])
    Escalation.objects.filter(action=action, resolved_at__isnull=True).update(resolved_at=now)
    ActionRequest.objects.filter(action=action, status=RequestStatus.PENDING).update(
        status=RequestStatus.CLOSED, decided_by=actor, decided_at=now
    )
    _record_change(
        action,
        kind=ActionChangeKind.CANCEL,
        before=before,
        after=_state(action),
        reason=reason,
        actor=actor,
        note=_("Action A%(number)s cancelled") % {"number": action.number},
    )
    _tell(
        owner_people(action) + _dependant_people(action),
        action,
        _("Action A%(number)s of case %(ref)s was cancelled") % _ref(action),
        actor,
    )


@transaction.atomic
def do_cancel_action(
    action: Action, *, reason: str, actor: Any, version: int | None = None
) -> Action:
    """Cancel an open action with a reason; the owner and the owners of actions that wait for
    it are told."""
    action = _editor_lock(action, actor, version)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    _cancel(action, reason.strip(), actor)
    return action


def _owner_request(
    action: Action,
    *,
    kind: str,
    reason: str,
    actor: Any,
    proposed_date: datetime.date | None = None,
) -> ActionRequest:
    action = _lock(action)
    if not may_answer_for_owner(actor, action):
        raise PermissionDenied(_("Only the owner organisation can ask this."))
    if action.status != ActionStatus.OPEN:
        raise ValidationError(_("This action is not waiting for its owner."))
    if ActionRequest.objects.filter(action=action, status=RequestStatus.PENDING).exists():
        raise ValidationError(_("A request about this action is already awaiting a decision."))
    errors: dict[str, list[str]] = {}
    if kind == RequestKind.MORE_TIME:
        if proposed_date is None:
            errors["proposed_date"] = [_("Propose a new due date.")]
        elif proposed_date <= action.due_date or proposed_date < timezone.localdate():
            errors["proposed_date"] = [_("Propose a date after the current due date.")]
    if not reason.strip():
        errors["reason"] = [_("Give a reason.")]
    if errors:
        raise ValidationError(errors)
    request = ActionRequest.objects.create(
        action=action,
        kind=kind,
        proposed_date=proposed_date,
        reason=reason.strip(),
        organisation=action.owner_organisation,
        by=actor,
        at=timezone.now(),
    )
    touch_progress(action.case_id)
    case = action.case
    log.record(
        actor=actor,
        house=action.house,
        name=f"action.request.{kind}",
        operation=Operation.CREATE,
        obj=request,
        case_id=case.pk,
        actor_organisation=action.owner_organisation,
        subjects=subject_refs(case_subjects(case)),
        after={
            "action": action.pk,
            "kind": kind,
            "proposed_date": proposed_date.isoformat() if proposed_date else None,
            **on_behalf_of(actor, action.house, action.owner_id),
        },
    )
    message = (
        _("The owner of action A%(number)s of case %(ref)s asks for more time")
        if kind == RequestKind.MORE_TIME
        else _("The owner of action A%(number)s of case %(ref)s declines it")
    ) % _ref(action)
    _tell(_reviewers(case), action, message, actor)
    return request


def do_ask_more_time(
    action: Action, *, proposed_date: datetime.date | None, reason: str, actor: Any
) -> ActionRequest:
    """The owner organisation proposes a later due date, with a reason."""
    with transaction.atomic():
        return _owner_request(
            action,
            kind=RequestKind.MORE_TIME,
            proposed_date=proposed_date,
            reason=reason,
            actor=actor,
        )


def do_decline_action(action: Action, *, reason: str, actor: Any) -> ActionRequest:
    """The owner organisation declines the action, with a reason."""
    with transaction.atomic():
        return _owner_request(action, kind=RequestKind.DECLINE, reason=reason, actor=actor)


ACCEPT = "accept"
ESCALATE = "escalate"


@transaction.atomic
def do_decide_request(
    request: ActionRequest,
    *,
    decision: str,
    note: str = "",
    actor: Any,
    owner_organisation: Organisation | None = None,
    owner: User | None = None,
) -> ActionRequest:
    """The process director or the case director decides on a request of the owner:

    - accept more time: the due date moves to the proposed date;
    - accept a refusal: the action goes to `owner_organisation`/`owner` when given, or is
      cancelled;
    - escalate: the request becomes an escalation of the action (to the owner organisation's
      partner managers), the action stays with its owner.
    """
    action = _lock(request.action)
    request = ActionRequest.objects.select_for_update().get(pk=request.pk)
    if not may_review(actor, action):
        raise PermissionDenied(_("Only the case director or a process director can decide."))
    if request.status != RequestStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    _require_open(action)
    if decision not in (ACCEPT, ESCALATE):
        raise ValidationError({"decision": [_("Choose a decision.")]})
    if decision == ESCALATE and not note.strip():
        raise ValidationError({"note": [_("Say why you escalate.")]})
    now = timezone.now()
    reason = note.strip() or request.reason
    if decision == ACCEPT and request.kind == RequestKind.MORE_TIME:
        assert request.proposed_date is not None
        if request.proposed_date < timezone.localdate():
            raise ValidationError(_("The proposed date has passed; reschedule the action instead."))
        _reschedule(action, request.proposed_date, reason, actor)
    elif decision == ACCEPT and owner_organisation is not None:
        if owner_organisation.pk == action.owner_organisation_id and (
            owner is None or owner.pk == action.owner_id
        ):
            raise ValidationError(
                {"owner_organisation": [_("Choose another owner, or none to cancel.")]}
            )
        # Reassigning checks the new owner; it needs the plan editor's rights, which the
        # reviewers have.
        do_reassign_action(
            action, owner_organisation=owner_organisation, owner=owner, reason=reason, actor=actor
        )
    elif decision == ACCEPT:
        require_plan_editor(action.case, actor)
        _cancel(action, reason, actor)
    else:
        escalation, created = Escalation.objects.get_or_create(
            action=action,
            level=0,
            defaults={
                "house": action.house,
                "title": _("Escalated by the process director")[:200],
                "notified": EscalationTarget.PARTNER_MANAGER,
                "reached_at": now,
            },
        )
        if not created:
            escalation.reached_at = now
            escalation.resolved_at = None
            escalation.save(update_fields=["reached_at", "resolved_at"])
        managers = list(
            User.objects.filter(
                memberships__house=action.house,
                memberships__organisation=action.owner_organisation_id,
                memberships__role=Role.PARTNER_MANAGER,
                memberships__ended_at__isnull=True,
            ).distinct()
        )
        _tell(
            managers,
            action,
            _("Escalation for action A%(number)s of case %(ref)s") % _ref(action),
            actor,
        )
    request.status = RequestStatus.ACCEPTED if decision == ACCEPT else RequestStatus.ESCALATED
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = note.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    log.record(
        actor=actor,
        house=action.house,
        name="action.request.decide",
        operation=Operation.UPDATE,
        obj=request,
        case_id=action.case_id,
        subjects=subject_refs(case_subjects(action.case)),
        after={
            "action": action.pk,
            "status": request.status,
            **on_behalf_of(actor, action.house, action.case.case_director_id),
        },
    )
    _tell(
        [request.by, *owner_people(action)],
        action,
        (
            _("Your request about action A%(number)s of case %(ref)s was accepted")
            if decision == ACCEPT
            else _("Your request about action A%(number)s of case %(ref)s was escalated")
        )
        % _ref(action),
        actor,
    )
    return request


# --- Stalled plans (decision 0052) -----------------------------------------------------------


@transaction.atomic
def do_decide_stall(plan: Plan, *, kind: str, reason: str, actor: Any) -> StallDecision:
    """The process director's explicit decision about a stalled plan: plan a new meeting,
    escalate (the house manager is told) or accept the standstill (with a reason). The plan
    leaves the stalled list; the stall period starts again from now."""
    plan = Plan.objects.select_for_update().select_related("case", "case__house").get(pk=plan.pk)
    case = plan.case
    if not may_see_stalled(actor, case.house):
        raise PermissionDenied(_("Only a process director decides about stalled plans."))
    if plan.stalled_at is None:
        raise ValidationError(_("This plan is no longer on the stalled list."))
    errors: dict[str, list[str]] = {}
    if kind not in StallDecisionKind.values:
        errors["kind"] = [_("Choose a decision.")]
    if kind == StallDecisionKind.ACCEPT and not reason.strip():
        errors["reason"] = [_("Say why the standstill is accepted.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    decision = StallDecision.objects.create(
        plan=plan,
        kind=kind,
        reason=reason.strip(),
        stalled_at=plan.stalled_at,
        reasons=plan.stall_reasons,
        by=actor,
        at=now,
    )
    plan.stalled_at = None
    plan.last_progress_at = now
    plan.save(update_fields=["stalled_at", "last_progress_at"])
    log.record(
        actor=actor,
        house=case.house,
        name="plan.stall.decide",
        operation=Operation.UPDATE,
        obj=plan,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        after={"decision": kind},
        reason=reason.strip(),
    )
    ref = {"ref": case.reference}
    if kind == StallDecisionKind.RESCHEDULE_MEETING:
        people = [case.case_director, case.process_director]
        message = _("The plan of case %(ref)s stalled: a new meeting is to be planned") % ref
    elif kind == StallDecisionKind.ESCALATE:
        people = list(policy.case_workers(case.house, roles=(Role.HOUSE_MANAGER,)))
        message = _("The plan of case %(ref)s stalled and is escalated to you") % ref
    else:
        people = [case.case_director]
        message = _("The standstill of the plan of case %(ref)s was accepted") % ref
    notify(
        [u for u in people if u is not None and u != actor],
        house=case.house,
        link=plan_link(case),
        message=message,
    )
    return decision
