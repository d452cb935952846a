"""The report of a check or an import: one entry per rejected (or skipped) row."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _

ERROR = "error"
SKIPPED = "skipped"


@dataclass
class Issue:
    """Row numbers count as in a spreadsheet (header = 1); 0 is the file as a whole. Reasons
    never repeat a value from the file (no names, no BSNs), only what is wrong with it."""

    row: int
    column: str
    reason: str
    legacy_id: str = ""
    kind: str = ERROR

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def errors(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in issues if i.get("kind") == ERROR]


def as_csv(issues: list[dict[str, Any]]) -> str:
    """Semicolon-separated with a byte-order mark, so Dutch Excel opens it as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("row"), _("legacy id"), _("column"), _("outcome"), _("reason")])
    for issue in sorted(issues, key=lambda i: (i["row"], i["column"])):
        writer.writerow(
            [
                issue["row"],
                _cell(issue.get("legacy_id", "")),
                issue["column"],
                _("rejected") if issue.get("kind") == ERROR else _("already imported"),
                issue["reason"],
            ]
        )
    return "\ufeff" + buffer.getvalue()


def _cell(value: str) -> str:
    """A value from the file that a spreadsheet would run as a formula is quoted as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
