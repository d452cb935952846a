"""Delivering queued mail: due rows are taken with `select_for_update(skip_locked=True)`, so two
runs at once (the task after a commit and the scheduler tick) never send the same row; each is
sent through `settings.OUTBOX_DELIVERY_BACKEND` and marked sent, or its attempt is recorded
with the next one after 1, 5, 15 and then every 60 minutes, until OUTBOX_MAX_ATTEMPTS makes it
failed (shown to the house's functional administrators on the house settings page).

A row stays locked while it is being sent, so a run that dies between the server's "250 OK"
and the commit sends that mail again next time (at least once): the fixed Message-ID lets the
receiving side see the duplicate.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from .backend import to_message
from .models import MailStatus, QueuedMail

logger = logging.getLogger(__name__)

BATCH = 20
BACKOFF_MINUTES = (1, 5, 15, 60)


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the n-th failed attempt (n ≥ 1)."""
    return datetime.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _connection_lost(error: BaseException) -> bool:
    """The server is gone (not just this message refused): the rest of the batch waits too."""
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:200]


def _log(row: QueuedMail) -> dict[str, object]:
    return {"mail_id": row.pk, "attempts": row.attempts, "error": row.last_error}


def _record_failure(
    row: QueuedMail, error: BaseException, now: datetime.datetime, out: Outcome
) -> None:
    row.attempts += 1
    row.last_error = _describe(error)
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        row.status = MailStatus.FAILED
        row.next_attempt_at = None
        out.failed += 1
        logger.error("mail_failed", extra=_log(row))
    else:
        row.next_attempt_at = now + backoff(row.attempts)
        out.retried += 1
        logger.warning("mail_retry", extra=_log(row))
    row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def _send_batch(rows: list[QueuedMail], now: datetime.datetime, out: Outcome) -> bool:
    """Send these locked rows over one connection; False when the server could not be reached."""
    connection = get_connection(settings.OUTBOX_DELIVERY_BACKEND, fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # any transport error is an attempt that failed
        for row in rows:
            _record_failure(row, error, now, out)
        return False
    try:
        for index, row in enumerate(rows):
            try:
                connection.send_messages([to_message(row, connection)])
            except Exception as error:  # recorded on the row, retried later
                if _connection_lost(error):
                    for rest in rows[index:]:
                        _record_failure(rest, error, now, out)
                    return False
                _record_failure(row, error, now, out)
                continue
            row.status = MailStatus.SENT
            row.sent_at = timezone.now()
            row.attempts += 1
            row.last_error = ""
            row.next_attempt_at = None
            row.save(
                update_fields=["status", "sent_at", "attempts", "last_error", "next_attempt_at"]
            )
            out.sent += 1
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            connection.close()
    return True


def deliver_due(now: datetime.datetime | None = None, *, batch: int = BATCH) -> Outcome:
    """Send every queued mail whose attempt is due, in batches of `batch` rows per transaction.
    Stops early when the server cannot be reached: the others keep their turn for next time."""
    now = now or timezone.now()
    out = Outcome()
    seen: set[int] = set()
    while True:
        with transaction.atomic():
            rows = list(
                QueuedMail.objects.select_for_update(skip_locked=True)
                .filter(status=MailStatus.QUEUED, next_attempt_at__lte=now)
                .exclude(pk__in=seen)
                .order_by("next_attempt_at", "pk")[:batch]
            )
            if not rows:
                return out
            seen.update(row.pk for row in rows)
            if not _send_batch(rows, now, out):
                return out


def purge(now: datetime.datetime | None = None) -> int:
    """Forget sent and failed mail after OUTBOX_KEEP_DAYS: bodies may name case numbers.
    Queued mail is never purged."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    sent, _ = QueuedMail.objects.filter(status=MailStatus.SENT, sent_at__lt=cutoff).delete()
    failed, _ = QueuedMail.objects.filter(status=MailStatus.FAILED, created_at__lt=cutoff).delete()
    return sent + failed
