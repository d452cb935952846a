"""The outcome report page and its downloads. The figures are built in report.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casusregie.accounts.roles import Role
from casusregie.cases.access import case_subjects, subject_refs
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.web import exports, progress
from casusregie.web.forms import apply_errors

from . import actions, background, dashboard, report
from .access import dashboard_house, report_house
from .forms import PeriodForm, PoliceCountForm
from .models import PoliceCount, ReportRun


@login_required
def outcome_report(request: HttpRequest, slug: str) -> HttpResponse:
    house = report_house(request.user, slug)
    form = PeriodForm(house, request.GET)
    fmt = request.GET.get("formaat", "")
    query = request.GET.copy()
    for name in ("formaat", "voortgang", "opnieuw"):
        query.pop(name, None)
    context: dict[str, Any] = {
        "house": house,
        "form": form,
        "figures": [],
        "computed_at": timezone.now(),
        "query": query.urlencode(),
        "suppress_below": report.SUPPRESS_BELOW,
        "is_manager": policy.has_role(request.user, house, Role.HOUSE_MANAGER),
    }
    if not form.is_valid():
        return render(request, "insights/report.html", context, status=400)
    period = form.period()
    if background.is_heavy(house):
        # A large house: a background task computes the report, the page shows its progress
        # and then the cached whole report (docs/insights.md, "Heavy reports").
        language = translation.get_language() or "nl"
        run = ReportRun.objects.filter(
            house=house, key=background.key_of(house, period, language)
        ).first()
        again = bool(request.GET.get("opnieuw"))
        failed = run is not None and run.status == ReportRun.FAILED
        polling = bool(request.GET.get("voortgang"))
        # A failed run waits for "try again" (opnieuw), so polling does not retry it forever.
        if (again or not (background.fresh(run) or failed or polling)) and not background.running(
            run
        ):
            run = background.start(house, period, language)
        if again:  # started; continue on the address without "opnieuw", so reloads do not
            return redirect(f"{request.path}?{query.urlencode()}")
        assert run is not None
        run.refresh_from_db()
        if run.status != ReportRun.DONE:
            context["run"] = run
            context["failed"] = run.status == ReportRun.FAILED
            if request.GET.get("voortgang"):
                if run.status != ReportRun.RUNNING and getattr(request, "htmx", False):
                    return progress.reload_page()
                return render(request, "insights/_report_progress.html", context)
            return render(request, "insights/report.html", context)
        if request.GET.get("voortgang") and getattr(request, "htmx", False):
            return progress.reload_page()
        figures = background.figures_of(run)
        context["computed_at"] = run.finished_at
        context["cached"] = True
    else:
        figures = report.build(house, period)
    if figures and fmt in ("csv", "xlsx"):
        return _download(fmt, house.slug, period, figures)
    context["figures"] = figures
    return render(request, "insights/report.html", context)


def _download(
    fmt: str, slug: str, period: report.Period, figures: list[report.Figure]
) -> HttpResponse:
    """One sheet per figure (XLSX) or the figures one below the other (CSV); small counts
    suppressed exactly as on the page."""
    stamp = f"{period.start.isoformat()}_{period.end.isoformat()}"
    return exports.sheets_response(
        fmt,
        f"rapportage-{slug}-{stamp}.{fmt}",
        [exports.Sheet(f.key, f.header, f.shown, title=f.title) for f in figures],
    )


@login_required
def police_count(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The police of a case record how often they registered something about its subjects
    before intake and after closure (counts only)."""
    case, organisation = actions.police_case(request.user, slug, pk)
    existing = PoliceCount.objects.filter(case=case).first()
    if existing is not None and request.method == "GET":
        # The counts are about the case's people: reading them is logged like any case data.
        log.record(
            actor=request.user,
            house=case.house,
            name="police_count.read",
            operation=Operation.READ,
            obj=existing,
            case_id=case.pk,
            actor_organisation=organisation,
            subjects=subject_refs(case_subjects(case)),
        )
    initial = {"before": existing.before, "after": existing.after} if existing else None
    form = PoliceCountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_police_count(
                case,
                actor=request.user,
                organisation=organisation,
                before=form.cleaned_data["before"],
                after=form.cleaned_data["after"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The police counts have been saved."))
            return redirect("insights:police", slug=case.house.slug, pk=case.pk)
    return render(
        request,
        "insights/police_count.html",
        {
            "house": case.house,
            "case": case,
            "form": form,
            "existing": existing,
            "after_allowed": actions.after_allowed(case),
            "organisation": organisation,
        },
        status=400 if form.errors else 200,
    )


@login_required
def collaboration(request: HttpRequest, slug: str) -> HttpResponse:
    house = dashboard_house(request.user, slug)
    form = PeriodForm(house, request.GET)
    figures, privacy = [], []
    if form.is_valid():
        period = form.period()
        built = report.build(house, period)
        figures = dashboard.key_figures(built)
        privacy = dashboard.privacy_figures(house, period)
    return render(
        request,
        "insights/collaboration.html",
        {
            "house": house,
            "form": form,
            "figures": figures,
            "privacy": privacy,
            "computed_at": timezone.now(),
            "query": request.GET.urlencode(),
            "suppress_below": report.SUPPRESS_BELOW,
        },
        status=200 if form.is_valid() else 400,
    )
