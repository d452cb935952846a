"""Tasks whose worker died (killed, out of memory, machine rebooted) go back to the queue.

The database worker (`casusregie db_worker`) marks a task RUNNING when it claims it and only
marks it finished when the task returns; a worker killed in between leaves the task RUNNING
forever and nothing picks it up again. `run_schedule` calls `requeue_abandoned()` every
quarter of an hour: a task RUNNING longer than STALE is put back as READY, so another worker
runs it again. Our tasks are idempotent (decision 0013: every effect is stamped), so running
one again does no double work. A task that has already been claimed MAX_ATTEMPTS times is
marked FAILED instead, so a task that kills its worker every time does not loop for ever.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

STALE = datetime.timedelta(minutes=30)
MAX_ATTEMPTS = 3


def requeue_abandoned(stale: datetime.timedelta = STALE) -> tuple[int, int]:
    """Put abandoned RUNNING tasks back in the queue; returns (requeued, given up)."""
    cutoff = timezone.now() - stale
    requeued = given_up = 0
    with transaction.atomic():
        abandoned = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        )
        for result in abandoned:
            if len(result.worker_ids) >= MAX_ATTEMPTS:
                result.status = TaskResultStatus.FAILED
                result.finished_at = timezone.now()
                result.exception_class_path = "casusregie.web.task_queue.WorkerLost"
                result.traceback = (
                    f"Worker lost {len(result.worker_ids)} times: {', '.join(result.worker_ids)}"
                )
                result.save(
                    update_fields=["status", "finished_at", "exception_class_path", "traceback"]
                )
                given_up += 1
            else:
                result.status = TaskResultStatus.READY
                result.started_at = None
                result.save(update_fields=["status", "started_at"])
                requeued += 1
    return requeued, given_up
