"""Events the clock makes due, and the end of the delivery history. Idempotent: each action's
"due soon" event is sent once (the event's dedupe key), however often the scheduler runs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef

from casusregie.plans.models import Action, ActionStatus

from . import events
from .models import Delivery, DeliveryStatus, Event, Subscription


def emit_due_soon(today: datetime.date) -> int:
    """An event for every open action due within its house's reminder period (the same period
    as the owner's reminder), for houses where someone subscribed to it."""
    houses = {
        s.house_id
        for s in Subscription.objects.only("house_id", "event_types")
        if events.ACTION_DUE_SOON in (s.event_types or [])
    }
    if not houses:
        return 0
    longest = max(
        Action.objects.filter(house__in=houses)
        .values_list("house__reminder_days_before_deadline", flat=True)
        .distinct(),
        default=0,
    )
    due = Action.objects.filter(
        house__in=houses,
        status=ActionStatus.OPEN,
        due_date__gte=today,
        due_date__lte=today + datetime.timedelta(days=longest),
    ).select_related("house")
    sent = 0
    for action in due:
        if (action.due_date - today).days > action.house.reminder_days_before_deadline:
            continue
        if events.publish(events.ACTION_DUE_SOON, [("plans.Action", action.pk)], dedupe=True):
            sent += 1
    return sent


def purge_history(now: datetime.datetime) -> int:
    """Forget events (with their deliveries and attempts) older than `WEBHOOKS_HISTORY_DAYS`
    (30) once nothing about them is still waiting. Returns the number of events removed."""
    days = int(getattr(settings, "WEBHOOKS_HISTORY_DAYS", 30))
    cutoff = now - datetime.timedelta(days=max(days, 1))
    waiting = Delivery.objects.filter(
        event=OuterRef("pk"), status__in=(DeliveryStatus.PENDING, DeliveryStatus.HELD)
    )
    old = Event.objects.filter(time__lt=cutoff).exclude(Exists(waiting))
    removed, _per_model = old.delete()
    return removed
