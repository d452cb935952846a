"""Learning between houses: a house's library of lessons and the exports it received from
other houses (docs/network.md). Aggregates and lessons only; no personal data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LessonKind(models.TextChoices):
    GOES_WELL = "goes_well", _("What goes well")
    GOES_WRONG = "goes_wrong", _("What goes wrong")


class Theme(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    TRIAGE = "triage", _("Triage")
    CASE_MEETING = "case_meeting", _("Case meeting")
    ACTIONS_AND_FEEDBACK = "actions_and_feedback", _("Actions and feedback")
    ESCALATION = "escalation", _("Escalation")
    PRIVACY = "privacy", _("Privacy")
    COLLABORATION = "collaboration", _("Collaboration")
    OTHER = "other", _("Other")


class Lesson(models.Model):
    """A lesson a house writes for other houses; published lessons go with its exports."""

    house = models.ForeignKey("houses.House", on_delete=models.CASCADE, related_name="lessons")
    kind = models.CharField(_("kind"), max_length=12, choices=LessonKind.choices)
    theme = models.CharField(_("theme"), max_length=24, choices=Theme.choices)
    text = models.TextField(_("lesson"), max_length=2000)
    published = models.BooleanField(_("publish with the export"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["theme", "kind", "pk"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return f"{self.get_theme_display()}: {self.text[:40]}"


class ReceivedExport(models.Model):
    """Another house's signed export, checked on upload; one per sending house and period."""

    house = models.ForeignKey(
        "houses.House", on_delete=models.CASCADE, related_name="received_exports"
    )
    source_house = models.CharField(max_length=50)
    source_name = models.CharField(max_length=200)
    period_from = models.DateField()
    period_to = models.DateField()
    payload = models.JSONField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source_name", "-period_to"]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "source_house", "period_from", "period_to"],
                name="received_export_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_name} {self.period_from}–{self.period_to}"
