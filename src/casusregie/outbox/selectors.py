"""What a house's functional administrator sees of mail that could not be delivered.

Mail is not stored per house (the backend only sees a message), so a failed mail is shown to
the administrators of every house where one of its recipients has a role, with only those
recipients, the date, the attempts and the error: not the subject or the body, which may
belong to another house's work.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from casusregie.accounts.models import User

from .models import MailStatus, QueuedMail

SHOWN = 200  # failed mail is rare; a page of this many is enough to act on


@dataclass(frozen=True)
class FailedMail:
    created_at: datetime.datetime
    recipients: list[str]
    attempts: int
    last_error: str


def failed_mail_for_house(house: Any) -> list[FailedMail]:
    """Failed mail to people with a role in this house, newest first (two queries)."""
    rows = list(
        QueuedMail.objects.filter(status=MailStatus.FAILED)
        .order_by("-created_at", "-pk")
        .only("created_at", "to", "cc", "bcc", "attempts", "last_error")[:SHOWN]
    )
    if not rows:
        return []
    addresses = {a.lower() for row in rows for a in row.recipients()}
    members = {
        e.lower()
        for e in User.objects.filter(memberships__house=house)
        .filter(email__in=addresses | {a for row in rows for a in row.recipients()})
        .values_list("email", flat=True)
    }
    shown = []
    for row in rows:
        own = [a for a in row.recipients() if a.lower() in members]
        if own:
            shown.append(FailedMail(row.created_at, own, row.attempts, row.last_error))
    return shown
