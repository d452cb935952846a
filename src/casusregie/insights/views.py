"""The outcome report page and its downloads. The figures are built in report.py."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from casusregie.web.exports import XLSX_TYPE, cell

from . import report
from .access import report_house
from .forms import PeriodForm


@login_required
def outcome_report(request: HttpRequest, slug: str) -> HttpResponse:
    house = report_house(request.user, slug)
    form = PeriodForm(house, request.GET)
    figures = report.build(house, form.period()) if form.is_valid() else []
    fmt = request.GET.get("formaat", "")
    if figures and fmt in ("csv", "xlsx"):
        return _download(fmt, house.slug, form.period(), figures)
    query = request.GET.copy()
    query.pop("formaat", None)
    return render(
        request,
        "insights/report.html",
        {
            "house": house,
            "form": form,
            "figures": figures,
            "computed_at": timezone.now(),
            "query": query.urlencode(),
            "suppress_below": report.SUPPRESS_BELOW,
        },
        status=200 if form.is_valid() else 400,
    )


def _download(
    fmt: str, slug: str, period: report.Period, figures: list[report.Figure]
) -> HttpResponse:
    """One sheet per figure (XLSX) or the figures one below the other (CSV); small counts
    suppressed exactly as on the page."""
    stamp = f"{period.start.isoformat()}_{period.end.isoformat()}"
    filename = f"rapportage-{slug}-{stamp}.{fmt}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        for figure in figures:
            sheet = book.create_sheet(figure.key[:31])
            sheet.append([figure.title])
            sheet.append(figure.header)
            for row in figure.shown:
                sheet.append([cell(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    else:
        import csv

        text = io.StringIO()
        writer = csv.writer(text, delimiter=";")
        for figure in figures:
            writer.writerow([figure.title])
            writer.writerow(figure.header)
            for row in figure.shown:
                writer.writerow([cell(v) for v in row])
            writer.writerow([])
        response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
