"""Small builders for import tests: a CSV text from rows, and running a file through the same
path the commands take."""

from __future__ import annotations

import csv
import io
from typing import Any

from casusregie.conftest import Cast
from casusregie.imports import actions
from casusregie.imports.cases import COLUMNS as CASE_COLUMNS
from casusregie.imports.models import ImportJob, ImportKind
from casusregie.imports.people import COLUMNS as PEOPLE_COLUMNS


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(columns), restval="", delimiter=delimiter, lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def cases_csv(rows: list[dict[str, str]], delimiter: str = ",") -> bytes:
    return csv_text(rows, CASE_COLUMNS, delimiter).encode()


def people_csv(rows: list[dict[str, str]]) -> bytes:
    return csv_text(rows, PEOPLE_COLUMNS).encode()


def run_cases(cast: Cast, data: bytes, mode: str = "valid", **kwargs: Any) -> ImportJob:
    return actions.import_file(
        cast.house,
        kind=ImportKind.CASES,
        mode=mode,
        filename="oud.csv",
        data=data,
        actor=cast.admin,
        **kwargs,
    )


def run_people(
    cast: Cast, data: bytes, mode: str = "valid", filename: str = "mensen.csv"
) -> ImportJob:
    return actions.import_file(
        cast.house,
        kind=ImportKind.PEOPLE,
        mode=mode,
        filename=filename,
        data=data,
        actor=cast.admin,
    )


def one_case(legacy_id: str = "OUD-1", **case: str) -> list[dict[str, str]]:
    """A valid person case with one subject, two participants (A and B) and an action."""
    return [
        {
            "record": "case",
            "legacy_id": legacy_id,
            "kind": "person",
            "phase": "execution",
            "opened_on": "2024-02-01",
            "process_director": "pr@test.invalid",
            **case,
        },
        {
            "record": "subject",
            "legacy_id": legacy_id,
            "first_name": "Karel",
            "last_name": "Oudsysteem",
            "date_of_birth": "1979-04-12",
            "bsn": "123456782",
            "is_main": "ja",
        },
        {
            "record": "participant",
            "legacy_id": legacy_id,
            "organisation": "Politie Heuvelland-test",
            "role": "Eigenaar",
            "purpose": "Veiligheid",
        },
        {
            "record": "participant",
            "legacy_id": legacy_id,
            "organisation": "woonstichting heuvelland-test",
            "role": "Deelnemer",
            "purpose": "Huisvesting",
        },
        {
            "record": "action",
            "legacy_id": legacy_id,
            "title": "Huisbezoek",
            "organisation": "Politie Heuvelland-test",
            "due_date": "2030-01-01",
            "status": "open",
        },
    ]


def issues(job: ImportJob, kind: str = "error") -> set[tuple[int, str]]:
    return {(i["row"], i["column"]) for i in job.report if i["kind"] == kind}
