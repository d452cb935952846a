"""The services map pages (*sociale kaart*, decision 0048): browse and search, one service, add,
change, confirm the waiting time, stop offering, and the functional administrator's import.

Everyone who works on cases in the house (and its functional administrators) reads the map;
for anyone else the house and its services do not exist (404). Changes go through the actions
in services.py; a person who may read a service but not change it gets 404 on the change pages.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.houses.models import House
from casusregie.privacy import policy
from casusregie.web.forms import apply_errors

from . import services as actions
from .models import SERVICE_STALE_AFTER_WEEKS, Service
from .services_access import (
    ADMIN,
    access_service,
    access_services_house,
    is_admin,
    may_edit_service,
    organisations_for_new_service,
    partner_organisations,
    search,
    services_of,
)
from .services_forms import ImportConfirmForm, ImportForm, RetireForm, SearchForm, ServiceForm


def _status(request: HttpRequest, *forms: Any) -> int:
    return (
        400 if request.method == "POST" and any(f is not None and f.errors for f in forms) else 200
    )


@login_required
def service_list(request: HttpRequest, slug: str) -> HttpResponse:
    house = access_services_house(request.user, slug)
    form = SearchForm(request.GET or None, organisations=partner_organisations(request.user, house))
    rows = services_of(request.user, house)
    status = 200
    if form.is_bound and not form.is_valid():
        found: list[Service] = []
        status = 400
    else:
        filters = form.cleaned_data if form.is_bound else {}
        found = list(
            search(
                rows,
                text=filters.get("q") or "",
                organisation=filters.get("organisation"),
                domain=filters.get("domain") or "",
                target_group=filters.get("target_group") or "",
                state=filters.get("state") or "active",
            )
        )
    user: Any = request.user
    return render(
        request,
        "plans/services/list.html",
        {
            "house": house,
            "form": form,
            "services": [(s, may_edit_service(user, s)) for s in found],
            "may_add": organisations_for_new_service(user, house).exists(),
            "is_admin": is_admin(user, house),
            "stale_weeks": SERVICE_STALE_AFTER_WEEKS,
            "here": request.get_full_path(),
        },
        status=status,
    )


@login_required
def service_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = access_services_house(request.user, slug)
    service = access_service(request.user, house, pk)
    return _detail(request, house, service)


def _detail(
    request: HttpRequest,
    house: House,
    service: Service,
    retire_form: RetireForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "plans/services/detail.html",
        {
            "house": house,
            "service": service,
            "may_edit": may_edit_service(request.user, service),
            "retire_form": retire_form or RetireForm(),
            "stale_weeks": SERVICE_STALE_AFTER_WEEKS,
        },
        status=status,
    )


@login_required
def service_add(request: HttpRequest, slug: str) -> HttpResponse:
    house = access_services_house(request.user, slug)
    organisations = list(organisations_for_new_service(request.user, house))
    if not organisations:
        raise Http404
    form = ServiceForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        organisation = next(o for o in organisations if o.pk == form.cleaned_data["organisation"])
        try:
            service = actions.do_add_service(
                house, organisation, form.data_object(), actor=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The service has been added to the services map."))
            return redirect("plans:service", slug=house.slug, pk=service.pk)
    return render(
        request,
        "plans/services/form.html",
        {"house": house, "form": form, "service": None},
        status=_status(request, form),
    )


def _editable(request: HttpRequest, slug: str, pk: int) -> tuple[House, Service]:
    house = access_services_house(request.user, slug)
    service = access_service(request.user, house, pk)
    if not may_edit_service(request.user, service):
        raise Http404
    return house, service


@login_required
def service_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house, service = _editable(request, slug, pk)
    form = ServiceForm(
        request.POST or None,
        initial=actions.as_data(service),
        editing=True,
        retired=not service.active,
    )
    if request.method == "POST" and form.is_valid():
        changes = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in ("confirm_waiting", "offer_again")
        }
        if form.cleaned_data.get("offer_again"):
            changes["active"] = True
        try:
            actions.do_update_service(
                service,
                changes,
                actor=request.user,
                confirm_waiting=form.cleaned_data["confirm_waiting"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("plans:service", slug=house.slug, pk=service.pk)
    return render(
        request,
        "plans/services/form.html",
        {"house": house, "form": form, "service": service},
        status=_status(request, form),
    )


def _back(request: HttpRequest, house: House, service: Service) -> str:
    """Where a one-click change returns to: the list it was made from, or the service."""
    listed = reverse("plans:services", args=[house.slug])
    target = request.POST.get("next", "")
    if target.startswith(listed) and "//" not in target and "\\" not in target:
        return target
    return reverse("plans:service", args=[house.slug, service.pk])


@require_POST
@login_required
def service_confirm(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house, service = _editable(request, slug, pk)
    try:
        actions.do_confirm_waiting_time(service, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(
            request,
            _("The waiting time of %(name)s is confirmed as of today.") % {"name": service.name},
        )
    return redirect(_back(request, house, service))


@require_POST
@login_required
def service_retire(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house, service = _editable(request, slug, pk)
    form = RetireForm(request.POST)
    if form.is_valid():
        try:
            actions.do_retire_service(
                service, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("The service is marked as no longer offered."))
            return redirect("plans:service", slug=house.slug, pk=service.pk)
    return _detail(request, house, service, retire_form=form, status=400)


@login_required
def service_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload → dry run (every row checked, nothing written) → import all rows, or none."""
    house = policy.access_house(request.user, slug, roles=ADMIN)
    form = ImportForm()
    check: actions.ImportCheck | None = None
    confirm: ImportConfirmForm | None = None
    status = 200
    if request.method == "POST" and "upload" in request.POST:
        try:
            data, filename = actions.unsign_upload(
                house, request.user, request.POST.get("upload", "")
            )
            done = actions.do_import_services(house, data, filename, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
        else:
            messages.success(
                request,
                _("Imported: %(new)s added, %(changed)s brought up to date, %(same)s unchanged.")
                % {
                    "new": done.count(actions.CREATE),
                    "changed": done.count(actions.UPDATE),
                    "same": done.count(actions.UNCHANGED),
                },
            )
            return redirect("plans:services", slug=house.slug)
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            check = actions.check_import(house, data, upload.name, actor=request.user)
            if check.ok:
                confirm = ImportConfirmForm(
                    initial={"upload": actions.sign_upload(house, request.user, data, upload.name)}
                )
            else:
                status = 400
        else:
            status = 400
    return render(
        request,
        "plans/services/import.html",
        {
            "house": house,
            "form": form,
            "check": check,
            "confirm": confirm,
            "columns": actions.COLUMNS,
            "required": actions.REQUIRED_COLUMNS,
            "check_new": check.count(actions.CREATE) if check else 0,
            "check_changed": check.count(actions.UPDATE) if check else 0,
            "check_same": check.count(actions.UNCHANGED) if check else 0,
        },
        status=status,
    )


SAMPLE = [
    (
        "Schuldhulp Heuvelland",
        "Schuldhulpverlening",
        "finances",
        "Volwassenen met problematische schulden",
        "6",
        "Aanmelden via het formulier op de website of bel het aanmeldpunt.",
        "Aanmeldpunt schuldhulp",
        "088 123 4567",
        "aanmelden@schuldhulp.example",
        "ja",
    ),
]


@login_required
def service_import_sample(request: HttpRequest, slug: str) -> HttpResponse:
    """An example file in the documented layout (semicolons, as Dutch Excel writes CSV)."""
    policy.access_house(request.user, slug, roles=ADMIN)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "organisation",
            "name",
            "domains",
            "target_group",
            "waiting_weeks",
            "how_to_refer",
            "contact_name",
            "contact_phone",
            "contact_email",
            "active",
        ]
    )
    writer.writerows(SAMPLE)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sociale-kaart-voorbeeld.csv"'
    return response
