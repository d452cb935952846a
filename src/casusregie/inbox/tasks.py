"""E-mail of notifications, as tasks: one mail per notification for users who want that, and a
daily digest for users who chose it. Mails carry numbers and links, never names of the people
a case is about."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from .models import EmailChoice, Notification, Preference


@task()
def send_notification_mail(notification_ids: list[int]) -> int:
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for note in Notification.objects.filter(pk__in=notification_ids).select_related("user"):
            subject = _("Casusregie: %(message)s") % {"message": note.message}
            body = _("%(message)s\n\nOpen Casusregie to see more: %(link)s\n") % {
                "message": note.message,
                "link": settings.BASE_URL + note.link,
            }
            messages.append(EmailMessage(subject[:150], body, None, [note.user.email]))
    # Queued in the outbox (decision 0032): a mail server that is down delays, never drops.
    return get_connection().send_messages(messages) or 0


def send_digests(now: datetime.datetime | None = None) -> int:
    """One e-mail per daily-digest user with what arrived since their last digest (at most
    once in 20 hours, so the 15-minute scheduler sends one a day). The digest is queued in the
    outbox in the same transaction that records its time, under a lock on the preference: a
    second tick, at the same time or later, finds it done and queues nothing."""
    now = now or timezone.now()
    sent = 0
    due = Preference.objects.filter(email=EmailChoice.DAILY).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            preference = (
                Preference.objects.select_for_update(of=("self",))
                .select_related("user")
                .filter(pk=pk, email=EmailChoice.DAILY)
                .first()
            )
            if preference is None:
                continue
            since = preference.last_digest_at or now - datetime.timedelta(days=1)
            if preference.last_digest_at and now - since < datetime.timedelta(hours=20):
                continue
            notes = list(
                Notification.objects.filter(
                    user=preference.user, created_at__gt=since, created_at__lte=now
                ).order_by("created_at")
            )
            Preference.objects.filter(pk=preference.pk).update(last_digest_at=now)
            if not notes or not preference.user.is_active:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                subject = ngettext(
                    "Casusregie: %(count)s new notification",
                    "Casusregie: %(count)s new notifications",
                    len(notes),
                ) % {"count": len(notes)}
                lines = [f"- {n.message}: {settings.BASE_URL}{n.link}" for n in notes]
            EmailMessage(subject, "\n".join(lines) + "\n", None, [preference.user.email]).send()
            sent += 1
    return sent


@task()
def send_digests_task() -> int:
    return send_digests()
