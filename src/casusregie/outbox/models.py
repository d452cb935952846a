"""One row per outgoing e-mail, written in the transaction of the action that sends it and
delivered afterwards by `delivery.deliver_due()` (decision 0032)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class QueuedMail(models.Model):
    """An e-mail as the application composed it. The Message-ID is fixed when the mail is
    queued, so a receiver can recognise a mail that a crashed delivery sent twice."""

    message_id = models.CharField(max_length=255)
    from_email = models.CharField(max_length=320)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.TextField()
    body = models.TextField(blank=True)
    # [[content, mimetype], ...], e.g. an HTML version of the body.
    alternatives = models.JSONField(default=list, blank=True)
    # [{"filename", "mimetype", "text" or "base64"}, ...], e.g. a calendar invitation.
    attachments = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The kind of error and the server's answer, cut short; never the mail itself.
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"

    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]
