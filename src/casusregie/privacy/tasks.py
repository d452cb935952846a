"""Background work of the privacy kernel, queued by `run_schedule`."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from . import usage


@task()
def detect_usage_signals(today_iso: str | None = None) -> int:
    """Yesterday's signals (a whole day) and today's so far: idempotent."""
    today = datetime.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    return usage.detect(today - datetime.timedelta(days=1)) + usage.detect(today)


@task()
def destroy_list(list_id: int) -> int:
    """Destroy the items of a destruction list that two people approved."""
    from . import retention

    return retention.execute(list_id)


@task()
def retention_duties(today_iso: str | None = None) -> str:
    """Propose destruction lists for what is past its retention, and purge old log lines."""
    from casusregie.houses.models import House

    from . import retention

    today = datetime.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    proposed = retention.propose_all(today)
    purged = sum(retention.purge_log(house, today) for house in House.objects.all())
    return f"{proposed} lijst(en), {purged} logregel(s) verwijderd"
