"""The user's notifications. Opening one marks it read and follows its link."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from casusregie.accounts.models import User

from .actions import do_set_preference
from .models import EmailChoice, Notification, Preference


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user_id=cast(int, request.user.pk)).select_related(
        "house"
    )[:100]
    return render(request, "inbox/list.html", {"notifications": notifications})


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = Notification.objects.filter(user_id=cast(int, request.user.pk), pk=pk).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("inbox:list")


class PreferenceForm(forms.Form):
    email = forms.ChoiceField(
        label=gettext_lazy("E-mail about notifications"),
        choices=EmailChoice.choices,
        widget=forms.RadioSelect,
    )


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    current = Preference.objects.filter(user=user).first()
    form = PreferenceForm(
        request.POST or None,
        initial={"email": current.email if current else EmailChoice.IMMEDIATE},
    )
    if request.method == "POST" and form.is_valid():
        do_set_preference(user, email=form.cleaned_data["email"])
        messages.success(request, _("Your notification preference has been saved."))
        return redirect("inbox:preferences")
    return render(
        request,
        "inbox/preferences.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
