"""Concern signals (*zorgsignalen*) and convergence alerts (*samenloop*).

A signal holds no name, no BSN and no free text: only the pseudonym of the person (pseudonym.py),
a category, a date, the signalling organisation and contact, and when it expires.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    NUISANCE = "nuisance", _("Nuisance")
    CONFUSED = "confused_behaviour", _("Confused behaviour")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")
    DEBTS = "debts", _("Debts")
    HOUSING = "housing", _("Housing")
    YOUTH = "youth", _("Youth")
    RADICALISATION = "radicalisation", _("Radicalisation")
    OTHER = "other", _("Other")


class IdKind(models.TextChoices):
    BSN = "bsn", _("BSN")
    NAME = "name", _("Name and date of birth")


class Signal(models.Model):
    # Every index and every foreign-key check is paid by each row of a bulk intake
    # (bench/signals.py, decision 0033): house is served by the unique constraint's first
    # column, a person's signals by its (house, pseudonym) prefix; the references are kept by
    # Django (PROTECT, SET_NULL), not checked by the database row by row.
    house = models.ForeignKey(
        "houses.House",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    pseudonym = models.CharField(max_length=64)
    id_kind = models.CharField(max_length=4, choices=IdKind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    observed_on = models.DateField(_("date"))
    # An organisation's signals are found through concern_signal_org; nothing looks signals
    # up by contact (deleting a user or an organisation, which signals protect, scans).
    organisation = models.ForeignKey(
        "houses.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_on = models.DateField()
    # The CSV intake that brought the signal, so an intake that fails halfway is undone.
    intake = models.ForeignKey(
        "signals.Intake",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("concern signal")
        verbose_name_plural = _("concern signals")
        constraints = [
            # Also the index of matching: a person's signals in a house are one range of it.
            models.UniqueConstraint(
                fields=["house", "pseudonym", "organisation", "category", "observed_on"],
                name="concern_signal_once",
            ),
        ]
        indexes = [
            models.Index(fields=["house", "organisation", "id"], name="concern_signal_org"),
            models.Index(fields=["expires_on"], name="concern_signal_expiry"),
        ]


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REFERRAL_REQUESTED = "requested", _("Referral requested")
    REFERRED = "referred", _("Referral filed")
    CLOSED = "closed", _("Closed without referral")


class Alert(models.Model):
    """Signals from several organisations about one person within the window. It names the
    organisations and categories, never the person."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    pseudonym = models.CharField(max_length=64)
    id_kind = models.CharField(max_length=4, choices=IdKind.choices, default=IdKind.BSN)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    organisations = models.ManyToManyField("houses.Organisation", related_name="+")
    categories = models.JSONField(default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("convergence alert")
        verbose_name_plural = _("convergence alerts")
        constraints = [
            # One alert per person that is still being dealt with.
            models.UniqueConstraint(
                fields=["house", "pseudonym"],
                condition=models.Q(status__in=["open", "requested"]),
                name="alert_once_while_open",
            ),
        ]
        indexes = [models.Index(fields=["house", "status", "id"], name="alert_house_status")]

    @property
    def is_open(self) -> bool:
        return self.status in (AlertStatus.OPEN, AlertStatus.REFERRAL_REQUESTED)

    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels.get(c, c)) for c in self.categories]


class IntakeStatus(models.TextChoices):
    WORKING = "working", _("Saving")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


class Intake(models.Model):
    """A CSV of signals, pseudonymised on arrival: its valid rows wait as `PendingSignal`s
    until the background task has saved them; the report names rows, columns and reasons,
    never values."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=200)
    keep_valid = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=IntakeStatus.choices)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # The newest signal when the file was checked: signals after it are looked at again for
    # alerts once the rows are saved.
    checked_up_to = models.BigIntegerField(default=0)
    alerts_raised = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list)
    summary = models.JSONField(default=dict)

    @property
    def running(self) -> bool:
        return self.status == IntakeStatus.WORKING


class PendingSignal(models.Model):
    """A checked, pseudonymised row of an intake that the background task has not saved yet.
    The task moves them into `Signal` inside the database (no round trip through Python) and
    removes them; they never outlive their intake."""

    intake = models.ForeignKey(
        Intake, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    pseudonym = models.CharField(max_length=64)
    id_kind = models.CharField(max_length=4, choices=IdKind.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    observed_on = models.DateField()
    expires_on = models.DateField()
    # Another organisation had given a signal about the person when the file was checked.
    elsewhere = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["intake", "id"], name="pending_signal_intake")]


class ExchangeNonce(models.Model):
    """A question another deployment asked, by its nonce, for as long as its timestamp is
    accepted: the same signed question sent again (a replay) is refused, not answered twice."""

    nonce = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(db_index=True)
