"""Reading an uploaded CSV or XLSX file into rows, with a clear Dutch message for every way a
file can be unusable as a whole (type, size, encoding, separator, header). Nothing is stored
before a file passes here."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.utils.translation import gettext as _

# Comma, or semicolon as Dutch Excel writes "CSV"; nothing else (decision 0019).
DELIMITERS = (",", ";")
OTHER_SEPARATORS = {"\t": "tab", "|": "|", ":": ":"}


def max_bytes() -> int:
    return int(getattr(settings, "IMPORTS_MAX_BYTES", 20 * 1024 * 1024))


class FileProblem(Exception):
    """The file cannot be read at all; the message says why, in the user's language."""


@dataclass
class Row:
    number: int  # as in a spreadsheet: the header is row 1
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass
class Table:
    columns: list[str]
    # (row number, fields) of every row that is not blank, with as many fields as the header
    # has columns (a short row padded with "", a long one cut).
    records: list[tuple[int, list[str]]]
    # Rows whose number of fields differs from the header: (row number, fields found).
    ragged: list[tuple[int, int]]

    @cached_property
    def rows(self) -> list[Row]:
        """The records as `Row`s (a dict of the named columns each). A bulk signal intake of a
        million rows reads `records` by column position instead."""
        named = [(index, column) for index, column in enumerate(self.columns) if column]
        return [
            Row(number, {column: fields[index] for index, column in named})
            for number, fields in self.records
        ]


def read_table(
    data: bytes,
    filename: str,
    *,
    required: Iterable[str],
    allowed: Iterable[str],
    max_size: int | None = None,
) -> Table:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX (first sheet) file, at most
    `max_size` bytes (the upload limit unless a command on the server says otherwise)."""
    limit = max_bytes() if max_size is None else max_size
    if len(data) > limit:
        raise FileProblem(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": limit // (1024 * 1024)}
        )
    if not data.strip():
        raise FileProblem(_("The file is empty."))
    name = filename.lower()
    if name.endswith(".xlsx"):
        header, body = _read_xlsx(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        if data.startswith(b"PK\x03\x04"):
            raise FileProblem(
                _("This file is a spreadsheet saved with a .csv name. Save it as CSV or XLSX.")
            )
        header, body = _read_csv(data)
    else:
        raise FileProblem(_("Choose a CSV or XLSX file."))
    columns = [c.strip().lower().lstrip("\ufeff") for c in header]
    return _table(columns, body, set(required), set(allowed))


def _table(
    columns: list[str],
    body: list[tuple[int, list[str]]],
    required: set[str],
    allowed: set[str],
) -> Table:
    missing = [c for c in sorted(required) if c not in columns]
    if missing:
        raise FileProblem(
            _("The header lacks these columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    unknown = [c for c in columns if c and c not in allowed]
    if unknown:
        raise FileProblem(
            _("Unknown columns: %(columns)s. Rename or remove them (see the documented layout).")
            % {"columns": ", ".join(unknown)}
        )
    doubled = sorted({c for c in columns if c and columns.count(c) > 1})
    if doubled:
        raise FileProblem(
            _("These columns appear more than once: %(columns)s.") % {"columns": ", ".join(doubled)}
        )
    records: list[tuple[int, list[str]]] = []
    ragged: list[tuple[int, int]] = []
    width = len(columns)
    for number, fields in body:
        if not "".join(fields).strip():
            continue  # blank lines and empty spreadsheet rows
        if len(fields) != width:
            ragged.append((number, len(fields)))
            if len(fields) > width:
                fields = fields[:width]
            fields = fields + [""] * (width - len(fields))
        records.append((number, fields))
    if not records:
        raise FileProblem(_("The file has a header but no rows."))
    return Table(columns, records, ragged)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileProblem(
            _(
                "Line %(line)s is not UTF-8 text. Save the whole file as “CSV UTF-8” (in Excel: "
                "Save as, CSV UTF-8) and upload it again."
            )
            % {"line": line}
        ) from None


def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if b"\x00" in data[:4096]:
        raise FileProblem(_("This is not a text file. Choose a CSV or XLSX file."))
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count)
    if first.count(delimiter) == 0:
        found = [label for sep, label in OTHER_SEPARATORS.items() if sep in first]
        if found:
            raise FileProblem(
                _(
                    "The columns are separated by “%(found)s”. Use a comma or a semicolon as "
                    "separator."
                )
                % {"found": found[0]}
            )
        raise FileProblem(
            _("The first line has only one column. Use a comma or a semicolon as separator.")
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        body = [(index, fields) for index, fields in enumerate(reader, start=2)]
    except csv.Error as error:
        raise FileProblem(
            _("The file is not valid CSV near row %(row)s: %(error)s")
            % {"row": reader.line_num, "error": error}
        ) from None
    return header, body


def _read_xlsx(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        # A small file that unpacks to gigabytes is an attack, not a spreadsheet.
        if sum(info.file_size for info in archive.infolist()) > 20 * max_bytes():
            raise FileProblem(_("The spreadsheet unpacks to too much data. Split it up."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileProblem:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged or fake file
        raise FileProblem(_("This file cannot be opened as an XLSX spreadsheet.")) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(c) for c in next(rows, ())]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    body = []
    for index, values in enumerate(rows, start=2):
        fields = [_cell(c) for c in values]
        while len(fields) > width and not fields[-1]:
            fields.pop()
        body.append((index, fields))
    workbook.close()
    if not header:
        raise FileProblem(_("The file is empty."))
    return header, body


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DUTCH = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


def parse_date(value: str) -> datetime.date | None:
    """A date written as 2024-03-31 or 31-03-2024; None when it is not one."""
    value = value.strip()
    match = _ISO.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DUTCH.match(value.replace("/", "-"))
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


YES = {"ja", "j", "yes", "y", "1", "true", "waar", "x"}
NO = {"nee", "n", "no", "0", "false", "onwaar", ""}


def parse_flag(value: str) -> bool | None:
    value = value.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    return None
