"""A synthetic legacy file of N cases, with deliberate bad rows, for the scale test, for trying
the import and for timing it (`casusregie import_cases FILE --sample N`). All people are
invented; their BSNs pass the eleven-test but come from a counter."""

from __future__ import annotations

import csv
import datetime
import io
import random
from dataclasses import dataclass, field

from django.utils import timezone

from .cases import COLUMNS

FIRST = ("Anna", "Bram", "Cees", "Dewi", "Eva", "Fleur", "Gijs", "Hanna", "Ilse", "Joris")
LAST = ("Akkerman", "Bosveld", "Clavers", "Dijkhoff", "Elzinga", "Feenstra", "Grotenhuis")
PHASES = ("preparation", "meeting", "plan", "execution", "aftercare", "closed")
BAD_KINDS = ("bsn", "organisation", "date_of_birth", "last_name", "legacy_id", "opened_on")
UNKNOWN_ORGANISATION = "Stichting Bestaat Niet"


@dataclass
class Sample:
    text: str
    # Row number (header = 1) → the column the report must name for it.
    bad_rows: dict[int, str] = field(default_factory=dict)
    bad_cases: set[str] = field(default_factory=set)
    good_cases: set[str] = field(default_factory=set)


def synthetic_bsn(counter: int) -> str:
    """The counter-th nine-digit number that passes the eleven-test, from 600000000 up."""
    base = 60000000 + counter * 2
    while True:
        digits = f"{base:08d}"
        check = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return digits + str(check)
        base += 1


def legacy_cases_csv(
    n: int, organisations: list[str], directors: list[str], *, bad: bool = True, seed: int = 8
) -> Sample:
    """N cases of 5–7 rows each; with `bad`, every hundredth case has one bad row (a bad BSN,
    an unknown organisation, a birth date in the future, no surname, a duplicate legacy id,
    an opening date in the future, in turn)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not secrets
    today = timezone.localdate()
    sample = Sample("")
    rows: list[dict[str, str]] = []
    counter = 0

    def add(**values: str) -> int:
        rows.append(values)
        return len(rows) + 1  # row number with the header as row 1

    for index in range(n):
        legacy_id = f"OUD-{index + 1:05d}"
        defect = BAD_KINDS[(index // 100) % len(BAD_KINDS)] if bad and index % 100 == 50 else ""
        family = index % 7 == 3
        phase = "execution" if defect == "opened_on" else PHASES[index % len(PHASES)]
        opened = today - datetime.timedelta(days=rng.randint(60, 2000))
        closed = opened + datetime.timedelta(days=rng.randint(1, 50)) if phase == "closed" else None
        case_row = add(
            record="case",
            legacy_id=legacy_id,
            kind="family" if family else "person",
            phase=phase,
            urgency=("normal", "high", "crisis")[index % 3],
            opened_on=(
                (today + datetime.timedelta(days=10)) if defect == "opened_on" else opened
            ).isoformat(),
            closed_on=closed.isoformat() if closed else "",
            outcome="manageable" if closed else "",
            process_director=directors[index % len(directors)] if directors else "",
        )
        if defect == "opened_on":
            sample.bad_rows[case_row] = "opened_on"
        for person in range(2 if family else 1):
            counter += 1
            born = datetime.date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
            number = add(
                record="subject",
                legacy_id=legacy_id,
                first_name=rng.choice(FIRST),
                last_name="" if defect == "last_name" and person == 0 else rng.choice(LAST),
                date_of_birth=(
                    (today + datetime.timedelta(days=3)).isoformat()
                    if defect == "date_of_birth" and person == 0
                    else born.isoformat()
                ),
                bsn="123456789" if defect == "bsn" and person == 0 else synthetic_bsn(counter),
                is_main="ja" if person == 0 else "nee",
                relation="" if person == 0 else "partner",
            )
            if defect in ("bsn", "last_name", "date_of_birth") and person == 0:
                sample.bad_rows[number] = defect
        first, second = (
            organisations[index % len(organisations)],
            organisations[(index + 1) % len(organisations)],
        )
        add(
            record="participant",
            legacy_id=legacy_id,
            organisation=first,
            role="Eigenaar",
            purpose="Gezamenlijke aanpak",
        )
        number = add(
            record="participant",
            legacy_id=legacy_id,
            organisation=UNKNOWN_ORGANISATION if defect == "organisation" else second,
            role="Deelnemer",
            purpose="Gezamenlijke aanpak",
        )
        if defect == "organisation":
            sample.bad_rows[number] = "organisation"
        add(
            record="action",
            legacy_id=legacy_id,
            title="Huisbezoek afleggen",
            organisation=first,
            due_date=(today + datetime.timedelta(days=30)).isoformat(),
            status="open",
        )
        add(
            record="action",
            legacy_id=legacy_id,
            title="Schuldhulp regelen",
            organisation=first,
            due_date=(opened + datetime.timedelta(days=20)).isoformat(),
            status="done",
            done_on=(opened + datetime.timedelta(days=18)).isoformat(),
        )
        if defect == "legacy_id":
            number = add(
                record="case",
                legacy_id=legacy_id,
                kind="person",
                phase="plan",
                opened_on=opened.isoformat(),
            )
            sample.bad_rows[number] = "legacy_id"
        (sample.bad_cases if defect else sample.good_cases).add(legacy_id)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    sample.text = buffer.getvalue()
    return sample
