"""Changes to case meetings: planning, availability, scheduling and cancelling (with calendar
e-mails), and what the table records. Each validates first, changes, writes the processing
log (disclosures name the receiving organisations) and queues side effects after commit."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.cases import access as case_access
from casusregie.cases import actions as case_actions
from casusregie.cases.models import Case, Participation
from casusregie.houses.models import House, InviteeChoice, Organisation, Partnership
from casusregie.inbox.actions import notify
from casusregie.privacy import log, policy
from casusregie.privacy.audit import record_change
from casusregie.privacy.models import DataCategory, Operation
from casusregie.referrals.models import Referral
from casusregie.webhooks import events as webhook_events

from .access import attendee_names, guest_organisation_ids, is_director
from .models import (
    AgendaItem,
    Answer,
    Attendance,
    Audience,
    Availability,
    ChosenInvitee,
    Contribution,
    ContributionKind,
    Decision,
    DecisionKind,
    Invitation,
    Meeting,
    MeetingStatus,
    TimeSlot,
)
from .tasks import send_meeting_mail


def _require_director(house_id: int, actor: Any) -> None:
    if not is_director(actor, house_id):
        raise PermissionDenied(_("Only a process director can plan and chair case meetings."))


def meeting_link(meeting: Meeting) -> str:
    return reverse("meetings:detail", kwargs={"slug": meeting.house.slug, "pk": meeting.pk})


def _next_reference(house: House) -> str:
    House.objects.select_for_update().filter(pk=house.pk).first()
    last = (
        Meeting.objects.filter(house=house)
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    return f"O-{int(last.split('-')[1]) + 1 if last else 1}"


def _subjects_of(cases: Sequence[Case]) -> list[Any]:
    return case_access.subject_refs_of_cases(cases)


def _mail_after_commit(meeting: Meeting) -> None:
    meeting_id = meeting.pk
    transaction.on_commit(lambda: send_meeting_mail.enqueue(meeting_id))


def check_version(meeting: Meeting, version: int | None) -> None:
    if version is not None and version != meeting.version:
        raise ValidationError(
            _(
                "This meeting was changed meanwhile by someone else; your input is kept, "
                "check and save again."
            )
        )


def _bump(meeting: Meeting, *fields: str) -> None:
    meeting.version += 1
    meeting.save(update_fields=[*fields, "version"])


@transaction.atomic
def do_plan_meeting(
    house: House,
    *,
    title: str,
    cases: Sequence[Case],
    invitees: Sequence[tuple[Organisation, bool]],
    slots: Sequence[datetime.datetime],
    duration_minutes: int = 90,
    location: str = "",
    actor: Any,
) -> Meeting:
    """Plan a meeting for one or more cases: invite organisations and propose time slots.
    An invited organisation that does not yet take part in a case on the agenda joins it (a
    disclosure, logged), because attending means hearing the case."""
    _require_director(house.pk, actor)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the meeting a title.")]
    if not cases:
        errors["cases"] = [_("Put at least one case on the agenda.")]
    elif any(c.house_id != house.pk or not c.is_open for c in cases):
        errors["cases"] = [_("Only open cases of this house can be on the agenda.")]
    if not invitees:
        errors["invitees"] = [_("Invite at least one organisation.")]
    partners = set(Partnership.objects.filter(house=house).values_list("organisation", flat=True))
    if any(org.pk not in partners for org, _required in invitees):
        errors["invitees"] = [_("This organisation is not a partner of this house.")]
    now = timezone.now()
    if not slots:
        errors["slots"] = [_("Propose at least one time slot.")]
    elif any(slot <= now for slot in slots):
        errors["slots"] = [_("A time slot cannot be in the past.")]
    elif len(set(slots)) != len(slots):
        errors["slots"] = [_("Each time slot can be proposed once.")]
    if not 15 <= duration_minutes <= 480:
        errors["duration_minutes"] = [_("A meeting lasts between 15 minutes and 8 hours.")]
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        house=house,
        reference=_next_reference(house),
        title=title.strip()[:200],
        chair=actor,
        duration_minutes=duration_minutes,
        location=location.strip()[:200],
        created_by=actor,
    )
    for position, case in enumerate(cases, start=1):
        AgendaItem.objects.create(meeting=meeting, case=case, position=position)
    # Which invitees the referrer proposed stays visible on the invitation (decision 0050).
    proposed = set(
        Referral.proposed_invitees.through.objects.filter(referral__case__in=cases).values_list(
            "organisation", flat=True
        )
    )
    Invitation.objects.bulk_create(
        Invitation(
            meeting=meeting,
            organisation=org,
            required=required,
            proposed_by_referrer=org.pk in proposed,
        )
        for org, required in invitees
    )
    TimeSlot.objects.bulk_create(TimeSlot(meeting=meeting, starts_at=s) for s in sorted(slots))
    organisations = [org for org, _required in invitees]
    for case in cases:
        taking_part = set(
            case.participations.filter(ended_at__isnull=True).values_list("organisation", flat=True)
        )
        for org in organisations:
            if org.pk not in taking_part:
                Participation.objects.create(
                    case=case,
                    organisation=org,
                    role=_("Invited to case meeting"),
                    purpose=_("Case meeting %(ref)s") % {"ref": meeting.reference},
                )
    log.record(
        actor=actor,
        house=house,
        name="meeting.plan",
        operation=Operation.CREATE,
        obj=meeting,
        subjects=_subjects_of(cases),
        recipients=organisations,
        meeting_id=meeting.pk,
        after={"cases": [c.pk for c in cases], "invited": [o.pk for o in organisations]},
    )
    members = policy.case_workers(house, organisations=organisations)
    notify(
        [u for u in members if u != actor],
        house=house,
        link=meeting_link(meeting),
        message=_("You are invited to case meeting %(ref)s: mark your availability")
        % {"ref": meeting.reference},
    )
    webhook_events.emit(webhook_events.MEETING_PLANNED, meeting)
    return meeting


def invitation_of(meeting: Meeting, user: Any) -> Invitation | None:
    """The invitation the user answers for (their organisation's), if any."""
    return (
        meeting.invitations.filter(organisation__in=policy.case_organisations(user, meeting.house))
        .select_related("organisation")
        .first()
    )


@transaction.atomic
def do_answer_availability(
    meeting: Meeting, *, answers: dict[int, str], actor: Any
) -> list[Availability]:
    invitation = invitation_of(meeting, actor)
    if invitation is None:
        raise PermissionDenied(_("Your organisation is not invited to this meeting."))
    if meeting.status != MeetingStatus.PLANNING:
        raise ValidationError(_("The time of this meeting has already been chosen."))
    slots = {s.pk: s for s in meeting.slots.all()}
    if set(answers) != set(slots) or any(a not in Answer.values for a in answers.values()):
        raise ValidationError(_("Answer every proposed time slot."))
    saved = []
    for slot_id, answer in answers.items():
        row, _created = Availability.objects.update_or_create(
            slot=slots[slot_id],
            invitation=invitation,
            defaults={"answer": answer, "answered_by": actor},
        )
        saved.append(row)
    log.record(
        actor=actor,
        house=meeting.house,
        name="meeting.availability",
        operation=Operation.UPDATE,
        obj=invitation,
        subjects=[log.SubjectRef(f"meeting-{meeting.pk}", "meeting")],
        actor_organisation=invitation.organisation,
        after={str(k): v for k, v in answers.items()},
    )
    return saved


def suggest_slot(meeting: Meeting) -> TimeSlot | None:
    """The slot that seats all required organisations (available or perhaps), then the most
    organisations available, then the earliest. None if no slot seats every required one."""
    required = meeting.invitations.filter(required=True).count()
    yes = Q(answers__answer=Answer.YES)
    seated = Q(answers__answer__in=(Answer.YES, Answer.MAYBE), answers__invitation__required=True)
    slots = (
        meeting.slots.filter(starts_at__gt=timezone.now())
        .annotate(seated=Count("answers", filter=seated), yes=Count("answers", filter=yes))
        .filter(seated__gte=required)
        .order_by("-yes", "starts_at")
    )
    return slots.first()


@transaction.atomic
def do_schedule_meeting(
    meeting: Meeting, slot: TimeSlot, *, actor: Any, version: int | None = None
) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_director(meeting.house_id, actor)
    check_version(meeting, version)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting has been cancelled; plan a new one."))
    if meeting.status not in (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED):
        raise ValidationError(_("This meeting has already started."))
    if slot.meeting_id != meeting.pk:
        raise ValidationError({"slot": [_("Choose one of the proposed time slots.")]})
    if slot.starts_at <= timezone.now():
        raise ValidationError({"slot": [_("A time slot cannot be in the past.")]})
    rescheduled = meeting.status == MeetingStatus.SCHEDULED
    before = meeting.starts_at
    meeting.starts_at = slot.starts_at
    meeting.status = MeetingStatus.SCHEDULED
    if rescheduled:
        meeting.ics_sequence += 1
    _bump(meeting, "starts_at", "status", "ics_sequence")
    log.record(
        actor=actor,
        house=meeting.house,
        name="meeting.schedule",
        operation=Operation.UPDATE,
        obj=meeting,
        subjects=[log.SubjectRef(f"meeting-{meeting.pk}", "meeting")],
        before={"starts_at": before.isoformat() if before else None},
        after={"starts_at": slot.starts_at.isoformat(), "sequence": meeting.ics_sequence},
    )
    _mail_after_commit(meeting)
    webhook_events.emit(
        webhook_events.MEETING_MOVED if rescheduled else webhook_events.MEETING_SCHEDULED, meeting
    )
    return meeting


@transaction.atomic
def do_cancel_meeting(meeting: Meeting, *, reason: str, actor: Any) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_director(meeting.house_id, actor)
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.HELD):
        raise ValidationError(_("This meeting can no longer be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the meeting is cancelled.")]})
    was_scheduled = meeting.starts_at is not None
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancel_reason = reason.strip()
    meeting.ics_sequence += 1
    _bump(meeting, "status", "cancelled_at", "cancel_reason", "ics_sequence")
    log.record(
        actor=actor,
        house=meeting.house,
        name="meeting.cancel",
        operation=Operation.UPDATE,
        obj=meeting,
        subjects=[log.SubjectRef(f"meeting-{meeting.pk}", "meeting")],
        reason=reason,
    )
    if was_scheduled:
        _mail_after_commit(meeting)
    webhook_events.emit(webhook_events.MEETING_CANCELLED, meeting)
    return meeting


def _table(meeting: Meeting, actor: Any, version: int | None) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("house").get(pk=meeting.pk)
    _require_director(meeting.house_id, actor)
    check_version(meeting, version)
    if meeting.status not in (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS):
        raise ValidationError(_("Table mode is for a scheduled meeting that has not ended."))
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.IN_PROGRESS
        meeting.save(update_fields=["status"])
    return meeting


@transaction.atomic
def do_register_attendance(
    meeting: Meeting,
    *,
    people: Sequence[User],
    actor: Any,
    version: int | None = None,
) -> list[Attendance]:
    """Who sits at the table, each for the organisation they are a member of in this house."""
    meeting = _table(meeting, actor, version)
    if not people:
        raise ValidationError({"people": [_("Tick who is present.")]})
    rows = []
    for person in people:
        membership = policy.membership_in(person, meeting.house_id, roles=tuple(Role))
        if membership is None:
            raise ValidationError({"people": [_("This person has no role in this house.")]})
        row, _created = Attendance.objects.get_or_create(
            meeting=meeting,
            organisation=membership.organisation,
            name=person.full_name,
            defaults={"user": person},
        )
        rows.append(row)
    _bump(meeting)
    log.record(
        actor=actor,
        house=meeting.house,
        name="meeting.attendance",
        operation=Operation.UPDATE,
        obj=meeting,
        subjects=[log.SubjectRef(f"meeting-{meeting.pk}", "meeting")],
        after={"present": [p.pk for p in people]},
    )
    return rows


@transaction.atomic
def do_record_decision(
    item: AgendaItem,
    *,
    kind: str,
    text: str,
    actor: Any,
    version: int | None = None,
    case_director: User | None = None,
) -> Decision:
    """A decision about one case, shared with every participant of that case. A case
    director decision also names the case director on the case."""
    meeting = _table(item.meeting, actor, version)
    if kind not in DecisionKind.values:
        raise ValidationError({"kind": [_("Choose the kind of decision.")]})
    if kind == DecisionKind.CASE_DIRECTOR:
        if case_director is None:
            raise ValidationError({"case_director": [_("Choose the case director.")]})
        membership = policy.membership_in(case_director, meeting.house_id)
        if membership is None:
            raise ValidationError(
                {"case_director": [_("The case director must work for a partner in this house.")]}
            )
        case_actions.do_set_directors(
            item.case,
            process_director=item.case.process_director or actor,
            case_director=case_director,
            case_director_organisation=membership.organisation,
            actor=actor,
        )
        text = text.strip() or _("%(name)s (%(org)s) directs the case.") % {
            "name": case_director.full_name,
            "org": membership.organisation.name,
        }
    if not text.strip():
        raise ValidationError({"text": [_("Write the decision.")]})
    decision = Decision.objects.create(
        agenda_item=item, kind=kind, text=text.strip(), recorded_by=actor
    )
    if item.discussed_at is None:
        item.discussed_at = timezone.now()
        item.save(update_fields=["discussed_at"])
    _bump(meeting)
    participants = [
        p.organisation
        for p in item.case.participations.filter(ended_at__isnull=True).select_related(
            "organisation"
        )
    ]
    log.record(
        actor=actor,
        house=meeting.house,
        name="meeting.decision",
        operation=Operation.CREATE,
        obj=decision,
        case_id=item.case_id,
        subjects=case_access.subject_refs(case_access.case_subjects(item.case)),
        recipients=participants,
        meeting_id=meeting.pk,
        attendees=attendee_names(meeting),
        after={"kind": kind},
    )
    return decision


@transaction.atomic
def do_close_meeting(meeting: Meeting, *, actor: Any, version: int | None = None) -> Meeting:
    meeting = _table(meeting, actor, version)
    meeting.status = MeetingStatus.HELD
    meeting.held_at = timezone.now()
    _bump(meeting, "status", "held_at")
    log.record(
        actor=actor,
        house=meeting.house,
        name="meeting.close",
        operation=Operation.UPDATE,
        obj=meeting,
        subjects=[log.SubjectRef(f"meeting-{meeting.pk}", "meeting")],
    )
    orgs = set()
    for item in meeting.agenda.select_related("case"):
        orgs |= set(
            item.case.participations.filter(ended_at__isnull=True).values_list(
                "organisation", flat=True
            )
        )
    members = policy.case_workers(meeting.house, roles=policy.PARTNER_ROLES, organisations=orgs)
    notify(
        [u for u in members if u != actor],
        house=meeting.house,
        link=meeting_link(meeting) + "verslag/",
        message=_("The minutes of case meeting %(ref)s for your organisation are ready")
        % {"ref": meeting.reference},
    )
    return meeting


def touch_meeting(meeting: Meeting) -> None:
    """Actions were added at the table: a form made before this is out of date."""
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    meeting.version += 1


@transaction.atomic
def do_add_contribution(
    item: AgendaItem,
    *,
    text: str,
    purpose: str,
    audience: str,
    organisations: Sequence[Organisation] = (),
    advice_only: bool = False,
    kind: str = ContributionKind.WRITTEN_INPUT,
    categories: Sequence[str] = (),
    actor: Any,
) -> Contribution:
    """Information or advice about a case, shared with the chosen audience only. The
    disclosure register (the processing log) names each organisation that may read it."""
    meeting = item.meeting
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.HELD):
        raise ValidationError(_("This meeting is over; contributions are closed."))
    participants = _participants(item)
    membership = policy.membership_in(actor, meeting.house_id, organisations=list(participants))
    if membership is None:
        raise PermissionDenied(_("Only organisations taking part in the case can contribute."))
    return _contribute(
        item,
        meeting,
        participants,
        author=actor,
        organisation=membership.organisation,
        kind=kind,
        text=text,
        purpose=purpose,
        audience=audience,
        organisations=organisations,
        advice_only=advice_only,
        categories=categories,
    )


@transaction.atomic
def do_record_contribution_at_table(
    item: AgendaItem,
    *,
    organisation: Organisation | None,
    text: str,
    purpose: str,
    audience: str,
    organisations: Sequence[Organisation] = (),
    advice_only: bool = False,
    categories: Sequence[str] = (),
    actor: Any,
    version: int | None = None,
) -> Contribution:
    """What a partner says at the table, recorded by the chair in table mode with the audience
    the partner gives it (decision 0049): the chair is the author, the partner that said it the
    organisation, and it must take part in the case."""
    meeting = _table(item.meeting, actor, version)
    participants = _participants(item)
    if organisation is None or organisation.pk not in participants:
        raise ValidationError(
            {"organisation": [_("Choose the organisation that said it; it must take part.")]}
        )
    contribution = _contribute(
        item,
        meeting,
        participants,
        author=actor,
        organisation=organisation,
        kind=ContributionKind.AT_THE_TABLE,
        text=text,
        purpose=purpose,
        audience=audience,
        organisations=organisations,
        advice_only=advice_only,
        categories=categories,
    )
    _bump(meeting)
    return contribution


def _participants(item: AgendaItem) -> dict[int, Organisation]:
    return {
        p.organisation_id: p.organisation
        for p in item.case.participations.filter(ended_at__isnull=True).select_related(
            "organisation"
        )
    }


def _contribute(
    item: AgendaItem,
    meeting: Meeting,
    participants: dict[int, Organisation],
    *,
    author: Any,
    organisation: Organisation,
    kind: str,
    text: str,
    purpose: str,
    audience: str,
    organisations: Sequence[Organisation],
    advice_only: bool,
    categories: Sequence[str],
) -> Contribution:
    """Validate and store a contribution, and write the disclosure to its audience."""
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Write your contribution.")]
    if not purpose.strip():
        errors["purpose"] = [_("State the purpose for which you share this.")]
    if audience not in Audience.values:
        errors["audience"] = [_("Choose who may read this.")]
    if audience == Audience.ORGANISATIONS:
        if not organisations:
            errors["organisations"] = [_("Name the organisations that may read this.")]
        elif any(o.pk not in participants for o in organisations):
            errors["organisations"] = [_("Only organisations taking part in the case can read it.")]
    if set(categories) - set(DataCategory.values):
        errors["categories"] = [_("Choose kinds of information from the list.")]
    if errors:
        raise ValidationError(errors)
    contribution = Contribution.objects.create(
        agenda_item=item,
        kind=kind,
        author=author,
        organisation=organisation,
        text=text.strip(),
        advice_only=advice_only,
        audience=audience,
        purpose=purpose.strip()[:300],
    )
    if audience == Audience.ORGANISATIONS:
        contribution.audience_organisations.set(organisations)
    if audience == Audience.ALL_PARTICIPANTS:
        recipients = list(participants.values())
    elif audience == Audience.ORGANISATIONS:
        recipients = list(organisations)
    else:
        recipients = []
    log.record(
        actor=author,
        house=meeting.house,
        name="meeting.contribution",
        operation=Operation.CREATE,
        obj=contribution,
        case_id=item.case_id,
        actor_organisation=organisation,
        subjects=case_access.subject_refs(case_access.case_subjects(item.case)),
        recipients=[o for o in recipients if o.pk != organisation.pk],
        meeting_id=meeting.pk,
        attendees=attendee_names(meeting),
        purpose=contribution.purpose,
        # The register always records case information; the author adds what else it holds.
        categories=sorted({DataCategory.CASE, *categories}),
        after={"audience": audience, "advice_only": advice_only, "kind": kind},
    )
    return contribution


PICTURE_MAX = 20_000


@transaction.atomic
def do_write_picture(
    item: AgendaItem,
    *,
    shared_picture: str,
    scenarios: str,
    actor: Any,
    version: int | None = None,
) -> AgendaItem:
    """The chair writes the shared picture (*beeldvorming*) and the scenarios weighed
    (*oordeelsvorming*) of one case, before the decisions (*besluitvorming*). Like a decision,
    both are shared with every organisation taking part in the case (decision 0049)."""
    meeting = _table(item.meeting, actor, version)
    item = AgendaItem.objects.select_for_update().select_related("case").get(pk=item.pk)
    errors: dict[str, list[str]] = {}
    for field, value in (("shared_picture", shared_picture), ("scenarios", scenarios)):
        if len(value) > PICTURE_MAX:
            errors[field] = [_("Keep this under 20,000 characters.")]
    if errors:
        raise ValidationError(errors)
    before = {"shared_picture": bool(item.shared_picture), "scenarios": bool(item.scenarios)}
    changed = [
        field
        for field, value in (("shared_picture", shared_picture), ("scenarios", scenarios))
        if getattr(item, field) != value.strip()
    ]
    if not changed:
        return item
    item.shared_picture = shared_picture.strip()
    item.scenarios = scenarios.strip()
    item.save(update_fields=["shared_picture", "scenarios"])
    _bump(meeting)
    log.record(
        actor=actor,
        house=meeting.house,
        name="meeting.picture",
        operation=Operation.UPDATE,
        obj=item,
        case_id=item.case_id,
        subjects=case_access.subject_refs(case_access.case_subjects(item.case)),
        recipients=list(_participants(item).values()),
        meeting_id=meeting.pk,
        attendees=attendee_names(meeting),
        before=before,
        after={"changed": changed},
    )
    return item


@transaction.atomic
def do_register_guest(
    meeting: Meeting,
    *,
    name: str,
    organisation: Organisation | None,
    role: str,
    actor: Any,
    version: int | None = None,
) -> Attendance:
    """Someone at the table without an account: name, organisation and role, no login. The
    organisation is one invited to the meeting or the house's own staff, so the disclosure
    register names a partner that is a joint controller (decision 0049)."""
    meeting = _table(meeting, actor, version)
    errors: dict[str, list[str]] = {}
    name = " ".join(name.split())
    role = " ".join(role.split())
    if not name:
        errors["name"] = [_("Write the guest's name.")]
    elif len(name) > 200:
        errors["name"] = [_("Keep the name under 200 characters.")]
    if not role:
        errors["role"] = [_("Write in which role the guest sits at the table.")]
    elif len(role) > 100:
        errors["role"] = [_("Keep the role under 100 characters.")]
    if organisation is None or organisation.pk not in guest_organisation_ids(meeting):
        errors["organisation"] = [
            _("Choose an organisation invited to this meeting, or the house's own team.")
        ]
    elif name and meeting.attendance.filter(organisation=organisation, name=name).exists():
        errors["name"] = [_("%(name)s is already registered present.") % {"name": name}]
    if errors:
        raise ValidationError(errors)
    assert organisation is not None
    row = Attendance.objects.create(
        meeting=meeting, user=None, name=name, organisation=organisation, role=role
    )
    _bump(meeting)
    log.record(
        actor=actor,
        house=meeting.house,
        name="meeting.attendance",
        operation=Operation.UPDATE,
        obj=meeting,
        subjects=[log.SubjectRef(f"meeting-{meeting.pk}", "meeting")],
        after={"guest": row.pk, "organisation": organisation.pk, "role": role},
    )
    return row


@transaction.atomic
def do_choose_invitees(case: Case, *, organisations: Sequence[Organisation], actor: Any) -> None:
    """In a house where the organisation the case is placed with chooses the invitees
    (`invitee_choice=placing_organisation`, decision 0050), its case workers choose whom to
    invite to the meetings about the case; the process director's planning form starts from
    this choice, and the director is told."""
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    house = case.house
    if house.invitee_choice != InviteeChoice.PLACING_ORGANISATION:
        raise PermissionDenied(_("In this house the placing organisation does not choose."))
    placing = case.placing_organisation
    if placing is None or not policy.works_for(actor, house, placing):
        raise PermissionDenied(
            _("Only the organisation the case is placed with chooses the invitees.")
        )
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    partners = set(Partnership.objects.filter(house=house).values_list("organisation", flat=True))
    if not organisations:
        raise ValidationError({"organisations": [_("Choose at least one organisation.")]})
    if any(o.pk not in partners for o in organisations):
        raise ValidationError(
            {"organisations": [_("This organisation is not a partner of this house.")]}
        )
    before = sorted(case.chosen_invitees.values_list("organisation", flat=True))
    chosen = sorted({o.pk for o in organisations})
    if before == chosen:
        return
    case.chosen_invitees.all().delete()
    ChosenInvitee.objects.bulk_create(
        ChosenInvitee(case=case, organisation_id=pk, chosen_by=actor) for pk in chosen
    )
    log.record(
        actor=actor,
        house=house,
        name="case.choose_invitees",
        operation=Operation.UPDATE,
        obj=case,
        case_id=case.pk,
        actor_organisation=placing,
        subjects=case_access.subject_refs(case_access.case_subjects(case)),
        before={"invitees": before},
        after={"invitees": chosen},
    )
    directors = [case.process_director] if case.process_director else []
    directors = directors or list(policy.case_workers(house, roles=(Role.PROCESS_DIRECTOR,)))
    notify(
        [u for u in directors if u != actor],
        house=house,
        link=reverse("meetings:new", kwargs={"slug": house.slug}) + f"?casus={case.pk}",
        message=_("%(org)s chose whom to invite to the meeting about case %(ref)s")
        % {"org": placing.name, "ref": case.reference},
    )


@transaction.atomic
def do_hand_over_chair(
    meeting: Meeting, *, chair: User, from_user: User, actor: Any, reason: str
) -> Meeting:
    """Part of a handover (houses.actions.do_handover, decision 0046): a meeting not yet held
    gets another chair, a process director of the house."""
    meeting = Meeting.objects.select_for_update().select_related("house").get(pk=meeting.pk)
    if not policy.has_role(actor, meeting.house, Role.PROCESS_DIRECTOR, Role.FUNCTIONAL_ADMIN):
        raise PermissionDenied(
            _("Only a process director or a functional administrator hands work over.")
        )
    if meeting.chair_id != from_user.pk or meeting.status in (
        MeetingStatus.HELD,
        MeetingStatus.CANCELLED,
    ):
        raise ValidationError(
            _("%(name)s no longer chairs meeting %(ref)s.")
            % {"name": from_user, "ref": meeting.reference}
        )
    if not is_director(chair, meeting.house_id):
        raise ValidationError(
            {"process_director": _("The new chair must be a process director of this house.")}
        )
    meeting.chair = chair
    meeting.version += 1
    meeting.save(update_fields=["chair", "version"])
    record_change(
        actor=actor,
        action="meeting.handover",
        obj=meeting,
        house=meeting.house,
        before={"chair": from_user.pk},
        after={"chair": chair.pk},
        reason=reason,
    )
    return meeting
