"""The issue's acceptance test: a legacy file of 5,000 cases with deliberate bad rows reports
every bad row and imports the rest (or nothing) as chosen, and a second run adds nothing.
Runs on SQLite and PostgreSQL like every test; no timing assertions (docs/imports.md has the
measured times)."""

from __future__ import annotations

import pytest

from casusregie.cases.models import Case, CaseSubject, Participation, Subject
from casusregie.conftest import Cast
from casusregie.imports.models import LegacyCase
from casusregie.imports.sample import legacy_cases_csv
from casusregie.plans.models import Action
from casusregie.privacy.models import AuditEvent, ProcessingLogEntry

from .helpers import issues, run_cases

pytestmark = pytest.mark.django_db

N = 5000


@pytest.fixture
def sample(cast: Cast):
    organisations = [cast.org_a.name, cast.org_b.name, cast.org_c.name]
    return legacy_cases_csv(N, organisations, [cast.process_director.email])


def test_all_or_nothing_imports_nothing_and_reports_every_bad_row(cast: Cast, sample) -> None:
    assert len(sample.bad_cases) == N // 100
    job = run_cases(cast, sample.text.encode(), mode="all")
    assert issues(job) == set(sample.bad_rows.items())
    assert job.summary["blocked"] is True
    assert job.summary["imported"] == 0
    assert job.summary["rejected_cases"] == len(sample.bad_cases)
    assert not Case.objects.filter(house=cast.house).exists()
    assert not Subject.objects.exists()
    assert not LegacyCase.objects.exists()


def test_valid_rows_only_imports_the_rest_and_twice_adds_nothing(cast: Cast, sample) -> None:
    data = sample.text.encode()
    job = run_cases(cast, data, mode="valid")
    assert issues(job) == set(sample.bad_rows.items())
    good = len(sample.good_cases)
    assert job.summary["imported"] == good == N - N // 100
    assert Case.objects.filter(house=cast.house).count() == good
    imported = set(LegacyCase.objects.values_list("legacy_id", flat=True))
    assert imported == sample.good_cases
    counts = (
        Subject.objects.count(),
        CaseSubject.objects.count(),
        Participation.objects.count(),
        Action.objects.count(),
    )
    assert counts[2] == 2 * good
    assert counts[3] == 2 * good
    # One audit row per case and one log line per person, under the migration purpose.
    assert AuditEvent.objects.filter(action="case.import").count() == good
    assert ProcessingLogEntry.objects.filter(name="case.import").count() == counts[0]

    again = run_cases(cast, data, mode="valid")
    assert again.summary["imported"] == 0
    assert again.summary["already_imported"] == good
    assert len([i for i in again.report if i["kind"] == "skipped"]) == good
    # The bad cases are still reported, the good ones are skipped, nothing doubles.
    assert issues(again) == set(sample.bad_rows.items())
    assert Case.objects.filter(house=cast.house).count() == good
    assert (
        Subject.objects.count(),
        CaseSubject.objects.count(),
        Participation.objects.count(),
        Action.objects.count(),
    ) == counts
    assert AuditEvent.objects.filter(action="case.import").count() == good
