"""The end of the aftercare watch period and relapse alerts (decision 0053)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WatchEnd(models.Model):
    """The process director was asked, once, what to do now that a case's aftercare watch
    period (`Case.aftercare_until`) has passed. A new watch date (extension) is a new row."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    until = models.DateField()
    asked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "until"], name="watch_end_once"),
        ]


class SourceKind(models.TextChoices):
    REFERRAL = "referral", _("New referral")
    KNOWN_TO = "known_to", _("Known-to question")
    SIGNAL = "signal", _("Convergence alert")


class RelapseDecision(models.TextChoices):
    REOPENED = "reopened", _("Case re-opened")
    NO_ACTION = "no_action", _("No action")


class RelapseAlert(models.Model):
    """Something new about a person whose case is in aftercare or was closed recently: the
    case's process director decides whether to re-open it. It names the source, never what
    the source said about the person."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="relapse_alerts")
    source_kind = models.CharField(_("source"), max_length=10, choices=SourceKind.choices)
    source_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=RelapseDecision.choices, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("relapse alert")
        verbose_name_plural = _("relapse alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "source_kind", "source_id"], name="relapse_alert_once"
            ),
        ]
        indexes = [
            models.Index(fields=["house", "handled_at", "id"], name="relapse_alert_open"),
        ]

    @property
    def is_open(self) -> bool:
        return self.handled_at is None
