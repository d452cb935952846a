"""The functional administrator's pages for API clients: list, create, change, rotate, revoke.

A new token is shown once, on the page that answers the POST that made it (never through a
redirect, a message or the session), with `Cache-Control: no-store`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.accounts.roles import Role
from casusregie.privacy import policy
from casusregie.privacy.actions import unconfirmed_methods
from casusregie.web.forms import apply_errors

from . import actions
from .access import access_client, awaiting_approval, clients_visible_to
from .forms import ClientEditForm, ClientForm, RevokeForm, RotateForm, end_of
from .models import ApiClient, ApiToken
from .scopes import SCOPES

ADMIN = (Role.FUNCTIONAL_ADMIN,)


def _status(request: HttpRequest, form: Any) -> int:
    return 400 if request.method == "POST" and form.errors else 200


def _shown_once(
    request: HttpRequest, house: Any, client: ApiClient, new: actions.NewToken
) -> HttpResponse:
    response = render(
        request,
        "integrations/token.html",
        {
            "house": house,
            "client": client,
            "token": new.token,
            "text": new.text,
            "awaiting_approval": awaiting_approval(client),
        },
    )
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


@login_required
def clients(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    rows = (
        clients_visible_to(request.user, house)
        .order_by("name")
        .prefetch_related(
            Prefetch(
                "tokens",
                queryset=ApiToken.objects.filter(revoked_at__isnull=True).order_by("-pk"),
                to_attr="live_tokens",
            )
        )
    )
    return render(request, "integrations/clients.html", {"house": house, "clients": rows})


@login_required
def client_add(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    form = ClientForm(request.POST or None, house=house)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client, new = actions.do_create_api_client(
                house,
                name=data["name"],
                organisation=data["organisation"],
                scopes=data["scopes"],
                expires_at=end_of(data["expires_on"]),
                actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _shown_once(request, house, client, new)
    return render(
        request,
        "integrations/client_add.html",
        {"house": house, "form": form},
        status=_status(request, form),
    )


@login_required
def client(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    found = access_client(request.user, house, pk)
    form = ClientEditForm(
        request.POST or None,
        initial={"name": found.name, "scopes": found.scope_list, "is_active": found.is_active},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_api_client(found, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("integrations:client", slug=house.slug, pk=found.pk)
    return render(
        request,
        "integrations/client.html",
        {
            "house": house,
            "client": found,
            "form": form,
            "tokens": found.tokens.order_by("-pk"),
            "scopes": [(name, SCOPES[name]) for name in found.scope_list if name in SCOPES],
            "rotate_form": RotateForm(),
            "revoke_form": RevokeForm(),
            "method_unconfirmed": unconfirmed_methods(found.user, house.slug).exists(),
            "awaiting_approval": awaiting_approval(found),
        },
        status=_status(request, form),
    )


@require_POST
@login_required
def client_rotate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    found = access_client(request.user, house, pk)
    form = RotateForm(request.POST)
    if form.is_valid():
        try:
            new = actions.do_rotate_token(
                found, expires_at=end_of(form.cleaned_data["expires_on"]), actor=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _shown_once(request, house, found, new)
    messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("integrations:client", slug=house.slug, pk=found.pk)


@require_POST
@login_required
def client_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    found = access_client(request.user, house, pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    elif actions.do_revoke_token(found, actor=request.user, reason=form.cleaned_data["reason"]):
        messages.success(request, _("The token has been revoked; calls with it are refused."))
    else:
        messages.info(request, _("This client has no token to revoke."))
    return redirect("integrations:client", slug=house.slug, pk=found.pk)


@require_POST
@login_required
def client_confirm_method(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    found = access_client(request.user, house, pk)
    if actions.do_confirm_method_for_client(found, actor=request.user) is not None:
        messages.success(
            request, _("The working method has been confirmed on behalf of this client.")
        )
    return redirect("integrations:client", slug=house.slug, pk=found.pk)
