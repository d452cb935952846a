"""Pages of aftercare: extend the watch period, and decide on a relapse alert. Only a process
director of the house; everyone else gets "not found"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from casusregie.cases.access import access_case, case_subjects, subject_refs
from casusregie.cases.actions import record_case_list
from casusregie.cases.phases import Phase
from casusregie.privacy import log
from casusregie.privacy.models import Operation
from casusregie.web.forms import apply_errors

from . import actions
from .access import access_alert, is_director
from .forms import NO_ACTION, REOPEN_PREPARATION, ExtendForm, RelapseDecisionForm


@login_required
def extend_aftercare(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, house_slug=slug)
    if not is_director(request.user, case.house) or case.phase != Phase.AFTERCARE:
        raise Http404
    form = ExtendForm(
        request.POST if request.method == "POST" else None, initial={"until": case.aftercare_until}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_extend_aftercare(
                case,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The watch period has been extended."))
            return redirect("cases:detail", slug=slug, pk=case.pk)
    record_case_list(request.user, case.house, [case.pk], "case.form.read")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "aftercare/extend.html",
        {"house": case.house, "case": case, "form": form},
        status=status,
    )


@login_required
def relapse_alert(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alert = access_alert(request.user, slug, pk)
    user: Any = request.user
    form = (
        RelapseDecisionForm(request.POST if request.method == "POST" else None)
        if alert.is_open
        else None
    )
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            try:
                if decision == NO_ACTION:
                    actions.do_dismiss_relapse(
                        alert, reason=form.cleaned_data["reason"], actor=user
                    )
                    done = _("Recorded: no action.")
                else:
                    target = (
                        Phase.PREPARATION if decision == REOPEN_PREPARATION else Phase.EXECUTION
                    )
                    actions.do_reopen_case(
                        alert, target=target, reason=form.cleaned_data["reason"], actor=user
                    )
                    done = _("The case has been re-opened; everyone working on it has been told.")
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("cases:detail", slug=slug, pk=alert.case_id)
    log.record(
        actor=user,
        house=alert.house,
        name="case.relapse.read",
        operation=Operation.READ,
        obj=alert,
        case_id=alert.case_id,
        subjects=subject_refs(case_subjects(alert.case)),
    )
    status = 400 if form is not None and request.method == "POST" and form.errors else 200
    return render(
        request,
        "aftercare/alert.html",
        {"house": alert.house, "alert": alert, "case": alert.case, "form": form},
        status=status,
    )
