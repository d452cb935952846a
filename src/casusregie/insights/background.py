"""The outcome report of a large house as a background task with progress and a cached
result (docs/insights.md, "Heavy reports").

The cache is a database row (`ReportRun`), not the Django cache: the task may run in the
worker process (`casusregie db_worker`) while the page is served by another, and both must see
the same progress and result. The key is the house, the period, the filters and the language;
a result is used until it is `INSIGHTS_REPORT_CACHE_MINUTES` old, so data changes show up at the
latest after that, or at once with "recalculate".
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from casusregie.houses.models import House, Organisation

from . import report
from .models import ReportRun

logger = logging.getLogger(__name__)
STALE_RUNNING = datetime.timedelta(minutes=10)  # a run that long without finishing is retried


def task_from() -> int:
    return int(getattr(settings, "INSIGHTS_REPORT_TASK_FROM", 5000))


def cache_minutes() -> int:
    return int(getattr(settings, "INSIGHTS_REPORT_CACHE_MINUTES", 15))


def is_heavy(house: House) -> bool:
    """Whether this house's report runs as a task: from `INSIGHTS_REPORT_TASK_FROM` cases."""
    return house.cases.count() >= task_from()


def _params(period: report.Period) -> dict[str, Any]:
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "kind": period.kind,
        "organisation": period.organisation.pk if period.organisation is not None else None,
        "domain": period.domain,
    }


def key_of(house: House, period: report.Period, language: str) -> str:
    p = _params(period)
    text = f"{house.pk}|{p['start']}|{p['end']}|{p['kind']}|{p['organisation']}|{p['domain']}"
    return hashlib.sha256(f"{text}|{language}".encode()).hexdigest()


def fresh(run: ReportRun | None, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        run is not None
        and run.status == ReportRun.DONE
        and run.finished_at is not None
        and run.finished_at >= now - datetime.timedelta(minutes=cache_minutes())
    )


def running(run: ReportRun | None, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        run is not None
        and run.status == ReportRun.RUNNING
        and run.started_at >= now - STALE_RUNNING
    )


def figures_of(run: ReportRun) -> list[report.Figure]:
    return [report.Figure(**data) for data in run.figures]


def start(house: House, period: report.Period, language: str) -> ReportRun:
    """Mark the run as started (progress 0) and enqueue the task; with the inline task
    backend it has finished when this returns."""
    key = key_of(house, period, language)
    steps = len(report.figure_steps())
    with transaction.atomic():
        run, _created = ReportRun.objects.update_or_create(
            house=house,
            key=key,
            defaults={
                "status": ReportRun.RUNNING,
                "done": 0,
                "total": steps,
                "figures": [],
                "started_at": timezone.now(),
                "finished_at": None,
            },
        )
    transaction.on_commit(lambda: run_report.enqueue(run.pk, _params(period), language))
    return run


def compute(run_id: int, params: dict[str, Any], language: str) -> None:
    run = ReportRun.objects.select_related("house").get(pk=run_id)
    house = run.house
    organisation = None
    if params.get("organisation"):
        organisation = Organisation.objects.filter(pk=params["organisation"]).first()
    period = report.Period(
        datetime.date.fromisoformat(params["start"]),
        datetime.date.fromisoformat(params["end"]),
        kind=params.get("kind", ""),
        organisation=organisation,
        domain=params.get("domain", ""),
    )
    figures = []
    with translation.override(language):
        for number, step in enumerate(report.figure_steps(), start=1):
            figures.append(report.finish(step(house, period)))
            ReportRun.objects.filter(pk=run_id).update(done=number)
        data = [dataclasses.asdict(f) for f in figures]
    ReportRun.objects.filter(pk=run_id).update(
        status=ReportRun.DONE, figures=data, finished_at=timezone.now()
    )


@task()
def run_report(run_id: int, params: dict[str, Any], language: str) -> None:
    try:
        compute(run_id, params, language)
    except Exception:
        logger.exception("report run %s failed", run_id)
        ReportRun.objects.filter(pk=run_id).update(
            status=ReportRun.FAILED, finished_at=timezone.now()
        )
