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
