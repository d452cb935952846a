"""Background work of the privacy kernel, queued by `run_schedule`."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import lookups, usage

logger = logging.getLogger(__name__)


@task()
def detect_usage_signals(today_iso: str | None = None) -> int:
    """Yesterday's signals (a whole day) and today's so far: idempotent. Also forgets the
    look-up counters of hours long past (lookups.py)."""
    today = datetime.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    lookups.purge()
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


@task()
def seal_log(today_iso: str | None = None) -> str:
    """The day's seal of the log chains in CASUSREGIE_LOG_SEAL_DIR, once (decision 0038). A
    failure is reported, not raised: the other duties of the run go on."""
    from . import seal

    if not settings.LOG_SEAL_DIR:
        return "geen zegelmap / no seal directory"
    today = datetime.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    try:
        written = seal.daily(Path(settings.LOG_SEAL_DIR), today)
    except seal.SealError as error:
        logger.error("log_seal_failed", extra={"problem": str(error)})
        return f"MISLUKT / FAILED: {error}"
    return written.name if written else "al gezegeld / already sealed"
