"""Case meetings (*casusoverleg*): planning with time slots and availability, the agenda of
cases, written contributions with an audience, and what the table records (attendance, the
shared picture, decisions).

Everything said or shared is a row with an audience, so the disclosure register is a side
effect of the work and each organisation receives only what concerns it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casusregie.privacy.fields import EncryptedTextField


class MeetingStatus(models.TextChoices):
    PLANNING = "planning", _("Being planned")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="meetings")
    reference = models.CharField(_("meeting number"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNING
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    location = models.CharField(_("location"), max_length=200, blank=True)
    # The calendar identity of the invitation; SEQUENCE rises with every change so calendars
    # replace the earlier version.
    ics_uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    ics_sequence = models.PositiveIntegerField(default=0)
    # Optimistic locking: a form carries the version it was made from.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    held_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("case meeting")
        verbose_name_plural = _("case meetings")
        constraints = [
            models.UniqueConstraint(fields=["house", "reference"], name="meeting_reference_unique"),
        ]
        indexes = [models.Index(fields=["house", "starts_at"], name="meeting_house_start")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class AgendaItem(models.Model):
    """One case on a meeting's agenda, with what the table recorded about it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=1)
    shared_picture = EncryptedTextField(_("shared picture"), blank=True)
    scenarios = EncryptedTextField(_("scenarios"), blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_case_once"),
        ]


class Invitation(models.Model):
    """An organisation invited to a meeting. Its members answer for it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="meeting_invitations"
    )
    required = models.BooleanField(_("required at the table"), default=True)
    proposed_by_referrer = models.BooleanField(default=False)
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "organisation"], name="invitation_once_per_meeting"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "meeting"], name="invitation_org_meeting")]


class TimeSlot(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "starts_at"], name="slot_once_per_meeting"),
        ]


class Answer(models.TextChoices):
    YES = "yes", _("Available")
    MAYBE = "maybe", _("Perhaps")
    NO = "no", _("Not available")
    NIGHT_SHIFT = "night_shift", _("Night shift / not available")


class Availability(models.Model):
    slot = models.ForeignKey(TimeSlot, on_delete=models.CASCADE, related_name="answers")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="answers")
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "invitation"], name="availability_once"),
        ]


class Audience(models.TextChoices):
    """Who may read a contribution or another item shared about a case."""

    ALL_PARTICIPANTS = "all", _("All participants of the case")
    ORGANISATIONS = "organisations", _("Named organisations")
    OWN_ORGANISATION = "own", _("Own organisation only")
    DIRECTOR = "director", _("Process director only")


class ContributionKind(models.TextChoices):
    WRITTEN_INPUT = "written_input", _("Written input before the meeting")
    AT_THE_TABLE = "at_the_table", _("Shared at the table")


class Contribution(models.Model):
    """Information or advice an organisation shares about a case on a meeting's agenda."""

    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="contributions"
    )
    kind = models.CharField(max_length=20, choices=ContributionKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    text = EncryptedTextField(_("contribution"))
    advice_only = models.BooleanField(
        _("advice only"),
        default=False,
        help_text=_("The underlying information cannot be shared; this is advice."),
    )
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.ALL_PARTICIPANTS
    )
    audience_organisations = models.ManyToManyField(
        "houses.Organisation", blank=True, related_name="+", verbose_name=_("for organisations")
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Attendance(models.Model):
    """Who sat at the table for which organisation."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # A guest without an account (no user) is recorded with the role in which they sit at the
    # table; the organisation is still a partner of the house (decision 0049).
    role = models.CharField(_("role"), max_length=100, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "organisation", "name"], name="attendance_once"
            ),
        ]


class DecisionKind(models.TextChoices):
    APPROACH = "approach", _("Approach")
    CASE_DIRECTOR = "case_director", _("Case director")
    NEXT_MEETING = "next_meeting", _("Next meeting")
    SCALE_DOWN = "scale_down", _("Criteria for scaling down")
    OTHER = "other", _("Other decision")


class Decision(models.Model):
    """A decision about a case, shared with every participant of the case."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind.choices)
    text = EncryptedTextField(_("decision"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]


class ChosenInvitee(models.Model):
    """An organisation to invite to the meetings about a case, chosen by the organisation the
    case was placed with (house setting `invitee_choice=placing_organisation`, decision 0050).
    The process director's planning form starts from this choice."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="chosen_invitees")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation"], name="chosen_invitee_once_per_case"
            ),
        ]
