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
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from json.encoder import encode_basestring_ascii
from operator import is_not, itemgetter, ne
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from .crypto import hmac_pads, hmac_sha256
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


def digest(row: Model | dict[str, Any], prev_hash: str, kind: str | None = None) -> str:
    """The chain hash of a row (a model instance, or a log line as a dict of its fields)."""
    if isinstance(row, dict):
        kind, values = LOG, row
    else:
        kind = kind or chain_of(row)[1]
        values = {n: getattr(row, n) for n in (_AUDIT_FIELDS if kind == AUDIT else _LOG_FIELDS)}
    fields = _AUDIT_FIELDS if kind == AUDIT else _LOG_FIELDS
    # A JSON array in the fixed field order: unambiguous, and cheaper than a sorted object.
    content = [_canonical(values[name]) for name in fields]
    payload = json.dumps(content, separators=(",", ":"), sort_keys=True, default=str)
    return _sign(prev_hash, payload)


def _sign(prev_hash: str, payload: str) -> str:
    """HMAC-SHA256(key, "prev_hash|payload") from the key's two padded SHA-256 states, hashed
    once (`crypto.hmac_sha256`: a bulk intake signs a million lines)."""
    return hmac_sha256(_pads(), f"{prev_hash}|{payload}".encode())


@cache
def _pads() -> tuple[Any, Any]:
    return hmac_pads(_key())


def _encode(value: Any) -> str:
    """One field value as `digest` writes it inside its JSON array."""
    if type(value) is str:
        return encode_basestring_ascii(value)
    return json.dumps(_canonical(value), default=str)


class _LineDigests:
    """`digest` of a batch of log lines, the same hashes, cheaper: a line's payload is the
    JSON of each field value joined in field order, and in a batch most values (trace, time,
    name, house, purpose) are the same on every line. Those are encoded once; per line only
    the values that differ (span, data subject, ...). A bulk intake logs a million lines."""

    def __init__(self, lines: list[dict[str, Any]]) -> None:
        first = lines[0] if lines else {}
        parts = [_encode(first[name]) for name in _LOG_FIELDS] if lines else []
        self.varying = [
            (index, name)
            for index, name in enumerate(_LOG_FIELDS)
            if lines and self._varies(name, lines)
        ]
        # The payload's constant text between the varying values: "[a,b," before the first,
        # "," + ... between them, ... + "]" after the last.
        varies = {index for index, _name in self.varying}
        self.between: list[str] = []
        text = "["
        for index, part in enumerate(parts):
            if index:
                text += ","
            if index in varies:
                self.between.append(text)
                text = ""
            else:
                text += part
        self.between.append(text + "]")

    @staticmethod
    def _varies(name: str, lines: list[dict[str, Any]]) -> bool:
        """Whether a line's value differs from the first line's. Compared column by column in
        C (map/itemgetter; a generator over a million lines for each of the 17 fields cost
        seconds), first by identity: the values a batch shares are the same object on every
        line, so only a column with other objects is compared by value."""
        first = lines[0][name]
        if not any(map(is_not, repeat(first), map(itemgetter(name), lines))):
            return False
        return any(map(ne, repeat(first), map(itemgetter(name), lines)))

    def __call__(self, entry: dict[str, Any], prev_hash: str) -> str:
        between = self.between
        pieces = [prev_hash, "|", between[0]]
        for (_index, name), after in zip(self.varying, between[1:], strict=True):
            pieces.append(_encode(entry[name]))
            pieces.append(after)
        return hmac_sha256(_pads(), "".join(pieces).encode())


def line(**fields: Any) -> dict[str, Any]:
    """A processing-log line as plain values (cheaper than a model instance on hot paths)."""
    missing = set(_LOG_FIELDS) - fields.keys() - {"status"}
    if missing:
        raise TypeError(f"log line lacks {sorted(missing)}")
    return {"status": "ok", **fields}


def chain_of(row: Model | dict[str, Any]) -> tuple[int, str]:
    if isinstance(row, dict):
        return (row["house_id"] or NO_HOUSE, LOG)
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


def append(
    audits: list[AuditEvent],
    lines: list[dict[str, Any]],
    *,
    alongside: Callable[[BaseDatabaseWrapper], None] | None = None,
) -> None:
    """Chain and insert the rows, in list order, inside the caller's transaction.

    `alongside(connection)`: database work of the same transaction (a bulk intake's insert of
    the signals these lines are about) run while the lines are hashed: the chain heads are
    locked first, then PostgreSQL works on one core while Python hashes on the other."""
    if not audits and not lines:
        if alongside is not None:
            alongside(connections[DEFAULT_DB_ALIAS])
        return
    with transaction.atomic(savepoint=False):
        rows: list[Any] = [*audits, *lines]
        heads = _lock_heads({chain_of(row) for row in rows})

        def chained() -> Iterator[dict[str, Any]]:
            line_digest = _LineDigests(lines)
            for entry in lines:
                head = heads[chain_of(entry)]
                entry["prev_hash"] = head.last_hash
                entry["chain_hash"] = line_digest(entry, head.last_hash)
                head.last_hash = entry["chain_hash"]
                yield entry

        with _meanwhile(alongside):
            for audit in audits:
                head = heads[chain_of(audit)]
                audit.prev_hash = head.last_hash
                audit.chain_hash = digest(audit, head.last_hash, AUDIT)
                head.last_hash = audit.chain_hash
            if alongside is not None:
                lines_chained: Iterable[dict[str, Any]] = list(chained())
            else:
                # Hashed as they are sent: PostgreSQL stores the first lines of a COPY while
                # the next ones are hashed.
                lines_chained = chained()
        if audits:
            AuditEvent.objects.bulk_create(audits)
        if lines:
            _insert_lines(lines_chained)
        _save_heads(list(heads.values()))


@contextmanager
def _meanwhile(work: Callable[[BaseDatabaseWrapper], None] | None) -> Iterator[None]:
    """Run `work` on this thread's database connection in a second thread while the block runs
    (the block must not use the database), then wait for it and raise what it raised."""
    if work is None:
        yield
        return
    db = connections[DEFAULT_DB_ALIAS]
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work(db)
        except BaseException as error:  # handed to the caller below
            failed.append(error)

    db.inc_thread_sharing()
    thread = threading.Thread(target=run, name="chain-alongside")
    try:
        thread.start()
        yield
    finally:
        thread.join()
        db.dec_thread_sharing()
    if failed:
        raise failed[0]


def _save_heads(heads: list[LogHead]) -> None:
    """One UPDATE for all heads of the batch (usually two: audit and log of one house)."""
    values = ", ".join(["(%s, %s)"] * len(heads))
    params: list[Any] = [p for head in heads for p in (head.pk, head.last_hash)]
    table = LogHead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v(id, last_hash) AS (VALUES {values}) "  # noqa: S608 - no user input
            f"UPDATE {table} SET last_hash = v.last_hash FROM v WHERE {table}.id = v.id",
            params,
        )


_COLUMNS = (*_LOG_FIELDS, "prev_hash", "chain_hash")


def _insert_lines(lines: Iterable[dict[str, Any]]) -> None:
    """PostgreSQL: one binary COPY (the hot path of every page that shows people, and a
    million lines for a bulk intake: binary saves the server parsing every value as text);
    elsewhere one bulk insert."""
    if connection.vendor != "postgresql":
        ProcessingLogEntry.objects.bulk_create(
            [ProcessingLogEntry(**{c: entry[c] for c in _COLUMNS}) for entry in lines]
        )
        return
    table = ProcessingLogEntry._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(_binary_types())
        values = itemgetter(*_COLUMNS)
        for entry in lines:
            copy.write_row(values(entry))


_BINARY = {"bigint": "int8", "integer": "int4", "timestamp with time zone": "timestamptz"}


@cache
def _binary_types() -> list[str]:
    """The PostgreSQL type of every log column, as binary COPY needs them stated."""
    fields = {f.attname: f for f in ProcessingLogEntry._meta.concrete_fields}
    found = []
    for name in _COLUMNS:
        kind = fields[name].db_type(connection) or ""  # a foreign key: its target's type
        found.append(_BINARY.get(kind, "text" if kind.startswith("varchar") else kind))
    return found


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
