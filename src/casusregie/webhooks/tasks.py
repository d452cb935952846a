"""Background tasks of webhooks: they take ids or a moment and call the delivery functions, so
tests and the scheduler run them inline (decision 0013)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from . import delivery, schedule


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of one delivery (if it is still due and nobody else holds it)."""
    return delivery.attempt(delivery_id)


@task()
def webhook_duties(today_iso: str | None = None) -> int:
    """The scheduler's part: events for actions due soon, every delivery that is due, and
    forgetting old history."""
    today = datetime.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    emitted = schedule.emit_due_soon(today)
    sent = delivery.deliver_due()
    schedule.purge_history(timezone.now())
    return emitted + sent
