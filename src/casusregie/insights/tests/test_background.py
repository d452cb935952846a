"""The outcome report of a large house as a background task: progress, then the cached whole
report; keyed by period, filters and language; recalculated on request or when stale."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.conftest import make_user, verified_client
from casusregie.insights import background, report
from casusregie.insights.models import ReportRun


@pytest.fixture
def manager(cast: Any) -> Any:
    return make_user("km@test.invalid", "Karin Manager", cast.house, cast.staff, Role.HOUSE_MANAGER)


@pytest.fixture
def heavy(settings: Any, case: Any) -> Any:
    """Every house with at least one case counts as large (the fixture `case` is one)."""
    settings.INSIGHTS_REPORT_TASK_FROM = 1
    return settings


def _url(cast: Any) -> str:
    return f"/huizen/{cast.house.slug}/rapportages/"


def test_a_large_house_gets_the_report_from_a_task_and_then_from_the_cache(
    cast, manager, heavy, django_capture_on_commit_callbacks
) -> None:
    client = verified_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(_url(cast))
    # The inline task backend ran the task on commit; the page showed its progress.
    assert first.status_code == 200
    assert 'id="voortgang-balk"' in first.content.decode()
    run = ReportRun.objects.get(house=cast.house)
    assert run.status == ReportRun.DONE
    assert run.done == run.total == len(report.figure_steps())
    assert len(run.figures) == run.total
    # Polling says "done": htmx reloads the page, which shows the cached whole report.
    poll = client.get(_url(cast) + "?voortgang=1", HTTP_HX_REQUEST="true")
    assert poll.status_code == 204
    assert poll["HX-Refresh"] == "true"
    page = client.get(_url(cast)).content.decode()
    assert "Opnieuw berekenen" in page
    assert "voortgang-balk" not in page
    for figure in background.figures_of(run):
        assert figure.title in page
    assert ReportRun.objects.count() == 1


def test_the_key_holds_period_filters_and_language(
    cast, manager, heavy, django_capture_on_commit_callbacks
) -> None:
    client = verified_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_url(cast))
        client.get(_url(cast) + "?van=2026-01-01&tot=2026-03-31")
        client.get(_url(cast) + "?doelgroep=person")
    assert ReportRun.objects.filter(house=cast.house).count() == 3
    period = report.Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert background.key_of(cast.house, period, "nl") != background.key_of(
        cast.house, period, "en"
    )


def test_a_stale_result_or_recalculate_computes_again(
    cast, manager, heavy, django_capture_on_commit_callbacks
) -> None:
    client = verified_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_url(cast))
    run = ReportRun.objects.get()
    old = timezone.now() - datetime.timedelta(minutes=background.cache_minutes() + 1)
    ReportRun.objects.filter(pk=run.pk).update(finished_at=old, figures=[])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_url(cast))
    run.refresh_from_db()
    assert run.finished_at > old
    assert run.figures
    before = run.finished_at
    with django_capture_on_commit_callbacks(execute=True):
        again = client.get(_url(cast) + "?opnieuw=1")
    assert again.status_code == 302
    assert "opnieuw" not in again["Location"]
    run.refresh_from_db()
    assert run.finished_at >= before


def test_a_running_report_is_not_started_twice_and_a_failed_one_says_so(
    cast, manager, heavy
) -> None:
    client = verified_client(manager)
    period = report.Period(*report.default_period())
    run = ReportRun.objects.create(
        house=cast.house,
        key=background.key_of(cast.house, period, "nl"),
        status=ReportRun.RUNNING,
        done=3,
        total=13,
        started_at=timezone.now(),
    )
    page = client.get(_url(cast))
    assert "3 van 13" in page.content.decode()
    fragment = client.get(_url(cast) + "?voortgang=1", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert 'value="3"' in fragment.content.decode()
    run.refresh_from_db()
    assert run.status == ReportRun.RUNNING
    assert run.done == 3


def test_a_failing_task_marks_the_run_failed_and_the_page_says_so(
    cast, manager, heavy, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    def broken(house: Any, period: Any) -> Any:
        raise RuntimeError("kapot")

    monkeypatch.setattr(report, "figure_steps", lambda: [broken])
    client = verified_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_url(cast))
    assert ReportRun.objects.get().status == ReportRun.FAILED
    # The poll and the next visit show the failure and do not start it again by themselves.
    poll = client.get(_url(cast) + "?voortgang=1", HTTP_HX_REQUEST="true")
    assert poll.status_code == 204
    page = client.get(_url(cast)).content.decode()
    assert "mislukt" in page
    assert "opnieuw=1" in page
    assert ReportRun.objects.get().status == ReportRun.FAILED


def test_other_houses_and_partners_get_no_report_run(cast, heavy) -> None:
    for user in (cast.participant_a, cast.other_house_user):
        assert verified_client(user).get(_url(cast)).status_code == 404
    assert not ReportRun.objects.exists()
