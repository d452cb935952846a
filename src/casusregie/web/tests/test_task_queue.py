"""A task whose worker was killed mid-task goes back to the queue and runs again (issue 11)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from casusregie.plans.tasks import remind_actions

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queue():
    """The production queue (django-tasks resets its backends when TASKS changes)."""
    with override_settings(TASKS=DB_QUEUE):
        yield


def killed_mid_task(minutes_ago: int, workers: int = 1) -> DBTaskResult:
    """Enqueue a real task and leave it as a SIGKILLed worker does: claimed, never finished."""
    result = remind_actions.enqueue("2026-03-02")
    row = DBTaskResult.objects.get(id=result.id)
    for number in range(workers):
        row.claim(f"worker-{number}")
    DBTaskResult.objects.filter(id=row.id).update(
        started_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return row


def status_of(row: DBTaskResult) -> str:
    return DBTaskResult.objects.get(id=row.id).status


@pytest.mark.django_db(transaction=True)
def test_abandoned_task_is_requeued_and_run_again_by_the_next_worker(queue, capsys):
    abandoned = killed_mid_task(minutes_ago=31)
    busy = killed_mid_task(minutes_ago=5)  # a worker still working on it: left alone
    call_command("run_schedule", "--today", "2026-03-02")
    assert "abandoned tasks: 1 opnieuw, 0 mislukt" in capsys.readouterr().out
    assert status_of(abandoned) == TaskResultStatus.READY
    assert status_of(busy) == TaskResultStatus.RUNNING
    call_command("db_worker", "--batch", "--worker-id", "worker-new", "--no-startup-delay")
    row = DBTaskResult.objects.get(id=abandoned.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["worker-0", "worker-new"]
    assert status_of(busy) == TaskResultStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_task_that_lost_its_worker_three_times_is_failed_not_looped(queue, capsys):
    doomed = killed_mid_task(minutes_ago=31, workers=3)
    call_command("run_schedule", "--today", "2026-03-02", "--stale-minutes", "30")
    assert "abandoned tasks: 0 opnieuw, 1 mislukt" in capsys.readouterr().out
    row = DBTaskResult.objects.get(id=doomed.id)
    assert row.status == TaskResultStatus.FAILED
    assert "Worker lost 3 times" in row.traceback


@pytest.mark.django_db
def test_stale_minutes_below_one_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("run_schedule", "--stale-minutes", "0")
