"""Notifications in the app (the bell), also sent by e-mail. They name a case or referral by
its number and link to it; the page behind the link applies the access policy again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    house = models.ForeignKey("houses.House", on_delete=models.CASCADE, related_name="+")
    message = models.CharField(_("message"), max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.message


class EmailChoice(models.TextChoices):
    IMMEDIATE = "immediate", _("An e-mail for every notification")
    DAILY = "daily", _("One daily digest")
    OFF = "off", _("No e-mail, only in the app")


class Preference(models.Model):
    """How a user wants to hear about notifications. Without a row: immediately."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(
        _("e-mail"), max_length=10, choices=EmailChoice.choices, default=EmailChoice.IMMEDIATE
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)
