"""The user's notifications. Opening one marks it read and follows its link."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Notification


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
