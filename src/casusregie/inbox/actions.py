"""Telling people what happened: a notification in the app and an e-mail after commit.

Messages carry numbers (M-12, 2026-0042), never names of data subjects: e-mail leaves the
system, so it holds no personal data of the people the case is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from casusregie.houses.models import House
from casusregie.privacy.audit import record_change

from .models import EmailChoice, Notification, Preference
from .tasks import send_notification_mail


def notify(users: Iterable[Any], *, house: House, message: str, link: str = "") -> None:
    """Create notifications for these users; after commit, e-mail those who want an e-mail
    per notification (the default). Daily-digest users get it in their digest."""
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    if not recipients:
        return
    created = Notification.objects.bulk_create(
        Notification(user=user, house=house, message=message[:300], link=link)
        for user in recipients.values()
    )
    quiet = set(
        Preference.objects.filter(user__in=list(recipients))
        .exclude(email=EmailChoice.IMMEDIATE)
        .values_list("user_id", flat=True)
    )
    ids = [n.pk for n in created if n.user_id not in quiet and n.pk is not None]
    if ids:
        transaction.on_commit(lambda: send_notification_mail.enqueue(ids))


@transaction.atomic
def do_set_preference(user: Any, *, email: str) -> Preference:
    """How the user wants to hear about notifications; the change is audited."""
    if email not in EmailChoice.values:
        raise ValueError(email)
    current = Preference.objects.filter(user=user).first()
    before = current.email if current else EmailChoice.IMMEDIATE
    preference, _created = Preference.objects.update_or_create(user=user, defaults={"email": email})
    record_change(
        actor=user,
        house=None,
        action="update_notification_preference",
        obj=user,
        before={"email": before},
        after={"email": email},
    )
    return preference
