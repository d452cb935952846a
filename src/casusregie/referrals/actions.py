"""Referral, triage and known-to actions. Each validates, changes, logs and notifies in one
transaction; a failure leaves nothing half-saved."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.cases import access as case_access
from casusregie.cases import actions as case_actions
from casusregie.cases.models import Case, CaseSubject, Participation, Subject, SubjectKind, Urgency
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import (
    House,
    InviteeChoice,
    Organisation,
    Partnership,
    ReferralRights,
)
from casusregie.inbox.actions import notify
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.webhooks import events as webhook_events

from .access import deciders, may_decide
from .models import (
    AdmissionCriterion,
    KnownToAnswer,
    KnownToQuery,
    NotInformedReason,
    Referral,
    ReferralConcern,
    ReferralStatus,
    ReferralSubject,
    ReferralVariant,
)

OPEN_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.SUBMITTED)


@dataclass
class ReferralData:
    """What a referrer fills in. Subjects: the first one is the main subject."""

    kind: str
    variant: str = ReferralVariant.REGULAR
    subjects: list[case_actions.SubjectData] = field(default_factory=list)
    area_description: str = ""
    concerns: dict[str, str] = field(default_factory=dict)
    urgency: str = Urgency.NORMAL
    goal: str = ""
    stuck_statement: str = ""
    subject_informed: bool | None = None
    not_informed_reason: str = ""
    not_informed_explanation: str = ""
    proposed_invitees: list[Organisation] = field(default_factory=list)


def referral_link(referral: Referral) -> str:
    return reverse("referrals:detail", kwargs={"slug": referral.house.slug, "pk": referral.pk})


def _subjects(referral: Referral) -> list[Subject]:
    return [link.subject for link in referral.subjects.select_related("subject")]


def _refs(referral: Referral) -> list[log.SubjectRef]:
    subjects = _subjects(referral)
    if subjects:
        return case_access.subject_refs(subjects)
    # An area referral has no person: log it against the referral itself.
    return [log.SubjectRef(f"referral-{referral.pk}", "area")]


def referrer_organisations(user: User, house: House) -> list[Organisation]:
    """The organisations on whose behalf this user may refer in this house."""
    orgs = Organisation.objects.filter(
        pk__in=policy.case_organisations(user, house), partnerships__house=house
    )
    if house.referral_rights == ReferralRights.STUCK_COVENANT_PARTNERS:
        orgs = orgs.filter(partnerships__covenant_signatory=True)
    return list(orgs.distinct().order_by("name"))


def _validate_shape(house: House, data: ReferralData) -> None:
    """What must hold for a draft as well as for a submission."""
    errors: dict[str, list[str]] = {}
    if data.kind not in SubjectKind.values:
        errors["kind"] = [_("Choose a person, a family or an area.")]
    if data.variant not in ReferralVariant.values:
        errors["variant"] = [_("Choose a referral or a police care form.")]
    if data.urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency.")]
    unknown = set(data.concerns) - set(LifeDomain.values)
    if unknown:
        errors["concerns"] = [_("Unknown life domain: %(d)s") % {"d": ", ".join(sorted(unknown))}]
    if data.not_informed_reason and data.not_informed_reason not in NotInformedReason.values:
        errors["not_informed_reason"] = [_("Choose a reason.")]
    for organisation in data.proposed_invitees:
        if not Partnership.objects.filter(house=house, organisation=organisation).exists():
            errors["proposed_invitees"] = [
                _("%(org)s is not a partner of this house.") % {"org": organisation}
            ]
    for number, subject in enumerate(data.subjects, start=1):
        try:
            subject.validate()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(f"subject_{number}_{key}", []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _validate_complete(house: House, data: ReferralData, referral: Referral) -> None:
    """What must hold before a referral can be submitted."""
    errors: dict[str, list[str]] = {}
    if data.kind == SubjectKind.AREA:
        if not data.area_description.strip():
            errors["area_description"] = [_("Describe the area and the problem.")]
    elif not data.subjects:
        errors["subjects"] = [_("Enter at least the person the referral is about.")]
    elif data.kind == SubjectKind.FAMILY and len(data.subjects) < 2:
        errors["subjects"] = [_("A family referral names at least two family members.")]
    if not data.goal.strip():
        errors["goal"] = [_("Say what you want to achieve with the case meeting.")]
    if not any(text.strip() for text in data.concerns.values()):
        errors["concerns"] = [_("Describe the concerns on at least one life domain.")]
    if data.kind != SubjectKind.AREA:
        if data.subject_informed is None:
            errors["subject_informed"] = [_("Say whether the subject has been informed.")]
        elif data.subject_informed is False and not data.not_informed_reason:
            errors["not_informed_reason"] = [_("Say why the subject has not been informed.")]
    if (
        house.referral_rights == ReferralRights.STUCK_COVENANT_PARTNERS
        and data.variant == ReferralVariant.REGULAR
        and not data.stuck_statement.strip()
    ):
        errors["stuck_statement"] = [
            _(
                "In this house only a partner that is stuck may refer: describe what you "
                "tried and where you are stuck."
            )
        ]
    if data.variant == ReferralVariant.CARE_FORM and house.care_form_recipient is None:
        errors["variant"] = [_("This house has no recipient for police care forms configured.")]
    if errors:
        raise ValidationError(errors)


def _write_details(referral: Referral, data: ReferralData) -> None:
    house = referral.house
    # A draft's people are rewritten on every save; the old rows belonged to this draft only,
    # so they go (with their encrypted BSN) instead of lingering unlinked.
    old_subjects = list(referral.subjects.values_list("subject_id", flat=True))
    referral.subjects.all().delete()
    Subject.objects.filter(pk__in=old_subjects).delete()
    referral.concerns.all().delete()
    for index, subject_data in enumerate(data.subjects):
        subject = case_actions.create_subject(house, subject_data)
        ReferralSubject.objects.create(
            referral=referral,
            subject=subject,
            is_main=index == 0,
            relation_to_main="" if index == 0 else subject_data.relation_to_main,
            has_authority=subject_data.has_authority,
        )
    ReferralConcern.objects.bulk_create(
        ReferralConcern(referral=referral, domain=domain, description=text.strip())
        for domain, text in data.concerns.items()
        if text.strip()
    )
    referral.proposed_invitees.set(data.proposed_invitees)


@transaction.atomic
def do_save_referral(
    house: House,
    data: ReferralData,
    *,
    actor: User,
    organisation: Organisation,
    referral: Referral | None = None,
    submit: bool = False,
) -> Referral:
    """Create or update a draft referral; with `submit`, also submit it."""
    if organisation not in referrer_organisations(actor, house):
        raise ValidationError(
            {"organisation": _("You cannot refer on behalf of this organisation in this house.")}
        )
    if referral is not None and (
        referral.status != ReferralStatus.DRAFT or referral.referrer_id != actor.pk
    ):
        raise ValidationError(_("Only your own draft can be changed."))
    _validate_shape(house, data)
    if submit:
        if referral is None:
            _validate_complete(house, data, Referral(house=house))
        else:
            _validate_complete(house, data, referral)
    values = {
        "kind": data.kind,
        "variant": data.variant,
        "area_description": data.area_description,
        "urgency": data.urgency,
        "goal": data.goal,
        "stuck_statement": data.stuck_statement,
        "subject_informed": data.subject_informed,
        "not_informed_reason": data.not_informed_reason if data.subject_informed is False else "",
        "not_informed_explanation": data.not_informed_explanation,
        "referrer_organisation": organisation,
    }
    created = referral is None
    if referral is None:
        referral = Referral.objects.create(house=house, referrer=actor, **values)
    else:
        for name, value in values.items():
            setattr(referral, name, value)
        referral.save(update_fields=list(values))
    _write_details(referral, data)
    log.record(
        actor=actor,
        actor_organisation=organisation,
        house=house,
        name="referral.create" if created else "referral.update",
        operation=Operation.CREATE if created else Operation.UPDATE,
        obj=referral,
        subjects=_refs(referral),
        after={"kind": data.kind, "variant": data.variant},
    )
    if submit:
        _submit(referral, actor=actor)
    return referral


def _submit(referral: Referral, *, actor: User) -> None:
    referral.status = ReferralStatus.SUBMITTED
    referral.submitted_at = timezone.now()
    recipients: list[Organisation] = []
    if referral.variant == ReferralVariant.CARE_FORM:
        referral.routed_to = referral.house.care_form_recipient
        assert referral.routed_to is not None
        recipients.append(referral.routed_to)
    referral.save(update_fields=["status", "submitted_at", "routed_to"])
    log.record(
        actor=actor,
        actor_organisation=referral.referrer_organisation,
        house=referral.house,
        name="referral.submit",
        operation=Operation.UPDATE,
        obj=referral,
        subjects=_refs(referral),
        recipients=recipients,
        after={"status": ReferralStatus.SUBMITTED},
    )
    _check_signals(referral, actor)
    notify(
        deciders(referral),
        house=referral.house,
        link=referral_link(referral),
        message=_("New referral %(ref)s awaits your judgement") % {"ref": referral.reference},
    )


def _check_signals(referral: Referral, actor: User) -> None:
    """Early warning (signals app): open convergence alerts about these people now point to
    this referral, and "already a case?" is asked of the other houses of the region."""
    from casusregie.aftercare import hooks as aftercare_hooks
    from casusregie.signals import hooks

    hooks.referral_submitted(referral, actor=actor)
    # A person of a case in aftercare or recently closed: the director may re-open it.
    aftercare_hooks.referral_submitted(referral, actor=actor)


@transaction.atomic
def do_submit_referral(referral: Referral, data: ReferralData, *, actor: User) -> Referral:
    referral = Referral.objects.select_for_update().select_related("house").get(pk=referral.pk)
    return do_save_referral(
        referral.house,
        data,
        actor=actor,
        referral=referral,
        submit=True,
        organisation=referral.referrer_organisation,
    )


@transaction.atomic
def do_withdraw_referral(referral: Referral, *, actor: User, reason: str) -> Referral:
    referral = Referral.objects.select_for_update().select_related("house").get(pk=referral.pk)
    if referral.status not in OPEN_STATUSES:
        raise ValidationError(_("Only a draft or a referral awaiting triage can be withdrawn."))
    if not policy.works_for(actor, referral.house, referral.referrer_organisation):
        raise ValidationError(_("Only the referring organisation can withdraw a referral."))
    if referral.status == ReferralStatus.SUBMITTED and not reason.strip():
        raise ValidationError({"reason": _("Say why you withdraw the referral.")})
    was_submitted = referral.status == ReferralStatus.SUBMITTED
    referral.status = ReferralStatus.WITHDRAWN
    referral.decision_reason = reason.strip()
    referral.decided_at = timezone.now()
    referral.save(update_fields=["status", "decision_reason", "decided_at"])
    log.record(
        actor=actor,
        house=referral.house,
        name="referral.withdraw",
        operation=Operation.UPDATE,
        obj=referral,
        subjects=_refs(referral),
        reason=reason,
        after={"status": ReferralStatus.WITHDRAWN},
    )
    if was_submitted:
        notify(
            deciders(referral),
            house=referral.house,
            link=referral_link(referral),
            message=_("Referral %(ref)s has been withdrawn") % {"ref": referral.reference},
        )
    return referral


def _check_criteria(criteria: Sequence[str]) -> list[str]:
    unknown = set(criteria) - set(AdmissionCriterion.values)
    if unknown:
        raise ValidationError({"criteria": _("Unknown criterion.")})
    return [c for c in AdmissionCriterion.values if c in criteria]


def _lock_for_decision(referral: Referral, actor: User) -> Referral:
    referral = Referral.objects.select_for_update().select_related("house").get(pk=referral.pk)
    if referral.status != ReferralStatus.SUBMITTED:
        raise ValidationError(
            _("This referral has already been dealt with (%(status)s).")
            % {"status": ReferralStatus(referral.status).label}
        )
    if not may_decide(actor, referral):
        raise ValidationError(_("You cannot judge this referral."))
    return referral


def _record_decision(
    referral: Referral, status: str, *, actor: User, reason: str, **fields: Any
) -> None:
    """Store a triage decision: its status, who decided when and why, and what goes with it
    (the case, the criteria, the organisation forwarded to)."""
    values = {
        "status": status,
        "decided_at": timezone.now(),
        "decided_by": actor,
        "decision_reason": reason.strip(),
        **fields,
    }
    for name, value in values.items():
        setattr(referral, name, value)
    referral.save(update_fields=list(values))


def _tell_referrer(referral: Referral, message: str) -> None:
    """*Terugmelding*: the referrer always hears the outcome."""
    notify([referral.referrer], house=referral.house, link=referral_link(referral), message=message)


@transaction.atomic
def do_accept_referral(
    referral: Referral,
    *,
    actor: User,
    criteria: Sequence[str],
    placing_organisation: Organisation | None = None,
    process_director: User | None = None,
    add_to_case: Case | None = None,
    reason: str = "",
) -> Case:
    """Accept: create a case, or add the referral to the open case of the same person."""
    referral = _lock_for_decision(referral, actor)
    criteria = _check_admission(criteria)
    links = list(referral.subjects.select_related("subject"))
    if add_to_case is not None:
        case = _accept_into_existing(referral, add_to_case, actor=actor)
    else:
        case = _accept_into_new_case(
            referral,
            links,
            actor=actor,
            placing_organisation=placing_organisation,
            process_director=process_director,
        )
    _record_decision(
        referral, ReferralStatus.ACCEPTED, actor=actor, reason=reason, case=case, criteria=criteria
    )
    log.record(
        actor=actor,
        house=referral.house,
        name="referral.accept",
        operation=Operation.UPDATE,
        obj=referral,
        case_id=case.pk,
        subjects=_refs(referral),
        after={"status": ReferralStatus.ACCEPTED, "case": case.reference, "criteria": criteria},
    )
    _tell_referrer(
        referral,
        _("Your referral %(ref)s has been accepted: case %(case)s")
        % {"ref": referral.reference, "case": case.reference},
    )
    if add_to_case is None:
        _ask_placing_organisation(referral.house, case, actor=actor)
    webhook_events.emit(webhook_events.REFERRAL_DECIDED, referral)
    return case


def _ask_placing_organisation(house: House, case: Case, *, actor: User) -> None:
    """Where the placing organisation chooses the invitees (decision 0050), its case workers
    are asked to choose."""
    if house.invitee_choice != InviteeChoice.PLACING_ORGANISATION:
        return
    if case.placing_organisation is None:
        return
    notify(
        [u for u in policy.case_workers(house, case.placing_organisation) if u != actor],
        house=house,
        link=reverse("meetings:choose_invitees", kwargs={"slug": house.slug, "case": case.pk}),
        message=_("Case %(ref)s is placed with your organisation: choose whom to invite")
        % {"ref": case.reference},
    )


def _check_admission(criteria: Sequence[str]) -> list[str]:
    """Known criteria that admit a case: 1, 2 and 3 together, or 4 (an area)."""
    checked = _check_criteria(criteria)
    meets = (
        set(checked)
        >= {
            AdmissionCriterion.MULTIPLE_DOMAINS,
            AdmissionCriterion.CROSS_CHAIN,
            AdmissionCriterion.SYSTEM,
        }
        or AdmissionCriterion.AREA in checked
    )
    if not meets:
        raise ValidationError(
            {
                "criteria": _(
                    "The admission criteria are not met: tick criteria 1, 2 and 3 together, or 4. "
                    "Otherwise decline or forward the referral."
                )
            }
        )
    return checked


def _accept_into_existing(referral: Referral, case: Case, *, actor: User) -> Case:
    """Add the referral's people to an open case of the house; the referrer takes part."""
    if case.house_id != referral.house_id or not case.is_open:
        raise ValidationError({"add_to_case": _("Choose an open case of this house.")})
    # The same person may come in again as a new subject row: match on identity.
    known = {case_actions.identity(s) for s in case_access.case_subjects(case)}
    CaseSubject.objects.bulk_create(
        CaseSubject(case=case, subject=s, is_main=False)
        for s in _subjects(referral)
        if case_actions.identity(s) not in known
    )
    # The referrer hears the outcome and must be able to open the case it links to.
    if not case.participations.filter(
        organisation=referral.referrer_organisation, ended_at__isnull=True
    ).exists():
        _referrer_takes_part(referral, case, actor=actor)
    return case


def _referrer_takes_part(referral: Referral, case: Case, *, actor: User) -> None:
    participation = Participation.objects.create(
        case=case,
        organisation=referral.referrer_organisation,
        role=_("Referrer"),
        purpose=_("Referred the case and receives its outcome"),
    )
    log.record(
        actor=actor,
        house=referral.house,
        name="case.add_participant",
        operation=Operation.UPDATE,
        obj=participation,
        case_id=case.pk,
        subjects=case_access.subject_refs(case_access.case_subjects(case)),
        recipients=[referral.referrer_organisation],
        after={"organisation": referral.referrer_organisation_id, "role": "referrer"},
    )


def _accept_into_new_case(
    referral: Referral,
    links: list[Any],
    *,
    actor: User,
    placing_organisation: Organisation | None,
    process_director: User | None,
) -> Case:
    """A new case for the referral's people, unless the main person already has an open one."""
    main = links[0].subject if links else None
    existing = case_actions.open_case_for(referral.house, main) if main else None
    if existing is not None:
        raise ValidationError(
            {
                "add_to_case": _(
                    "This person already has an open case (%(ref)s). Add the referral to that case "
                    "instead."
                )
                % {"ref": existing.reference}
            }
        )
    return case_actions.create_case(
        referral.house,
        kind=referral.kind,
        title=_case_title(referral, main),
        urgency=referral.urgency,
        subjects=[
            (link.subject, link.is_main, link.relation_to_main, link.has_authority)
            for link in links
        ],
        actor=actor,
        process_director=process_director,
        placing_organisation=placing_organisation,
        participants=_first_participants(referral, placing_organisation),
    )


def _case_title(referral: Referral, main: Subject | None) -> str:
    if referral.kind == SubjectKind.AREA:
        return referral.area_description.strip().splitlines()[0][:120]
    if referral.kind == SubjectKind.FAMILY and main is not None:
        return _("Family %(name)s") % {"name": main.last_name}
    return main.full_name if main else referral.reference


def _first_participants(
    referral: Referral, placing_organisation: Organisation | None
) -> list[tuple[Organisation, str, str]]:
    """The referrer, the organisation the case is placed with, and a care form's recipient."""
    participants = [
        (
            referral.referrer_organisation,
            _("Referrer"),
            _("Referred the case and receives its outcome"),
        )
    ]
    if placing_organisation is not None:
        participants.append(
            (
                placing_organisation,
                _("Placed with"),
                _("The case was placed with this organisation at triage"),
            )
        )
    if referral.routed_to is not None:
        participants.append(
            (referral.routed_to, _("Care form recipient"), _("Judged the police care form"))
        )
    return participants


@transaction.atomic
def do_decline_referral(
    referral: Referral, *, actor: User, reason: str, criteria: Sequence[str] = ()
) -> Referral:
    referral = _lock_for_decision(referral, actor)
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Give the reason for declining; the referrer receives it.")}
        )
    _record_decision(
        referral,
        ReferralStatus.DECLINED,
        actor=actor,
        reason=reason,
        criteria=_check_criteria(criteria),
    )
    log.record(
        actor=actor,
        house=referral.house,
        name="referral.decline",
        operation=Operation.UPDATE,
        obj=referral,
        subjects=_refs(referral),
        reason=reason,
        after={"status": ReferralStatus.DECLINED},
    )
    _tell_referrer(
        referral,
        _("Your referral %(ref)s has been declined: %(reason)s")
        % {"ref": referral.reference, "reason": reason.strip()[:150]},
    )
    webhook_events.emit(webhook_events.REFERRAL_DECIDED, referral)
    return referral


@transaction.atomic
def do_forward_referral(
    referral: Referral, *, actor: User, organisation: Organisation, reason: str
) -> Referral:
    referral = _lock_for_decision(referral, actor)
    if not Partnership.objects.filter(house=referral.house, organisation=organisation).exists():
        raise ValidationError(
            {"organisation": _("A referral can only be forwarded to a partner of this house.")}
        )
    if organisation.pk == referral.referrer_organisation_id:
        raise ValidationError(
            {
                "organisation": _(
                    "Forwarding to the referring organisation itself does not help; "
                    "decline instead."
                )
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is forwarded.")})
    _record_decision(
        referral, ReferralStatus.FORWARDED, actor=actor, reason=reason, forwarded_to=organisation
    )
    log.record(
        actor=actor,
        house=referral.house,
        name="referral.forward",
        operation=Operation.DISCLOSE,
        obj=referral,
        subjects=_refs(referral),
        recipients=[organisation],
        reason=reason,
        after={"status": ReferralStatus.FORWARDED, "forwarded_to": organisation.pk},
    )
    _tell_referrer(
        referral,
        _("Your referral %(ref)s has been forwarded to %(org)s")
        % {"ref": referral.reference, "org": organisation.name},
    )
    notify(
        policy.case_workers(referral.house, organisation),
        house=referral.house,
        link=referral_link(referral),
        message=_("Referral %(ref)s has been forwarded to your organisation")
        % {"ref": referral.reference},
    )
    webhook_events.emit(webhook_events.REFERRAL_DECIDED, referral)
    return referral


# --- Known-to queries (bekendheid) -------------------------------------------------------------


@transaction.atomic
def do_ask_known_to(
    *,
    house: House,
    organisations: Iterable[Organisation],
    deadline: datetime.date,
    actor: User,
    case: Case | None = None,
    referral: Referral | None = None,
) -> list[KnownToQuery]:
    """Ask partner organisations whether they know the subject. Only identity is shared."""
    if not policy.has_role(actor, house, Role.PROCESS_DIRECTOR):
        raise ValidationError(_("Only a process director can ask partners."))
    organisations = list(dict.fromkeys(organisations))  # each organisation once, in order
    # Judge the current state, not the caller's copy.
    if case is not None:
        case = Case.objects.select_for_update().get(pk=case.pk)
    if referral is not None:
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if (case is not None and case.house_id != house.pk) or (
        referral is not None and referral.house_id != house.pk
    ):
        raise ValidationError(_("The case or referral does not belong to this house."))
    if case is not None and not case.is_open:
        raise ValidationError(_("This case is closed."))
    if referral is not None and referral.status != ReferralStatus.SUBMITTED:
        raise ValidationError(_("Ask partners only about a referral that awaits triage."))
    if not organisations:
        raise ValidationError({"organisations": _("Choose at least one organisation.")})
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    for organisation in organisations:
        if not Partnership.objects.filter(house=house, organisation=organisation).exists():
            raise ValidationError(
                {
                    "organisations": _("%(org)s is not a partner of this house.")
                    % {"org": organisation}
                }
            )
    subjects = case_access.case_subjects(case) if case else _subjects(referral) if referral else []
    if not subjects:
        raise ValidationError(_("There is no person to ask about."))
    queries = []
    for organisation in organisations:
        query = KnownToQuery.objects.create(
            house=house,
            case=case,
            referral=referral,
            organisation=organisation,
            asked_by=actor,
            deadline=deadline,
        )
        queries.append(query)
        log.record(
            actor=actor,
            house=house,
            name="known_to.ask",
            operation=Operation.DISCLOSE,
            obj=query,
            case_id=case.pk if case else None,
            subjects=case_access.subject_refs(subjects),
            recipients=[organisation],
            activity=log.KNOWN_TO,
            after={"organisation": organisation.pk, "deadline": deadline.isoformat()},
        )
        notify(
            policy.case_workers(house, organisation, policy.PARTNER_ROLES),
            house=house,
            link=reverse("referrals:known_to_answer", kwargs={"slug": house.slug, "pk": query.pk}),
            message=_("Is this person known to you? Please answer before %(date)s")
            % {"date": deadline.strftime("%d-%m-%Y")},
        )
    from casusregie.aftercare import hooks as aftercare_hooks

    # One question (the first organisation's row) stands for the round in a relapse alert.
    aftercare_hooks.known_to_asked(
        house, subjects, queries[0].pk, case_id=case.pk if case else None, actor=actor
    )
    webhook_events.emit(webhook_events.KNOWN_TO_ASKED, *queries)
    return queries


def known_to_subjects(query: KnownToQuery) -> list[Subject]:
    if query.case_id:
        return case_access.case_subjects(query.case)  # type: ignore[arg-type]
    return _subjects(query.referral)  # type: ignore[arg-type]


@transaction.atomic
def do_answer_known_to(
    query: KnownToQuery, *, actor: User, answer: str, contact_person: str = ""
) -> KnownToQuery:
    query = (
        # Lock only the question: the case is a nullable (outer) join, which PostgreSQL
        # cannot lock.
        KnownToQuery.objects.select_for_update(of=("self",))
        .select_related("house", "case")
        .get(pk=query.pk)
    )
    if not policy.works_for(actor, query.house, query.organisation):
        raise ValidationError(_("Only the organisation that was asked can answer."))
    if query.answer:
        raise ValidationError(_("This question has already been answered."))
    if query.case is not None and not query.case.is_open:
        raise ValidationError(_("This case is closed; the question no longer needs an answer."))
    if timezone.localdate() > query.deadline:
        raise ValidationError(
            _(
                "The deadline (%(date)s) has passed; the process director has been told that no "
                "answer came. Contact them if you still know something."
            )
            % {"date": query.deadline.strftime("%d-%m-%Y")}
        )
    if answer not in KnownToAnswer.values:
        raise ValidationError({"answer": _("Answer known or not known.")})
    if answer == KnownToAnswer.KNOWN and not contact_person.strip():
        raise ValidationError(
            {"contact_person": _("Name a contact person the process director can call.")}
        )
    query.answer = answer
    query.contact_person = contact_person.strip() if answer == KnownToAnswer.KNOWN else ""
    query.answered_by = actor
    query.answered_at = timezone.now()
    query.save(update_fields=["answer", "contact_person", "answered_by", "answered_at"])
    asker = policy.membership_in(query.asked_by, query.house, roles=policy.STAFF_ROLES)
    log.record(
        actor=actor,
        actor_organisation=query.organisation,
        house=query.house,
        name="known_to.answer",
        operation=Operation.CREATE,
        obj=query,
        case_id=query.case_id,
        subjects=case_access.subject_refs(known_to_subjects(query)),
        # "Known" or "not known" tells the asking process director's organisation something
        # about the person: a disclosure, in the register.
        recipients=[asker.organisation] if asker is not None else [],
        purpose="Beantwoording bekend-met-vraag",
        activity=log.KNOWN_TO,
        after={"answer": answer},
    )
    return query


def remind_overdue_known_to(today: datetime.date | None = None) -> int:
    """Tell the process director once about every question whose deadline passed unanswered,
    and remind the asked organisation. Returns the number of questions handled."""
    today = today or timezone.localdate()
    overdue = KnownToQuery.objects.filter(
        answer="", deadline__lt=today, reminded_at__isnull=True
    ).select_related("house", "organisation", "asked_by")
    handled = 0
    for query in overdue:
        with transaction.atomic():
            query.reminded_at = timezone.now()
            query.save(update_fields=["reminded_at"])
            notify(
                [query.asked_by],
                house=query.house,
                link=reverse("referrals:known_to_list", kwargs={"slug": query.house.slug}),
                message=_("%(org)s did not answer your known-to question before %(date)s")
                % {"org": query.organisation.name, "date": query.deadline.strftime("%d-%m-%Y")},
            )
        handled += 1
    return handled


def record_referral_list(actor: Any, house: House, referrals: Sequence[Referral]) -> None:
    """A page of referrals names the first person of each (subjects prefetched by the caller):
    log it per referral for that person."""
    items = []
    for referral in referrals:
        links = list(referral.subjects.all())
        refs = case_access.subject_refs([links[0].subject]) if links else []
        items.append((referral.pk, refs))
    log.record_list(
        actor=actor,
        house=house,
        name="referral.list",
        obj=house,
        items=items,
        object_type="referrals.referral",
        activity=log.TRIAGE,
        case_ids={r.pk: r.case_id for r in referrals},
    )
