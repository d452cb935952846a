"""Learning between houses, for the house manager: export the house's key indicators with its
published lessons as a signed JSON download, upload other houses' exports, compare them side by
side and keep a library of lessons (docs/network.md). Aggregates and lessons only."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from casusregie.accounts.roles import Role
from casusregie.houses.models import House
from casusregie.privacy import policy
from casusregie.privacy.audit import record_change

from . import engine, exchange
from .forms import LessonForm, PeriodForm, UploadExportForm
from .models import Lesson, LessonKind, ReceivedExport, Theme

ROLES = (Role.HOUSE_MANAGER,)

PROBLEMS = {
    "format": gettext_lazy("This file is not an export of a house in the expected format."),
    "unsigned": gettext_lazy("This export is not signed; it cannot be trusted."),
    "unknown_house": gettext_lazy(
        "This export comes from a house whose key is not configured here (unknown signature); "
        "ask the operator to add its key."
    ),
    "signature": gettext_lazy(
        "The signature does not match: the export was changed after signing or signed with "
        "another key."
    ),
    "lessons": gettext_lazy("The lessons in this export are not in the expected format."),
    "no_key": gettext_lazy(
        "Exports cannot be signed: the operator has not configured a key for this installation."
    ),
    "no_data": gettext_lazy(
        "This house has no cases or meetings in this period; choose another period."
    ),
}

INDICATOR_NAMES = {
    "organisations": gettext_lazy("Organisations active"),
    "people": gettext_lazy("People at case tables"),
    "people_per_case_table": gettext_lazy("People per case table"),
    "actions_due": gettext_lazy("Actions due"),
    "feedback_on_time_percent": gettext_lazy("% actions with feedback on time"),
    "density": gettext_lazy("Density of the collaboration graph"),
    "centralisation": gettext_lazy("Degree centralisation"),
    "form_in_use": gettext_lazy("Form in use"),
    "favoured": gettext_lazy("Favoured by the contingencies"),
    "fits": gettext_lazy("Form fits"),
    "levels": gettext_lazy("Trust / participants / goal consensus / competencies"),
}


def _lessons(house: House) -> list[dict[str, str]]:
    return [
        {"kind": lesson.kind, "theme": lesson.theme, "text": lesson.text}
        for lesson in Lesson.objects.filter(house=house, published=True)
    ]


def _show(name: str, value: Any) -> str:
    """One indicator value as text; a suppressed or unmeasured value is a dash."""
    if value is None:
        return "—"
    if name == "form_in_use" and value in engine.FORM_NAMES:
        return str(engine.FORM_NAMES[value])
    if name == "favoured" and isinstance(value, list):
        return ", ".join(str(engine.FORM_NAMES.get(v, v)) for v in value)
    if name == "fits":
        return _("yes") if value else _("no")
    if name == "levels" and isinstance(value, dict):
        return " / ".join(
            str(engine.LEVEL_NAMES.get(value.get(c) or "", "—")) for c in engine.CONTINGENCIES
        )
    return str(value)


def _columns(house: House, period: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """This house (computed for the period) and every received export."""
    columns: list[dict[str, Any]] = []
    problem = ""
    try:
        own = exchange.indicators(house, period["van"], period["tot"])
        columns.append(
            {
                "name": house.name,
                "own": True,
                "period": (period["van"], period["tot"]),
                "indicators": own,
                "lessons": _lessons(house),
            }
        )
    except exchange.ExchangeError as error:
        problem = str(PROBLEMS.get(error.code, error))
    for received in ReceivedExport.objects.filter(house=house):
        columns.append(
            {
                "name": received.source_name,
                "own": False,
                "period": (received.period_from, received.period_to),
                "indicators": received.payload.get("indicators", {}),
                "lessons": received.payload.get("lessons", []),
                "received": received,
            }
        )
    return columns, problem


def _page(
    request: HttpRequest,
    house: House,
    *,
    period_form: PeriodForm | None = None,
    export_form: PeriodForm | None = None,
    lesson_form: LessonForm | None = None,
    upload_form: UploadExportForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    period_form = period_form or PeriodForm(request.GET or None)
    period = (
        period_form.cleaned_data
        if period_form.is_bound and period_form.is_valid()
        else PeriodForm({}).clean_period()
    )
    columns, own_problem = _columns(house, period)
    names = list(INDICATOR_NAMES)
    rows = [
        (INDICATOR_NAMES[name], [_show(name, c["indicators"].get(name)) for c in columns])
        for name in names
    ]
    kinds, themes = dict(LessonKind.choices), dict(Theme.choices)
    library = [
        {
            "house": c["name"],
            "own": c["own"],
            "lessons": [
                {
                    "kind": kinds.get(item.get("kind"), item.get("kind")),
                    "theme": themes.get(item.get("theme"), item.get("theme")),
                    "text": item.get("text", ""),
                }
                for item in c["lessons"]
            ],
        }
        for c in columns
        if not c["own"]
    ]
    context = {
        "house": house,
        "period": period,
        "period_form": period_form,
        "export_form": export_form or PeriodForm(prefix="export"),
        "lesson_form": lesson_form or LessonForm(initial={"published": True}),
        "upload_form": upload_form or UploadExportForm(),
        "columns": columns,
        "rows": rows,
        "own_lessons": Lesson.objects.filter(house=house),
        "library": library,
        "problem": problem,
        "own_problem": own_problem,
        "suppress_below": exchange.suppress_below(),
    }
    return render(request, "network/learning.html", context, status=status)


@login_required
def learning(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ROLES)
    form = PeriodForm(request.GET or None)
    if request.GET and not form.is_valid():
        return _page(request, house, period_form=form, status=400)
    return _page(request, house, period_form=form)


@login_required
@require_POST
def export(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ROLES)
    form = PeriodForm(request.POST, prefix="export")
    if not form.is_valid():
        return _page(request, house, export_form=form, status=400)
    start, end = form.cleaned_data["van"], form.cleaned_data["tot"]
    try:
        data = exchange.export(house, start, end, _lessons(house))
    except exchange.ExchangeError as error:
        return _page(request, house, problem=str(PROBLEMS.get(error.code, error)), status=400)
    record_change(
        actor=request.user,
        action="network.export",
        obj=house,
        house=house,
        after={
            "period": data["period"],
            "lessons": len(data["lessons"]),
            "signature": data["signature"]["value"][:16],
        },
    )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    name = f"netwerk-{house.slug}-{start.isoformat()}-{end.isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _read_export(upload: Any) -> Any:
    try:
        return json.loads(upload.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise exchange.ExchangeError("not JSON", "format") from error


def _date(value: Any) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        raise exchange.ExchangeError("bad period", "format") from error


@login_required
@require_POST
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ROLES)
    form = UploadExportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, house, upload_form=form, status=400)
    try:
        payload = exchange.verify(_read_export(form.cleaned_data["file"]))
        start, end = _date(payload["period"].get("from")), _date(payload["period"].get("to"))
        if payload["house"] == house.slug:
            raise exchange.ExchangeError("own export", "own")
    except exchange.ExchangeError as error:
        message = (
            _("This is an export of this house itself; upload exports of other houses.")
            if error.code == "own"
            else str(PROBLEMS.get(error.code, error))
        )
        form.add_error("file", message)
        return _page(request, house, upload_form=form, status=400)
    with transaction.atomic():
        received, created = ReceivedExport.objects.update_or_create(
            house=house,
            source_house=payload["house"],
            period_from=start,
            period_to=end,
            defaults={
                "source_name": str(payload.get("house_name") or payload["house"])[:200],
                "payload": payload,
                "received_by": request.user,
            },
        )
        record_change(
            actor=request.user,
            action="network.import" if created else "network.import.replace",
            obj=received,
            house=house,
            after={"from": payload["house"], "period": payload["period"]},
        )
    messages.success(
        request,
        _("The export of %(house)s was checked and added to the comparison.")
        % {"house": received.source_name},
    )
    return redirect("network:learning", slug=house.slug)


@login_required
@require_POST
def add_lesson(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ROLES)
    form = LessonForm(request.POST)
    if not form.is_valid():
        return _page(request, house, lesson_form=form, status=400)
    with transaction.atomic():
        lesson = Lesson.objects.create(
            house=house,
            created_by=request.user,  # type: ignore[misc]  # login_required
            **form.cleaned_data,
        )
        record_change(
            actor=request.user,
            action="network.lesson.create",
            obj=lesson,
            house=house,
            after=form.cleaned_data,
        )
    messages.success(request, _("The lesson was added to the library."))
    return redirect("network:learning", slug=house.slug)


@login_required
@require_POST
def delete_lesson(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ROLES)
    lesson = get_object_or_404(Lesson, pk=pk, house=house)
    with transaction.atomic():
        record_change(
            actor=request.user,
            action="network.lesson.delete",
            obj=lesson,
            house=house,
            before={"kind": lesson.kind, "theme": lesson.theme, "text": lesson.text},
        )
        lesson.delete()
    messages.success(request, _("The lesson was removed."))
    return redirect("network:learning", slug=house.slug)
