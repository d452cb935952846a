"""One call records a processing of personal data: the audit row (who) and one processing-log
line per data subject (what, about whom, for which activity and purpose, disclosed to whom),
plus a row in the disclosure register when the action hands data to other organisations.

Changes are written at once, inside the action's transaction, so the log commits or rolls back
with the change itself. Reads during a web request are collected and written in one batch when
the response is ready (`ProcessingLogMiddleware`), all under the request's trace id; the audit
row of each operation carries the operation's span id, which every log line of that operation
names as its `parent_span_id` (Logboek Dataverwerkingen keeps user identities out of the lines).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from casusregie.houses.models import House, Organisation

from . import chain
from .audit import audit_event
from .crypto import keyed_hash
from .models import (
    AuditEvent,
    DataCategory,
    Disclosure,
    Operation,
    ProcessingActivity,
    activity_uri,
)

# Codes of the processing activities every house's register starts with (register.py).
CASE_PROCESS = "casusaanpak"
TRIAGE = "triage"
KNOWN_TO = "bekend-bij"
SUBJECT_RIGHTS = "rechten-betrokkenen"
RETENTION = "bewaren-vernietigen"
OVERSIGHT = "toezicht-gebruik"
PURPOSE_CASE_APPROACH = "Persoonsgerichte aanpak complexe casuïstiek (WGS)"

DEFAULT_CATEGORIES = (DataCategory.IDENTITY, DataCategory.CASE)


@dataclass(frozen=True)
class SubjectRef:
    """Who the data is about: a pseudonym of the BSN when known, else of the subject row."""

    pseudonym: str
    id_type: str


def subject_ref(*, subject_pk: int, bsn_hash: str = "") -> SubjectRef:
    if bsn_hash:
        return SubjectRef(keyed_hash(bsn_hash, purpose="log-subject"), "bsn")
    return SubjectRef(keyed_hash(str(subject_pk), purpose="log-subject"), "subject")


@dataclass
class _Activity:
    uri: str
    legal_basis: str


@dataclass
class _Context:
    trace_id: str
    root_span_id: str
    audits: list[AuditEvent] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    activities: dict[int, dict[str, _Activity]] = field(default_factory=dict)
    # Why the request changes things (the API's Change-Reason header), for the audit trail.
    change_reason: str = ""


_current: ContextVar[_Context | None] = ContextVar("casusregie_processing", default=None)


def new_trace_id() -> str:
    return secrets.token_hex(16)


def current_trace_id() -> str:
    """The request's trace id inside a request; a fresh one for work outside requests."""
    context = _current.get()
    return context.trace_id if context else new_trace_id()


def set_change_reason(reason: str) -> None:
    context = _current.get()
    if context is not None:
        context.change_reason = reason


def current_change_reason() -> str:
    context = _current.get()
    return context.change_reason if context else ""


def new_span_id() -> str:
    return secrets.token_hex(8)


def new_span_ids(count: int) -> Iterator[str]:
    """`count` span ids from one call for random bytes (a bulk intake logs a million lines)."""
    text = secrets.token_hex(8 * count)
    return (text[start : start + 16] for start in range(0, 16 * count, 16))


def _activities(house: House) -> dict[str, _Activity]:
    context = _current.get()
    if context is not None and house.pk in context.activities:
        return context.activities[house.pk]
    rows = ProcessingActivity.objects.filter(house=house, valid_until__isnull=True).values_list(
        "code", "version", "legal_basis"
    )
    found = {
        code: _Activity(activity_uri(house.slug, code, version), basis)
        for code, version, basis in rows
    }
    if context is not None:
        context.activities[house.pk] = found
    return found


def current_activity(house: House, code: str) -> _Activity:
    """The current version of an activity in the house's register (its URI and legal basis)."""
    found = _activities(house).get(code)
    if found is None:  # a house whose register lacks this activity still logs, traceably
        return _Activity(activity_uri(house.slug, code, 0), "")
    return found


def _shared_line(
    *,
    trace_id: str,
    parent_span_id: str,
    name: str,
    at: Any,
    operation: str,
    activity_uri: str,
    purpose: str,
    house_id: int,
    case_id: int | None,
    object_type: str,
    object_id: str,
) -> dict[str, Any]:
    """What the lines of one operation have in common; each line adds its span and subject."""
    return chain.line(
        trace_id=trace_id,
        span_id="",
        parent_span_id=parent_span_id,
        name=name,
        start_time=at,
        end_time=at,
        operation=operation,
        processing_activity=activity_uri,
        purpose=purpose[:200],
        data_subject_id="",
        data_subject_id_type="",
        house_id=house_id,
        case_id=case_id,
        object_type=object_type,
        object_id=object_id,
        recipient_organisation_id=None,
    )


def record(
    *,
    actor: Any,
    house: House,
    name: str,
    operation: Operation,
    obj: models.Model,
    subjects: Iterable[SubjectRef],
    case_id: int | None = None,
    actor_organisation: Organisation | None = None,
    recipients: Iterable[Organisation] = (),
    activity: str = CASE_PROCESS,
    purpose: str = PURPOSE_CASE_APPROACH,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    categories: Sequence[str] = DEFAULT_CATEGORIES,
    meeting_id: int | None = None,
    attendees: Sequence[str] = (),
    alongside: Callable[[Any], None] | None = None,
) -> str:
    """Log one operation; returns the trace id that links the audit row and the lines.

    A read inside a web request is buffered and written with the request's other reads when
    the response is ready; everything else is written now, in the caller's transaction.
    `alongside(connection)` is database work of the same transaction that runs while the lines
    are hashed (chain.append); a buffered read runs it first.
    """
    now = timezone.now()
    context = _current.get()
    span_id = new_span_id()
    found = current_activity(house, activity)
    receivers = list(recipients)
    no_receiver: list[Organisation | None] = [None]
    subject_list = list(subjects)
    audit = audit_event(
        actor=actor,
        house=house,
        action=name,
        obj=obj,
        span_id=span_id,
        actor_organisation=actor_organisation,
        occurred_at=now,
        before=before,
        after=after,
        reason=reason,
    )
    trace_id = audit.trace_id
    shared = _shared_line(
        trace_id=trace_id,
        parent_span_id=span_id,
        name=name,
        at=now,
        operation=str(operation),
        activity_uri=found.uri,
        purpose=purpose,
        house_id=house.pk,
        case_id=case_id,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
    )
    spans = new_span_ids(len(subject_list) * len(receivers or no_receiver))
    lines = []
    for subject in subject_list:
        for receiver in receivers or no_receiver:
            entry = {
                **shared,
                "span_id": next(spans),
                "data_subject_id": subject.pseudonym,
                "data_subject_id_type": subject.id_type,
            }
            if receiver is not None:
                entry["operation"] = str(Operation.DISCLOSE)
                entry["recipient_organisation_id"] = receiver.pk
            lines.append(entry)
    if operation == Operation.READ and context is not None and not receivers:
        if alongside is not None:
            alongside(connection)
        context.audits.append(audit)
        context.lines.extend(lines)
        return trace_id
    with transaction.atomic():
        chain.append([audit], lines, alongside=alongside)
        if receivers:
            disclosure = Disclosure.objects.create(
                house=house,
                case_id=case_id,
                occurred_at=now,
                trace_id=trace_id,
                span_id=span_id,
                name=name,
                from_organisation=actor_organisation or _organisation_of(actor, house),
                data_categories=[str(c) for c in categories],
                purpose=purpose[:300],
                legal_basis=found.legal_basis,
                processing_activity=found.uri,
                meeting_id=meeting_id,
                attendees=list(attendees),
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                subject_ids=sorted({s.pseudonym for s in subject_list}),
            )
            disclosure.recipients.set(receivers)
    return trace_id


def record_list(
    *,
    actor: Any,
    house: House,
    name: str,
    obj: models.Model,
    items: Sequence[tuple[int, Sequence[SubjectRef]]],
    object_type: str = "cases.case",
    activity: str = CASE_PROCESS,
    purpose: str = PURPOSE_CASE_APPROACH,
    case_ids: dict[int, int | None] | None = None,
) -> None:
    """A list page showed rows about people (e.g. case titles): one audit row for the page,
    one read line per (row, data subject). `items` are (row id, subjects); rows are cases
    unless `object_type` says otherwise, with `case_ids` giving each row's case. Buffered like
    any read."""
    if not items:
        return
    now = timezone.now()
    context = _current.get()
    span_id = new_span_id()
    found = current_activity(house, activity)
    rows = [row_id for row_id, _refs in items]
    audit = audit_event(
        actor=actor,
        house=house,
        action=name,
        obj=obj,
        span_id=span_id,
        occurred_at=now,
        after={"cases": rows} if object_type == "cases.case" else {"rows": rows},
    )
    trace_id = audit.trace_id
    shared = _shared_line(
        trace_id=trace_id,
        parent_span_id=span_id,
        name=name,
        at=now,
        operation=str(Operation.READ),
        activity_uri=found.uri,
        purpose=purpose,
        house_id=house.pk,
        case_id=None,
        object_type=object_type,
        object_id="",
    )
    is_case = object_type == "cases.case"
    spans = new_span_ids(sum(len(refs) for _c, refs in items))
    lines = [
        {
            **shared,
            "span_id": next(spans),
            "data_subject_id": subject.pseudonym,
            "data_subject_id_type": subject.id_type,
            "case_id": row_id if is_case else (case_ids or {}).get(row_id),
            "object_id": str(row_id),
        }
        for row_id, refs in items
        for subject in refs
    ]
    if context is not None:
        context.audits.append(audit)
        context.lines.extend(lines)
        return
    with transaction.atomic():
        chain.append([audit], lines)


def _organisation_of(actor: Any, house: House) -> Organisation | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    from casusregie.accounts.models import Membership

    membership = (
        Membership.objects.active()
        .filter(user=actor, house=house)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return membership.organisation if membership else None


def flush() -> None:
    """Write the reads collected so far in one batch (called at the end of each request)."""
    context = _current.get()
    if context is None or not context.audits:
        return
    audits, lines = context.audits, context.lines
    context.audits, context.lines = [], []
    with transaction.atomic():
        chain.append(audits, lines)


@contextmanager
def processing(trace_id: str | None = None) -> Iterator[_Context]:
    """Collect reads under one trace until the block ends, then write them."""
    context = _Context(trace_id=trace_id or new_trace_id(), root_span_id=new_span_id())
    token = _current.set(context)
    try:
        yield context
        flush()
    finally:
        _current.reset(token)


_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


class ProcessingLogMiddleware:
    """Gives each request a trace id (from a valid W3C `traceparent` header when a partner
    system sends one) and writes the request's reads in one batch before the response leaves.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = _TRACEPARENT.match(request.headers.get("traceparent", ""))
        trace_id = match.group(1) if match and match.group(1) != "0" * 32 else None
        with processing(trace_id) as context:
            response = self.get_response(request)
            response["X-Trace-Id"] = context.trace_id
        return response
