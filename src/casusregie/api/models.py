"""What the API keeps between requests: the answers to creates sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casusregie.privacy.fields import EncryptedTextField

# A retry comes within minutes; a day covers a partner system that was down overnight.
KEEP_FOR = timedelta(hours=24)


class IdempotentRequest(models.Model):
    """One create sent with an Idempotency-Key by one user (or API client's system account).

    The answer is kept so a retry gets the same answer instead of a second object. It may name
    people, so it is encrypted at rest and deleted after `KEEP_FOR` (decision 0020).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # Method and path, and a hash of the body: the same key with another request is an error.
    target = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # 0 while the first request is still running.
    status = models.PositiveSmallIntegerField(default=0)
    body = EncryptedTextField(blank=True)
    location = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.target}"

    @property
    def expired(self) -> bool:
        return self.created_at < timezone.now() - KEEP_FOR


def purge_expired() -> int:
    """Delete kept answers older than a day (run by `run_schedule`)."""
    deleted, _detail = IdempotentRequest.objects.filter(
        created_at__lt=timezone.now() - KEEP_FOR
    ).delete()
    return deleted
