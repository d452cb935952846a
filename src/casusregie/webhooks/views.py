"""Webhook pages: the organisation's subscriptions, one subscription with its delivery history,
and one view per action (create, change, new secret, test event, pause, resume, delete).

Only the organisation's partner managers and the house's functional administrators reach these
pages; everyone else gets "not found". A signing secret is shown once, on the page right after
it was made, and never again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.privacy import policy
from casusregie.web.forms import apply_errors

from . import actions, events
from .access import (
    access_subscription,
    access_webhooks_house,
    manageable_organisations,
    subscriptions_of,
)
from .forms import ResumeForm, SubscriptionForm
from .models import Attempt, Delivery, Subscription, SubscriptionStatus

HISTORY = 50
_SECRET = "webhook-secret-{}"  # noqa: S105 - a session key, not a secret


def _labels() -> dict[str, str]:
    labels = {name: str(kind.label) for name, kind in events.TYPES.items()}
    labels[events.PING] = _("Test event")
    return labels


def _data(form: SubscriptionForm) -> actions.SubscriptionData:
    return actions.SubscriptionData(
        url=form.cleaned_data["url"],
        event_types=form.cleaned_data["event_types"],
        description=form.cleaned_data["description"],
        contact_email=form.cleaned_data["contact_email"],
    )


@login_required
def webhook_list(request: HttpRequest, slug: str) -> HttpResponse:
    house = access_webhooks_house(request.user, slug)
    labels = _labels()
    rows = list(subscriptions_of(request.user, house).order_by("organisation__name", "pk"))
    for row in rows:
        row.type_labels = [labels.get(t, t) for t in row.event_types]  # type: ignore[attr-defined]
    return render(
        request,
        "webhooks/list.html",
        {"house": house, "subscriptions": rows, "types": events.TYPES.values()},
    )


@login_required
def webhook_new(request: HttpRequest, slug: str) -> HttpResponse:
    house = access_webhooks_house(request.user, slug)
    organisations = manageable_organisations(request.user, house)
    form = SubscriptionForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = actions.do_create_subscription(
                house, form.cleaned_data["organisation"], _data(form), actor=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            request.session[_SECRET.format(subscription.pk)] = secret
            messages.success(request, _("The webhook has been saved."))
            return redirect("webhooks:detail", slug=house.slug, pk=subscription.pk)
    return render(
        request,
        "webhooks/form.html",
        {"house": house, "form": form, "adding": True},
        status=400 if form.errors else 200,
    )


@login_required
def webhook_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = access_webhooks_house(request.user, slug)
    subscription = access_subscription(request.user, house, pk)
    return _detail(request, subscription)


def _detail(
    request: HttpRequest,
    subscription: Subscription,
    *,
    resume_form: ResumeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    labels = _labels()
    deliveries = list(
        policy.visible(user, Delivery)
        .filter(subscription=subscription)
        .select_related("event")
        .prefetch_related(
            Prefetch("attempts", queryset=policy.visible(user, Attempt).order_by("number"))
        )
        .order_by("-created_at", "-pk")[:HISTORY]
    )
    for delivery in deliveries:
        delivery.type_label = labels.get(delivery.event.type, delivery.event.type)
    return render(
        request,
        "webhooks/detail.html",
        {
            "house": subscription.house,
            "subscription": subscription,
            "type_labels": [labels.get(t, t) for t in subscription.event_types],
            "secret": request.session.pop(_SECRET.format(subscription.pk), None),
            "deliveries": deliveries,
            "paused": subscription.status == SubscriptionStatus.PAUSED,
            "resume_form": resume_form or ResumeForm(),
            "held": sum(1 for d in deliveries if d.status == "held"),
        },
        status=status,
    )


@login_required
def webhook_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = access_webhooks_house(request.user, slug)
    subscription = access_subscription(request.user, house, pk)
    initial = {
        "url": subscription.url,
        "event_types": subscription.event_types,
        "description": subscription.description,
        "contact_email": subscription.contact_email,
    }
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_subscription(subscription, _data(form), actor=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("webhooks:detail", slug=house.slug, pk=subscription.pk)
    return render(
        request,
        "webhooks/form.html",
        {"house": house, "form": form, "adding": False, "subscription": subscription},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def webhook_rotate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = access_webhooks_house(request.user, slug)
    subscription = access_subscription(request.user, house, pk)
    secret = actions.do_rotate_secret(subscription, actor=request.user)
    request.session[_SECRET.format(subscription.pk)] = secret
    messages.success(
        request,
        _("A new secret has been made. The old one keeps signing alongside it for 24 hours."),
    )
    return redirect("webhooks:detail", slug=house.slug, pk=subscription.pk)


@login_required
@require_POST
def webhook_ping(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = access_webhooks_house(request.user, slug)
    subscription = access_subscription(request.user, house, pk)
    actions.do_send_ping(subscription, actor=request.user)
    messages.success(
        request, _("A test event has been sent. Its result appears in the delivery history.")
    )
    return redirect("webhooks:detail", slug=house.slug, pk=subscription.pk)


@login_required
@require_POST
def webhook_pause(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = access_webhooks_house(request.user, slug)
    subscription = access_subscription(request.user, house, pk)
    try:
        actions.do_pause_subscription(subscription, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The webhook is paused; new events are held."))
    return redirect("webhooks:detail", slug=house.slug, pk=subscription.pk)


@login_required
@require_POST
def webhook_resume(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = access_webhooks_house(request.user, slug)
    subscription = access_subscription(request.user, house, pk)
    form = ResumeForm(request.POST)
    if form.is_valid():
        try:
            _sub, count = actions.do_resume_subscription(
                subscription, backlog=form.cleaned_data["backlog"], actor=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if form.cleaned_data["backlog"] == actions.Backlog.SEND:
                text = _("The webhook is active again; %(count)s held event(s) are being sent.")
            else:
                text = _("The webhook is active again; %(count)s held event(s) were dropped.")
            messages.success(request, text % {"count": count})
            return redirect("webhooks:detail", slug=house.slug, pk=subscription.pk)
    return _detail(request, subscription, resume_form=form, status=400)


@login_required
def webhook_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = access_webhooks_house(request.user, slug)
    subscription = access_subscription(request.user, house, pk)
    if request.method == "POST":
        actions.do_delete_subscription(subscription, actor=request.user)
        messages.success(request, _("The webhook has been deleted."))
        return redirect("webhooks:list", slug=house.slug)
    return render(request, "webhooks/delete.html", {"house": house, "subscription": subscription})
