"""Telling people what happened: a notification in the app and an e-mail after commit.

Messages carry numbers (M-12, 2026-0042), never names of data subjects: e-mail leaves the
system, so it holds no personal data of the people the case is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from casusregie.accounts.models import StandIn
from casusregie.houses.models import House
from casusregie.privacy import policy
from casusregie.privacy.audit import record_change

from .models import EmailChoice, Notification, Preference
from .tasks import send_notification_mail


def notify(users: Iterable[Any], *, house: House, message: str, link: str = "") -> None:
    """Create notifications for these users; after commit, e-mail those who want an e-mail
    per notification (the default). Daily-digest users get it in their digest. Someone with a
    stand-in in force in this house has it sent to the stand-in too (decision 0046)."""
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    if not recipients:
        return
    rows = [
        Notification(user=user, house=house, message=message[:300], link=link)
        for user in recipients.values()
    ]
    for user, text in _stand_in_copies(recipients, house=house, message=message):
        recipients[user.pk] = user
        rows.append(Notification(user=user, house=house, message=text[:300], link=link))
    created = Notification.objects.bulk_create(rows)
    quiet = set(
        Preference.objects.filter(user__in=list(recipients))
        .exclude(email=EmailChoice.IMMEDIATE)
        .values_list("user_id", flat=True)
    )
    ids = [n.pk for n in created if n.user_id not in quiet and n.pk is not None]
    if ids:
        transaction.on_commit(lambda: send_notification_mail.enqueue(ids))


def _stand_in_copies(
    recipients: dict[int, Any], *, house: House, message: str
) -> list[tuple[Any, str]]:
    """The stand-ins in force for these recipients, each with the message marked as sent to
    them as a stand-in (one query). A stand-in who is a recipient already gets no copy."""
    copies: list[tuple[Any, str]] = []
    seen: set[int] = set()
    arrangements = (
        StandIn.objects.active()
        .filter(
            house=house,
            absent__in=list(recipients),
            stand_in__is_active=True,
            stand_in__memberships__house=house,
            stand_in__memberships__ended_at__isnull=True,
            stand_in__memberships__role__in=policy.CASE_ROLES,
        )
        .select_related("absent", "stand_in")
        .order_by("pk")
    )
    for arrangement in arrangements:
        stand_in = arrangement.stand_in
        if stand_in.pk in recipients or stand_in.pk in seen:
            continue
        seen.add(stand_in.pk)
        copies.append(
            (
                stand_in,
                _("As a stand-in for %(name)s: %(message)s")
                % {"name": arrangement.absent.full_name, "message": message},
            )
        )
    return copies


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
