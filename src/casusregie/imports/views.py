"""The functional administrator's import pages: upload, dry-run report, import, progress.

Only a functional administrator of the house reaches them; for anyone else the house and its
imports do not exist (404). The work itself runs as a background task (actions.run).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.privacy import policy
from casusregie.web.forms import apply_errors
from casusregie.web.progress import finished as show_result

from . import actions
from .access import ADMIN, access_job, jobs_of
from .forms import UploadForm
from .models import ImportJob, JobStatus
from .report import ERROR, as_csv

SHOWN_ROWS = 200  # the page shows this many rejected rows; the CSV has them all


@login_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = actions.do_upload(
                house,
                kind=form.cleaned_data["kind"],
                mode=form.cleaned_data["mode"],
                filename=upload.name,
                data=upload.read(),
                actor=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("imports:job", slug=house.slug, pk=job.pk)
    jobs = jobs_of(request.user, house).defer("content", "report").order_by("-created_at")[:20]
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "imports/index.html",
        {"house": house, "form": form, "jobs": jobs},
        status=status,
    )


def _context(house: Any, job: ImportJob) -> dict[str, Any]:
    rejected = [i for i in job.report if i.get("kind") == ERROR]
    return {
        "house": house,
        "job": job,
        "rejected": rejected[:SHOWN_ROWS],
        "rejected_total": len(rejected),
        "skipped_total": len(job.report) - len(rejected),
        "percent": round(100 * job.processed_rows / job.total_rows) if job.total_rows else 0,
        "can_start": job.status == JobStatus.CHECKED
        and bool(job.summary.get("to_import"))
        and not job.summary.get("blocked"),
    }


@login_required
def job(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    found = access_job(request.user, house, pk)
    return render(request, "imports/job.html", _context(house, found))


@login_required
def progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The progress bar alone, polled by htmx while the task runs; when it has finished the
    whole page reloads to show the report."""
    house = policy.access_house(request.user, slug, roles=ADMIN)
    found = access_job(request.user, house, pk)
    if not found.running:
        return show_result(request, reverse("imports:job", args=[house.slug, found.pk]))
    return render(request, "imports/_progress.html", _context(house, found))


@require_POST
@login_required
def start(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    found = access_job(request.user, house, pk)
    try:
        actions.do_start_import(found, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("imports:job", slug=house.slug, pk=found.pk)


@require_POST
@login_required
def discard(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    found = access_job(request.user, house, pk)
    try:
        actions.do_discard(found, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The file has been discarded; nothing was imported."))
    return redirect("imports:index", slug=house.slug)


@login_required
def report_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    found = access_job(request.user, house, pk)
    response = HttpResponse(as_csv(found.report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="importrapport-{found.pk}.csv"'
    return response
