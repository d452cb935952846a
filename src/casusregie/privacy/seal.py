"""Seals of the hash chains: every chain's newest sequence number and hash, signed with the
chain key, in a file the operator keeps outside the database (decision 0038).

Someone who can write the database but lacks the key can still delete the newest rows of a
chain and put back a head they copied earlier, or delete a chain with its head: nothing left
in the database shows it. A seal written before does: `verify-log --against` checks that every
sealed chain still exists, reaches the sealed sequence number, and that the row there still
has the sealed hash. Rows written after the newest seal are protected by the chain alone.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.utils import timezone

from . import chain
from .models import LogHead

FORMAT = "casusregie-log-seal/1"
PATTERN = "log-seal-*.json"


class SealError(Exception):
    """A seal cannot be made or read; the message says which file and why."""


def current(now: datetime.datetime | None = None) -> dict[str, Any]:
    """The seal of every chain as its head stands now. Refused when a head's signature fails:
    sealing it would vouch for a head someone changed without the key."""
    chains = []
    for head in LogHead.objects.order_by("kind", "house_id"):
        if not chain.head_signed(head):
            raise SealError(
                f"{head.kind} chain of house {head.house_id}: its head does not match its "
                "signature; run verify-log before sealing"
            )
        if head.last_seq:
            chains.append(
                {
                    "house": head.house_id,
                    "kind": head.kind,
                    "seq": head.last_seq,
                    "hash": head.last_hash,
                }
            )
    moment = (now or timezone.now()).astimezone(datetime.UTC)
    body = {"format": FORMAT, "sealed_at": moment.isoformat(), "chains": chains}
    return {**body, "mac": _mac(body)}


def _mac(body: dict[str, Any]) -> str:
    return chain.sign("seal", json.dumps(body, sort_keys=True, separators=(",", ":")))


def text(seal: dict[str, Any]) -> str:
    """A seal as its file holds it: one chain per line, readable beside the backups."""
    chains = ",\n".join(f"    {json.dumps(entry, sort_keys=True)}" for entry in seal["chains"])
    return (
        "{\n"
        f'  "format": {json.dumps(seal["format"])},\n'
        f'  "sealed_at": {json.dumps(seal["sealed_at"])},\n'
        f'  "chains": [\n{chains}\n  ],\n'
        f'  "mac": {json.dumps(seal["mac"])}\n'
        "}\n"
    )


def write(path: Path, seal: dict[str, Any]) -> None:
    """Write a seal to a new file: via FILE.partial, renamed when whole. An existing seal is
    never overwritten (it is evidence of an earlier state)."""
    if path.exists():
        raise SealError(f"{path}: exists already; a seal is never overwritten")
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text(seal), encoding="utf-8")
        partial.replace(path)
    except OSError as error:
        raise SealError(f"{path}: cannot be written ({error.strerror or error})") from None


def file_name(now: datetime.datetime) -> str:
    """A seal's name in the seal directory, sortable by time."""
    return f"log-seal-{now.astimezone(datetime.UTC):%Y-%m-%dT%H%M%SZ}.json"


def daily(directory: Path, day: datetime.date) -> Path | None:
    """The day's seal in `directory`, unless it was written already (the scheduler runs every
    15 minutes); returns the new file."""
    path = directory / f"log-seal-{day.isoformat()}.json"
    if path.exists():
        return None
    write(path, current())
    return path


def load(paths: Iterable[Path]) -> tuple[dict[tuple[int, str], list[chain.Mark]], int]:
    """The marks of every seal in `paths` (files, or directories of log-seal-*.json), by chain,
    and the number of seal files read."""
    files = [found for path in paths for found in _files(path)]
    marks: dict[tuple[int, str], list[chain.Mark]] = {}
    for path in files:
        for entry in _read(path):
            mark = chain.Mark(entry["seq"], entry["hash"], f"seal {path.name}")
            marks.setdefault((entry["house"], entry["kind"]), []).append(mark)
    return marks, len(files)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(path.glob(PATTERN))
        if not found:
            raise SealError(f"{path}: no seal files ({PATTERN}) in this directory")
        return found
    if not path.exists():
        raise SealError(f"{path}: no such seal file or directory")
    return [path]


def _read(path: Path) -> list[dict[str, Any]]:
    """A seal file's chains, after its signature was checked."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SealError(f"{path}: cannot be read ({error.strerror or error})") from None
    except (ValueError, RecursionError):
        raise SealError(f"{path}: not a seal file (not JSON text)") from None
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or not isinstance(document.get("mac"), str)
    ):
        raise SealError(f"{path}: not a seal file (no {FORMAT} document)")
    body = {key: value for key, value in document.items() if key != "mac"}
    if not chain.same_mac(document["mac"], _mac(body)):
        raise SealError(
            f"{path}: its signature does not match: the file was changed, or sealed with "
            "another CASUSREGIE_LOG_CHAIN_KEY"
        )
    chains = body.get("chains")
    if not isinstance(chains, list) or not all(_well_formed(entry) for entry in chains):
        raise SealError(f"{path}: not a seal file (malformed chains)")
    return chains


def _well_formed(entry: Any) -> bool:
    def whole(value: Any) -> bool:
        return type(value) is int and value >= 0

    return (
        isinstance(entry, dict)
        and whole(entry.get("house"))
        and entry.get("kind") in (chain.AUDIT, chain.LOG)
        and whole(entry.get("seq"))
        and isinstance(entry.get("hash"), str)
    )
