"""Audit the locked requirements (`python3 dev.py audit`, in CI) and report updates (`--report`).

Two questions with two answers (decision 0037):

* **Blocking** (the CI step, exit 1): is a pin *unsafe*? A pin fails when
  - a known vulnerability is listed for it: by pip-audit's PyPI service (exact, per release,
    where that data can be reached) or by PyPI's project page (which lists vulnerabilities of
    the newest release only, so it speaks only for a pin that is the newest release);
  - the pinned release is yanked;
  - it is an **application** dependency (requirements/app.txt) and a newer patch release of its
    major.minor line appeared more than `CASUSREGIE_AUDIT_MAX_DAYS_BEHIND` days ago (default 14):
    security fixes ship as patch releases, and where the per-release vulnerability data cannot
    be reached this is the signal that is left. Test and development tools (dev.txt) never
    block for mere freshness;
  - it could be checked neither way (an audit that checked nothing does not pass).
* **Report** (`--report`, never fails for updates): every newer patch, minor or major release
  of every pin, app and dev, as a table, so a developer bumps them at the start of work.

Every verdict names the source it came from. The decision logic (`judge`, `updates`) reads
recorded index data and a date, so it is tested without a network (requirements/tests/).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

HERE = Path(__file__).resolve().parent
LOCKS = {"app": HERE / "app.txt", "dev": HERE / "dev.txt"}
PROJECT_JSON = "https://pypi.org/pypi/{name}/json"
MAX_DAYS_BEHIND = int(os.environ.get("CASUSREGIE_AUDIT_MAX_DAYS_BEHIND", "14"))

SOURCE_PIP_AUDIT = "pip-audit (PyPI vulnerability data per release)"
SOURCE_PAGE = "PyPI project page"


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    group: str  # "app" (requirements/app.txt) or "dev" (requirements/dev.txt only)


@dataclass(frozen=True)
class Problem:
    """One reason a pin fails the blocking audit, with the source of the verdict."""

    pin: Pin
    reason: str
    source: str

    def line(self) -> str:
        return (
            f"{self.pin.name} {self.pin.version} ({self.pin.group}): {self.reason} [{self.source}]"
        )


@dataclass(frozen=True)
class Update:
    """Newer releases of one pin, for the report."""

    pin: Pin
    patch: Version | None
    minor: Version | None
    major: Version | None
    days_behind: int | None  # since the first newer patch release appeared


@dataclass
class Evidence:
    """What could be learned about one pin: pip-audit's answer and the project page."""

    audited: bool = False  # pip-audit checked it against per-release data
    vulnerabilities: list[str] = field(default_factory=list)  # ids found by pip-audit
    page: dict[str, Any] | None = None  # PyPI's project JSON, or None when unreachable


def pins(locks: dict[str, Path] = LOCKS) -> list[Pin]:
    """Every pin of the lock files; a package pinned in app.txt counts as an app pin."""
    found: dict[str, Pin] = {}
    for group, lock in locks.items():
        for line in lock.read_text().splitlines():
            match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
            if match and match.group(1).lower() not in found:
                name = match.group(1).lower()
                found[name] = Pin(name, match.group(2), group)
    return list(found.values())


def _first_upload(files: list[dict[str, Any]]) -> datetime.date | None:
    times = [f.get("upload_time_iso_8601") or f.get("upload_time") for f in files]
    days = [datetime.date.fromisoformat(t[:10]) for t in times if t]
    return min(days) if days else None


def _released(page: dict[str, Any]) -> dict[Version, datetime.date | None]:
    """Final, not wholly yanked releases with the day each first appeared."""
    found = {}
    for number, files in page.get("releases", {}).items():
        try:
            version = Version(number)
        except InvalidVersion:
            continue
        if version.is_prerelease or version.is_devrelease or not files:
            continue
        if all(f.get("yanked") for f in files):
            continue
        found[version] = _first_upload(files)
    return found


def _line(version: Version, parts: int) -> tuple[int, ...]:
    return (*version.release, 0, 0, 0)[:parts]


def updates(pin: Pin, page: dict[str, Any], today: datetime.date) -> Update:
    """The newest patch (same major.minor), minor (same major) and major release above the pin."""
    pinned = Version(pin.version)
    released = _released(page)
    newer = [v for v in released if v > pinned]
    patches = [v for v in newer if _line(v, 2) == _line(pinned, 2)]
    minors = [v for v in newer if _line(v, 1) == _line(pinned, 1) and v not in patches]
    majors = [v for v in newer if _line(v, 1) != _line(pinned, 1)]
    days = None
    if patches:
        appeared = [released[v] for v in patches if released[v] is not None]
        days = (today - min(appeared)).days if appeared else None  # type: ignore[type-var]
    return Update(
        pin,
        max(patches, default=None),
        max(minors, default=None),
        max(majors, default=None),
        days,
    )


def judge(
    pin: Pin, evidence: Evidence, today: datetime.date, max_days: int = MAX_DAYS_BEHIND
) -> list[Problem]:
    """The reasons this pin fails the blocking audit (none: it passes)."""
    problems = [
        Problem(pin, f"known vulnerability {v}", SOURCE_PIP_AUDIT) for v in evidence.vulnerabilities
    ]
    page = evidence.page
    if page is None:
        if not evidence.audited:
            problems.append(Problem(pin, "could not be checked at all (index unreachable)", "none"))
        return problems
    files = page.get("releases", {}).get(pin.version, [])
    if files and all(f.get("yanked") for f in files):
        reasons = sorted({f.get("yanked_reason") or "" for f in files} - {""})
        problems.append(
            Problem(pin, f"yanked ({'; '.join(reasons) or 'no reason given'})", SOURCE_PAGE)
        )
    if not evidence.audited and page.get("info", {}).get("version") == pin.version:
        listed = [v for v in page.get("vulnerabilities") or [] if not v.get("withdrawn")]
        problems += [Problem(pin, f"known vulnerability {v['id']}", SOURCE_PAGE) for v in listed]
    update = updates(pin, page, today)
    if pin.group == "app" and update.days_behind is not None and update.days_behind > max_days:
        problems.append(
            Problem(
                pin,
                f"patch release {update.patch} has been out for {update.days_behind} days "
                f"(more than {max_days}): it may hold security fixes",
                SOURCE_PAGE,
            )
        )
    return problems


def report_table(rows: Iterable[Update]) -> list[str]:
    """The updates as a Markdown table, app pins first, then alphabetically."""
    rows = sorted(rows, key=lambda u: (u.pin.group != "app", u.pin.name))
    lines = [
        "| package | group | pinned | newest patch | newest minor | newest major | patch out for |",
        "|---|---|---|---|---|---|---|",
    ]
    for u in rows:
        if not (u.patch or u.minor or u.major):
            continue
        days = "" if u.days_behind is None else f"{u.days_behind} day{'s' * (u.days_behind != 1)}"
        cells = [u.pin.name, u.pin.group, u.pin.version, u.patch, u.minor, u.major, days]
        lines.append("| " + " | ".join("" if c is None else str(c) for c in cells) + " |")
    return lines


# --- Reaching the index (not used by the tests) -------------------------------------------------


def pip_audit(locks: Iterable[Path]) -> dict[str, list[str]] | None:
    """Vulnerability ids per package that pip-audit could check (None: pip-audit failed)."""
    args = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip"]
    args += ["--progress-spinner", "off", "--vulnerability-service", "pypi", "--format", "json"]
    for lock in locks:
        args += ["-r", str(lock)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stderr.strip()[-2000:], file=sys.stderr)
        return None
    return {
        d["name"].lower(): [v["id"] for v in d.get("vulns", [])]
        for d in report.get("dependencies", [])
        if not d.get("skip_reason")
    }


def project_page(name: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(PROJECT_JSON.format(name=name), timeout=30) as answer:  # noqa: S310
            return json.load(answer)
    except (OSError, ValueError):
        return None


def gather(
    all_pins: list[Pin],
    audited: dict[str, list[str]] | None,
    fetch: Callable[[str], dict[str, Any] | None] | None = None,
) -> dict[Pin, Evidence]:
    fetch = fetch or project_page
    with ThreadPoolExecutor(8) as pool:
        pages = dict(zip(all_pins, pool.map(lambda p: fetch(p.name), all_pins), strict=True))
    audited = audited or {}
    return {
        pin: Evidence(pin.name in audited, audited.get(pin.name, []), pages[pin])
        for pin in all_pins
    }


def main(argv: list[str]) -> int:
    today = datetime.datetime.now(datetime.UTC).date()
    all_pins = pins()
    audited = pip_audit(LOCKS.values())
    evidence = gather(all_pins, audited)
    checked = len(audited or {})
    pages = sum(e.page is not None for e in evidence.values())
    print(
        f"{len(all_pins)} pins: pip-audit checked {checked} against per-release data, "
        f"{pages} project pages read"
    )
    if checked < len(all_pins):
        newest = sum(
            e.page is not None and e.page.get("info", {}).get("version") == p.version
            for p, e in evidence.items()
        )
        print(
            f"Vulnerabilities of the other pins come from the project pages, which list them for "
            f"the newest release only ({newest} pins are the newest release)"
        )
    rows = [updates(p, e.page, today) for p, e in evidence.items() if e.page is not None]
    if "--report" in argv:
        table = report_table(rows)
        print("\n".join(table) if len(table) > 2 else "Every pin is the newest release.")
        return 0
    problems = [problem for pin, e in evidence.items() for problem in judge(pin, e, today)]
    for problem in problems:
        print(f"AUDIT: {problem.line()}")
    waiting = len(report_table(rows)) - 2
    if waiting:
        print(
            f"{waiting} pin(s) have newer releases (not blocking): `python3 dev.py audit --report`"
        )
    if problems:
        print(
            f"{len(problems)} problem(s): bump the pin(s) with "
            "`python3 dev.py lock --upgrade-package NAME`"
        )
        return 1
    print(
        f"OK: {len(all_pins)} pins audited; no app pin more than {MAX_DAYS_BEHIND} days "
        "behind a patch release"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
