"""What the privacy app's oversight work needs from the apps that hold people and cases.

`privacy` imports no feature app (docs/architecture.md): the apps that keep people, cases,
referrals, meetings and documents register here, when they load (their `access.py`), the few
functions the privacy officer's work calls. Four kinds of provider:

- **people**: the house's person rows (find by BSN or by surname and birth date, log
  references, columns with encrypted values) — registered by the cases app;
- **oversight**: a case by number or id, shown to the privacy officer by number and dates only
  (disclosure register, retention), and who was entitled to read a case (usage signals);
- **kept**: each kind of thing destroyed after its retention period (its due rows, its summary on a
  destruction list, its people, and what other apps remove with it) — decision 0047;
- **answer parts**: the sections of a data-subject access answer each app contributes.

A provider that is missing raises `LookupError` at first use: a registration that was forgotten
fails loudly, never as an answer that silently leaves something out.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

from casusregie.houses.models import House

from .log import SubjectRef

# --- People -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """The house's person rows (*betrokkenen*)."""

    model: type[Model]
    find: Callable[..., list[Any]]  # (house, *, bsn="", last_name="", born=None) -> rows
    refs: Callable[[Iterable[Any]], list[SubjectRef]]  # log references of rows
    encrypted_columns: tuple[str, ...] = ()  # Fernet columns not declared as EncryptedTextField


@dataclass(frozen=True)
class Oversight:
    """A case for the privacy officer's work: by number or id, never its content."""

    case: Callable[..., Any]  # (house, *, reference="", pk=None) -> case | None
    people_of_case: Callable[[Any], list[Any]]  # person rows of a case
    # {case id: (ids of users who direct it, ids of organisations taking part)}
    entitled: Callable[[Iterable[int]], dict[int, tuple[set[int], set[int]]]]


@dataclass(frozen=True)
class Kept:
    """One kind of thing the house destroys after its retention period, with two approvals."""

    kind: str  # DestructionItem.kind: "case", "referral"
    due: Callable[[House, datetime.date], QuerySet[Any]]  # past the period, in the house
    describe: Callable[[Any], tuple[str, dict[str, Any]]]  # (reference, summary) for the list
    get: Callable[[House, int], Any]  # the row, if it may still be destroyed; else None
    people: Callable[[Any], list[Any]]  # person rows it names
    case_id: Callable[[Any], int | None] = lambda row: None  # for the log line


_people: list[People] = []
_oversight: list[Oversight] = []
_kept: dict[str, Kept] = {}
_more_people: dict[str, list[Callable[[Any], list[Any]]]] = {}
_removals: dict[str, list[Callable[[Any], object]]] = {}
_still_named: list[Callable[[list[int]], set[int]]] = []
_rotations: list[Callable[[Callable[[str], None]], int]] = []
_answer_parts: list[Callable[[list[Any]], dict[str, list[dict[str, Any]]]]] = []


def provide_people(people: People) -> None:
    _people[:] = [people]


def provide_oversight(oversight: Oversight) -> None:
    _oversight[:] = [oversight]


def people() -> People:
    if not _people:
        raise LookupError("no app provides the house's people (cases/access.py registers them)")
    return _people[0]


def oversight() -> Oversight:
    if not _oversight:
        raise LookupError("no app provides cases for oversight (cases/access.py registers it)")
    return _oversight[0]


def also_encrypted(rotation: Callable[[Callable[[str], None]], int]) -> None:
    """Encrypted data outside database columns (stored files): `rotation(say)` re-encrypts it
    with the newest key, reports progress through `say`, and returns how many items no
    configured key opens (left unchanged). `rotate_keys` runs it after the columns."""
    _rotations.append(rotation)


def rotations() -> list[Callable[[Callable[[str], None]], int]]:
    return list(_rotations)


# --- Retention --------------------------------------------------------------------------------


def keep(kept: Kept) -> None:
    """Register a kind of thing with a retention period (its own app calls this once)."""
    _kept[kept.kind] = kept


def kept(kind: str) -> Kept:
    if kind not in _kept:
        raise LookupError(f"no app registered retention for {kind!r}")
    return _kept[kind]


def kept_kinds() -> list[Kept]:
    return list(_kept.values())


def also_people(kind: str, people_of: Callable[[Any], list[Any]]) -> None:
    """Another app names people of this kind of row too (a case's referrals)."""
    _more_people.setdefault(kind, []).append(people_of)


def remove_with(kind: str, removal: Callable[[Any], object]) -> None:
    """Another app's rows go when a row of this kind is destroyed (a case's agenda items);
    removals run in the reverse order the apps load, before the row itself is deleted."""
    _removals.setdefault(kind, []).append(removal)


def people_of(kind: str, row: Any) -> list[Any]:
    """Every person row named by this row, by its own app and by the others."""
    found = list(kept(kind).people(row))
    for more in _more_people.get(kind, []):
        found += [person for person in more(row) if person not in found]
    return found


def removals(kind: str) -> list[Callable[[Any], object]]:
    """Dependents first: an app that loads later builds on the earlier ones (documents hang on
    referrals and agenda items), so its rows go before theirs."""
    return list(reversed(_removals.get(kind, [])))


def still_named_by(check: Callable[[list[int]], set[int]]) -> None:
    """An app that links people: of these person ids, which does it still name? A person row
    is destroyed only when no app names it any more."""
    _still_named.append(check)


def unnamed(person_ids: list[int]) -> list[int]:
    named: set[int] = set()
    for check in _still_named:
        named |= check(person_ids)
    return [pk for pk in person_ids if pk not in named]


# --- The access answer ------------------------------------------------------------------------


def answer_part(part: Callable[[list[Any]], dict[str, list[dict[str, Any]]]]) -> None:
    """A section (or sections) of a data-subject access answer: given the person rows of the
    request, rows for the answer's sections by name ("cases", "organisations", ...)."""
    _answer_parts.append(part)


def answer_parts() -> list[Callable[[list[Any]], dict[str, list[dict[str, Any]]]]]:
    return list(_answer_parts)
