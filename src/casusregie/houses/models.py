"""The house (tenant) and its partner organisations.

A *Zorg- en Veiligheidshuis* is a network of partner organisations under one process
direction. Houses differ in how they work (seed-digest §2, §6), so every process choice that a
later feature reads lives here as data, never as code that assumes one way.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .domains import LifeDomain


class GovernanceForm(models.TextChoices):
    """Provan & Kenis (2007): how the network is governed."""

    NAO = "nao", _("Network administrative organisation (NAO)")
    LEAD = "lead", _("Lead organisation")
    SHARED = "shared", _("Shared (participant-governed)")


class ReferralRights(models.TextChoices):
    STUCK_COVENANT_PARTNERS = (
        "stuck_covenant_partners",
        _("Only covenant partners that are stuck with a case"),
    )
    ANY_PARTNER = "any_partner", _("Any partner organisation")


class InviteeChoice(models.TextChoices):
    REFERRER = "referrer", _("The referrer proposes whom to invite")
    PLACING_ORGANISATION = (
        "placing_organisation",
        _("The organisation the triage team places the case with"),
    )
    PROCESS_DIRECTOR = "process_director", _("The process director")


class EscalationTarget(models.TextChoices):
    """Who a level of the escalation ladder notifies."""

    OWNER = "owner", _("The action's owner")
    PROCESS_DIRECTOR = "process_director", _("The process director")
    HOUSE_MANAGER = "house_manager", _("The house manager")
    PARTNER_MANAGER = "partner_manager", _("The owner organisation's manager")
    ADMINISTRATIVE = "administrative", _("The administrative table (via the house manager)")


def default_escalation_ladder() -> list[dict[str, Any]]:
    """Owner → process director → house manager → the owner's manager → administrative table.
    Days count from the due date of an action without feedback."""
    return [
        {"level": 1, "title": "Eigenaar herinnerd", "after_days": 0, "notify": "owner"},
        {
            "level": 2,
            "title": "Procesregisseur spreekt de eigenaar aan",
            "after_days": 3,
            "notify": "process_director",
        },
        {
            "level": 3,
            "title": "Ketenmanager neemt het op",
            "after_days": 7,
            "notify": "house_manager",
        },
        {
            "level": 4,
            "title": "Ketenmanager belt de manager van de partner",
            "after_days": 14,
            "notify": "partner_manager",
        },
        {
            "level": 5,
            "title": "Bestuurlijk overleg (van burgemeester tot burgemeester)",
            "after_days": 28,
            "notify": "administrative",
        },
    ]


def validate_escalation_ladder(value: Any) -> None:
    """A ladder is a non-empty list of levels 1..n with a title, rising day counts and whom it
    notifies."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("The escalation ladder needs at least one level."))
    previous_days = -1
    for number, step in enumerate(value, start=1):
        if not isinstance(step, dict) or set(step) != {"level", "title", "after_days", "notify"}:
            raise ValidationError(
                _(
                    "Level %(number)s must have exactly a level, a title, a number of days "
                    "and whom it notifies."
                ),
                params={"number": number},
            )
        if step["level"] != number:
            raise ValidationError(
                _("Levels must be numbered 1, 2, 3, ... in order."),
            )
        title = step["title"]
        if not isinstance(title, str) or not title.strip():
            raise ValidationError(_("Level %(number)s needs a title."), params={"number": number})
        days = step["after_days"]
        if not isinstance(days, int) or isinstance(days, bool) or days <= previous_days:
            raise ValidationError(
                _("The days of level %(number)s must be a whole number above the level before."),
                params={"number": number},
            )
        if step["notify"] not in EscalationTarget.values:
            raise ValidationError(
                _("Level %(number)s notifies someone unknown: choose one of %(choices)s."),
                params={"number": number, "choices": ", ".join(EscalationTarget.values)},
            )
        previous_days = days


class House(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    region = models.CharField(_("region"), max_length=200)
    governance_form = models.CharField(
        _("governance form"), max_length=20, choices=GovernanceForm.choices
    )
    # Process choices read by the case process (docs/configuration-of-a-house.md: what each does).
    referral_rights = models.CharField(
        _("who may refer"),
        max_length=40,
        choices=ReferralRights.choices,
        default=ReferralRights.ANY_PARTNER,
    )
    invitee_choice = models.CharField(
        _("who chooses the invitees"),
        max_length=40,
        choices=InviteeChoice.choices,
        default=InviteeChoice.PROCESS_DIRECTOR,
    )
    has_triage_team = models.BooleanField(
        _("a triage team judges referrals"),
        default=True,
        help_text=_("MB-style 'toegang'. Without one, the process director judges referrals."),
    )
    may_take_cases = models.BooleanField(
        _("the house may take cases itself"),
        default=False,
        help_text=_("A lead-organisation house can become responsible for a case itself."),
    )
    care_form_recipient = models.ForeignKey(
        "houses.Organisation",
        verbose_name=_("recipient of police care forms"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Usually Veilig Thuis."),
    )
    escalation_ladder = models.JSONField(
        _("escalation ladder"),
        default=default_escalation_ladder,
        validators=[validate_escalation_ladder],
    )
    reminder_days_before_deadline = models.PositiveSmallIntegerField(
        _("reminder days before an action's deadline"), default=2
    )
    overdue_reminder_every_days = models.PositiveSmallIntegerField(
        _("repeat the overdue reminder every so many days"), default=3
    )
    plan_stall_weeks = models.PositiveSmallIntegerField(
        _("flag a plan without progress after (weeks)"),
        default=6,
        help_text=_("No new action, feedback or plan change for this long marks a plan stalled."),
    )
    aftercare_weeks = models.PositiveSmallIntegerField(
        _("aftercare watch period (weeks)"),
        default=26,
        help_text=_("How long a case stays watched for relapse before it can be closed."),
    )
    retention_case_years = models.PositiveSmallIntegerField(
        _("keep closed cases (years)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Counted from closure; can be extended per case."),
    )
    retention_declined_referral_months = models.PositiveSmallIntegerField(
        _("keep declined referrals (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(1200)],
    )
    retention_signal_days = models.PositiveSmallIntegerField(
        _("keep concern signals (days)"),
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(36500)],
    )
    retention_log_years = models.PositiveSmallIntegerField(
        _("keep the processing log (years)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    signal_case_threshold = models.PositiveSmallIntegerField(
        _("signal when someone reads more cases they do not take part in, per day, than"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Shown on the privacy officer's review list."),
    )
    working_hours_start = models.PositiveSmallIntegerField(
        _("working hours start (hour)"),
        default=7,
        validators=[MaxValueValidator(23)],
        help_text=_("Reads outside working hours or at the weekend are signalled."),
    )
    working_hours_end = models.PositiveSmallIntegerField(
        _("working hours end (hour)"),
        default=19,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    HOUSE_STAFF = "house_staff", _("Care and safety house (core team)")
    MUNICIPALITY = "municipality", _("Municipality")
    POLICE = "police", _("Police")
    PROSECUTION = "prosecution", _("Public prosecution (OM)")
    PROBATION = "probation", _("Probation service")
    CHILD_PROTECTION = "child_protection", _("Child protection board (RvdK)")
    YOUTH_PROTECTION = "youth_protection", _("Youth protection")
    YOUTH_CARE = "youth_care", _("Youth care")
    MENTAL_HEALTH = "mental_health", _("Mental health care (GGZ)")
    FORENSIC_CARE = "forensic_care", _("Forensic care")
    ADDICTION_CARE = "addiction_care", _("Addiction care")
    DISABILITY_CARE = "disability_care", _("Disability care")
    VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis")
    PRISON = "prison", _("Prison service (DJI)")
    SOCIAL_WORK = "social_work", _("Social work")
    HOUSING = "housing", _("Housing corporation")
    BENEFITS = "benefits", _("Benefits agency (UWV)")
    HALT = "halt", _("Halt")
    OTHER = "other", _("Other")


class Ring(models.TextChoices):
    """Where an organisation stands in a house's network (seed §5.3)."""

    CORE = "core", _("Core")
    KEY = "key", _("Key partner")
    FLEXIBLE = "flexible", _("Flexible shell")


class Organisation(models.Model):
    """A partner organisation. One organisation can take part in several houses."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    expertise = models.JSONField(
        _("domains of expertise"),
        default=list,
        blank=True,
        help_text=_("Life domains this organisation knows about."),
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def expertise_labels(self) -> list[str]:
        labels = dict(LifeDomain.choices)
        return [str(labels[code]) for code in self.expertise if code in labels]


class Partnership(models.Model):
    """An organisation's place in one house: its ring and whether it signed the covenant."""

    house = models.ForeignKey(House, on_delete=models.CASCADE, related_name="partnerships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="partnerships"
    )
    ring = models.CharField(_("ring"), max_length=20, choices=Ring.choices)
    covenant_signatory = models.BooleanField(_("signed the covenant"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(
                fields=["house", "organisation"], name="partnership_once_per_house"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.house}"
