"""The hash chain over the audit trail and the processing log.

Each row carries `prev_hash` (the chain hash of the row before it in the same house's chain)
and `chain_hash` = HMAC-SHA256(log key, prev_hash | canonical row content). Without the key
nobody can forge a row that verifies, so `verify_log` finds a changed, removed or inserted row.
Writers lock the chain head (`LogHead`) until their transaction commits, so rows are chained
in the order they become visible.

Heads and checkpoints are signed with the same key (`head_mac`, `checkpoint_mac`): a head moved
back over removed rows, or a checkpoint forged to hide rows, is found without the rows' help.
An old head put back with the rows after it deleted, or a whole chain deleted with its head,
is found only against seals kept outside the database (privacy/seal.py, decision 0038).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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

logger = logging.getLogger(__name__)

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


def sign(label: str, *values: Any) -> str:
    """HMAC-SHA256(key, "label|[values]") for what is not a row: heads, checkpoints, seals.

    A row's message starts with its `prev_hash` (hexadecimal, or empty) and a "|": a label
    holds a letter beyond "f", so no signature can pass for a row's hash or the reverse."""
    payload = json.dumps([_canonical(v) for v in values], separators=(",", ":"), default=str)
    return hmac_sha256(_pads(), f"{label}|{payload}".encode())


def head_mac(house_id: int, kind: str, last_seq: int, last_hash: str) -> str:
    """The head's signature: which chain, how many rows it holds and the last one's hash."""
    return sign("head", house_id, kind, last_seq, last_hash)


def checkpoint_mac(checkpoint: LogCheckpoint) -> str:
    """A checkpoint's signature: which chain, and where and with which hash it restarts."""
    return sign(
        "checkpoint",
        checkpoint.house_id,
        checkpoint.kind,
        checkpoint.last_removed_id,
        checkpoint.last_removed_seq,
        checkpoint.last_removed_hash,
        checkpoint.removed,
        checkpoint.removed_until,
    )


def same_mac(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes what someone wrote into the database or a
    file (compare_digest refuses non-ASCII text)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def head_signed(head: LogHead) -> bool:
    expected = head_mac(head.house_id, head.kind, head.last_seq, head.last_hash)
    return same_mac(head.mac, expected)


def checkpoint_signed(checkpoint: LogCheckpoint) -> bool:
    return same_mac(checkpoint.mac, checkpoint_mac(checkpoint))


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
            [
                LogHead(house_id=house, kind=kind, mac=head_mac(house, kind, 0, ""))
                for house, kind in missing
            ],
            ignore_conflicts=True,
        )
        heads = select()
    return heads


def _unsigned(heads: Iterable[LogHead]) -> set[int]:
    """Heads whose signature fails: changed without the key. The rows are still written (the
    work goes on), but such a head is never signed again, so appending cannot launder it and
    `verify_log` keeps reporting it until someone looks."""
    found = set()
    for head in heads:
        if not head_signed(head):
            found.add(head.pk)
            logger.error("log_head_unsigned", extra={"house_id": head.house_id, "kind": head.kind})
    return found


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
        unsigned = _unsigned(heads.values())

        def chained() -> Iterator[dict[str, Any]]:
            line_digest = _LineDigests(lines)
            for entry in lines:
                head = heads[chain_of(entry)]
                entry["prev_hash"] = head.last_hash
                entry["chain_hash"] = line_digest(entry, head.last_hash)
                head.last_hash = entry["chain_hash"]
                head.last_seq += 1
                yield entry

        with _meanwhile(alongside):
            for audit in audits:
                head = heads[chain_of(audit)]
                audit.prev_hash = head.last_hash
                audit.chain_hash = digest(audit, head.last_hash, AUDIT)
                head.last_hash = audit.chain_hash
                head.last_seq += 1
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
        _save_heads(list(heads.values()), unsigned)


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


def _save_heads(heads: list[LogHead], unsigned: set[int]) -> None:
    """One UPDATE for all heads of the batch (usually two: audit and log of one house), each
    signed anew unless its signature had already failed (`_unsigned`)."""
    for head in heads:
        if head.pk not in unsigned:
            head.mac = head_mac(head.house_id, head.kind, head.last_seq, head.last_hash)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(heads))
    params: list[Any] = [
        p for head in heads for p in (head.pk, head.last_hash, head.last_seq, head.mac)
    ]
    table = LogHead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v(id, last_hash, last_seq, mac) AS (VALUES {values}) "  # noqa: S608
            f"UPDATE {table} SET last_hash = v.last_hash, last_seq = v.last_seq, mac = v.mac "
            f"FROM v WHERE {table}.id = v.id",
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
    where: str = ""

    def __str__(self) -> str:
        table = "audit trail" if self.kind == AUDIT else "processing log"
        where = self.where or (f"row {self.row_id}" if self.row_id is not None else "end of chain")
        return f"{table}, house {self.house_id}, {where}: {self.problem}"


@dataclass(frozen=True)
class Mark:
    """A position of a chain recorded apart from its rows: the row at sequence number `seq`
    (counting from the chain's first row ever, purged ones included) has hash `hash`. The
    chain's own head is one mark; seals (privacy/seal.py) add older ones."""

    seq: int
    hash: str
    source: str  # for the report: "its head", "seal log-seal-2026-11-29.json"


Seals = Mapping[tuple[int, str], Sequence[Mark]]


def verify(kinds: Iterable[str] = (AUDIT, LOG), seals: Seals | None = None) -> Iterator[Break]:
    """Yield the first broken link of every chain (house × kind), in id order; with `seals`
    (chain → marks) also every sealed chain that was deleted, cut short or rewritten."""
    seals = seals or {}
    for kind in kinds:
        model: type[Model] = AuditEvent if kind == AUDIT else ProcessingLogEntry
        houses = set(LogHead.objects.filter(kind=kind).values_list("house_id", flat=True))
        houses |= {
            h or NO_HOUSE
            for h in model._default_manager.values_list("house_id", flat=True).distinct()
        }
        houses |= {house for house, sealed_kind in seals if sealed_kind == kind}
        for house_id in sorted(houses):
            found = _verify_chain(model, kind, house_id, seals.get((house_id, kind), ()))
            if found is not None:
                yield found


def _verify_chain(
    model: type[Model], kind: str, house_id: int, sealed: Sequence[Mark]
) -> Break | None:
    # Head and checkpoint before the rows: rows committed during the walk lie beyond the head.
    head = LogHead.objects.filter(house_id=house_id, kind=kind).first()
    checkpoint = LogCheckpoint.objects.filter(house_id=house_id, kind=kind).order_by("-pk").first()
    rows = model._default_manager.filter(
        house_id=None if house_id == NO_HOUSE else house_id
    ).order_by("pk")
    if head is None:
        where, problem = _missing_head(checkpoint, rows, sealed)
        return Break(kind, house_id, None, problem, where=where)
    if not head_signed(head):
        problem = (
            "head does not match its signature: changed without the key "
            "(were rows at the end of the chain removed?)"
        )
        return Break(kind, house_id, None, problem, where="head")
    if checkpoint is not None and (problem := _check_checkpoint(checkpoint, rows)):
        return Break(kind, house_id, None, problem, where=f"checkpoint {checkpoint.pk}")
    start = (checkpoint.last_removed_seq, checkpoint.last_removed_hash) if checkpoint else (0, "")
    marks = [Mark(head.last_seq, head.last_hash, "its head"), *sealed]
    problem = _check_restart(start, head, marks)
    if problem:
        return Break(kind, house_id, None, problem, where=f"sequence {start[0]}")
    if checkpoint:
        rows = rows.filter(pk__gt=checkpoint.last_removed_id)
    return _walk(rows, kind, house_id, start, marks, head)


def _missing_head(
    checkpoint: LogCheckpoint | None, rows: Any, sealed: Sequence[Mark]
) -> tuple[str, str]:
    """(where, problem) of a chain's rows without their head, or, found only by a seal that
    names it, of a chain deleted altogether."""
    if checkpoint is None and sealed and not rows.exists():
        mark = max(sealed, key=lambda m: m.seq)
        problem = (
            f"the chain is missing, but {mark.source} sealed it at sequence {mark.seq}: "
            "the chain was deleted"
        )
        return "whole chain", problem
    return "head", "head missing: the chain's head row was deleted"


def _check_checkpoint(checkpoint: LogCheckpoint, rows: Any) -> str:
    """The newest checkpoint must be signed, and the rows it says were removed must be gone:
    otherwise rows rewritten behind a forged checkpoint would never be looked at."""
    if not checkpoint_signed(checkpoint):
        return "checkpoint does not match its signature: forged or changed without the key"
    if rows.filter(pk__lte=checkpoint.last_removed_id).exists():
        return "checkpoint says rows were removed that are still there: rows hidden behind it"
    return ""


def _check_restart(start: tuple[int, str], head: LogHead, marks: Sequence[Mark]) -> str:
    """Marks at the checkpoint's position must have its hash; marks before it were purged by
    the retention job, as the signed checkpoint proves. The head is never behind it."""
    seq, hash_ = start
    if head.last_seq < seq:
        return "head is older than the checkpoint: an old head was put back"
    for mark in marks:
        if mark.seq == seq and mark.hash != hash_:
            return f"the chain's start differs from {mark.source}: the chain was rewritten"
    return ""


def _walk(
    rows: Any,
    kind: str,
    house_id: int,
    start: tuple[int, str],
    marks: Sequence[Mark],
    head: LogHead,
) -> Break | None:
    """Follow the links from `start`; every mark on the way must name the row's hash, and the
    chain must reach the furthest mark."""
    seq, expected = start
    at: dict[int, list[Mark]] = {}
    for mark in marks:
        if mark.seq > seq:
            at.setdefault(mark.seq, []).append(mark)
    for row in rows.iterator(chunk_size=2000):
        seq += 1
        if row.prev_hash != expected:
            return Break(
                kind, house_id, row.pk, "link broken: a row before it was removed or inserted"
            )
        if digest(row, row.prev_hash, kind) != row.chain_hash:
            return Break(
                kind, house_id, row.pk, "content does not match its hash: changed or forged"
            )
        expected = row.chain_hash
        for mark in at.get(seq, ()):
            if mark.hash != expected:
                problem = f"differs from {mark.source} (sequence {seq}): the chain was rewritten"
                return Break(kind, house_id, row.pk, problem)
    return _check_end(kind, house_id, seq, marks, head)


def _check_end(
    kind: str, house_id: int, seq: int, marks: Sequence[Mark], head: LogHead
) -> Break | None:
    furthest = max(marks, key=lambda m: m.seq)
    if furthest.seq > seq:
        if furthest.source == "its head":
            return Break(kind, house_id, None, "rows at the end of the chain were removed")
        problem = (
            f"the chain ends at sequence {seq}, but {furthest.source} sealed it at "
            f"{furthest.seq}: rows at the end of the chain were removed"
        )
        return Break(kind, house_id, None, problem)
    if seq > head.last_seq and not _moved_on(head):
        problem = "rows beyond the head: an old head was put back"
        return Break(kind, house_id, None, problem, where="head")
    return None


def _moved_on(head: LogHead) -> bool:
    """Whether writers extended the chain while it was walked (its rows then lie beyond the
    head as it was read before the walk)."""
    now = LogHead.objects.filter(pk=head.pk).values_list("last_seq", flat=True).first()
    return now != head.last_seq
