"""Police registrations around a case: counts only, never their content (seed P13)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class PoliceCount(models.Model):
    """How often the police registered something about the case's subjects in the twelve
    months before intake and in the twelve months after closure. Recorded by the police
    organisation taking part in the case; only counts, so no police information is shared."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="police_count")
    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    before = models.PositiveIntegerField(_("registrations in the 12 months before intake"))
    after = models.PositiveIntegerField(
        _("registrations in the 12 months after closure"), null=True, blank=True
    )
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("police registration count")
        verbose_name_plural = _("police registration counts")
        indexes = [models.Index(fields=["house", "case"], name="policecount_house_case")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.before} → {self.after}"


class ReportRun(models.Model):
    """The outcome report of a large house computed by a background task: its progress while
    it runs, then the whole report (figures as JSON) until it is older than
    `INSIGHTS_REPORT_CACHE_MINUTES`. One row per house and key (period, filters, language)."""

    RUNNING, DONE, FAILED = "running", "done", "failed"

    house = models.ForeignKey("houses.House", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    status = models.CharField(max_length=10, default=RUNNING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["house", "key"], name="report_run_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.house_id} {self.key[:8]} {self.status}"
