"""Webhook subscriptions of partner organisations, the events sent to them and every delivery
attempt (docs/webhooks.md, decision 0018).

An event carries ids, reference numbers, codes and links, never names or other content about
the people a case is about. The signing secret is encrypted at rest like a BSN.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casusregie.privacy.fields import EncryptedTextField


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")


class Subscription(models.Model):
    """An HTTPS endpoint of one organisation in one house, for chosen event types."""

    house = models.ForeignKey("houses.House", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(_("endpoint address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("event types"), default=list)
    contact_email = models.EmailField(_("technical contact e-mail"), blank=True)
    secret = EncryptedTextField()
    # After a rotation the old secret still signs for a while, so the receiver can switch.
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.ACTIVE,
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        indexes = [models.Index(fields=["house", "status"], name="webhook_house_status")]

    def __str__(self) -> str:
        return self.url

    @property
    def is_active(self) -> bool:
        return self.status == SubscriptionStatus.ACTIVE


class Event(models.Model):
    """One thing that happened, as sent (the CloudEvents envelope is built from these fields).
    Only created when at least one subscription receives it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    house = models.ForeignKey("houses.House", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    time = models.DateTimeField()
    data = models.JSONField()
    # Scheduled events (an action due soon) are sent once: the key makes a second run a no-op.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        indexes = [models.Index(fields=["house", "time"], name="webhook_event_time")]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    HELD = "held", _("Held while paused")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")
    DROPPED = "dropped", _("Dropped")


class Delivery(models.Model):
    """One event for one subscription, with its retry state."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # Attempts in the current series (reset when a paused subscription resumes).
    tries = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker that takes the delivery holds it until then, so two workers never both send.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]


class Attempt(models.Model):
    """One HTTP request of a delivery: what came back, or what went wrong."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")
        ]
