"""The plan of approach (*plan van aanpak*): goals per life domain, owned actions with
mandatory feedback (*terugkoppeling*), escalations, versioned revisions, and the house's
services map (*sociale kaart*)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from casusregie.houses.domains import LifeDomain
from casusregie.privacy.fields import EncryptedTextField


class Plan(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="plan")
    # Optimistic locking: a change names the version it was made from.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()
    # The last time something moved: a goal, an action, feedback. A plan without progress for
    # the house's stall period is flagged.
    last_progress_at = models.DateTimeField()
    # Set by the daily stall check (schedule.run_stalled_plans) when the plan has had no
    # progress for the house's stall period, with why; cleared by progress or a decision
    # (decision 0052). `stall_notified_at`: the process director was told, once per stall.
    stalled_at = models.DateTimeField(null=True, blank=True)
    stall_reasons = models.JSONField(default=list, blank=True)
    stall_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["last_progress_at"], name="plan_last_progress"),
            models.Index(
                fields=["stalled_at"],
                condition=models.Q(stalled_at__isnull=False),
                name="plan_stalled",
            ),
        ]


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REACHED = "reached", _("Reached")
    DROPPED = "dropped", _("Dropped")


class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("life domain"), max_length=20, choices=LifeDomain.choices)
    text = models.CharField(_("goal"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN
    )
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class PlanRevision(models.Model):
    """A snapshot of the plan after each change: the history users can read back."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_revision_once"),
        ]


# A waiting time not confirmed for longer than this is shown as out of date ("stale") wherever
# it appears: the browse page, the service page, the picker and the API (decision 0048).
SERVICE_STALE_AFTER_WEEKS = 8


class Service(models.Model):
    """One service an organisation offers in a house, kept up to date by that organisation.
    Holds no personal data: what is offered, for whom, how to refer and how long the wait is."""

    house = models.ForeignKey("houses.House", on_delete=models.CASCADE, related_name="services")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("service"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    target_group = models.CharField(_("target group"), max_length=200)
    region = models.CharField(_("region"), max_length=200, blank=True)
    how_to_refer = models.TextField(_("how to refer"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail address"), blank=True)
    waiting_weeks = models.PositiveSmallIntegerField(_("current waiting time (weeks)"), default=0)
    # The day the owning organisation last said the waiting time is right.
    waiting_confirmed_on = models.DateField(_("waiting time confirmed on"), null=True, blank=True)
    active = models.BooleanField(_("offered now"), default=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "organisation", "name"], name="service_name_per_organisation"
            ),
        ]
        indexes = [models.Index(fields=["house", "active"], name="service_house_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def domains(self) -> list[str]:
        """The service's life domains (codes), in the order of `LifeDomain`; reads the
        prefetched `domain_rows` when they are there."""
        held = {row.domain for row in self.domain_rows.all()}
        return [code for code in LifeDomain.values if code in held]

    def domain_labels(self) -> list[str]:
        labels = dict(LifeDomain.choices)
        return [str(labels[code]) for code in self.domains]

    def stale_since(self) -> Any:
        """The first day on which the waiting time counts as out of date."""
        if self.waiting_confirmed_on is None:
            return None
        return self.waiting_confirmed_on + datetime.timedelta(weeks=SERVICE_STALE_AFTER_WEEKS)

    @property
    def waiting_is_stale(self) -> bool:
        """Never confirmed, or confirmed more than SERVICE_STALE_AFTER_WEEKS weeks ago."""
        since = self.stale_since()
        return since is None or timezone.localdate() > since

    def picker_label(self) -> str:
        """ "name — organisation — N weeks (confirmed d-m-Y)", as the action form offers it."""
        weeks = ngettext("%(n)s week", "%(n)s weeks", self.waiting_weeks) % {
            "n": self.waiting_weeks
        }
        if self.waiting_confirmed_on is None:
            when = gettext("not confirmed")
        else:
            when = gettext("confirmed %(date)s") % {
                "date": self.waiting_confirmed_on.strftime("%d-%m-%Y")
            }
        if self.waiting_is_stale:
            when = gettext("%(when)s, out of date") % {"when": when}
        return f"{self.name} — {self.organisation.name} — {weeks} ({when})"


class ServiceDomain(models.Model):
    """One life domain a service works in (a service has one or more)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="domain_rows")
    domain = models.CharField(_("life domain"), max_length=20, choices=LifeDomain.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "domain"], name="service_domain_once"),
        ]
        indexes = [models.Index(fields=["domain", "service"], name="service_domain_lookup")]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FEEDBACK_GIVEN = "feedback_given", _("Feedback given, awaiting review")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Action(models.Model):
    """An agreement: one organisation (and person) does something by a date, for a goal."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="actions")
    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    title = models.CharField(_("action"), max_length=300)
    goal = models.ForeignKey(
        Goal,
        verbose_name=_("goal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    domain = models.CharField(
        _("life domain"), max_length=20, choices=LifeDomain.choices, blank=True
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_organisation = models.ForeignKey(
        "houses.Organisation",
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        related_name="actions",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_actions",
    )
    due_date = models.DateField(_("due date"))
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="dependents",
        verbose_name=_("depends on"),
    )
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    # Reminder and escalation bookkeeping for the scheduler.
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="action_number_per_case"),
        ]
        indexes = [
            models.Index(fields=["owner_organisation", "status", "due_date"], name="action_org"),
            models.Index(fields=["owner", "status", "due_date"], name="action_owner"),
            models.Index(fields=["house", "status", "due_date"], name="action_house"),
            models.Index(fields=["case", "status"], name="action_case"),
            # A house's actions newest first (the API list's keyset): without it PostgreSQL
            # walks the primary key through every other house's actions.
            models.Index(fields=["house", "id"], name="action_house_newest"),
            # "Done in the last 30 days" per organisation on Mijn werk reads only these rows.
            models.Index(
                fields=["house", "done_at"],
                condition=models.Q(status="done"),
                name="action_house_done",
            ),
        ]

    def __str__(self) -> str:
        return f"A{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in (ActionStatus.OPEN, ActionStatus.FEEDBACK_GIVEN)


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    MORE_REQUESTED = "more_requested", _("More asked")


class Feedback(models.Model):
    """What the owner did and with what result. An action is done only when accepted."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    what_was_done = EncryptedTextField(_("what was done"))
    result = EncryptedTextField(_("result"))
    submitted_at = models.DateTimeField()
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = EncryptedTextField(_("review note"), blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [
            # The reviews waiting on Mijn werk: bounded by the work in hand, not by history.
            models.Index(
                fields=["submitted_at"],
                condition=models.Q(review_status="pending"),
                name="feedback_pending",
            ),
        ]


class Escalation(models.Model):
    """A level of the house's escalation ladder reached by an action without feedback.
    Private: for house staff and the owner organisation, never in the shared minutes."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="escalations")
    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    notified = models.CharField(max_length=30)
    reached_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reached_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["action", "level"], name="escalation_level_once"),
        ]


class ActionChangeKind(models.TextChoices):
    EDIT = "edit", _("Changed")
    REASSIGN = "reassign", _("Reassigned")
    RESCHEDULE = "reschedule", _("Rescheduled")
    CANCEL = "cancel", _("Cancelled")


class ActionChange(models.Model):
    """One change to an agreed action after it was made: what it was, what it became, why and
    by whom (decision 0051). The minutes keep what was agreed at the table; this is the
    history since."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=ActionChangeKind.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = EncryptedTextField(_("reason"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class RequestKind(models.TextChoices):
    MORE_TIME = "more_time", _("More time asked")
    DECLINE = "decline", _("Declined")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")
    ACCEPTED = "accepted", _("Accepted")
    ESCALATED = "escalated", _("Turned into an escalation")
    CLOSED = "closed", _("Closed with the action")


class ActionRequest(models.Model):
    """The owner organisation asks for more time or declines an action; the process director
    or the case director accepts or turns it into an escalation (decision 0051)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    proposed_date = models.DateField(_("proposed due date"), null=True, blank=True)
    reason = EncryptedTextField(_("reason"))
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action"],
                condition=models.Q(status="pending"),
                name="action_request_one_pending",
            ),
        ]
        indexes = [
            models.Index(
                fields=["at"], condition=models.Q(status="pending"), name="action_request_pending"
            ),
        ]


class StallDecisionKind(models.TextChoices):
    RESCHEDULE_MEETING = "reschedule_meeting", _("Plan a new meeting")
    ESCALATE = "escalate", _("Escalate")
    ACCEPT = "accept", _("Accept the standstill")


class StallDecision(models.Model):
    """The process director's explicit decision about a stalled plan (decision 0052)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="stall_decisions")
    kind = models.CharField(max_length=20, choices=StallDecisionKind.choices)
    reason = EncryptedTextField(_("reason"), blank=True)
    stalled_at = models.DateTimeField()
    reasons = models.JSONField(default=list)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
