"""Pages of concern signals under /huizen/<slug>/signalen/ (docs/signals.md)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from casusregie.houses.models import Organisation
from casusregie.imports.report import ERROR, as_csv
from casusregie.insights.report import SUPPRESS_BELOW, suppress
from casusregie.privacy import log, lookups
from casusregie.privacy.models import Operation
from casusregie.web import progress
from casusregie.web.forms import apply_errors

from . import actions, exchange, intake
from .access import (
    access_alert,
    access_intake,
    alerts_of,
    category_counts,
    director_house,
    signal_house,
    signalling_organisations,
    signals_of,
)
from .forms import CloseReason, IdentityForm, IntakeForm, SignalForm
from .models import Alert, AlertStatus, Category

LIST_SIZE = 50


def _alerts(user: Any, house: Any) -> list[Alert]:
    return list(
        alerts_of(user, house)
        .prefetch_related(Prefetch("organisations", queryset=Organisation.objects.order_by("name")))
        .select_related("handled_by", "referral")
        .order_by("-created_at", "-pk")[:LIST_SIZE]
    )


def _record_alert_list(user: Any, house: Any, alerts: list[Alert]) -> None:
    log.record_list(
        actor=user,
        house=house,
        name="signal.alert.list",
        obj=house,
        items=[(a.pk, [actions.subject_ref(a.pseudonym, a.id_kind)]) for a in alerts],
        object_type="signals.alert",
        activity=actions.EARLY_WARNING,
        purpose=actions.PURPOSE_EARLY_WARNING,
    )


@login_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    """Give a signal; your organisation's recent signals; the alerts you are named in."""
    house = signal_house(request.user, slug)
    organisations = signalling_organisations(request.user, house)
    form = SignalForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                done = actions.do_register_signal(
                    house,
                    form.identity,
                    category=form.cleaned_data["category"],
                    observed_on=form.cleaned_data["observed_on"],
                    organisation=form.cleaned_data["organisation"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if done.alert is not None:
                    messages.warning(
                        request,
                        _(
                            "Signal saved. Other organisations gave signals about this person "
                            "too: see convergence alert %(ref)s."
                        )
                        % {"ref": actions.alert_label(done.alert)},
                    )
                else:
                    messages.success(request, _("Signal saved."))
                return redirect("signals:index", slug=house.slug)
        form.forget_identity()
        status = 400
    signals = list(
        signals_of(request.user, house)
        .select_related("organisation", "contact")
        .order_by("-created_at", "-pk")[:LIST_SIZE]
    )
    log.record_list(
        actor=request.user,
        house=house,
        name="signal.list",
        obj=house,
        items=[(s.pk, [actions.subject_ref(s.pseudonym, s.id_kind)]) for s in signals],
        object_type="signals.signal",
        activity=actions.EARLY_WARNING,
        purpose=actions.PURPOSE_EARLY_WARNING,
    )
    alerts = _alerts(request.user, house)
    _record_alert_list(request.user, house, alerts)
    return render(
        request,
        "signals/index.html",
        {"house": house, "form": form, "signals": signals, "alerts": alerts},
        status=status,
    )


@login_required
def check(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Already a case?": yes (house, contact) or no."""
    house = signal_house(request.user, slug)
    form = IdentityForm(request.POST or None)
    answer = None
    refused: lookups.LookUpRefused | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            organisation = signalling_organisations(request.user, house).first()
            try:
                answer = actions.already_a_case(
                    house, form.identity, actor=request.user, organisation=organisation
                )
            except lookups.LookUpRefused as error:
                refused, status = error, 429
        else:
            status = 400
        form.forget_identity()
        form = IdentityForm() if status in (200, 429) else form
    response = render(
        request,
        "signals/check.html",
        {"house": house, "form": form, "answer": answer, "refused": refused},
        status=status,
    )
    if refused is not None:
        response["Retry-After"] = str(refused.wait)
    return response


@login_required
def alert_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = signal_house(request.user, slug)
    alert = access_alert(request.user, house, pk)
    organisations = list(alert.organisations.order_by("name"))
    is_director = director_house_or_none(request.user, slug) is not None
    log.record(
        actor=request.user,
        house=house,
        name="signal.alert.read",
        operation=Operation.READ,
        obj=alert,
        subjects=[actions.subject_ref(alert.pseudonym, alert.id_kind)],
        activity=actions.EARLY_WARNING,
        purpose=actions.PURPOSE_EARLY_WARNING,
    )
    return render(
        request,
        "signals/alert.html",
        {
            "house": house,
            "alert": alert,
            "organisations": organisations,
            "is_director": is_director,
            "close_form": CloseReason(),
        },
    )


def director_house_or_none(user: Any, slug: str) -> Any:
    try:
        return director_house(user, slug)
    except Http404:  # not a process director here
        return None


def _director_alert(request: HttpRequest, slug: str, pk: int) -> Alert:
    house = signal_house(request.user, slug)
    alert = access_alert(request.user, house, pk)
    if director_house_or_none(request.user, slug) is None:
        raise PermissionDenied
    return alert


@require_POST
@login_required
def alert_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alert = _director_alert(request, slug, pk)
    try:
        actions.do_request_referral(alert, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The signalling contacts have been asked to file a referral."))
    return redirect("signals:alert", slug=slug, pk=alert.pk)


@require_POST
@login_required
def alert_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alert = _director_alert(request, slug, pk)
    form = CloseReason(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose why no referral is needed."))
        return redirect("signals:alert", slug=slug, pk=alert.pk)
    try:
        actions.do_close_alert(
            alert,
            actor=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The alert has been closed."))
    return redirect("signals:alert", slug=slug, pk=alert.pk)


def _trend(house: Any) -> tuple[list[str], list[tuple[str, list[Any]]]]:
    """Signals per category per month over the last six months, small counts suppressed."""
    today = timezone.localdate()
    start = (today.replace(day=1) - datetime.timedelta(days=150)).replace(day=1)
    counts = category_counts(house, start)
    months: list[str] = []
    day = start
    while day <= today:
        months.append(day.strftime("%Y-%m"))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    table = [
        (str(label), [suppress(counts.get((m, code), 0)) for m in months])
        for code, label in Category.choices
    ]
    return months, table


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    """The process director's overview: open alerts with their age and handling; the trend of
    signals per category (counts only, small counts suppressed)."""
    house = director_house(request.user, slug)
    alerts = [a for a in _alerts(request.user, house) if a.is_open]
    _record_alert_list(request.user, house, alerts)
    today = timezone.localdate()
    for alert in alerts:
        alert.age_days = (today - timezone.localtime(alert.created_at).date()).days  # type: ignore[attr-defined]
    months, trend = _trend(house)
    return render(
        request,
        "signals/overview.html",
        {
            "house": house,
            "alerts": alerts,
            "months": months,
            "trend": trend,
            "suppress_below": SUPPRESS_BELOW,
            "statuses": AlertStatus,
        },
    )


@login_required
def intake_upload(request: HttpRequest, slug: str) -> HttpResponse:
    house = signal_house(request.user, slug)
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        organisations=signalling_organisations(request.user, house),
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            found = intake.do_upload(
                house,
                organisation=form.cleaned_data["organisation"],
                filename=upload.name,
                data=upload.read(),
                keep_valid=form.cleaned_data["keep_valid"],
                actor=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("signals:intake", slug=house.slug, pk=found.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request, "signals/intake_upload.html", {"house": house, "form": form}, status=status
    )


def _intake_context(house: Any, found: Any) -> dict[str, Any]:
    return {
        "house": house,
        "intake": found,
        "issues": list(found.report)[:200],
        "issues_total": len(found.report),
        "errors": len([i for i in found.report if i.get("kind") == ERROR]),
        "percent": round(100 * found.processed_rows / found.total_rows) if found.total_rows else 0,
    }


@login_required
def intake_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = signal_house(request.user, slug)
    found = access_intake(request.user, house, pk)
    return render(request, "signals/intake.html", _intake_context(house, found))


@login_required
def intake_progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = signal_house(request.user, slug)
    found = access_intake(request.user, house, pk)
    if not found.running:
        return progress.finished(request, reverse("signals:intake", args=[house.slug, found.pk]))
    return render(request, "signals/_intake_progress.html", _intake_context(house, found))


@login_required
def intake_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = signal_house(request.user, slug)
    found = access_intake(request.user, house, pk)
    response = HttpResponse(as_csv(found.report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="signalenrapport-{found.pk}.csv"'
    return response


@csrf_exempt
@require_POST
def exchange_answer(request: HttpRequest) -> HttpResponse:
    """Another deployment asks "already a case?" (signed; see exchange.py). No session, no
    cookies: the signature is the authentication."""
    from django.http import JsonResponse

    try:
        answer = exchange.answer(request.body, request.headers.get(exchange.HEADER, ""))
    except exchange.ExchangeRefused as refused:
        return JsonResponse({"error": str(refused)}, status=403)
    import json

    body = json.dumps(answer, separators=(",", ":")).encode()
    response = HttpResponse(body, content_type="application/json")
    response[exchange.HEADER] = exchange.sign(body)
    return response
