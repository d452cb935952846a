"""Referrals (*meldingen*), triage decisions and known-to queries (*bekendheidsvragen*)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casusregie.cases.models import RelationKind, SubjectKind, Urgency
from casusregie.houses.domains import LifeDomain
from casusregie.privacy.fields import EncryptedTextField


class ReferralVariant(models.TextChoices):
    REGULAR = "regular", _("Referral")
    CARE_FORM = "care_form", _("Police care form")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting triage")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    FORWARDED = "forwarded", _("Forwarded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class NotInformedReason(models.TextChoices):
    CRIMINAL_INVESTIGATION = "criminal_investigation", _("Criminal investigation")
    SAFETY = "safety", _("Safety of the subject or others")
    OTHER = "other", _("Other reason")


class AdmissionCriterion(models.TextChoices):
    """The national admission criteria (process.md §1); 1–3 together, or 4."""

    MULTIPLE_DOMAINS = (
        "multiple_domains",
        _("Problems on more than one life domain that (may) lead to crime, nuisance or decline"),
    )
    CROSS_CHAIN = (
        "cross_chain",
        _("Cooperation across care, justice and municipal chains is needed"),
    )
    SYSTEM = "system", _("The problems affect or are affected by the family or environment")
    AREA = "area", _("A serious local safety problem that needs a cross-chain approach")


class Referral(models.Model):
    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(_("about"), max_length=10, choices=SubjectKind.choices)
    variant = models.CharField(
        _("kind of referral"),
        max_length=10,
        choices=ReferralVariant.choices,
        default=ReferralVariant.REGULAR,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals"
    )
    referrer_organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    area_description = models.TextField(_("area"), blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    goal = EncryptedTextField(_("goal of the case meeting"), blank=True)
    stuck_statement = EncryptedTextField(_("why we are stuck"), blank=True)
    subject_informed = models.BooleanField(_("the subject has been informed"), null=True)
    not_informed_reason = models.CharField(
        _("why not"), max_length=30, choices=NotInformedReason.choices, blank=True
    )
    not_informed_explanation = EncryptedTextField(_("explanation"), blank=True)
    proposed_invitees = models.ManyToManyField(
        "houses.Organisation", verbose_name=_("partners to invite"), blank=True, related_name="+"
    )
    # A care form goes to the configured organisation (usually Veilig Thuis), not to triage.
    routed_to = models.ForeignKey(
        "houses.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = EncryptedTextField(_("reason"), blank=True)
    criteria = models.JSONField(_("admission criteria met"), default=list, blank=True)
    forwarded_to = models.ForeignKey(
        "houses.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["house", "status", "id"], name="referral_house_status"),
            models.Index(fields=["referrer_organisation", "house"], name="referral_referrer_org"),
        ]

    def __str__(self) -> str:
        return f"M-{self.pk}"

    @property
    def reference(self) -> str:
        return f"M-{self.pk}"


class ReferralSubject(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="subjects")
    subject = models.ForeignKey("cases.Subject", on_delete=models.PROTECT, related_name="+")
    is_main = models.BooleanField(default=False)
    relation_to_main = models.CharField(max_length=10, choices=RelationKind.choices, blank=True)
    has_authority = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_main", "id"]


class ReferralConcern(models.Model):
    """What worries the referrer on one life domain."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="concerns")
    domain = models.CharField(max_length=20, choices=LifeDomain.choices)
    description = EncryptedTextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "domain"], name="concern_once_per_domain"),
        ]
        indexes = [models.Index(fields=["domain", "referral"], name="concern_domain")]


class KnownToAnswer(models.TextChoices):
    KNOWN = "known", _("Known to us")
    UNKNOWN = "unknown", _("Not known to us")


class KnownToQuery(models.Model):
    """'Is this person known to you?' to one organisation, without sharing any content."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="known_to"
    )
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="known_to"
    )
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="known_to_queries"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateField(_("answer before"))
    answer = models.CharField(_("answer"), max_length=10, choices=KnownToAnswer.choices, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | models.Q(referral__isnull=False),
                name="known_to_about_case_or_referral",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "answer"], name="known_to_org_answer")]

    @property
    def is_open(self) -> bool:
        return not self.answer
