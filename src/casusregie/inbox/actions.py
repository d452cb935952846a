"""Telling people what happened: a notification in the app and an e-mail after commit.

Messages carry numbers (M-12, 2026-0042), never names of data subjects: e-mail leaves the
system, so it holds no personal data of the people the case is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from casusregie.houses.models import House

from .models import Notification


def notify(users: Iterable[Any], *, house: House, message: str, link: str = "") -> None:
    """Create notifications for these users and e-mail them once the transaction commits."""
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    if not recipients:
        return
    Notification.objects.bulk_create(
        Notification(user=user, house=house, message=message, link=link)
        for user in recipients.values()
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Casusregie: %(message)s") % {"message": message}
        body = _("%(message)s\n\nOpen Casusregie to see more: %(link)s\n") % {
            "message": message,
            "link": settings.BASE_URL + link,
        }
    mails = [(subject[:150], body, None, [user.email]) for user in recipients.values()]
    transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
