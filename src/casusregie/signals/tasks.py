"""Saving an intake runs as a background task, like the imports (a big file takes longer than a
page request may)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_intake(intake_id: int) -> None:
    from .intake import run

    run(intake_id)
