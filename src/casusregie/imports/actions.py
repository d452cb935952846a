"""The life of an import: upload (file checked as a whole), dry run (every row checked),
import or discard. The page, its background tasks and the commands all call these.

The uploaded file lives in the job row only while it is needed: until the import ran, the job
was discarded, or `IMPORTS_KEEP_HOURS` passed (decision 0019).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.houses.models import House
from casusregie.privacy import log
from casusregie.privacy.audit import record_change

from . import cases, people
from .files import FileProblem, Table, read_table
from .models import ImportJob, ImportKind, ImportMode, JobStatus
from .report import ERROR

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


def keep_hours() -> int:
    return int(getattr(settings, "IMPORTS_KEEP_HOURS", 24))


def columns(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The required and all allowed columns of a kind of file."""
    module: Any = cases if kind == ImportKind.CASES else people
    return module.REQUIRED_COLUMNS, module.COLUMNS


def read(kind: str, data: bytes, filename: str) -> Table:
    required, allowed = columns(kind)
    return read_table(data, filename, required=required, allowed=allowed)


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Forget the files of jobs older than the keeping period that did not run."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=keep_hours())
    stale = ImportJob.objects.filter(created_at__lt=cutoff).exclude(content=b"")
    expired = stale.filter(status=JobStatus.CHECKED).update(content=b"", status=JobStatus.EXPIRED)
    # A job stuck in a run that long ago has died with its worker.
    failed = stale.filter(status__in=(JobStatus.CHECKING, JobStatus.IMPORTING)).update(
        content=b"", status=JobStatus.FAILED
    )
    return expired + failed


@transaction.atomic
def do_upload(
    house: House, *, kind: str, mode: str, filename: str, data: bytes, actor: User
) -> ImportJob:
    """Keep the file for a dry run (queued after commit). A file that cannot be read as a
    whole is refused with the reason, and nothing is stored."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    if mode not in ImportMode.values:
        raise ValidationError({"mode": _("Choose how to treat rejected rows.")})
    try:
        table = read(kind, data, filename)
    except FileProblem as problem:
        raise ValidationError({"file": str(problem)}) from None
    purge_expired()
    job = ImportJob.objects.create(
        house=house,
        kind=kind,
        mode=mode,
        status=JobStatus.CHECKING,
        filename=filename[-200:],
        content=data,
        created_by=actor,
        stage="check",
        total_rows=len(table.rows),
    )
    record_change(
        actor=actor,
        action="import.upload",
        obj=job,
        house=house,
        after={"kind": kind, "mode": mode, "filename": job.filename, "rows": len(table.rows)},
    )
    transaction.on_commit(lambda: _enqueue(job.pk, apply=False))
    return job


@transaction.atomic
def do_start_import(job: ImportJob, *, actor: User) -> ImportJob:
    """After the dry run: import (queued after commit)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.CHECKED:
        raise ValidationError(_("This file has not been checked, or has been dealt with already."))
    if not job.content:
        raise ValidationError(_("The file is no longer kept; upload it again."))
    if job.summary.get("blocked"):
        raise ValidationError(
            _(
                "The check rejected rows and you chose all or nothing: correct the file and "
                "upload it again, or upload it with “valid rows only”."
            )
        )
    if not job.summary.get("to_import"):
        raise ValidationError(_("There is nothing to import in this file."))
    job.status = JobStatus.IMPORTING
    job.stage = "check"
    job.processed_rows = 0
    job.save(update_fields=["status", "stage", "processed_rows"])
    record_change(actor=actor, action="import.start", obj=job, house=job.house)
    transaction.on_commit(lambda: _enqueue(job.pk, apply=True))
    return job


@transaction.atomic
def do_discard(job: ImportJob, *, actor: User) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.CHECKED:
        raise ValidationError(_("Only a checked file that was not imported can be discarded."))
    job.status = JobStatus.DISCARDED
    job.content = b""
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "content", "finished_at"])
    record_change(actor=actor, action="import.discard", obj=job, house=job.house)
    return job


def _enqueue(job_id: int, *, apply: bool) -> None:
    from .tasks import run_job

    run_job.enqueue(job_id, apply)


def run(job_id: int, *, apply: bool) -> None:
    """The background task: check the stored file, and import it when `apply`."""
    job = ImportJob.objects.select_related("house", "created_by").get(pk=job_id)
    expected = JobStatus.IMPORTING if apply else JobStatus.CHECKING
    if job.status != expected or not job.content:
        return  # run twice by the queue, or expired meanwhile
    try:
        table = read(job.kind, bytes(job.content), job.filename)
        execute(job, table, apply=apply)
    except Exception:
        logger.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, content=b"", finished_at=timezone.now()
        )


def execute(
    job: ImportJob, table: Table, *, apply: bool, progress: Progress | None = None
) -> ImportJob:
    """Check every row and, when `apply` (and the mode allows), import. Stores the summary and
    the report on the job. Reasons are written in the house's language (Dutch)."""
    total = len(table.rows)

    def report(stage: str, done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            stage=stage, processed_rows=done, total_rows=total
        )
        if progress is not None:
            progress(stage, done, total)

    with translation.override(settings.LANGUAGE_CODE), log.processing():
        plan: Any
        if job.kind == ImportKind.CASES:
            plan = cases.check_cases(job.house, table, progress=lambda n: report("check", n))
        else:
            plan = people.check_people(job.house, table, progress=lambda n: report("check", n))
        summary = plan.summary(job.mode)
        with transaction.atomic():
            if apply and not summary["blocked"]:
                report("write", total)
                if job.kind == ImportKind.CASES:
                    summary["imported"] = cases.write_cases(
                        job.house, plan.drafts, actor=job.created_by, job=job
                    )
                else:
                    counts = people.write_people(
                        job.house, plan, mode=job.mode, actor=job.created_by
                    )
                    summary.update(counts)
                    summary["imported"] = sum(v for k, v in counts.items() if k != "unchanged")
                    summary["rejected_rows"] = len({i.row for i in plan.issues if i.kind == ERROR})
                    summary["blocked"] = job.mode == ImportMode.ALL and plan.has_errors
            elif apply:
                summary["imported"] = 0
            job.summary = summary
            job.report = [issue.as_dict() for issue in plan.issues]
            job.status = JobStatus.DONE if apply else JobStatus.CHECKED
            job.stage = ""
            job.processed_rows = total
            job.total_rows = total
            if apply:
                job.content = b""
                job.finished_at = timezone.now()
            job.save()
            if apply:
                record_change(
                    actor=job.created_by,
                    action=f"import.{job.kind}",
                    obj=job,
                    house=job.house,
                    after={k: v for k, v in summary.items() if isinstance(v, int | bool)},
                )
    return job


def import_file(
    house: House,
    *,
    kind: str,
    mode: str,
    filename: str,
    data: bytes,
    actor: User,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportJob:
    """The commands' way in: the same check and import, run now; the file is not kept."""
    table = read(kind, data, filename)  # FileProblem for the caller to show
    with transaction.atomic():
        job = ImportJob.objects.create(
            house=house,
            kind=kind,
            mode=mode,
            status=JobStatus.IMPORTING if not dry_run else JobStatus.CHECKING,
            filename=filename[-200:],
            created_by=actor,
            stage="check",
            total_rows=len(table.rows),
        )
        record_change(
            actor=actor,
            action="import.upload",
            obj=job,
            house=house,
            after={"kind": kind, "mode": mode, "filename": job.filename, "command": True},
        )
    return execute(job, table, apply=not dry_run, progress=progress)
