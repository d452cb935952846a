"""The import runs as a background task: a large file takes longer than a page request may."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int, apply: bool) -> None:
    from .actions import run

    run(job_id, apply=apply)
