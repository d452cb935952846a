"""The hash chain over the audit trail and the processing log.

Each row carries `prev_hash` (the chain hash of the row before it in the same house's chain)
and `chain_hash` = HMAC-SHA256(log key, prev_hash | canonical row content). Without the key
nobody can forge a row that verifies, so `verify_log` finds a changed, removed or inserted row.
Writers lock the chain head (`LogHead`) until their transaction commits, so rows are chained
in the order they become visible.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model

from .models import AuditEvent, LogCheckpoint, LogHead, ProcessingLogEntry

AUDIT, LOG = "audit", "log"
NO_HOUSE = 0

_AUDIT_FIELDS = (
    "trace_id",
    "span_id",
    "occurred_at",
    "actor_id",
    "actor_organisation_id",
    "house_id",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "reason",
)
_LOG_FIELDS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "status",
    "start_time",
    "end_time",
    "operation",
    "processing_activity",
    "purpose",
    "data_subject_id",
    "data_subject_id_type",
    "house_id",
    "case_id",
    "object_type",
    "object_id",
    "recipient_organisation_id",
)


@cache
def _key() -> bytes:
    explicit = getattr(settings, "LOG_CHAIN_KEY", "")
    if explicit:
        return str(explicit).encode()
    return hashlib.sha256(f"log-chain:{settings.SECRET_KEY}".encode()).digest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return value


def digest(row: Model, prev_hash: str, kind: str | None = None) -> str:
    kind = kind or chain_of(row)[1]
    fields = _AUDIT_FIELDS if kind == AUDIT else _LOG_FIELDS
    content = {name: _canonical(getattr(row, name)) for name in fields}
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(_key(), f"{prev_hash}|{payload}".encode(), hashlib.sha256).hexdigest()


def chain_of(row: Model) -> tuple[int, str]:
    kind = AUDIT if row._meta.model_name == "auditevent" else LOG
    return (getattr(row, "house_id", None) or NO_HOUSE, kind)


def _lock_heads(keys: set[tuple[int, str]]) -> dict[tuple[int, str], LogHead]:
    def select() -> dict[tuple[int, str], LogHead]:
        houses = {house for house, _kind in keys}
        rows = LogHead.objects.select_for_update().filter(house_id__in=houses)
        return {(h.house_id, h.kind): h for h in rows if (h.house_id, h.kind) in keys}

    heads = select()
    missing = keys - heads.keys()
    if missing:
        LogHead.objects.bulk_create(
            [LogHead(house_id=house, kind=kind) for house, kind in missing], ignore_conflicts=True
        )
        heads = select()
    return heads


def append(audits: list[AuditEvent], lines: list[ProcessingLogEntry]) -> None:
    """Chain and insert the rows, in list order, inside the caller's transaction."""
    if not audits and not lines:
        return
    with transaction.atomic(savepoint=False):
        rows: list[Model] = [*audits, *lines]
        heads = _lock_heads({chain_of(row) for row in rows})
        for row in rows:
            head = heads[chain_of(row)]
            row.prev_hash = head.last_hash  # type: ignore[attr-defined]
            row.chain_hash = digest(row, head.last_hash)  # type: ignore[attr-defined]
            head.last_hash = row.chain_hash  # type: ignore[attr-defined]
        if audits:
            AuditEvent.objects.bulk_create(audits)
        if lines:
            ProcessingLogEntry.objects.bulk_create(lines)
        LogHead.objects.bulk_update(list(heads.values()), ["last_hash"])


@dataclass(frozen=True)
class Break:
    kind: str
    house_id: int
    row_id: int | None
    problem: str

    def __str__(self) -> str:
        table = "audit trail" if self.kind == AUDIT else "processing log"
        where = f"row {self.row_id}" if self.row_id is not None else "end of chain"
        return f"{table}, house {self.house_id}, {where}: {self.problem}"


def verify(kinds: Iterable[str] = (AUDIT, LOG)) -> Iterator[Break]:
    """Yield the first broken link of every chain (house × kind), in id order."""
    for kind in kinds:
        model: type[Model] = AuditEvent if kind == AUDIT else ProcessingLogEntry
        houses = set(LogHead.objects.filter(kind=kind).values_list("house_id", flat=True))
        houses |= {
            h or NO_HOUSE
            for h in model._default_manager.values_list("house_id", flat=True).distinct()
        }
        for house_id in sorted(houses):
            found = _verify_chain(model, kind, house_id)
            if found is not None:
                yield found


def _verify_chain(model: type[Model], kind: str, house_id: int) -> Break | None:
    checkpoint = LogCheckpoint.objects.filter(house_id=house_id, kind=kind).order_by("-pk").first()
    expected = checkpoint.last_removed_hash if checkpoint else ""
    rows = model._default_manager.filter(
        house_id=None if house_id == NO_HOUSE else house_id
    ).order_by("pk")
    if checkpoint:
        rows = rows.filter(pk__gt=checkpoint.last_removed_id)
    for row in rows.iterator(chunk_size=2000):
        if row.prev_hash != expected:  # type: ignore[attr-defined]
            return Break(
                kind, house_id, row.pk, "link broken: a row before it was removed or inserted"
            )
        if digest(row, row.prev_hash, kind) != row.chain_hash:  # type: ignore[attr-defined]
            return Break(
                kind, house_id, row.pk, "content does not match its hash: changed or forged"
            )
        expected = row.chain_hash  # type: ignore[attr-defined]
    head = LogHead.objects.filter(house_id=house_id, kind=kind).first()
    if head is not None and head.last_hash != expected:
        return Break(kind, house_id, None, "rows at the end of the chain were removed")
    return None
