"""The delivery task queued after a commit that queued mail (decision 0013: tasks call plain
functions, so tests and the scheduler run them inline)."""

from __future__ import annotations

from django_tasks import task

from . import delivery


@task()
def deliver_mail() -> int:
    return delivery.deliver_due().sent
