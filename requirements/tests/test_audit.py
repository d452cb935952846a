"""The dependency audit's decisions, on recorded index data and fixed days (no network).

`data/django.json` is PyPI's project page of Django as recorded on 2026-12-07, cut down to a
few releases: 5.2.18 (2026-10-06), 5.2.19 (2026-11-03), 5.2.20 (2026-12-02), 6.0, 6.1rc1 and
6.1.3 (the newest). Other pages are built in the same shape by `page()`.
"""

from __future__ import annotations

import copy
import datetime
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("casusregie_audit", HERE.parent / "audit.py")
assert _spec
assert _spec.loader
audit = importlib.util.module_from_spec(_spec)
sys.modules["casusregie_audit"] = audit
_spec.loader.exec_module(audit)

DJANGO = json.loads((HERE / "data" / "django.json").read_text())
ADVISORY = {
    "id": "GHSA-0000-test-0000",
    "aliases": ["CVE-2026-00000"],
    "summary": "recorded shape of a PyPI vulnerability entry",
    "fixed_in": ["2.0.1"],
    "source": "osv",
    "withdrawn": None,
}


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def page(releases: dict[str, str], *, latest: str, vulns: list[Any] = (), yanked: str = "") -> Any:
    """A project page in PyPI's shape: one wheel per release, uploaded on the given day."""
    return {
        "info": {"version": latest},
        "releases": {
            number: [
                {
                    "upload_time_iso_8601": f"{uploaded}T12:00:00Z",
                    "yanked": number == yanked,
                    "yanked_reason": "broken metadata" if number == yanked else None,
                }
            ]
            for number, uploaded in releases.items()
        },
        "vulnerabilities": list(vulns),
    }


def verdict(pin: Any, evidence: Any, today: str) -> list[str]:
    return [p.line() for p in audit.judge(pin, evidence, day(today), max_days=14)]


def test_an_app_pin_twenty_days_behind_a_patch_release_fails() -> None:
    pin = audit.Pin("django", "5.2.19", "app")
    lines = verdict(pin, audit.Evidence(page=DJANGO), "2026-12-22")
    assert lines == [
        "django 5.2.19 (app): patch release 5.2.20 has been out for 20 days (more than 14): "
        "it may hold security fixes [PyPI project page]"
    ]


def test_an_app_pin_three_days_behind_passes_and_is_reported() -> None:
    pin = audit.Pin("django", "5.2.19", "app")
    assert verdict(pin, audit.Evidence(page=DJANGO), "2026-12-05") == []
    update = audit.updates(pin, DJANGO, day("2026-12-05"))
    assert (str(update.patch), update.minor, str(update.major), update.days_behind) == (
        "5.2.20",
        None,
        "6.1.3",
        3,
    )
    assert "| django | app | 5.2.19 | 5.2.20 |  | 6.1.3 | 3 days |" in audit.report_table([update])


def test_days_behind_count_from_the_first_newer_patch_release() -> None:
    """5.2.18 has been behind since 5.2.19 appeared, not since the newest patch did."""
    pin = audit.Pin("django", "5.2.18", "app")
    assert audit.updates(pin, DJANGO, day("2026-12-07")).days_behind == 34
    assert verdict(pin, audit.Evidence(page=DJANGO), "2026-12-07")


def test_a_fresh_patch_of_a_dev_tool_passes_with_a_report_line() -> None:
    hypothesis = page(
        {"6.170.17": "2026-11-27", "6.170.29": "2026-12-06", "6.171.0": "2026-12-06"},
        latest="6.171.0",
    )
    pin = audit.Pin("hypothesis", "6.170.17", "dev")
    assert verdict(pin, audit.Evidence(page=hypothesis), "2026-12-07") == []
    table = audit.report_table([audit.updates(pin, hypothesis, day("2026-12-07"))])
    assert "| hypothesis | dev | 6.170.17 | 6.170.29 | 6.171.0 |  | 1 day |" in table


def test_a_dev_tool_never_blocks_for_freshness_even_months_behind() -> None:
    tool = page({"1.0.0": "2025-01-01", "1.0.9": "2025-02-01"}, latest="1.0.9")
    assert verdict(audit.Pin("tool", "1.0.0", "dev"), audit.Evidence(page=tool), "2026-12-07") == []


def test_a_vulnerability_found_by_pip_audit_fails_whatever_the_group() -> None:
    tool = page({"2.0.0": "2026-12-01"}, latest="2.0.0")
    evidence = audit.Evidence(audited=True, vulnerabilities=["PYSEC-2026-1"], page=tool)
    assert verdict(audit.Pin("tool", "2.0.0", "dev"), evidence, "2026-12-07") == [
        "tool 2.0.0 (dev): known vulnerability PYSEC-2026-1 "
        "[pip-audit (PyPI vulnerability data per release)]"
    ]


def test_a_vulnerability_on_the_project_page_of_the_newest_release_fails() -> None:
    lib = page({"2.0.0": "2026-12-06"}, latest="2.0.0", vulns=[ADVISORY])
    assert verdict(audit.Pin("lib", "2.0.0", "app"), audit.Evidence(page=lib), "2026-12-07") == [
        "lib 2.0.0 (app): known vulnerability GHSA-0000-test-0000 [PyPI project page]"
    ]
    withdrawn = page(
        {"2.0.0": "2026-12-06"}, latest="2.0.0", vulns=[{**ADVISORY, "withdrawn": "x"}]
    )
    assert (
        verdict(audit.Pin("lib", "2.0.0", "app"), audit.Evidence(page=withdrawn), "2026-12-07")
        == []
    )


def test_a_yanked_pin_fails_with_its_reason() -> None:
    lib = page({"2.0.0": "2026-12-01", "2.0.1": "2026-12-06"}, latest="2.0.1", yanked="2.0.1")
    assert verdict(audit.Pin("lib", "2.0.1", "dev"), audit.Evidence(page=lib), "2026-12-07") == [
        "lib 2.0.1 (dev): yanked (broken metadata) [PyPI project page]"
    ]
    # A yanked release above the pin is no update to move to.
    assert audit.updates(audit.Pin("lib", "2.0.0", "app"), lib, day("2026-12-07")).patch is None


def test_a_pin_that_could_not_be_checked_at_all_fails() -> None:
    assert verdict(audit.Pin("lib", "1.0", "dev"), audit.Evidence(page=None), "2026-12-07") == [
        "lib 1.0 (dev): could not be checked at all (index unreachable) [none]"
    ]
    # pip-audit's exact answer alone is a check.
    checked = audit.Evidence(audited=True, page=None)
    assert verdict(audit.Pin("lib", "1.0", "dev"), checked, "2026-12-07") == []


def test_pre_releases_are_no_updates() -> None:
    pin = audit.Pin("django", "6.0", "app")
    update = audit.updates(pin, DJANGO, day("2026-12-07"))
    assert (update.patch, str(update.minor)) == (None, "6.1.3")


def test_the_report_never_fails_and_the_blocking_run_does(monkeypatch: Any, capsys: Any) -> None:
    """main() end to end with the index replaced by recorded pages."""
    stale = copy.deepcopy(DJANGO)
    monkeypatch.setattr(audit, "pins", lambda: [audit.Pin("django", "5.2.18", "app")])
    monkeypatch.setattr(audit, "pip_audit", lambda locks: None)
    monkeypatch.setattr(audit, "project_page", lambda name: stale)
    assert audit.main(["--report"]) == 0
    assert "| django | app | 5.2.18 | 5.2.20 |" in capsys.readouterr().out
    assert audit.main([]) == 1
    assert "AUDIT: django 5.2.18 (app): patch release 5.2.20" in capsys.readouterr().out


def test_the_lock_files_give_each_pin_its_group() -> None:
    found = {pin.name: pin.group for pin in audit.pins()}
    assert found["django"] == "app"
    assert found["hypothesis"] == "dev"
    assert len(found) > 50


@pytest.mark.parametrize("text", ["2026-12-02T12:55:05Z", "2026-12-02T12:55:05.123456Z"])
def test_upload_times_in_both_of_pypis_forms(text: str) -> None:
    assert audit._first_upload([{"upload_time_iso_8601": text}]) == day("2026-12-02")
