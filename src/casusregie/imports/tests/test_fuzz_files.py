"""Fuzzing the importers with malformed files (hypothesis), through the upload page.

Each example starts from valid files of both kinds (cases: two legacy cases; people: an
organisation and a person), breaks them in random ways — a cell replaced by a hostile value
(formula, control characters, very long text, impossible dates, bad BSNs, quotes and
separators), a column dropped or added, the text cut off, another encoding or separator,
random bytes, an XLSX with the same damage or an XLSX cut in half — and uploads it as the
functional administrator, then starts the import. Whatever comes in:

- never a server error or traceback: a 400 with a message on the form, or the dry-run report;
- a refused file stores nothing (no job, no case, no organisation);
- every rejected row in the report names its row and a reason;
- "all or nothing" with any rejected row imports nothing; an import that runs ends DONE,
  never half-way.

Bounded (`derandomize`, CASUSREGIE_FUZZ_FILES examples per kind, default 40).
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from casusregie.accounts.models import Membership
from casusregie.cases.models import Case
from casusregie.conftest import Cast, verified_client
from casusregie.houses.models import Organisation
from casusregie.imports.cases import COLUMNS as CASE_COLUMNS
from casusregie.imports.models import ImportJob, JobStatus
from casusregie.imports.people import COLUMNS as PEOPLE_COLUMNS
from casusregie.imports.report import ERROR

from .helpers import one_case

EXAMPLES = int(os.environ.get("CASUSREGIE_FUZZ_FILES", "40"))

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        '=HYPERLINK("https://evil.example","klik")',
        "=1+1",
        "+31 6 12345678",
        "-2",
        "@SUM(A1)",
        "\x00",
        "\x1b[31m",
        "tab\there",
        "new\nline",
        '"quoted, with comma; and semicolon"',
        "Ω≈ç√∫ — 漢字 — 🙂",
        "x" * 5000,
        "2024-02-30",
        "31-12-1899",
        "9999-99-99",
        "0000-00-00",
        "123456789",
        "12345678A",
        "not-an-email",
        "pr@test.invalid",
        "closed",
        "unknown",
        "ja",
        "nee",
        "1e308",
        "NaN",
        "-0",
    ]
)


def valid_rows(kind: str) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    if kind == "cases":
        second = one_case("OUD-2")
        for row in second:
            if row.get("record") == "subject":  # another person: two sound cases
                row.update(bsn="111222333", last_name="Tweedegeval", date_of_birth="1981-05-06")
        return CASE_COLUMNS, one_case("OUD-1") + second
    return PEOPLE_COLUMNS, [
        {"record": "organisation", "name": "Stichting Fuzz", "kind": "social_work"},
        {
            "record": "person",
            "email": "fuzz@test.invalid",
            "full_name": "Fien Fuzz",
            "organisation": "Stichting Fuzz",
            "role": "partner_participant",
        },
    ]


damage = st.fixed_dictionaries(
    {
        "cells": st.lists(
            st.tuples(st.integers(0, 20), st.integers(0, 30), HOSTILE), min_size=0, max_size=6
        ),
        "drop_column": st.one_of(st.none(), st.integers(0, 30)),
        "extra_column": st.booleans(),
        "duplicate_header": st.booleans(),
        "delimiter": st.sampled_from([",", ";", "\t", "|"]),
        "encoding": st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
        "cut": st.one_of(st.none(), st.floats(0.0, 1.0)),
        "form": st.sampled_from(["csv", "csv", "xlsx", "random"]),
        "name": st.sampled_from(["oud.csv", "oud.xlsx", "oud.CSV", "oud.txt", "oud", "../x.csv"]),
        "mode": st.sampled_from(["all", "valid"]),
        "noise": st.binary(min_size=0, max_size=300),
    }
)


UNDAMAGED: dict[str, Any] = {
    "cells": [],
    "drop_column": None,
    "extra_column": False,
    "duplicate_header": False,
    "delimiter": ",",
    "encoding": "utf-8",
    "cut": None,
    "form": "csv",
    "name": "oud.csv",
    "mode": "all",
    "noise": b"",
}


def broken_file(kind: str, d: dict[str, Any]) -> bytes:
    columns, rows = valid_rows(kind)
    header = list(columns)
    table = [[row.get(c, "") for c in header] for row in rows]
    for r, c, value in d["cells"]:
        row = table[r % len(table)]
        row[c % len(row)] = value
    if d["drop_column"] is not None:
        index = d["drop_column"] % len(header)
        header.pop(index)
        for row in table:
            row.pop(index)
    if d["extra_column"]:
        header.append("onbekend")
        for row in table:
            row.append("x")
    if d["duplicate_header"]:
        table.insert(1, list(header))
    if d["form"] == "random":
        return bytes(d["noise"])
    if d["form"] == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        for line in [header, *table]:
            sheet.append([value.replace("\x00", "").replace("\x1b", "") for value in line])
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    else:
        text = io.StringIO()
        writer = csv.writer(text, delimiter=d["delimiter"], lineterminator="\n")
        writer.writerow(header)
        writer.writerows(table)
        data = text.getvalue().encode(d["encoding"], errors="replace")
    if d["cut"] is not None:
        data = data[: int(len(data) * d["cut"])]
    return data


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), Organisation.objects.count(), Membership.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["cases", "people"])
def test_malformed_files_never_break_the_importer_or_store_half(
    cast: Cast, kind: str, django_capture_on_commit_callbacks: Any
) -> None:
    client = verified_client(cast.admin)
    base = f"/huizen/{cast.house.slug}/importeren/"
    seen: set[str] = set()  # which ways the examples went: the fuzzing must reach them all

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(d=damage)
    @example(d=UNDAMAGED)  # the way through: a sound file is imported whole
    def run(d: dict[str, Any]) -> None:
        data = broken_file(kind, d)
        jobs, before = ImportJob.objects.count(), counts()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                base,
                {"kind": kind, "mode": d["mode"], "file": SimpleUploadedFile(d["name"], data)},
            )
        assert response.status_code in {302, 400}, response.status_code
        if response.status_code == 400:
            body = response.content.decode()
            assert "utrecht-form-field-error-message" in body or 'role="alert"' in body, body
            assert ImportJob.objects.count() == jobs
            assert counts() == before
            seen.add("refused")
            return
        job = ImportJob.objects.latest("pk")
        assert job.status in {JobStatus.CHECKED, JobStatus.FAILED}, job.status
        assert counts() == before  # the check is a dry run
        rejected = [item for item in job.report if item.get("kind") == ERROR]
        for item in rejected:
            assert item.get("row") is not None, item
            assert item.get("reason"), item
        page = client.get(f"{base}{job.pk}/")
        assert page.status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(f"{base}{job.pk}/start/")
        assert started.status_code in {302, 400}, started.status_code
        job.refresh_from_db()
        assert job.status in {JobStatus.CHECKED, JobStatus.DONE, JobStatus.FAILED}, job.status
        seen.add("rows rejected" if rejected else "checked clean")
        if job.status != JobStatus.DONE or (d["mode"] == "all" and rejected):
            assert counts() == before, (job.status, d["mode"], rejected[:3])
        elif counts() != before:
            seen.add("imported")

    run()
    assert seen >= {"refused", "rows rejected", "imported"}, seen
