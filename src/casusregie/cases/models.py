"""Cases, the people they are about, who takes part, the phase history and assessments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from casusregie.houses.domains import LifeDomain
from casusregie.privacy.crypto import decrypt
from casusregie.privacy.fields import EncryptedTextField

from .phases import Phase


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    FAMILY = "family", _("Family")
    AREA = "area", _("Area")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRISIS = "crisis", _("Crisis")


class RelationKind(models.TextChoices):
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    PARTNER = "partner", _("Partner")
    GUARDIAN = "guardian", _("Guardian with authority")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Subject(models.Model):
    """A person a referral or case is about (*betrokkene*), within one house."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("surname"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    bsn_encrypted = models.TextField(blank=True)
    bsn_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The BSN's pseudonym under the region's shared key, for "already a case?" between houses
    # (signals/pseudonym.py, decision 0025); empty without a region key.
    region_hash = models.CharField(max_length=64, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # Lower-case "first last" for search by name.
    search_name = models.CharField(max_length=260, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def bsn(self) -> str:
        return decrypt(self.bsn_encrypted)

    @property
    def masked_bsn(self) -> str:
        bsn = self.bsn
        return f"•••••{bsn[-4:]}" if bsn else ""


class AftercareOutcome(models.TextChoices):
    MANAGEABLE = "manageable", _("Manageable situation")
    REGULAR_CARE = "regular_care", _("Transferred to regular care")
    NO_RESULT = "no_result", _("No result")
    MOVED = "moved", _("Subject moved away")
    OTHER = "other", _("Other")


class Case(models.Model):
    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(_("case number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=SubjectKind.choices)
    title = models.CharField(_("title"), max_length=200)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    process_director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("process director"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case director"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_director_organisation = models.ForeignKey(
        "houses.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    placing_organisation = models.ForeignKey(
        "houses.Organisation",
        verbose_name=_("placed with"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    phase_changed_at = models.DateTimeField()
    aftercare_until = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=AftercareOutcome.choices, blank=True
    )
    closing_note = EncryptedTextField(_("closing note"), blank=True)
    retention_until = models.DateField(null=True, blank=True)
    # Where the case plays, structured so reports can count per municipality (decision 0044):
    # the municipality (one of the house's list when it has one, else free text), and a
    # neighbourhood and/or the four digits of a postcode area.
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    postcode_area = models.CharField(_("postcode area"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["house", "reference"], name="case_reference_unique"),
        ]
        indexes = [
            models.Index(fields=["house", "phase", "id"], name="case_house_phase"),
            models.Index(fields=["house", "id"], name="case_house_id"),
            models.Index(fields=["house", "municipality"], name="case_house_municipality"),
            # "Mijn werk" lists open cases, last changed first: it stops after twenty rows.
            models.Index(
                fields=["house", "-phase_changed_at"],
                condition=~models.Q(phase="closed"),
                name="case_house_open_changed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.phase != Phase.CLOSED

    @property
    def lacks_case_director(self) -> bool:
        """After its first meeting every case must have a case director (P2)."""
        return self.case_director_id is None and self.phase in Phase.after_meeting()


class CaseSubject(models.Model):
    """A person of a case. `relation_to_main` and `has_authority` are this person's relation to
    the main person (as written at intake, correctable); relations between two other persons
    of the case are `SubjectRelation` rows (decision 0044)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_subjects")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="case_links")
    is_main = models.BooleanField(default=False)
    relation_to_main = models.CharField(max_length=10, choices=RelationKind.choices, blank=True)
    has_authority = models.BooleanField(_("has parental authority"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "subject"], name="case_subject_once"),
        ]


class SubjectRelation(models.Model):
    """How two persons of a case, neither of them the main person, are related: `subject` is
    the `kind` of `other` (e.g. parent of), and with `has_authority` holds parental authority
    or guardianship over `other`. The relation to the main person lives on `CaseSubject`."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relations")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("relation"), max_length=10, choices=RelationKind.choices)
    has_authority = models.BooleanField(_("has parental authority or guardianship"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "subject", "other"], name="subject_relation_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(subject=models.F("other")), name="subject_relation_two_people"
            ),
        ]


class Participation(models.Model):
    """An organisation takes part in a case, with a role and a purpose, from .. until."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("role in the case"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=300)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation"],
                condition=models.Q(ended_at__isnull=True),
                name="participation_once_while_active",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "case"], name="participation_org_case"),
            # An organisation's current cases, index-only: what the access policy asks for a
            # partner on every case list (issue 10, docs/performance.md).
            models.Index(
                fields=["organisation", "case"],
                condition=models.Q(ended_at__isnull=True),
                name="participation_org_active",
            ),
        ]


class PhaseChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "id"]


class AssessmentMoment(models.TextChoices):
    INTAKE = "intake", _("Intake")
    REVIEW = "review", _("Plan review")
    CLOSURE = "closure", _("Closure")


class Assessment(models.Model):
    """A 1–5 self-sufficiency score per life domain at one moment of the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    moment = models.CharField(_("moment"), max_length=10, choices=AssessmentMoment.choices)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessed_at", "id"]


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    domain = models.CharField(max_length=20, choices=LifeDomain.choices)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="score_once_per_domain"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="score_between_1_and_5"
            ),
        ]
