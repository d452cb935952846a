"""Lists as CSV or XLSX downloads (the case list, "Mijn werk" actions, ...).

A spreadsheet program runs a cell that starts with `=`, `+`, `-`, `@` (or a tab/CR) as a
formula, so text from users could run in the reader's spreadsheet (CSV injection, OWASP).
Such cells get a leading apostrophe: the text stays readable and never runs.
CSV is UTF-8 with a byte-order mark and semicolons, the form Dutch Excel opens correctly.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("csv", "xlsx")
MAX_ROWS = 10_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(value: Any) -> Any:
    """A value safe for a spreadsheet: dates as dates, text defused."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, datetime.date | int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_text(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value


@dataclass
class Sheet:
    """One table of a download: a sheet in XLSX, a block in CSV (under its title, if any)."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    title: str = ""


def sheets_response(fmt: str, filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """Several tables as one download: one sheet each in XLSX, one below the other in CSV."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        for sheet in sheets:
            ws = book.create_sheet(sheet.name[:31])
            if sheet.title:
                ws.append([sheet.title])
            ws.append([str(h) for h in sheet.header])
            for row in sheet.rows:
                ws.append([cell(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    else:
        text = io.StringIO()
        writer = csv.writer(text, delimiter=";")
        for number, sheet in enumerate(sheets):
            if number:
                writer.writerow([])
            if sheet.title:
                writer.writerow([sheet.title])
            writer.writerow([str(h) for h in sheet.header])
            for row in sheet.rows:
                writer.writerow([_csv_text(cell(v)) for v in row])
        response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_response(
    fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """One list as a download, named `<filename>-<today>.<fmt>`."""
    stamp = timezone.localdate().isoformat()
    return sheets_response(fmt, f"{filename}-{stamp}.{fmt}", [Sheet(filename, header, rows)])
