"""Background tasks of the plan: they take a day and call the schedule functions, so a test or
the scheduler command can run them inline."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from . import schedule


def _day(today_iso: str | None) -> datetime.date:
    return datetime.date.fromisoformat(today_iso) if today_iso else timezone.localdate()


@task()
def remind_actions(today_iso: str | None = None) -> int:
    return schedule.run_reminders(_day(today_iso))


@task()
def escalate_actions(today_iso: str | None = None) -> int:
    return schedule.run_escalations(_day(today_iso))


@task()
def mark_stalled_plans(today_iso: str | None = None) -> int:
    return schedule.run_stalled_plans(_day(today_iso))
