"""Background work of aftercare, queued daily by `run_schedule`."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from . import actions


@task()
def aftercare_duties(today_iso: str | None = None) -> int:
    """Ask about cases whose aftercare watch period has passed (once per watch date)."""
    today = datetime.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    return actions.run_watch_ends(today)
