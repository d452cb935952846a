"""Changes to webhook subscriptions. Each checks who may do it, validates everything, changes,
writes the audit trail and queues side effects after commit, in one transaction. The pages and
the API call these same functions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.houses.models import House, Organisation
from casusregie.inbox.actions import notify
from casusregie.privacy import policy
from casusregie.privacy.audit import record_change

from . import endpoints, events, signing
from .access import manageable_organisations
from .models import Delivery, DeliveryStatus, Event, Subscription, SubscriptionStatus

# How long the previous secret still signs after a rotation.
ROTATION_OVERLAP = datetime.timedelta(hours=24)


class Backlog:
    SEND = "send"
    DROP = "drop"
    CHOICES = (SEND, DROP)


@dataclass
class SubscriptionData:
    url: str
    event_types: Sequence[str]
    description: str = ""
    contact_email: str = ""


def may_manage(user: Any, subscription: Subscription) -> bool:
    return policy.visible(user, Subscription).filter(pk=subscription.pk).exists()


def _require_manager(user: Any, subscription: Subscription) -> None:
    if not may_manage(user, subscription):
        raise PermissionDenied(_("You cannot manage this webhook."))


def _validate(data: SubscriptionData) -> SubscriptionData:
    errors: dict[str, list[str]] = {}
    url = data.url
    try:
        url = endpoints.check_url(data.url)
    except ValidationError as error:
        errors["url"] = list(error.messages)
    chosen = list(dict.fromkeys(data.event_types or []))
    unknown = [name for name in chosen if name not in events.TYPES]
    if unknown:
        errors["event_types"] = [
            _("Unknown event type: %(names)s.") % {"names": ", ".join(map(str, unknown))}
        ]
    elif not chosen:
        errors["event_types"] = [_("Choose at least one event type.")]
    description = (data.description or "").strip()
    if len(description) > 200:
        errors["description"] = [_("Keep the description to 200 characters.")]
    contact = (data.contact_email or "").strip().lower()
    if contact:
        try:
            validate_email(contact)
        except ValidationError:
            errors["contact_email"] = [_("Enter a valid e-mail address.")]
    if errors:
        raise ValidationError(errors)
    return SubscriptionData(url, chosen, description, contact)


def _shown(subscription: Subscription) -> dict[str, Any]:
    """What the audit trail keeps of a subscription: never the secret."""
    return {
        "organisation": subscription.organisation_id,
        "url": subscription.url,
        "event_types": list(subscription.event_types),
        "description": subscription.description,
        "contact_email": subscription.contact_email,
        "status": subscription.status,
    }


@transaction.atomic
def do_create_subscription(
    house: House, organisation: Organisation | None, data: SubscriptionData, *, actor: Any
) -> tuple[Subscription, str]:
    """Subscribe an endpoint; returns the subscription and its secret (shown once)."""
    if organisation is None:
        raise ValidationError({"organisation": [_("Choose the organisation.")]})
    if not manageable_organisations(actor, house).filter(pk=organisation.pk).exists():
        raise ValidationError(
            {"organisation": [_("You cannot manage webhooks of this organisation.")]}
        )
    clean = _validate(data)
    secret = signing.new_secret()
    subscription = Subscription.objects.create(
        house=house,
        organisation=organisation,
        url=clean.url,
        event_types=list(clean.event_types),
        description=clean.description,
        contact_email=clean.contact_email,
        secret=secret,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_change(
        actor=actor,
        house=house,
        action="webhook.create",
        obj=subscription,
        after=_shown(subscription),
    )
    return subscription, secret


@transaction.atomic
def do_update_subscription(
    subscription: Subscription, data: SubscriptionData, *, actor: Any
) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    _require_manager(actor, subscription)
    clean = _validate(data)
    before = _shown(subscription)
    subscription.url = clean.url
    subscription.event_types = list(clean.event_types)
    subscription.description = clean.description
    subscription.contact_email = clean.contact_email
    subscription.save(
        update_fields=["url", "event_types", "description", "contact_email", "updated_at"]
    )
    after = _shown(subscription)
    if after != before:
        record_change(
            actor=actor,
            house=subscription.house,
            action="webhook.update",
            obj=subscription,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return subscription


@transaction.atomic
def do_delete_subscription(subscription: Subscription, *, actor: Any) -> None:
    """Remove the subscription with its delivery history; the audit row stays."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    _require_manager(actor, subscription)
    record_change(
        actor=actor,
        house=subscription.house,
        action="webhook.delete",
        obj=subscription,
        before=_shown(subscription),
    )
    subscription.delete()


@transaction.atomic
def do_rotate_secret(subscription: Subscription, *, actor: Any) -> str:
    """A new secret, shown once; the previous one still signs for a day, next to the new one."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    _require_manager(actor, subscription)
    secret = signing.new_secret()
    now = timezone.now()
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = now + ROTATION_OVERLAP
    subscription.secret = secret
    subscription.save(
        update_fields=["previous_secret", "previous_secret_until", "secret", "updated_at"]
    )
    record_change(
        actor=actor,
        house=subscription.house,
        action="webhook.rotate_secret",
        obj=subscription,
        after={"previous_secret_until": subscription.previous_secret_until.isoformat()},
    )
    return secret


def _hold(subscription: Subscription, since: datetime.datetime | None) -> int:
    """Waiting deliveries (and those that failed in the current streak) wait for the owner."""
    held = Delivery.objects.filter(subscription=subscription, status=DeliveryStatus.PENDING)
    count = held.update(status=DeliveryStatus.HELD, next_attempt_at=None, lease_until=None)
    if since is not None:
        count += Delivery.objects.filter(
            subscription=subscription, status=DeliveryStatus.FAILED, finished_at__gte=since
        ).update(status=DeliveryStatus.HELD, next_attempt_at=None)
    return count


@transaction.atomic
def do_pause_subscription(subscription: Subscription, *, actor: Any) -> Subscription:
    """The owner stops deliveries for a while (maintenance); events are kept as a backlog."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    _require_manager(actor, subscription)
    if subscription.status == SubscriptionStatus.PAUSED:
        raise ValidationError(_("This webhook is already paused."))
    subscription.status = SubscriptionStatus.PAUSED
    subscription.paused_at = timezone.now()
    subscription.pause_reason = _("Paused by %(name)s") % {"name": actor}
    subscription.save(update_fields=["status", "paused_at", "pause_reason", "updated_at"])
    held = _hold(subscription, None)
    record_change(
        actor=actor,
        house=subscription.house,
        action="webhook.pause",
        obj=subscription,
        after={"status": subscription.status, "held": held},
    )
    return subscription


def pause_for_failures(
    subscription: Subscription, *, now: datetime.datetime, gone: bool = False
) -> None:
    """The system pauses a dead endpoint and tells its owners (inside the caller's
    transaction, with the subscription locked)."""
    subscription.status = SubscriptionStatus.PAUSED
    subscription.paused_at = now
    subscription.pause_reason = (
        _("The endpoint answered 410 Gone.")
        if gone
        else _("%(count)s deliveries in a row failed since %(since)s.")
        % {
            "count": subscription.consecutive_failures,
            "since": timezone.localtime(subscription.failing_since or now).strftime(
                "%d-%m-%Y %H:%M"
            ),
        }
    )
    subscription.save(update_fields=["status", "paused_at", "pause_reason", "updated_at"])
    held = _hold(subscription, subscription.failing_since)
    record_change(
        actor=None,
        house=subscription.house,
        action="webhook.pause",
        obj=subscription,
        after={"status": subscription.status, "held": held, "reason": subscription.pause_reason},
    )
    _tell_owners(subscription)


def owners(subscription: Subscription) -> list[User]:
    """Who hears about a paused webhook: whoever created it (while still a manager of it) and
    the organisation's partner managers in the house; if nobody, the functional
    administrators."""
    people = {
        u.pk: u
        for u in User.objects.filter(
            is_active=True,
            memberships__house=subscription.house_id,
            memberships__organisation=subscription.organisation_id,
            memberships__role=Role.PARTNER_MANAGER,
            memberships__ended_at__isnull=True,
        )
    }
    creator = subscription.created_by
    if creator is not None and creator.is_active and may_manage(creator, subscription):
        people[creator.pk] = creator
    if not people:
        people = {
            u.pk: u
            for u in User.objects.filter(
                is_active=True,
                memberships__house=subscription.house_id,
                memberships__role=Role.FUNCTIONAL_ADMIN,
                memberships__ended_at__isnull=True,
            )
        }
    return list(people.values())


def detail_link(subscription: Subscription) -> str:
    return reverse(
        "webhooks:detail", kwargs={"slug": subscription.house.slug, "pk": subscription.pk}
    )


def _tell_owners(subscription: Subscription) -> None:
    host = endpoints_host(subscription.url)
    message = _(
        "The webhook to %(host)s has been paused: its deliveries kept failing. Check the "
        "endpoint and resume it."
    ) % {"host": host}
    notify(
        owners(subscription),
        house=subscription.house,
        link=detail_link(subscription),
        message=message,
    )
    if subscription.contact_email:
        address = subscription.contact_email
        link = str(getattr(settings, "BASE_URL", "")).rstrip("/") + detail_link(subscription)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Casusregie: webhook to %(host)s paused") % {"host": host}
            body = _(
                "%(message)s\n\nReason: %(reason)s\nDelivery history and resume: %(link)s\n"
            ) % {"message": message, "reason": subscription.pause_reason, "link": link}
        # Queued in the outbox with the pause itself (decision 0032).
        send_mail(subject, body, None, [address])


def endpoints_host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


@transaction.atomic
def do_resume_subscription(
    subscription: Subscription, *, backlog: str, actor: Any
) -> tuple[Subscription, int]:
    """Deliver again. The backlog (events held while paused) is sent or dropped, as chosen.
    Returns the subscription and the number of held deliveries sent or dropped."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    _require_manager(actor, subscription)
    if backlog not in Backlog.CHOICES:
        raise ValidationError({"backlog": [_("Choose whether to send or drop the backlog.")]})
    if subscription.status != SubscriptionStatus.PAUSED:
        raise ValidationError(_("This webhook is not paused."))
    now = timezone.now()
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.paused_at = None
    subscription.pause_reason = ""
    subscription.consecutive_failures = 0
    subscription.failing_since = None
    subscription.save(
        update_fields=[
            "status",
            "paused_at",
            "pause_reason",
            "consecutive_failures",
            "failing_since",
            "updated_at",
        ]
    )
    held = Delivery.objects.filter(subscription=subscription, status=DeliveryStatus.HELD)
    ids = list(held.order_by("pk").values_list("pk", flat=True))
    if backlog == Backlog.SEND:
        held.update(status=DeliveryStatus.PENDING, tries=0, next_attempt_at=now, finished_at=None)
        _queue_after_commit(ids)
    else:
        held.update(status=DeliveryStatus.DROPPED, finished_at=now)
    record_change(
        actor=actor,
        house=subscription.house,
        action="webhook.resume",
        obj=subscription,
        after={"status": subscription.status, "backlog": backlog, "deliveries": len(ids)},
    )
    return subscription, len(ids)


def _queue_after_commit(ids: Iterable[int]) -> None:
    from . import delivery

    queued = list(ids)

    def send() -> None:
        for delivery_id in queued:
            delivery.queue(delivery_id)

    transaction.on_commit(send, robust=True)


@transaction.atomic
def do_send_ping(subscription: Subscription, *, actor: Any) -> Delivery:
    """A test event to this subscription only, sent at once, also while paused (one attempt,
    no retries; it does not count towards pausing)."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    _require_manager(actor, subscription)
    house = subscription.house
    base = str(getattr(settings, "BASE_URL", "")).rstrip("/")
    event = Event.objects.create(
        house=house,
        type=events.PING,
        subject=f"webhooks/{subscription.pk}",
        time=timezone.now(),
        data={
            "house": house.slug,
            "webhook": {"id": subscription.pk, "organisation": subscription.organisation_id},
            "links": {
                "page": base + detail_link(subscription),
                "api": base
                + reverse("api:webhook", kwargs={"slug": house.slug, "pk": subscription.pk}),
            },
        },
    )
    row = Delivery.objects.create(
        subscription=subscription,
        event=event,
        status=DeliveryStatus.PENDING,
        next_attempt_at=event.time,
    )
    record_change(
        actor=actor,
        house=house,
        action="webhook.ping",
        obj=subscription,
        after={"event": str(event.id)},
    )
    _queue_after_commit([row.pk])
    return row
