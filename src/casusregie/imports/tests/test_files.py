"""A file that cannot be read as a whole is refused with a clear Dutch message, and nothing is
stored: wrong type, empty, header only, missing or unknown columns, not UTF-8 (also partly),
another separator, too large, a fake or oversized spreadsheet."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from casusregie.cases.models import Case
from casusregie.conftest import Cast
from casusregie.imports.cases import COLUMNS
from casusregie.imports.files import FileProblem
from casusregie.imports.models import ImportJob

from .helpers import cases_csv, one_case, run_cases

pytestmark = pytest.mark.django_db


def refused(cast: Cast, data: bytes, filename: str = "oud.csv") -> str:
    from casusregie.imports import actions

    with pytest.raises(FileProblem) as problem:
        actions.import_file(
            cast.house, kind="cases", mode="valid", filename=filename, data=data, actor=cast.admin
        )
    assert not ImportJob.objects.exists()
    assert not Case.objects.exists()
    return str(problem.value)


def test_wrong_file_type(cast: Cast) -> None:
    assert refused(cast, b"%PDF-1.7 ...", "oud.pdf") == "Kies een CSV- of XLSX-bestand."
    assert refused(cast, b"\x00\x01binary", "oud.csv") == (
        "Dit is geen tekstbestand. Kies een CSV- of XLSX-bestand."
    )


def test_empty_file_and_header_only(cast: Cast) -> None:
    assert refused(cast, b"") == "Het bestand is leeg."
    assert refused(cast, b"  \n") == "Het bestand is leeg."
    header = ",".join(COLUMNS).encode() + b"\n"
    assert refused(cast, header) == "Het bestand heeft een kopregel maar geen rijen."


def test_missing_and_unknown_columns(cast: Cast) -> None:
    assert refused(cast, b"record,legacy_id\ncase,1\n").startswith(
        "In de kopregel ontbreken deze kolommen: bsn, closed_on, date_of_birth,"
    )
    data = (",".join(COLUMNS) + ",voornaam\n").encode() + b"case" + b"," * len(COLUMNS) + b"\n"
    assert refused(cast, data) == (
        "Onbekende kolommen: voornaam. Hernoem of verwijder ze (zie de beschreven indeling)."
    )


def test_not_utf8_and_mixed_encodings(cast: Cast) -> None:
    latin = cases_csv(one_case()).decode().replace("Oudsysteem", "Oudsystéem").encode("cp1252")
    message = refused(cast, latin)
    assert message.startswith("Regel 3 is geen UTF-8-tekst.")
    mixed = cases_csv(one_case()).decode().replace("Huisbezoek", "Huisbezoek café")
    data = mixed.encode("utf-8").replace(b"Oudsysteem", "Oudsystéem".encode("cp1252"))
    assert "Oudsystéem".encode("cp1252") in data
    assert "café".encode() in data
    assert refused(cast, data).startswith("Regel 3 is geen UTF-8-tekst.")


def test_wrong_separator(cast: Cast) -> None:
    data = cases_csv(one_case()).decode().replace(",", "\t").encode()
    assert refused(cast, data) == (
        "De kolommen zijn gescheiden door “tab”. Gebruik een komma of een puntkomma als "
        "scheidingsteken."
    )
    assert refused(cast, b"record legacy_id\ncase 1\n") == (
        "De eerste regel heeft maar één kolom. Gebruik een komma of een puntkomma als "
        "scheidingsteken."
    )


def test_semicolons_and_a_byte_order_mark_are_fine(cast: Cast) -> None:
    data = b"\xef\xbb\xbf" + cases_csv(one_case(), delimiter=";")
    job = run_cases(cast, data)
    assert job.summary["imported"] == 1


def test_oversized_file(cast: Cast, settings) -> None:
    settings.IMPORTS_MAX_BYTES = 1024 * 1024
    data = cases_csv(one_case()) + b"\n" * (1024 * 1024)
    assert refused(cast, data) == (
        "Het bestand is groter dan 1 MB. Splits het in kleinere bestanden."
    )


def test_fake_and_bomb_spreadsheets(cast: Cast, settings) -> None:
    assert refused(cast, b"not a zip at all", "oud.xlsx") == (
        "Dit bestand kan niet als XLSX-spreadsheet worden geopend."
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"0" * (3 * 1024 * 1024))
    settings.IMPORTS_MAX_BYTES = 100 * 1024
    assert refused(cast, buffer.getvalue(), "oud.xlsx") == (
        "De spreadsheet pakt uit tot te veel gegevens. Splits hem op."
    )
    assert refused(cast, buffer.getvalue(), "oud.csv") == (
        "Dit bestand is een spreadsheet met een .csv-naam. Sla het op als CSV of als XLSX."
    )


def test_xlsx_with_dates_and_numbers(cast: Cast) -> None:
    import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in one_case():
        values = [row.get(c, "") for c in COLUMNS]
        values[COLUMNS.index("opened_on")] = (
            datetime.date(2024, 2, 1) if row["record"] == "case" else None
        )
        if row["record"] == "subject":
            values[COLUMNS.index("bsn")] = 123456782  # Excel turns it into a number
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    from casusregie.imports import actions

    job = actions.import_file(
        cast.house,
        kind="cases",
        mode="all",
        filename="oud.xlsx",
        data=buffer.getvalue(),
        actor=cast.admin,
    )
    assert job.report == []
    assert Case.objects.get().legacy_key.legacy_id == "OUD-1"


def test_a_row_with_too_many_fields_is_rejected(cast: Cast) -> None:
    text = cases_csv(one_case()).decode().splitlines()
    text[2] += ",extra"
    job = run_cases(cast, ("\n".join(text) + "\n").encode())
    assert [(i["row"], i["column"], i["reason"]) for i in job.report] == [
        (
            3,
            "record",
            f"Deze rij heeft {len(COLUMNS) + 1} velden; de kopregel heeft er {len(COLUMNS)}.",
        )
    ]
