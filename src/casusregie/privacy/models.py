"""The audit trail: who changed what, in which organisation and house, before/after and why.

Rows are append-only: the model refuses updates and deletes, and nothing cascades into it.
The processing log per data subject (Logboek Dataverwerkingen) builds on this in the privacy
issue; this table already records every change a functional administrator makes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


class AuditEvent(models.Model):
    # Links this row to the processing-log lines of the same action (one per data subject).
    trace_id = models.CharField(max_length=32, blank=True, db_index=True)
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_organisation = models.ForeignKey(
        "houses.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    house = models.ForeignKey("houses.House", null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["house", "occurred_at"], name="audit_house_time")]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class Operation(models.TextChoices):
    READ = "read", _("read")
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DISCLOSE = "disclose", _("disclose")
    DELETE = "delete", _("delete")


class ProcessingLogEntry(models.Model):
    """One processing of personal data about one data subject (Logboek Dataverwerkingen).

    Field names follow the standard: trace and span ids, operation name, status, start and end,
    the processing activity and the pseudonymised data subject. Who did it is not here but in
    the `AuditEvent` with the same `trace_id` (the standard keeps user identities apart).
    A disclosure names the receiving organisation: together these lines are the disclosure
    register (who shared what with whom, for which purpose).
    """

    trace_id = models.CharField(max_length=32, db_index=True)
    span_id = models.CharField(max_length=16)
    name = models.CharField(max_length=80)
    status = models.CharField(max_length=8, default="ok")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    operation = models.CharField(max_length=10, choices=Operation.choices)
    processing_activity = models.CharField(max_length=200)
    purpose = models.CharField(max_length=200, blank=True)
    data_subject_id = models.CharField(max_length=64, db_index=True)
    data_subject_id_type = models.CharField(max_length=16)
    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    case_id = models.BigIntegerField(null=True, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    recipient_organisation = models.ForeignKey(
        "houses.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("processing log entry")
        verbose_name_plural = _("processing log entries")
        indexes = [models.Index(fields=["house", "start_time"], name="plog_house_time")]

    def __str__(self) -> str:
        return f"{self.start_time:%Y-%m-%d %H:%M} {self.name} {self.data_subject_id[:8]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("processing log entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("processing log entries cannot be deleted")
