"""One call records a processing of personal data: the audit row (who) and one processing-log
line per data subject (what, about whom, for which activity and purpose, disclosed to whom).

Actions call `record` inside their transaction, so the log commits or rolls back with the
change itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from casusregie.houses.models import House, Organisation

from .crypto import keyed_hash
from .models import AuditEvent, Operation, ProcessingLogEntry

# The processing activities of the register (GDPR art. 30). The privacy issue makes the
# register versioned data per house; until then these identifiers name the activities.
CASE_PROCESS = "urn:casusregie:verwerking:persoonsgerichte-aanpak:v1"
PURPOSE_CASE_APPROACH = "Persoonsgerichte aanpak complexe casuïstiek (WGS art. 2)"


@dataclass(frozen=True)
class SubjectRef:
    """Who the data is about: a pseudonym of the BSN when known, else of the subject row."""

    pseudonym: str
    id_type: str


def subject_ref(*, subject_pk: int, bsn_hash: str = "") -> SubjectRef:
    if bsn_hash:
        return SubjectRef(keyed_hash(bsn_hash, purpose="log-subject"), "bsn")
    return SubjectRef(keyed_hash(str(subject_pk), purpose="log-subject"), "subject")


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
) -> str:
    """Write the audit event and the log lines; returns the trace id that links them."""
    now = timezone.now()
    trace_id = secrets.token_hex(16)
    AuditEvent.objects.create(
        trace_id=trace_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_organisation=actor_organisation,
        house=house,
        action=name,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        reason=reason,
    )
    receivers: list[Organisation | None] = list(recipients) or [None]
    ProcessingLogEntry.objects.bulk_create(
        ProcessingLogEntry(
            trace_id=trace_id,
            span_id=secrets.token_hex(8),
            name=name,
            start_time=now,
            end_time=now,
            operation=operation if receiver is None else Operation.DISCLOSE,
            processing_activity=activity,
            purpose=purpose,
            data_subject_id=subject.pseudonym,
            data_subject_id_type=subject.id_type,
            house=house,
            case_id=case_id,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            recipient_organisation=receiver,
        )
        for subject in subjects
        for receiver in receivers
    )
    return trace_id
