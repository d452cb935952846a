"""Privacy pages: the working method (onboarding), break-the-glass access, and the privacy
officer's tools: review list, register of processing activities, disclosure register, log
export. Every page of the privacy officer is itself logged (activity: oversight of use)."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.accounts.roles import Role
from casusregie.houses.models import House
from casusregie.web.exports import cell
from casusregie.web.forms import apply_errors

from . import actions, log, lookups, policy, providers, register
from .audit import record_change
from .bsn import lookup_hash
from .export import records
from .forms import (
    ActivityForm,
    BreakGlassForm,
    ConfirmForm,
    DecideRequestForm,
    DecideSignalForm,
    DisclosureSearchForm,
    ExtendDeadlineForm,
    ExtendForm,
    MethodForm,
    SubjectRequestForm,
)
from .models import (
    DataCategory,
    DestructionItem,
    DestructionList,
    DestructionStatus,
    Disclosure,
    ProcessingActivity,
    ProcessingLogEntry,
    RequestKind,
    RequestStatus,
    SignalDecision,
    SubjectRequest,
    UsageSignal,
)

OFFICER = (Role.PRIVACY_OFFICER,)
ADMIN = (Role.FUNCTIONAL_ADMIN,)


def _status(form: Any, request: HttpRequest) -> int:
    return 400 if request.method == "POST" and form.errors else 200


# --- Working method --------------------------------------------------------------------------


@login_required
def method(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    current = register.current_method(house)
    if current is None:
        raise Http404
    pending = actions.unconfirmed_methods(request.user, slug).filter(pk=current.pk).exists()
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_confirm_method(current, actor=request.user, read=form.cleaned_data["read"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Thank you. You can now work in this house."))
            return redirect(next_url) if next_url else redirect("work:my_work", slug=slug)
    return render(
        request,
        "privacy/method.html",
        {
            "house": house,
            "method": current,
            "pending": pending,
            "form": form,
            "next": next_url,
            "is_admin": policy.has_role(request.user, house, *ADMIN),
        },
        status=_status(form, request),
    )


@login_required
def method_edit(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    current = register.current_method(house)
    initial = (
        {"title": current.title, "text": current.text, "covenant": current.covenant}
        if current
        else {}
    )
    form = MethodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        published = register.do_publish_method(house, actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Version %(version)s is published. Members confirm it before they see case data.")
            % {"version": published.version},
        )
        return redirect("privacy:method", slug=slug)
    return render(
        request,
        "privacy/method_edit.html",
        {"house": house, "form": form, "current": current},
        status=_status(form, request),
    )


# --- Break the glass -------------------------------------------------------------------------


@login_required
def break_glass(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    if not actions.may_break_glass(request.user, house):
        raise Http404
    form = BreakGlassForm(request.POST or None, initial={"reference": request.GET.get("casus", "")})
    if request.method == "POST" and form.is_valid():
        try:
            glass = actions.do_break_glass(house, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.warning(
                request,
                _("Emergency access to %(case)s until %(until)s. The privacy officer reviews it.")
                % {
                    "case": glass.case.reference,
                    "until": timezone.localtime(glass.expires_at).strftime("%H:%M"),
                },
            )
            return redirect("cases:detail", slug=slug, pk=glass.case_id)
    return render(
        request,
        "privacy/break_glass.html",
        {"house": house, "form": form, "hours": actions.GLASS_HOURS},
        status=_status(form, request),
    )


# --- The privacy officer ---------------------------------------------------------------------


def _officer_house(request: HttpRequest, slug: str) -> House:
    return policy.access_house(request.user, slug, roles=OFFICER)


def _log_oversight(request: HttpRequest, house: House, name: str, obj: Any, **extra: Any) -> None:
    """The officer's own reads and exports are processing too: audit them."""
    record_change(actor=request.user, action=name, obj=obj, house=house, after=extra or None)


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    house = _officer_house(request, slug)
    shown = request.GET.get("toon", "open")
    signals = (
        UsageSignal.objects.filter(house=house)
        .select_related("user", "decided_by")
        .order_by("decision", "-day", "kind")
    )
    if shown == "open":
        signals = signals.filter(decision=SignalDecision.OPEN)
    return render(
        request,
        "privacy/overview.html",
        {
            "house": house,
            "signals": signals[:200],
            "shown": shown,
            "open_count": UsageSignal.objects.filter(
                house=house, decision=SignalDecision.OPEN
            ).count(),
        },
    )


@login_required
def signal_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = _officer_house(request, slug)
    signal = UsageSignal.objects.filter(house=house, pk=pk).select_related("user").first()
    if signal is None:
        raise Http404
    form = DecideSignalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_decide_signal(signal, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your decision has been recorded."))
            return redirect("privacy:overview", slug=slug)
    return render(
        request,
        "privacy/signal.html",
        {"house": house, "signal": signal, "form": form},
        status=_status(form, request),
    )


@login_required
def activities(request: HttpRequest, slug: str) -> HttpResponse:
    house = _officer_house(request, slug)
    rows = list(ProcessingActivity.objects.filter(house=house).order_by("code", "-version"))
    return render(
        request,
        "privacy/register.html",
        {
            "house": house,
            "current": [a for a in rows if a.valid_until is None],
            "history": [a for a in rows if a.valid_until is not None],
        },
    )


@login_required
def activity_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = _officer_house(request, slug)
    activity = ProcessingActivity.objects.filter(
        house=house, pk=pk, valid_until__isnull=True
    ).first()
    if activity is None:
        raise Http404
    initial = {f: getattr(activity, f) for f in register.ACTIVITY_FIELDS}
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        note = data.pop("change_note")
        revised = register.do_revise_activity(activity, data, actor=request.user, note=note)
        if revised.pk == activity.pk:
            messages.info(request, _("Nothing changed; the version stays the same."))
        else:
            messages.success(
                request,
                _("Version %(version)s of %(name)s is now in force.")
                % {"version": revised.version, "name": revised.name},
            )
        return redirect("privacy:register", slug=slug)
    return render(
        request,
        "privacy/activity_edit.html",
        {"house": house, "activity": activity, "form": form},
        status=_status(form, request),
    )


@login_required
def register_export(request: HttpRequest, slug: str) -> HttpResponse:
    house = _officer_house(request, slug)
    rows = ProcessingActivity.objects.filter(house=house).order_by("code", "version")
    data = [
        {
            "id": a.uri,
            "code": a.code,
            "version": a.version,
            "valid_from": a.valid_from.isoformat(),
            "valid_until": a.valid_until.isoformat() if a.valid_until else None,
            **{f: getattr(a, f) for f in register.ACTIVITY_FIELDS},
        }
        for a in rows
    ]
    response = HttpResponse(
        json.dumps({"house": house.name, "activities": data}, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="register-{house.slug}.json"'
    return response


def _disclosure_rows(
    user: Any, house: House, form: DisclosureSearchForm
) -> tuple[list[Disclosure], str]:
    """The register filtered by case number or by person (BSN); '' when no filter applies. A
    search by BSN looks a person up: over the look-up limits it raises `LookUpRefused`."""
    from .rights import disclosures_about

    rows = Disclosure.objects.filter(house=house)
    label = ""
    if form.is_valid() and form.cleaned_data.get("case"):
        reference = form.cleaned_data["case"].strip().upper()
        case = providers.oversight().case(house, reference=reference)
        if case is None:
            form.add_error("case", _("There is no case with this number in this house."))
            return [], ""
        rows, label = rows.filter(case_id=case.pk), reference
    elif form.is_valid() and form.cleaned_data.get("bsn"):
        lookups.admit(user, house, what="disclosure-search")
        lookup = lookup_hash(form.cleaned_data["bsn"].replace(" ", "").replace(".", ""))
        ref = log.subject_ref(subject_pk=0, bsn_hash=lookup)
        about = disclosures_about(house, [ref.pseudonym]).values("pk")
        rows, label = rows.filter(pk__in=about), _("the person sought")
    elif not form.is_valid():
        return [], ""
    found = list(
        rows.select_related("from_organisation")
        .prefetch_related("recipients")
        .order_by("-occurred_at")[:500]
    )
    return found, label


@login_required
def disclosures(request: HttpRequest, slug: str) -> HttpResponse:
    house = _officer_house(request, slug)
    form = DisclosureSearchForm(request.GET or None)
    refused: lookups.LookUpRefused | None = None
    try:
        rows, label = _disclosure_rows(request.user, house, form) if request.GET else ([], "")
    except lookups.LookUpRefused as error:
        refused, rows, label = error, [], ""
    if request.GET and rows:
        _log_oversight(request, house, "disclosures.read", house, filter=label, rows=len(rows))
    if request.GET.get("formaat") == "csv" and not form.errors and refused is None:
        _log_oversight(request, house, "disclosures.export", house, filter=label)
        return _disclosures_csv(house, rows)
    response = render(
        request,
        "privacy/disclosures.html",
        {
            "house": house,
            "form": form,
            "rows": rows,
            "label": label,
            "searched": bool(request.GET) and refused is None,
            "refused": refused,
            "categories": dict(DataCategory.choices),
        },
        status=429 if refused is not None else 400 if form.errors else 200,
    )
    if refused is not None:
        response["Retry-After"] = str(refused.wait)
    return response


def _disclosures_csv(house: House, rows: list[Disclosure]) -> HttpResponse:
    categories = dict(DataCategory.choices)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="verstrekkingen-{house.slug}.csv"'
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("When"),
            _("What"),
            _("From"),
            _("To"),
            _("Data categories"),
            _("Purpose"),
            _("Legal basis"),
            _("Processing activity"),
            _("Meeting"),
            _("Attendees"),
        ]
    )
    # Every text through exports.cell(): a purpose typed as `=HYPERLINK(...)` must reach the
    # privacy officer's spreadsheet as text, not as a formula (issue 22, finding 7).
    for d in rows:
        row = [
            timezone.localtime(d.occurred_at).strftime("%d-%m-%Y %H:%M"),
            d.name,
            d.from_organisation.name if d.from_organisation else "",
            ", ".join(o.name for o in d.recipients.all()),
            ", ".join(str(categories.get(c, c)) for c in d.data_categories),
            d.purpose,
            d.legal_basis,
            d.processing_activity,
            d.meeting_id or "",
            ", ".join(d.attendees),
        ]
        writer.writerow([cell(value) for value in row])
    return response


@login_required
def log_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    house = _officer_house(request, slug)
    _log_oversight(request, house, "processing_log.export", house)
    lines = ProcessingLogEntry.objects.filter(house=house)
    response = StreamingHttpResponse(
        records(lines, house.slug), content_type="application/x-ndjson"
    )
    response["Content-Disposition"] = f'attachment; filename="logboek-{house.slug}.jsonl"'
    return response


@require_POST
@login_required
def detect_now(request: HttpRequest, slug: str) -> HttpResponse:
    """Run today's rules now (they also run every night)."""
    from .usage import detect

    house = _officer_house(request, slug)
    found = detect(timezone.localdate(), houses=[house])
    messages.info(request, _("%(count)s new signal(s).") % {"count": found})
    return redirect("privacy:overview", slug=slug)


# --- Retention and destruction ---------------------------------------------------------------


def _retention_house(request: HttpRequest, slug: str) -> House:
    from .retention import RETENTION_ROLES

    return policy.access_house(request.user, slug, roles=RETENTION_ROLES)


@login_required
def destruction(request: HttpRequest, slug: str) -> HttpResponse:
    house = _retention_house(request, slug)
    lists = list(
        DestructionList.objects.filter(house=house)
        .prefetch_related("approvals__user")
        .order_by("-created_at")[:20]
    )
    open_lists = [d for d in lists if d.status != DestructionStatus.EXECUTED]
    items = {d.pk: list(d.items.order_by("kind", "reference")) for d in open_lists}
    return render(
        request,
        "privacy/destruction.html",
        {
            "house": house,
            "open_lists": [
                (d, items[d.pk], [a.user_id for a in d.approvals.all()]) for d in open_lists
            ],
            "done_lists": [d for d in lists if d.status == DestructionStatus.EXECUTED],
            "is_officer": policy.has_role(request.user, house, *OFFICER),
        },
    )


@require_POST
@login_required
def destruction_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    from . import retention

    house = _retention_house(request, slug)
    proposal = DestructionList.objects.filter(house=house, pk=pk).first()
    if proposal is None:
        raise Http404
    try:
        approved = retention.do_approve(proposal, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("privacy:destruction", slug=slug)
    if approved.status == DestructionStatus.PROPOSED:
        messages.success(request, _("Approved. A second person must approve before destruction."))
    else:
        messages.success(request, _("Approved by two people: the items are being destroyed."))
    return redirect("privacy:destruction", slug=slug)


@login_required
def destruction_extend(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    """Keep one case of a proposed list longer: extend its retention and take it off the list."""
    from . import retention

    house = _retention_house(request, slug)
    entry = DestructionItem.objects.filter(
        pk=item,
        kind="case",
        excluded_reason="",
        destruction_list__pk=pk,
        destruction_list__house=house,
        destruction_list__status=DestructionStatus.PROPOSED,
    ).first()
    case = providers.oversight().case(house, pk=entry.object_id) if entry else None
    if entry is None or case is None:
        raise Http404
    form = ExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                retention.do_extend(case, actor=request.user, **form.cleaned_data)
                entry.excluded_reason = form.cleaned_data["reason"].strip()
                entry.save(update_fields=["excluded_reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(ref)s is kept until %(date)s and taken off the list.")
                % {"ref": entry.reference, "date": form.cleaned_data["until"].strftime("%d-%m-%Y")},
            )
            return redirect("privacy:destruction", slug=slug)
    return render(
        request,
        "privacy/extend.html",
        {"house": house, "item": entry, "current": case.retention_until, "form": form},
        status=_status(form, request),
    )


# --- Data-subject requests (the contact point) -----------------------------------------------


def _request_of(house: House, pk: int) -> SubjectRequest:
    found = SubjectRequest.objects.filter(house=house, pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def requests(request: HttpRequest, slug: str) -> HttpResponse:
    from . import rights

    house = _officer_house(request, slug)
    form = SubjectRequestForm(request.POST or None)
    refused: lookups.LookUpRefused | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = rights.do_register(house, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except lookups.LookUpRefused as error:
            refused = error
            form.add_error(None, error.message())
        else:
            messages.success(
                request,
                _("The request is registered; answer before %(date)s.")
                % {"date": created.due_on.strftime("%d-%m-%Y")},
            )
            return redirect("privacy:request", slug=slug, pk=created.pk)
    response = render(
        request,
        "privacy/requests.html",
        {
            "house": house,
            "form": form,
            "open_requests": SubjectRequest.objects.filter(house=house, status=RequestStatus.OPEN),
            "closed_requests": SubjectRequest.objects.filter(house=house)
            .exclude(status=RequestStatus.OPEN)
            .order_by("-closed_at")[:20],
            "today": timezone.localdate(),
        },
        status=429 if refused is not None else _status(form, request),
    )
    if refused is not None:
        response["Retry-After"] = str(refused.wait)
    return response


@login_required
def subject_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    from . import rights

    house = _officer_house(request, slug)
    found = _request_of(house, pk)
    forms_by_name: dict[str, Any] = {
        "extend": ExtendDeadlineForm(prefix="extend"),
        "decide": DecideRequestForm(prefix="decide"),
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "withhold":
                disclosure = Disclosure.objects.filter(
                    house=house, pk=request.POST.get("disclosure") or 0
                ).first()
                if disclosure is None:
                    raise Http404
                rights.do_withhold(
                    found, disclosure, actor=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("The item is held back, with your reason."))
                return redirect("privacy:request", slug=slug, pk=pk)
            if action in forms_by_name:
                form_class = ExtendDeadlineForm if action == "extend" else DecideRequestForm
                form = form_class(request.POST, prefix=action)
                forms_by_name[action] = form
                if form.is_valid():
                    if action == "extend":
                        rights.do_extend_deadline(found, actor=request.user, **form.cleaned_data)
                    else:
                        rights.do_decide(found, actor=request.user, **form.cleaned_data)
                    messages.success(request, _("Saved."))
                    return redirect("privacy:request", slug=slug, pk=pk)
        except ValidationError as error:
            if action in forms_by_name:
                apply_errors(forms_by_name[action], error)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect("privacy:request", slug=slug, pk=pk)
    content = rights.report(found, include_withheld=True)
    rights.log_report(found, request.user, "page")
    invalid = any(f.is_bound and f.errors for f in forms_by_name.values())
    return render(
        request,
        "privacy/request.html",
        {
            "house": house,
            "req": found,
            "report": content,
            "withheld": {w.disclosure_id: w for w in found.withheld.all()},
            "extend_form": forms_by_name["extend"],
            "decide_form": forms_by_name["decide"],
            "is_access": found.kind == RequestKind.ACCESS,
        },
        status=400 if invalid else 200,
    )


@login_required
def request_report(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    """The answer to an access request, without the items held back, as PDF or JSON."""
    from casusregie.web import pdf

    from . import rights

    house = _officer_house(request, slug)
    if fmt not in ("pdf", "json"):
        raise Http404
    found = _request_of(house, pk)
    content = rights.report(found)
    rights.log_report(found, request.user, fmt)
    filename = f"inzage-{house.slug}-{found.pk}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(_report_json(house, found, content), ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    body_pdf = pdf.document(
        _("What %(house)s holds about you") % {"house": house.name},
        _("Answer to your request of %(date)s") % {"date": found.received_on.strftime("%d-%m-%Y")},
        _report_sections(content),
        author=house.name,
    )
    response = HttpResponse(body_pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response


def _report_json(house: House, found: SubjectRequest, content: Any) -> dict[str, Any]:
    return {
        "house": house.name,
        "request": {"received_on": found.received_on.isoformat(), "kind": found.kind},
        "people": content.people,
        "cases": content.cases,
        "organisations": content.organisations,
        "referrals": content.referrals,
        "documents": content.documents,
        "corrections": content.corrections,
        "disclosures": [
            {k: v for k, v in d.items() if k not in ("id", "withheld")} for d in content.disclosures
        ],
        "held_back": content.withheld,
    }


def _report_sections(content: Any) -> list[Any]:
    """The PDF answer's sections, each with an empty text so the reader sees it was checked."""
    from casusregie.web import pdf

    return [
        pdf.Section(
            _("About whom"),
            rows=[[_("Name"), _("Date of birth"), _("Address")]]
            + [[p["name"], p["date_of_birth"], p["address"]] for p in content.people],
        ),
        pdf.Section(
            _("Corrections of these details"),
            rows=[[_("Date"), _("Corrected")]]
            + [[c["date"], c["fields"]] for c in content.corrections],
            empty_text=_("None."),
        ),
        pdf.Section(
            _("Cases"),
            rows=[[_("Case number"), _("Phase"), _("Opened"), _("Closed")]]
            + [[c["reference"], c["phase"], c["opened"], c["closed"]] for c in content.cases],
            empty_text=_("None."),
        ),
        pdf.Section(
            _("Organisations involved and why"),
            rows=[
                [
                    _("Case number"),
                    _("Organisation"),
                    _("Role"),
                    _("Purpose"),
                    _("From"),
                    _("Until"),
                ]
            ]
            + [
                [o["case"], o["organisation"], o["role"], o["purpose"], o["from"], o["until"]]
                for o in content.organisations
            ],
            empty_text=_("None."),
        ),
        pdf.Section(
            _("Referrals"),
            rows=[[_("Date"), _("Referred by"), _("Status")]]
            + [[r["date"], r["by"], r["status"]] for r in content.referrals],
            empty_text=_("None."),
        ),
        pdf.Section(
            _("Documents"),
            rows=[[_("Added"), _("File"), _("In"), _("By"), _("Removed")]]
            + [[d["date"], d["name"], d["in"], d["by"], d["removed"]] for d in content.documents],
            empty_text=_("None."),
        ),
        pdf.Section(
            _("What was shared, with whom and why"),
            rows=[
                [
                    _("When"),
                    _("From"),
                    _("To"),
                    _("Data categories"),
                    _("Purpose"),
                    _("Legal basis"),
                ]
            ]
            + [
                [d["date"], d["from"], d["to"], d["categories"], d["purpose"], d["legal_basis"]]
                for d in content.disclosures
            ],
            paragraphs=[
                _(
                    "Some information has not been provided because disclosing it would harm "
                    "an interest the law protects (GDPR art. 23), such as a criminal "
                    "investigation."
                )
            ]
            if content.withheld
            else [],
            empty_text=_("None."),
        ),
    ]
