"""The e-mail backend of the application: it does not talk to a mail server, it stores each
message as a `QueuedMail` row in the caller's database transaction.

So a rolled-back action sends nothing, and a committed one always has its mail, whatever the
mail server is doing at that moment. After the transaction commits, one delivery task is
queued (`tasks.deliver_mail`); `run_schedule` delivers what is still due every tick, with
retries (`delivery.py`). The real transport is `settings.OUTBOX_DELIVERY_BACKEND`.
"""

from __future__ import annotations

import base64
import email
from collections.abc import Sequence
from email.mime.base import MIMEBase
from email.utils import formatdate, make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.utils import timezone

from .models import MailStatus, QueuedMail


def _attachment(item: Any) -> dict[str, str]:
    if isinstance(item, MIMEBase):
        return {"mime": base64.b64encode(item.as_bytes()).decode()}
    filename, content, mimetype = item
    stored = {"filename": filename or "", "mimetype": mimetype or ""}
    if isinstance(content, bytes):
        stored["base64"] = base64.b64encode(content).decode()
    else:
        stored["text"] = str(content)
    return stored


def to_row(message: EmailMessage) -> QueuedMail:
    """The row that holds this message; its Message-ID is fixed now."""
    headers = {str(k): str(v) for k, v in message.extra_headers.items()}
    message_id = next(
        (v for k, v in headers.items() if k.lower() == "message-id"), None
    ) or make_msgid(domain=DNS_NAME)
    headers = {k: v for k, v in headers.items() if k.lower() != "message-id"}
    if not any(k.lower() == "date" for k in headers):
        # The moment the action happened, not the moment a retry got through.
        headers["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
    now = timezone.now()
    return QueuedMail(
        message_id=message_id,
        from_email=message.from_email,
        to=list(message.to),
        cc=list(message.cc),
        bcc=list(message.bcc),
        reply_to=list(message.reply_to),
        subject=str(message.subject),
        body=str(message.body),
        alternatives=[
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        attachments=[_attachment(item) for item in message.attachments],
        headers=headers,
        created_at=now,
        status=MailStatus.QUEUED,
        next_attempt_at=now,
    )


def _mime_part(raw: bytes) -> MIMEBase:
    """A ready-made MIME attachment again (Django attaches only MIMEBase instances as such)."""
    parsed = email.message_from_bytes(raw)
    part = MIMEBase(parsed.get_content_maintype(), parsed.get_content_subtype())
    for name in list(part.keys()):
        del part[name]
    for name, value in parsed.items():
        part[name] = value
    part.set_payload(parsed.get_payload())
    return part


def to_message(row: QueuedMail, connection: Any = None) -> EmailMultiAlternatives:
    """The message again, with the Message-ID it was queued with."""
    message = EmailMultiAlternatives(
        row.subject,
        row.body,
        row.from_email,
        row.to,
        row.bcc,
        connection=connection,
        cc=row.cc,
        reply_to=row.reply_to,
        headers={**row.headers, "Message-ID": row.message_id},
        alternatives=[(content, mimetype) for content, mimetype in row.alternatives],
    )
    for item in row.attachments:
        if "mime" in item:
            message.attach(_mime_part(base64.b64decode(item["mime"])))
        elif "base64" in item:
            message.attach(item["filename"], base64.b64decode(item["base64"]), item["mimetype"])
        else:
            message.attach(item["filename"], item["text"], item["mimetype"])
    return message


class OutboxBackend(BaseEmailBackend):
    """Queues instead of sending. `fail_silently` has no effect: storing a row can only fail
    with a database error, and the caller's transaction must see that."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        rows = [to_row(message) for message in email_messages if message.recipients()]
        if not rows:
            return 0
        with transaction.atomic():
            QueuedMail.objects.bulk_create(rows)
        transaction.on_commit(_deliver_soon)
        return len(rows)


def _deliver_soon() -> None:
    """Deliver right after the commit instead of waiting for the next scheduler tick. Several
    such tasks at once are harmless: delivery skips rows another run holds."""
    from .tasks import deliver_mail

    deliver_mail.enqueue()
