"""State changes of cases. Each validates, changes, writes the processing log and audit row,
and queues notifications, in one transaction."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation, Partnership
from casusregie.inbox.actions import notify
from casusregie.privacy import log, lookups, policy
from casusregie.privacy.bsn import lookup_hash as bsn_lookup_hash
from casusregie.privacy.bsn import normalise_bsn, validate_bsn
from casusregie.privacy.crypto import encrypt
from casusregie.privacy.models import Operation
from casusregie.webhooks import events as webhook_events

from .access import case_subjects, subject_refs
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
    Subject,
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
) -> Case:
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    require_director(case, actor, open_only=False)
    if not case.is_open:
        raise ValidationError(_("This case is already closed."))
    if outcome not in AftercareOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if not note.strip():
        raise ValidationError({"note": _("Write a short closing note.")})
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
    _record_phase_change(case, before, actor=actor, at=now, after={"outcome": outcome})
    notify(
        [u for u in people_of(case) if u != actor],
        house=case.house,
        link=case_link(case),
        message=_("Case %(ref)s has been closed: %(outcome)s")
        % {"ref": case.reference, "outcome": AftercareOutcome(outcome).label},
    )
    webhook_events.emit(webhook_events.CASE_CLOSED, case)
    return case
