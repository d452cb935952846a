"""State changes of cases. Each validates, changes, writes the processing log and audit row,
and queues notifications, in one transaction."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation, OrganisationKind, Partnership
from casusregie.inbox.actions import notify
from casusregie.privacy import log, lookups, policy
from casusregie.privacy.bsn import lookup_hash as bsn_lookup_hash
from casusregie.privacy.bsn import normalise_bsn, validate_bsn
from casusregie.privacy.crypto import encrypt
from casusregie.privacy.models import Operation
from casusregie.webhooks import events as webhook_events

from .access import case_subjects, house_municipalities, may_correct, subject_refs
from .bsn import searched_bsn
from .models import (
    AftercareOutcome,
    Assessment,
    AssessmentMoment,
    AssessmentScore,
    Case,
    CaseSubject,
    Participation,
    PhaseChange,
    RelationKind,
    Subject,
    SubjectKind,
    SubjectRelation,
    Urgency,
)
from .phases import Phase, can_move


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def admit_case_search(actor: Any, house: House, text: str) -> None:
    """A search of the case list by BSN looks a person up (issue 22): it counts against the
    look-up limits of the person and their organisation (privacy/lookups.py) and raises
    `LookUpRefused` over them, before anything is searched. Searches by name or date of birth
    and digits that fail the eleven-test are not counted."""
    if searched_bsn(text):
        lookups.admit(actor, house, what="case-search")


def region_hash_of_bsn(bsn: str, key: str | None = None) -> str:
    """The BSN's pseudonym under the region's shared key (`SIGNALS_REGION_KEY`), for "already
    a case?" between houses (decision 0025); "" without a key or a BSN."""
    key = str(getattr(settings, "SIGNALS_REGION_KEY", "") or "") if key is None else key
    if not key or not bsn:
        return ""
    message = f"signal-region:{normalise_bsn(bsn)}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def name_key(first_name: str, last_name: str) -> str:
    return " ".join(f"{first_name} {last_name}".lower().split())


@dataclass
class SubjectData:
    first_name: str
    last_name: str
    date_of_birth: datetime.date | None = None
    bsn: str = ""
    address: str = ""
    relation_to_main: str = ""
    has_authority: bool = False

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.first_name.strip() or not self.last_name.strip():
            errors.setdefault("last_name", []).append(_("Enter the first name and surname."))
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            errors.setdefault("date_of_birth", []).append(
                _("The date of birth cannot be in the future.")
            )
        if self.bsn:
            try:
                validate_bsn(self.bsn)
            except ValidationError as error:
                errors.setdefault("bsn", []).extend(error.messages)
        if errors:
            raise ValidationError(errors)


def create_subject(house: House, data: SubjectData) -> Subject:
    data.validate()
    bsn = normalise_bsn(data.bsn)
    return Subject.objects.create(
        house=house,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        date_of_birth=data.date_of_birth,
        bsn_encrypted=encrypt(bsn),
        bsn_hash=bsn_lookup_hash(bsn),
        region_hash=region_hash_of_bsn(bsn),
        address=data.address.strip(),
        search_name=name_key(data.first_name, data.last_name),
    )


def record_case_list(
    actor: Any, house: House, case_ids: list[int], name: str = "case.list"
) -> None:
    """A page of cases shows their titles: the main person's name. Log it per case for that
    person (the other people of a case are not on the list), one query for the whole page.
    Lists of things about cases (actions, known-to questions) log the same way under `name`."""
    refs: dict[int, list[log.SubjectRef]] = {pk: [] for pk in case_ids}
    for case_id, subject_pk, bsn_hash in CaseSubject.objects.filter(
        case_id__in=case_ids, is_main=True
    ).values_list("case_id", "subject_id", "subject__bsn_hash"):
        refs[case_id].append(log.subject_ref(subject_pk=subject_pk, bsn_hash=bsn_hash))
    log.record_list(actor=actor, house=house, name=name, obj=house, items=list(refs.items()))


def identity(subject: Subject) -> tuple[str, ...]:
    """What makes two subject rows the same person: the BSN, else name and date of birth."""
    if subject.bsn_hash:
        return ("bsn", subject.bsn_hash)
    born = subject.date_of_birth.isoformat() if subject.date_of_birth else ""
    return ("name", subject.search_name, born)


def open_case_for(house: House, subject: Subject) -> Case | None:
    """An open case in this house about the same person (same BSN, or same name and date of
    birth when there is no BSN)."""
    same_person = CaseSubject.objects.filter(case__house=house).exclude(case__phase=Phase.CLOSED)
    if subject.bsn_hash:
        same_person = same_person.filter(subject__bsn_hash=subject.bsn_hash)
    elif subject.date_of_birth:
        same_person = same_person.filter(
            subject__search_name=subject.search_name,
            subject__date_of_birth=subject.date_of_birth,
        )
    else:
        return None
    link = same_person.select_related("case").order_by("case_id").first()
    return link.case if link else None


def _next_reference(house: House) -> str:
    """The next case number of this year (2026-0001, ..., 2026-10000, after 2026-9999).
    Locking the house row serialises concurrent accepts in one house."""
    House.objects.select_for_update().filter(pk=house.pk).first()
    year = timezone.localdate().year
    return f"{year}-{last_reference_number(house, year) + 1:04d}"


def last_reference_number(house: House, year: int) -> int:
    """The highest case number of `year` in the house (0 when none): the longest, then
    highest, text is the highest number."""
    last = (
        Case.objects.filter(house=house, reference__startswith=f"{year}-")
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    return int(last.split("-")[1]) if last else 0


def _check_partner(house: House, organisation: Organisation | None, field: str) -> None:
    if (
        organisation is not None
        and not Partnership.objects.filter(house=house, organisation=organisation).exists()
    ):
        raise ValidationError({field: _("This organisation is not a partner of this house.")})


def _check_member(house: House, user: User | None, field: str, *roles: Role) -> None:
    if user is None:
        return
    if not policy.has_role(user, house, *(roles or tuple(Role))):
        raise ValidationError({field: _("This person has no suitable role in this house.")})


def require_director(case: Case, actor: Any, *, open_only: bool = True) -> None:
    """Only a process director of the case's house changes a case, and only while it is open.
    Views and the API check this too, to answer "not found" or 403 before any work."""
    if not policy.has_role(actor, case.house, Role.PROCESS_DIRECTOR):
        raise PermissionDenied(_("Only a process director of this house can change a case."))
    if open_only and not case.is_open:
        raise ValidationError(_("This case is closed."))


def case_link(case: Case) -> str:
    return reverse("cases:detail", kwargs={"slug": case.house.slug, "pk": case.pk})


@transaction.atomic  # the case number is reserved under a row lock: never outside a transaction
def create_case(
    house: House,
    *,
    kind: str,
    title: str,
    urgency: str,
    subjects: list[tuple[Subject, bool, str, bool]],
    actor: Any,
    phase: Phase = Phase.PREPARATION,
    process_director: User | None = None,
    placing_organisation: Organisation | None = None,
    participants: Iterable[tuple[Organisation, str, str]] = (),
) -> Case:
    """Create a case with its subjects (subject, is_main, relation, authority) and the
    organisations that take part (organisation, role, purpose). Called by triage."""
    _check_partner(house, placing_organisation, "placing_organisation")
    if (
        placing_organisation is not None
        and placing_organisation.kind == OrganisationKind.HOUSE_STAFF
        and not house.may_take_cases
    ):
        # House setting may_take_cases (decision 0050): an NAO-style house only supports.
        raise ValidationError(
            {
                "placing_organisation": _(
                    "This house does not take cases itself: place the case with a partner "
                    "organisation."
                )
            }
        )
    _check_member(house, process_director, "process_director", Role.PROCESS_DIRECTOR)
    now = timezone.now()
    case = Case.objects.create(
        house=house,
        reference=_next_reference(house),
        kind=kind,
        title=title[:200],
        urgency=urgency,
        phase=phase,
        phase_changed_at=now,
        process_director=process_director,
        placing_organisation=placing_organisation,
    )
    CaseSubject.objects.bulk_create(
        CaseSubject(
            case=case,
            subject=subject,
            is_main=main,
            relation_to_main=relation,
            has_authority=authority,
        )
        for subject, main, relation, authority in subjects
    )
    PhaseChange.objects.create(
        case=case, from_phase="", to_phase=phase, actor=actor, changed_at=now
    )
    organisations: list[Organisation] = []
    for organisation, role, purpose in participants:
        if organisation in organisations:
            continue
        organisations.append(organisation)
        Participation.objects.create(
            case=case, organisation=organisation, role=role, purpose=purpose
        )
    log.record(
        actor=actor,
        house=house,
        name="case.create",
        operation=Operation.CREATE,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(s for s, *_rest in subjects),
        recipients=organisations,
        after={"reference": case.reference, "phase": phase},
    )
    return case


@transaction.atomic
def do_add_participation(
    case: Case, organisation: Organisation, *, role: str, purpose: str, actor: Any
) -> Participation:
    require_director(case, actor)
    _check_partner(case.house, organisation, "organisation")
    if not purpose.strip():
        raise ValidationError(
            {"purpose": _("State the purpose for which this organisation takes part.")}
        )
    if case.participations.filter(organisation=organisation, ended_at__isnull=True).exists():
        raise ValidationError({"organisation": _("This organisation already takes part.")})
    participation = Participation.objects.create(
        case=case, organisation=organisation, role=role.strip(), purpose=purpose.strip()
    )
    log.record(
        actor=actor,
        house=case.house,
        name="case.add_participant",
        operation=Operation.UPDATE,
        obj=participation,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        recipients=[organisation],
        after={"organisation": organisation.pk, "role": role, "purpose": purpose},
    )
    return participation


@transaction.atomic
def do_set_directors(
    case: Case,
    *,
    process_director: User | None,
    case_director: User | None,
    case_director_organisation: Organisation | None,
    actor: Any,
) -> Case:
    """Name who directs the process (house staff) and who owns the content (a partner)."""
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    require_director(case, actor)
    _check_member(case.house, process_director, "process_director", Role.PROCESS_DIRECTOR)
    if case_director is not None:
        if case_director_organisation is None:
            raise ValidationError(
                {
                    "case_director_organisation": _(
                        "Choose the organisation the case director works for."
                    )
                }
            )
        if not policy.works_for(case_director, case.house, case_director_organisation):
            raise ValidationError(
                {
                    "case_director": _(
                        "The case director must work for the chosen organisation in this house."
                    )
                }
            )
    before = {"process_director": case.process_director_id, "case_director": case.case_director_id}
    case.process_director = process_director
    case.case_director = case_director
    case.case_director_organisation = case_director_organisation if case_director else None
    case.save(update_fields=["process_director", "case_director", "case_director_organisation"])
    recipients = []
    if (
        case_director is not None
        and case_director_organisation is not None
        and not case.participations.filter(
            organisation=case_director_organisation, ended_at__isnull=True
        ).exists()
    ):
        Participation.objects.create(
            case=case,
            organisation=case_director_organisation,
            role=_("Case director"),
            purpose=_("Owns the content of the plan"),
        )
        recipients.append(case_director_organisation)
    log.record(
        actor=actor,
        house=case.house,
        name="case.set_directors",
        operation=Operation.UPDATE,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        recipients=recipients,
        before=before,
        after={
            "process_director": case.process_director_id,
            "case_director": case.case_director_id,
        },
    )
    notify(
        [u for u in (process_director, case_director) if u is not None and u != actor],
        house=case.house,
        link=case_link(case),
        message=_("You have been named director of case %(ref)s") % {"ref": case.reference},
    )
    return case


def _record_phase_change(
    case: Case,
    before: str,
    *,
    actor: Any,
    at: datetime.datetime,
    reason: str = "",
    after: dict[str, Any] | None = None,
) -> None:
    """The history row and the processing-log lines of a phase change (case.phase is new)."""
    PhaseChange.objects.create(
        case=case,
        from_phase=before,
        to_phase=case.phase,
        actor=actor,
        changed_at=at,
        reason=reason,
    )
    log.record(
        actor=actor,
        house=case.house,
        name="case.close" if case.phase == Phase.CLOSED else "case.transition",
        operation=Operation.UPDATE,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        before={"phase": before},
        after={"phase": case.phase, **(after or {})},
        reason=reason,
    )


@transaction.atomic
def do_transition_case(case: Case, target: str, *, actor: Any, reason: str = "") -> Case:
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    require_director(case, actor)
    if target == Phase.CLOSED:
        raise ValidationError(_("Close a case with the closure form: it needs an outcome."))
    if not can_move(case.phase, target):
        raise ValidationError(
            _("A case cannot go from “%(current)s” to “%(target)s”.")
            % {
                "current": Phase(case.phase).label,
                "target": Phase(target).label if target in Phase.values else target,
            }
        )
    if case.phase == Phase.AFTERCARE and target == Phase.EXECUTION and not reason.strip():
        raise ValidationError({"reason": _("Say why the case is re-opened (what relapsed).")})
    now = timezone.now()
    before = case.phase
    case.phase = target
    case.phase_changed_at = now
    case.aftercare_until = (
        timezone.localdate() + datetime.timedelta(weeks=case.house.aftercare_weeks)
        if target == Phase.AFTERCARE
        else None
    )
    case.save(update_fields=["phase", "phase_changed_at", "aftercare_until"])
    _record_phase_change(case, before, actor=actor, at=now, reason=reason)
    return case


def _validate_scores(scores: dict[str, int]) -> dict[str, int]:
    if not scores:
        raise ValidationError({"scores": _("Score at least one life domain.")})
    clean: dict[str, int] = {}
    for domain, score in scores.items():
        if domain not in LifeDomain.values:
            raise ValidationError({"scores": _("Unknown life domain: %(d)s") % {"d": domain}})
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise ValidationError(
                {"scores": _("Scores run from 1 (acute problems) to 5 (fully self-sufficient).")}
            )
        clean[domain] = score
    return clean


@transaction.atomic
def do_record_assessment(
    case: Case, *, moment: str, scores: dict[str, int], actor: Any
) -> Assessment:
    require_director(case, actor, open_only=moment != AssessmentMoment.CLOSURE)
    if moment not in AssessmentMoment.values:
        raise ValidationError({"moment": _("Choose intake, plan review or closure.")})
    if not case.is_open and moment != AssessmentMoment.CLOSURE:
        raise ValidationError(_("This case is closed."))
    clean = _validate_scores(scores)
    assessment = Assessment.objects.create(case=case, moment=moment, assessed_by=actor)
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=assessment, domain=d, score=s) for d, s in clean.items()
    )
    log.record(
        actor=actor,
        house=case.house,
        name="case.assess",
        operation=Operation.CREATE,
        obj=assessment,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        after={"moment": moment, "scores": clean},
    )
    return assessment


def people_of(case: Case) -> list[User]:
    """Everyone who should hear about the case: referrers and the participating organisations'
    members in this house, and the directors."""
    org_ids = case.participations.filter(ended_at__isnull=True).values("organisation")
    users = list(
        User.objects.filter(
            memberships__house=case.house,
            memberships__ended_at__isnull=True,
            memberships__organisation__in=org_ids,
            memberships__role__in=(Role.PARTNER_PARTICIPANT, Role.PARTNER_MANAGER),
        ).distinct()
    )
    users += list(User.objects.filter(referrals__case=case).distinct())
    users += [u for u in (case.process_director, case.case_director) if u is not None]
    return users


@transaction.atomic
def do_close_case(
    case: Case,
    *,
    outcome: str,
    note: str,
    final_scores: dict[str, int] | None,
    actor: Any,
    skip_reason: str = "",
) -> Case:
    """Close a case with its outcome. From execution the documented path goes through
    aftercare; closing straight from execution needs the reason for skipping it, kept in the
    phase change and the audit row (decision 0053)."""
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    require_director(case, actor, open_only=False)
    if not case.is_open:
        raise ValidationError(_("This case is already closed."))
    if outcome not in AftercareOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if not note.strip():
        raise ValidationError({"note": _("Write a short closing note.")})
    skip_reason = skip_reason.strip() if case.phase == Phase.EXECUTION else ""
    if case.phase == Phase.EXECUTION and len(skip_reason) < MIN_REASON:
        raise ValidationError(
            {
                "skip_reason": _(
                    "A case in execution is closed after aftercare. To close it now, give the "
                    "reason for skipping aftercare in at least %(n)d characters."
                )
                % {"n": MIN_REASON}
            }
        )
    if final_scores:
        do_record_assessment(
            case, moment=AssessmentMoment.CLOSURE, scores=final_scores, actor=actor
        )
    now = timezone.now()
    before = case.phase
    case.phase = Phase.CLOSED
    case.phase_changed_at = now
    case.closed_at = now
    case.outcome = outcome
    case.closing_note = note.strip()
    case.retention_until = add_years(timezone.localdate(), case.house.retention_case_years)
    case.save(
        update_fields=[
            "phase",
            "phase_changed_at",
            "closed_at",
            "outcome",
            "closing_note",
            "retention_until",
        ]
    )
    _record_phase_change(
        case,
        before,
        actor=actor,
        at=now,
        reason=skip_reason,
        after={"outcome": outcome, **({"aftercare_skipped": True} if skip_reason else {})},
    )
    notify(
        [u for u in people_of(case) if u != actor],
        house=case.house,
        link=case_link(case),
        message=_("Case %(ref)s has been closed: %(outcome)s")
        % {"ref": case.reference, "outcome": AftercareOutcome(outcome).label},
    )
    webhook_events.emit(webhook_events.CASE_CLOSED, case)
    return case


# --- Corrections (GDPR art. 16) and the end of a participation: decisions 0044 and 0045 -----

MIN_REASON = 10
POSTCODE_AREA = re.compile(r"^\d{4}$")
# Fields of a person, in the order they are shown; the audit row and the access answer name
# them by these keys.
PERSON_FIELDS = ("first_name", "last_name", "date_of_birth", "bsn", "address")


def _reason_errors(reason: str, errors: dict[str, list[str]]) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        errors.setdefault("reason", []).append(
            _("Give the reason for this change in at least %(n)d characters.") % {"n": MIN_REASON}
        )
    return reason


def require_corrector(case: Case, actor: Any) -> None:
    """Only a process director of the house or the case's case director corrects a case."""
    if not may_correct(actor, case):
        raise PermissionDenied(
            _("Only a process director or the case director can correct this case.")
        )


def _tell_corrected(case: Case, actor: Any) -> None:
    """Everyone working on the case hears that something was corrected: the case number only."""
    notify(
        [u for u in people_of(case) if u != actor],
        house=case.house,
        link=case_link(case),
        message=_("Details in case %(ref)s have been corrected.") % {"ref": case.reference},
    )


def _unique_refs(*groups: Iterable[log.SubjectRef]) -> list[log.SubjectRef]:
    seen: dict[str, log.SubjectRef] = {}
    for group in groups:
        for ref in group:
            seen.setdefault(ref.pseudonym, ref)
    return list(seen.values())


def _shown(subject: Subject, bsn: str) -> dict[str, Any]:
    """A person's details as the audit row keeps them: the BSN masked, never in plain text."""
    return {
        "first_name": subject.first_name,
        "last_name": subject.last_name,
        "date_of_birth": subject.date_of_birth.isoformat() if subject.date_of_birth else None,
        "bsn": f"•••••{bsn[-4:]}" if bsn else "",
        "address": subject.address,
    }


def _link_of(case: Case, subject: Subject) -> CaseSubject:
    link = (
        CaseSubject.objects.select_for_update()
        .filter(case=case, subject=subject)
        .select_related("subject")
        .first()
    )
    if link is None:
        raise ValidationError(_("This person is not part of this case."))
    return link


def _check_request(request: Any, case: Case, subject: Subject) -> None:
    """A rectification request carried out here must be open, of this house and about this
    person (privacy/rights.py)."""
    from casusregie.privacy import rights

    if request is not None and not rights.is_open_correction_about(request, case.house, subject):
        raise ValidationError(
            {"request": _("Choose an open correction request about this person in this house.")}
        )


@transaction.atomic
def do_correct_subject(
    case: Case,
    subject: Subject,
    *,
    first_name: str,
    last_name: str,
    date_of_birth: datetime.date | None,
    bsn: str | None,
    address: str,
    reason: str,
    actor: Any,
    relation_to_main: str | None = None,
    has_authority: bool | None = None,
    request: Any = None,
) -> Subject:
    """Correct a person's details (and, for a family member, their relation to the main
    person). `bsn` None keeps the BSN, "" removes it. The person's row is shared by the
    referral and the case: the correction shows in both. With `request`, an open correction
    request of the privacy pages about this person is recorded as done."""
    require_corrector(case, actor)
    link = _link_of(case, subject)
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    old_bsn = subject.bsn
    new_bsn = old_bsn if bsn is None else normalise_bsn(bsn)
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    data = SubjectData(
        first_name=first_name, last_name=last_name, date_of_birth=date_of_birth, bsn=new_bsn
    )
    try:
        data.validate()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if link.is_main and (relation_to_main or has_authority):
        errors.setdefault("relation_to_main", []).append(
            _("Only a family member has a relation to the main person.")
        )
    if relation_to_main and relation_to_main not in RelationKind.values:
        errors.setdefault("relation_to_main", []).append(_("Choose a relation from the list."))
    if errors:
        raise ValidationError(errors)
    _check_request(request, case, subject)
    before = _shown(subject, old_bsn)
    old_refs = subject_refs([subject])
    subject.first_name = first_name.strip()
    subject.last_name = last_name.strip()
    subject.date_of_birth = date_of_birth
    subject.address = address.strip()
    subject.search_name = name_key(subject.first_name, subject.last_name)
    if new_bsn != old_bsn:
        subject.bsn_encrypted = encrypt(new_bsn)
        subject.bsn_hash = bsn_lookup_hash(new_bsn)
        subject.region_hash = region_hash_of_bsn(new_bsn)
    after = _shown(subject, new_bsn)
    changed = [f for f in PERSON_FIELDS if before[f] != after[f]]
    if new_bsn != old_bsn and "bsn" not in changed:
        changed.append("bsn")  # a new BSN with the same last four digits
    link_changes: dict[str, tuple[Any, Any]] = {}
    if not link.is_main:
        if relation_to_main is not None and relation_to_main != link.relation_to_main:
            link_changes["relation_to_main"] = (link.relation_to_main, relation_to_main)
        if has_authority is not None and has_authority != link.has_authority:
            link_changes["has_authority"] = (link.has_authority, has_authority)
    if not changed and not link_changes:
        raise ValidationError(_("Nothing was changed."))
    if changed:
        subject.save(
            update_fields=[
                "first_name",
                "last_name",
                "date_of_birth",
                "address",
                "search_name",
                "bsn_encrypted",
                "bsn_hash",
                "region_hash",
            ]
        )
    if link_changes:
        for field, (_old, new) in link_changes.items():
            setattr(link, field, new)
        link.save(update_fields=list(link_changes))
    log.record(
        actor=actor,
        house=case.house,
        name="case.correct_subject",
        operation=Operation.UPDATE,
        obj=subject,
        case_id=case.pk,
        # The person under their old and (if the BSN changed) new identity.
        subjects=_unique_refs(old_refs, subject_refs([subject])),
        before={
            **{f: before[f] for f in changed},
            **{f: old for f, (old, _new) in link_changes.items()},
        },
        after={
            **{f: after[f] for f in changed},
            **{f: new for f, (_old, new) in link_changes.items()},
        },
        reason=reason,
    )
    if request is not None:
        from casusregie.privacy import rights

        rights.record_rectified(
            request,
            by=actor,
            note=_("Corrected in case %(ref)s: %(fields)s. %(reason)s")
            % {
                "ref": case.reference,
                "fields": ", ".join([*changed, *link_changes]),
                "reason": reason,
            },
        )
    _tell_corrected(case, actor)
    return subject


def _same_person_in_case(case: Case, data: SubjectData) -> bool:
    links = CaseSubject.objects.filter(case=case)
    bsn = normalise_bsn(data.bsn)
    if bsn:
        return links.filter(subject__bsn_hash=bsn_lookup_hash(bsn)).exists()
    if data.date_of_birth is None:
        return False
    return links.filter(
        subject__search_name=name_key(data.first_name, data.last_name),
        subject__date_of_birth=data.date_of_birth,
    ).exists()


@transaction.atomic
def do_add_family_member(case: Case, data: SubjectData, *, reason: str, actor: Any) -> CaseSubject:
    """Add a person to a family or person case, with their relation to the main person."""
    require_corrector(case, actor)
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    if case.kind == SubjectKind.AREA:
        raise ValidationError(_("An area case is about an area, not about persons."))
    try:
        data.validate()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if data.relation_to_main not in RelationKind.values:
        errors.setdefault("relation_to_main", []).append(
            _("Choose how this person is related to the main person.")
        )
    if not errors and _same_person_in_case(case, data):
        errors.setdefault("last_name", []).append(_("This person is already part of the case."))
    if errors:
        raise ValidationError(errors)
    subject = create_subject(case.house, data)
    link = CaseSubject.objects.create(
        case=case,
        subject=subject,
        is_main=False,
        relation_to_main=data.relation_to_main,
        has_authority=data.has_authority,
    )
    log.record(
        actor=actor,
        house=case.house,
        name="case.add_person",
        operation=Operation.CREATE,
        obj=link,
        case_id=case.pk,
        subjects=subject_refs([subject]),
        after={
            "person": subject.pk,
            "relation_to_main": link.relation_to_main,
            "has_authority": link.has_authority,
        },
        reason=reason,
    )
    _tell_corrected(case, actor)
    return link


@transaction.atomic
def do_remove_family_member(case: Case, subject: Subject, *, reason: str, actor: Any) -> None:
    """Take a person out of the case (not the main person), with their relations in it. The
    person's row stays: the referral that named them still does."""
    require_corrector(case, actor)
    link = _link_of(case, subject)
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    if link.is_main:
        raise ValidationError(_("The main person cannot be removed from the case."))
    if errors:
        raise ValidationError(errors)
    relations = SubjectRelation.objects.filter(Q(subject=subject) | Q(other=subject), case=case)
    removed_relations = list(relations.values_list("pk", flat=True))
    relations.delete()
    before = {
        "person": subject.pk,
        "relation_to_main": link.relation_to_main,
        "has_authority": link.has_authority,
        "relations": removed_relations,
    }
    link_pk = link.pk
    link.delete()
    link.pk = link_pk  # the audit row names the removed row
    log.record(
        actor=actor,
        house=case.house,
        name="case.remove_person",
        operation=Operation.DELETE,
        obj=link,
        case_id=case.pk,
        subjects=subject_refs([link.subject]),
        before=before,
        reason=reason,
    )
    _tell_corrected(case, actor)


@transaction.atomic
def do_add_relation(
    case: Case,
    subject: Subject,
    other: Subject,
    *,
    kind: str,
    has_authority: bool,
    reason: str,
    actor: Any,
) -> SubjectRelation:
    """Record how two persons of the case, neither the main person, are related: `subject`
    is the `kind` of `other`; with `has_authority` they hold parental authority or
    guardianship over `other`. The relation to the main person is part of each person's
    details (do_correct_subject)."""
    require_corrector(case, actor)
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    links = {
        link.subject_id: link
        for link in CaseSubject.objects.filter(case=case, subject__in=[subject, other])
    }
    if subject.pk not in links:
        errors.setdefault("subject", []).append(_("This person is not part of this case."))
    if other.pk not in links:
        errors.setdefault("other", []).append(_("This person is not part of this case."))
    if subject.pk == other.pk:
        errors.setdefault("other", []).append(_("A person has no relation to themselves."))
    elif any(link.is_main for link in links.values()):
        errors.setdefault("other", []).append(
            _("The relation to the main person is part of each person's details: correct it there.")
        )
    if kind not in RelationKind.values:
        errors.setdefault("kind", []).append(_("Choose a relation from the list."))
    if not errors and (
        SubjectRelation.objects.filter(case=case, subject=subject, other=other).exists()
        or SubjectRelation.objects.filter(case=case, subject=other, other=subject).exists()
    ):
        errors.setdefault("other", []).append(
            _("These two persons already have a relation in this case; remove it first.")
        )
    if errors:
        raise ValidationError(errors)
    relation = SubjectRelation.objects.create(
        case=case, subject=subject, other=other, kind=kind, has_authority=has_authority
    )
    log.record(
        actor=actor,
        house=case.house,
        name="case.add_relation",
        operation=Operation.CREATE,
        obj=relation,
        case_id=case.pk,
        subjects=subject_refs([subject, other]),
        after={
            "subject": subject.pk,
            "other": other.pk,
            "kind": kind,
            "has_authority": has_authority,
        },
        reason=reason,
    )
    _tell_corrected(case, actor)
    return relation


@transaction.atomic
def do_remove_relation(case: Case, relation: SubjectRelation, *, reason: str, actor: Any) -> None:
    require_corrector(case, actor)
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    if relation.case_id != case.pk:
        raise ValidationError(_("This relation is not part of this case."))
    if errors:
        raise ValidationError(errors)
    subjects = [relation.subject, relation.other]
    before = {
        "subject": relation.subject_id,
        "other": relation.other_id,
        "kind": relation.kind,
        "has_authority": relation.has_authority,
    }
    pk = relation.pk
    relation.delete()
    relation.pk = pk
    log.record(
        actor=actor,
        house=case.house,
        name="case.remove_relation",
        operation=Operation.DELETE,
        obj=relation,
        case_id=case.pk,
        subjects=subject_refs(subjects),
        before=before,
        reason=reason,
    )
    _tell_corrected(case, actor)


def clean_municipality(house: House, text: str) -> str:
    """The municipality as the house lists it (any capitals); free text when it has no list.
    Raises ValidationError for a name not on the house's list."""
    text = " ".join(text.split())
    if not text:
        return ""
    known = house_municipalities(house)
    if not known:
        return text[:100]
    wanted = text.casefold().removeprefix("gemeente ").strip()
    for name in known:
        if name.casefold() == wanted:
            return name
    raise ValidationError(
        {
            "municipality": _("Choose one of the municipalities of this house: %(names)s.")
            % {"names": ", ".join(known)}
        }
    )


@transaction.atomic
def do_update_case_details(
    case: Case,
    *,
    title: str,
    urgency: str,
    municipality: str,
    neighbourhood: str,
    postcode_area: str,
    reason: str,
    actor: Any,
) -> Case:
    """Correct a case's title and urgency and record where it plays (municipality,
    neighbourhood, four-digit postcode area), so reports can count per municipality."""
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    require_corrector(case, actor)
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    title = " ".join(title.split())
    if not title:
        errors.setdefault("title", []).append(_("Give the case a title."))
    if urgency not in Urgency.values:
        errors.setdefault("urgency", []).append(_("Choose an urgency from the list."))
    postcode_area = postcode_area.strip()
    if postcode_area and not POSTCODE_AREA.match(postcode_area):
        errors.setdefault("postcode_area", []).append(
            _("A postcode area is the four digits of a postcode, such as 6211.")
        )
    try:
        municipality = clean_municipality(case.house, municipality)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    new = {
        "title": title[:200],
        "urgency": urgency,
        "municipality": municipality,
        "neighbourhood": " ".join(neighbourhood.split())[:100],
        "postcode_area": postcode_area,
    }
    changed = [field for field, value in new.items() if getattr(case, field) != value]
    if not changed:
        raise ValidationError(_("Nothing was changed."))
    before = {field: getattr(case, field) for field in changed}
    for field in changed:
        setattr(case, field, new[field])
    case.save(update_fields=changed)
    log.record(
        actor=actor,
        house=case.house,
        name="case.update_details",
        operation=Operation.UPDATE,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        before=before,
        after={field: new[field] for field in changed},
        reason=reason,
    )
    _tell_corrected(case, actor)
    return case


@transaction.atomic
def do_end_participation(
    case: Case,
    organisation: Organisation,
    *,
    actor: Any,
    reason: str,
    ended_on: datetime.date | None = None,
) -> Participation:
    """An organisation stops taking part in the case: from now on its people no longer see
    the case or anything in it, what they wrote included (decision 0045). Refused for the
    organisation of the case director and for one that still owns open actions of the case:
    name another case director or finish, cancel or reassign those actions first."""
    from casusregie.plans.models import Action, ActionStatus

    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    require_director(case, actor)
    today = timezone.localdate()
    ended_on = ended_on or today
    errors: dict[str, list[str]] = {}
    reason = _reason_errors(reason, errors)
    participation = (
        Participation.objects.select_for_update()
        .filter(case=case, organisation=organisation, ended_at__isnull=True)
        .first()
    )
    if participation is None:
        raise ValidationError(_("This organisation does not take part in the case (any more)."))
    if ended_on > today:
        errors.setdefault("ended_on", []).append(
            _("The end date cannot be in the future: access ends when you save.")
        )
    elif ended_on < timezone.localdate(participation.started_at):
        errors.setdefault("ended_on", []).append(
            _("The end date cannot be before the organisation started taking part.")
        )
    if case.case_director_id is not None and case.case_director_organisation_id == organisation.pk:
        errors.setdefault("__all__", []).append(
            _("%(org)s is the organisation of the case director. Name another case director first.")
            % {"org": organisation.name}
        )
    open_actions = list(
        Action.objects.filter(
            case=case,
            owner_organisation=organisation,
            status__in=(ActionStatus.OPEN, ActionStatus.FEEDBACK_GIVEN),
        ).order_by("number")
    )
    if open_actions:
        errors.setdefault("__all__", []).append(
            _(
                "%(org)s still owns open actions of this case: %(actions)s. Finish, cancel "
                "or reassign them first."
            )
            % {"org": organisation.name, "actions": "; ".join(str(a) for a in open_actions)}
        )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    end_of_day = timezone.make_aware(datetime.datetime.combine(ended_on, datetime.time.max))
    participation.ended_at = min(now, end_of_day)
    participation.save(update_fields=["ended_at"])
    log.record(
        actor=actor,
        house=case.house,
        name="case.end_participant",
        operation=Operation.UPDATE,
        obj=participation,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        before={"organisation": organisation.pk, "ended_at": None},
        after={"organisation": organisation.pk, "ended_at": participation.ended_at.isoformat()},
        reason=reason,
    )
    notify(
        [u for u in policy.case_workers(case.house, organisation) if u != actor],
        house=case.house,
        link=reverse("cases:list", kwargs={"slug": case.house.slug}),
        message=_(
            "Your organisation no longer takes part in case %(ref)s; you no longer have "
            "access to it."
        )
        % {"ref": case.reference},
    )
    return participation


@transaction.atomic
def do_hand_over_case(
    case: Case,
    *,
    from_user: User,
    process_director: User | None = None,
    case_director: User | None = None,
    actor: Any,
    reason: str,
) -> Case:
    """Part of a handover (houses.actions.do_handover, decision 0046): the process director
    and/or the case director `from_user` holds on this open case go to a successor. A new
    process director is a process director of the house; a new case director works on cases
    for the same organisation. A functional administrator may do this too: it changes who
    holds the case, not its content. One processing-log line per person of the case."""
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    if not policy.has_role(actor, case.house, Role.PROCESS_DIRECTOR, Role.FUNCTIONAL_ADMIN):
        raise PermissionDenied(
            _("Only a process director or a functional administrator hands work over.")
        )
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    fields: list[str] = []
    before: dict[str, Any] = {}
    if process_director is not None:
        if case.process_director_id != from_user.pk:
            raise ValidationError(
                {
                    "process_director": _("%(name)s no longer directs the process of this case.")
                    % {"name": from_user}
                }
            )
        _check_member(case.house, process_director, "process_director", Role.PROCESS_DIRECTOR)
        before["process_director"] = case.process_director_id
        case.process_director = process_director
        fields.append("process_director")
    if case_director is not None:
        if case.case_director_id != from_user.pk or case.case_director_organisation is None:
            raise ValidationError(
                {
                    "case_director": _("%(name)s is no longer the case director of this case.")
                    % {"name": from_user}
                }
            )
        if not policy.works_for(case_director, case.house, case.case_director_organisation):
            raise ValidationError(
                {
                    "case_director": _(
                        "The new case director must work on cases for %(org)s in this house."
                    )
                    % {"org": case.case_director_organisation.name}
                }
            )
        before["case_director"] = case.case_director_id
        case.case_director = case_director
        fields.append("case_director")
    if not fields:
        raise ValidationError(_("Choose who takes over."))
    case.save(update_fields=fields)
    log.record(
        actor=actor,
        house=case.house,
        name="case.handover",
        operation=Operation.UPDATE,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        before=before,
        after={field: getattr(case, f"{field}_id") for field in fields} | {"from": from_user.pk},
        reason=reason,
    )
    return case
