"""Data-subject rights through the house's contact point (the privacy officer).

An access request produces a report of what the house holds about a person: which
organisations were involved and why, the cases and referrals, and every disclosure (from whom
to whom, which data, purpose, legal basis) from the disclosure register. Items that may not be
disclosed are held back by a recorded decision. Correction and erasure requests follow the
same workflow with a deadline and a decision.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from casusregie.houses.models import House

from . import log, lookups, providers
from .audit import record_change
from .models import (
    AuditEvent,
    Disclosure,
    Operation,
    ProcessingLogEntry,
    RequestKind,
    RequestStatus,
    SubjectRequest,
    Withholding,
)
from .retention import add_months

ANSWER_MONTHS = 1  # GDPR art. 12(3): within one month of receipt,
MAX_EXTENSION_MONTHS = 2  # extendable by two further months when necessary.


def find_subjects(
    house: House, *, bsn: str = "", last_name: str = "", born: Any = None
) -> list[Any]:
    """The house's person rows for a request: by BSN, else by surname and date of birth."""
    return providers.people().find(house, bsn=bsn, last_name=last_name, born=born)


def do_register(
    house: House,
    *,
    actor: Any,
    kind: str,
    requester: str,
    question: str,
    received_on: datetime.date,
    bsn: str = "",
    last_name: str = "",
    born: Any = None,
) -> SubjectRequest:
    errors: dict[str, list[str]] = {}
    if received_on > timezone.localdate():
        errors["received_on"] = [_("The date of receipt cannot be in the future.")]
    if not bsn and not (last_name.strip() and born):
        errors["bsn"] = [_("Give the BSN, or the surname and date of birth.")]
    if errors:
        raise ValidationError(errors)
    if bsn:
        # Finding a person by BSN is a look-up like any other (decision 0039): counted, and
        # refused over the limits before anything is searched.
        lookups.admit(actor, house, what="subject-request")
    subjects = find_subjects(house, bsn=bsn, last_name=last_name, born=born)
    if not subjects:
        raise ValidationError(
            {
                "bsn": [
                    _(
                        "This house holds no data about a person with these details. Answer "
                        "the requester that nothing is registered; no request is recorded."
                    )
                ]
            }
        )
    with transaction.atomic():
        request = SubjectRequest.objects.create(
            house=house,
            kind=kind,
            requester=requester.strip(),
            question=question.strip(),
            received_on=received_on,
            due_on=add_months(received_on, ANSWER_MONTHS),
            handled_by=actor,
        )
        request.subjects.set(subjects)
        _log(request, actor, "subject_request.register", Operation.CREATE)
    return request


def _refs(request: SubjectRequest) -> list[log.SubjectRef]:
    return providers.people().refs(request.subjects.all())


def _log(
    request: SubjectRequest, actor: Any, name: str, operation: Operation, **after: Any
) -> None:
    log.record(
        actor=actor,
        house=request.house,
        name=name,
        operation=operation,
        obj=request,
        subjects=_refs(request),
        activity=log.SUBJECT_RIGHTS,
        purpose="Afhandeling verzoek van betrokkene",
        after={"kind": request.kind, **after} if after or operation != Operation.READ else None,
    )


def log_read(request: SubjectRequest, actor: Any) -> None:
    """Opening a request names the people it is about: logged like the page does."""
    _log(request, actor, "subject_request.read", Operation.READ)


@dataclass
class Report:
    request: SubjectRequest
    people: list[dict[str, str]] = field(default_factory=list)
    organisations: list[dict[str, str]] = field(default_factory=list)
    cases: list[dict[str, str]] = field(default_factory=list)
    referrals: list[dict[str, str]] = field(default_factory=list)
    documents: list[dict[str, str]] = field(default_factory=list)
    disclosures: list[dict[str, Any]] = field(default_factory=list)
    withheld: int = 0
    # Corrections of the person's details (date, field), never the old value (issue 23).
    corrections: list[dict[str, str]] = field(default_factory=list)


def disclosures_about(house: House, pseudonyms: list[str]) -> Any:
    """The disclosure register's rows about these people: a disclosure's log lines name each
    person (pseudonymised) and point at the disclosure's span."""
    spans = ProcessingLogEntry.objects.filter(
        house=house, data_subject_id__in=pseudonyms, operation=Operation.DISCLOSE
    ).values("parent_span_id")
    return Disclosure.objects.filter(house=house, span_id__in=spans)


def disclosures_of(request: SubjectRequest) -> list[Disclosure]:
    pseudonyms = [ref.pseudonym for ref in _refs(request)]
    return list(
        disclosures_about(request.house, pseudonyms)
        .select_related("from_organisation")
        .prefetch_related("recipients")
        .order_by("occurred_at", "pk")
    )


def report(request: SubjectRequest, *, include_withheld: bool = False) -> Report:
    """What the house holds about the person(s) of the request, for the requester."""
    from .models import DataCategory

    subjects = list(request.subjects.all())
    out = Report(request=request)
    for s in subjects:
        out.people.append(
            {
                "name": f"{s.first_name} {s.last_name}",
                "date_of_birth": s.date_of_birth.strftime("%d-%m-%Y") if s.date_of_birth else "",
                "address": s.address,
            }
        )
    for part in providers.answer_parts():
        for section, rows in part(subjects).items():
            getattr(out, section).extend(rows)
    out.corrections = corrections_of(subjects)
    withheld = set(request.withheld.values_list("disclosure_id", flat=True))
    categories = dict(DataCategory.choices)
    for d in disclosures_of(request):
        if d.pk in withheld and not include_withheld:
            out.withheld += 1
            continue
        out.disclosures.append(
            {
                "id": d.pk,
                "date": timezone.localtime(d.occurred_at).strftime("%d-%m-%Y %H:%M"),
                "from": d.from_organisation.name if d.from_organisation else "",
                "to": ", ".join(o.name for o in d.recipients.all()),
                "categories": ", ".join(str(categories.get(c, c)) for c in d.data_categories),
                "purpose": d.purpose,
                "legal_basis": d.legal_basis,
                "withheld": d.pk in withheld,
            }
        )
    return out


# What the access answer calls each corrected field of a person (cases/actions.py
# PERSON_FIELDS and the relation to the main person).
CORRECTED_FIELDS = {
    "first_name": _lazy("first name"),
    "last_name": _lazy("surname"),
    "date_of_birth": _lazy("date of birth"),
    "bsn": _lazy("BSN"),
    "address": _lazy("address"),
    "relation_to_main": _lazy("relation to the main person"),
    "has_authority": _lazy("parental authority"),
}


def corrections_of(subjects: list[Any]) -> list[dict[str, str]]:
    """The corrections of these persons' details, from the audit trail (the case pages'
    `case.correct_subject`): when, and which fields; the old values are not repeated."""
    events = AuditEvent.objects.filter(
        action="case.correct_subject",
        object_type="cases.subject",
        object_id__in=[str(s.pk) for s in subjects],
    ).order_by("occurred_at", "pk")
    return [
        {
            "date": timezone.localtime(e.occurred_at).strftime("%d-%m-%Y"),
            "fields": ", ".join(str(CORRECTED_FIELDS.get(f, f)) for f in (e.after or {})),
        }
        for e in events
    ]


def is_open_correction_about(request: Any, house: House, subject: Any) -> bool:
    """Whether `request` is an open correction request of `house` about `subject`."""
    return (
        isinstance(request, SubjectRequest)
        and request.house_id == house.pk
        and request.kind == RequestKind.CORRECTION
        and request.status == RequestStatus.OPEN
        and request.subjects.filter(pk=subject.pk).exists()
    )


def open_corrections_about(house: House, subject: Any) -> Any:
    """The open correction requests about a person, for the correction form of a case."""
    return SubjectRequest.objects.filter(
        house=house, kind=RequestKind.CORRECTION, status=RequestStatus.OPEN, subjects=subject
    ).order_by("received_on", "pk")


def record_rectified(request: SubjectRequest, *, by: Any, note: str) -> SubjectRequest:
    """A correction request carried out on the case pages (cases/actions.py
    `do_correct_subject`): decided as granted, with what was corrected as the note."""
    if request.kind != RequestKind.CORRECTION:
        raise ValidationError(_("Only a correction request is carried out by a correction."))
    return do_decide(request, actor=by, status=RequestStatus.GRANTED, note=note)


def do_withhold(
    request: SubjectRequest, disclosure: Disclosure, *, actor: Any, reason: str
) -> Withholding:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Record why this may not be disclosed.")]})
    if request.status != RequestStatus.OPEN:
        raise ValidationError(_("This request has been decided."))
    if disclosure.pk not in {d.pk for d in disclosures_of(request)}:
        raise ValidationError(_("This disclosure is not about the person of this request."))
    with transaction.atomic():
        held, _created = Withholding.objects.update_or_create(
            request=request, disclosure=disclosure, defaults={"reason": reason, "decided_by": actor}
        )
        record_change(
            actor=actor,
            action="subject_request.withhold",
            obj=request,
            house=request.house,
            after={"disclosure": disclosure.pk},
            reason=reason,
        )
    return held


def do_extend_deadline(
    request: SubjectRequest, *, actor: Any, months: int, reason: str
) -> SubjectRequest:
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if request.extension_reason:
        errors["months"] = [_("The deadline has already been extended once.")]
    elif not 1 <= months <= MAX_EXTENSION_MONTHS:
        errors["months"] = [_("Extend by one or two months.")]
    if not reason:
        errors["reason"] = [_("Give the reason for the extension; the requester is told.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = request.due_on
        request.due_on = add_months(request.due_on, months)
        request.extension_reason = reason
        request.save(update_fields=["due_on", "extension_reason"])
        record_change(
            actor=actor,
            action="subject_request.extend",
            obj=request,
            house=request.house,
            before={"due_on": before.isoformat()},
            after={"due_on": request.due_on.isoformat()},
            reason=reason,
        )
    return request


def do_decide(request: SubjectRequest, *, actor: Any, status: str, note: str) -> SubjectRequest:
    note = note.strip()
    errors: dict[str, list[str]] = {}
    if request.status != RequestStatus.OPEN:
        raise ValidationError(_("This request has been decided."))
    if status not in (RequestStatus.GRANTED, RequestStatus.PARTLY, RequestStatus.REFUSED):
        errors["status"] = [_("Choose a decision.")]
    if not note:
        errors["note"] = [_("Write down the decision and what was done.")]
    if (
        request.kind == RequestKind.ACCESS
        and status == RequestStatus.GRANTED
        and request.withheld.exists()
    ):
        errors["status"] = [_("Items were held back: the request is partly granted.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request.status = status
        request.decision_note = note
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "decision_note", "closed_at"])
        _log(request, actor, "subject_request.decide", Operation.UPDATE, status=status)
    return request


def log_report(request: SubjectRequest, actor: Any, fmt: str) -> None:
    """Producing the report is a disclosure to the data subject: logged as an export."""
    _log(request, actor, f"subject_request.{fmt}.export", Operation.READ, format=fmt)
