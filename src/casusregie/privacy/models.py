"""The audit trail: who changed what, in which organisation and house, before/after and why.

Rows are append-only: the model refuses updates and deletes, and nothing cascades into it.
Next to it the processing log per data subject (Logboek Dataverwerkingen), the register of
processing activities, the house's working method and its confirmations, break-the-glass
access, the disclosure register and the privacy officer's review list (docs/privacy.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


class AuditEvent(models.Model):
    # Links this row to the processing-log lines of the same action (one per data subject):
    # the lines carry this span id as their `parent_span_id`, and the request's trace id.
    trace_id = models.CharField(max_length=32, blank=True, db_index=True)
    span_id = models.CharField(max_length=16, blank=True, db_index=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
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
    # The hash chain (per house): HMAC of the previous row's hash and this row's content.
    prev_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)

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


class EqualityIndex(models.Index):
    """An index searched by exact value only: a hash index on PostgreSQL (a four-byte hash code
    per row instead of the whole value in a sorted tree: about half the cost of a B-tree when
    lines are written, decision 0036), an ordinary index elsewhere. One column."""

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor == "postgresql":
            using = " USING hash"
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class ProcessingLogEntry(models.Model):
    """One processing of personal data about one data subject (Logboek Dataverwerkingen).

    Field names follow the standard: trace and span ids, operation name, status, start and end,
    the processing activity and the pseudonymised data subject. Who did it is not here but in
    the `AuditEvent` with the same `trace_id` (the standard keeps user identities apart).
    A disclosure names the receiving organisation: together these lines are the disclosure
    register (who shared what with whom, for which purpose).
    """

    # Indexed on purpose only by what the privacy officer searches (data subject; house and
    # time): every index is paid on every page that shows people (bench/privacy_log.py).
    trace_id = models.CharField(max_length=32)
    span_id = models.CharField(max_length=16)
    parent_span_id = models.CharField(max_length=16, blank=True)
    name = models.CharField(max_length=80)
    status = models.CharField(max_length=8, default="ok")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    operation = models.CharField(max_length=10, choices=Operation.choices)
    processing_activity = models.CharField(max_length=200)
    purpose = models.CharField(max_length=200, blank=True)
    data_subject_id = models.CharField(max_length=64)  # indexed below, by exact value only
    data_subject_id_type = models.CharField(max_length=16)
    # Served by the (house, start_time) index; not checked by the database on every line
    # (houses are never deleted; Django keeps PROTECT).
    house = models.ForeignKey(
        "houses.House",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    case_id = models.BigIntegerField(null=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    recipient_organisation = models.ForeignKey(
        "houses.Organisation",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    prev_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("processing log entry")
        verbose_name_plural = _("processing log entries")
        indexes = [
            models.Index(fields=["house", "start_time"], name="plog_house_time"),
            # Not `db_index=True`: on PostgreSQL that adds a second, pattern-matching index
            # nobody searches with, paid on every line (bench/signals.py). Looked up by exact
            # value (a subject's access request), so a hash index on PostgreSQL.
            EqualityIndex(fields=["data_subject_id"], name="plog_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.start_time:%Y-%m-%d %H:%M} {self.name} {self.data_subject_id[:8]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("processing log entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("processing log entries cannot be deleted")


class LogHead(models.Model):
    """The newest hash of one chain: the audit trail or the processing log, per house.

    Writers lock this row (SELECT ... FOR UPDATE) so rows are chained in commit order; house 0
    holds the chain of audit events outside any house (account events). `last_seq` counts the
    rows ever chained (purged ones included) and `mac` signs house, kind, `last_seq` and
    `last_hash` with the chain key, so a head moved back over removed rows without the key is
    found (chain.head_mac, decision 0038).
    """

    house_id = models.BigIntegerField()
    kind = models.CharField(max_length=10)  # "audit" or "log"
    last_hash = models.CharField(max_length=64, blank=True)
    last_id = models.BigIntegerField(default=0)
    last_seq = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["house_id", "kind"], name="loghead_house_kind")
        ]


class LogCheckpoint(models.Model):
    """Where a chain starts after old lines were removed at the end of their retention.

    `verify_log` accepts the first remaining row only when its `prev_hash` is the hash recorded
    here; any other gap is a broken link. Signed with the chain key like the head, so a
    checkpoint forged to hide rewritten rows behind it is found.
    """

    house_id = models.BigIntegerField()
    kind = models.CharField(max_length=10)
    last_removed_id = models.BigIntegerField()
    last_removed_hash = models.CharField(max_length=64)
    # The sequence number of the last removed row: where counting restarts (chain.head_mac).
    last_removed_seq = models.BigIntegerField(default=0)
    removed = models.PositiveIntegerField()
    removed_until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    mac = models.CharField(max_length=64, blank=True)  # chain.checkpoint_mac


class ProcessingActivity(models.Model):
    """One version of a processing activity in the house's register (GDPR art. 30).

    Changing an activity creates a new version; the old one keeps its text and gets an end date,
    so every log line still points at the wording that applied when it was written.
    """

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=50)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.TextField(_("legal basis"))
    controllers = models.TextField(_("controllers"))
    data_subjects = models.TextField(_("categories of data subjects"))
    data_categories = models.TextField(_("categories of personal data"))
    recipients = models.TextField(_("recipients"))
    retention = models.TextField(_("retention"))
    security = models.TextField(_("security measures"))
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "code", "version"], name="activity_house_code_version"
            ),
            models.UniqueConstraint(
                fields=["house", "code"],
                condition=models.Q(valid_until__isnull=True),
                name="activity_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def uri(self) -> str:
        return activity_uri(self.house.slug, self.code, self.version)


def activity_uri(house_slug: str, code: str, version: int) -> str:
    return f"urn:casusregie:{house_slug}:verwerking:{code}:v{version}"


class WorkingMethod(models.Model):
    """One published version of the house's working method and privacy rules (onboarding).

    Each new version must be read and confirmed again before a member sees case data.
    """

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("working method and privacy rules"))
    covenant = models.CharField(_("covenant"), max_length=300, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("working method")
        verbose_name_plural = _("working methods")
        constraints = [
            models.UniqueConstraint(fields=["house", "version"], name="method_house_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Confirmation(models.Model):
    """A member read and confirmed one version of the working method."""

    method = models.ForeignKey(WorkingMethod, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["method", "user"], name="confirmation_once")]


class GlassBreak(models.Model):
    """Emergency access to one case outside the policy, with a reason, for a limited time."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    opened_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "case", "expires_at"], name="glass_user_case")]


class DataCategory(models.TextChoices):
    IDENTITY = "identity", _("Identifying data (name, address, date of birth, BSN)")
    CASE = "case", _("Case information (concerns, plan, actions)")
    HOUSEHOLD = "household", _("Household and social relations")
    HOUSING = "housing", _("Housing")
    FINANCES = "finances", _("Finances and debts")
    MEASURES = "measures", _("Enforcement and administrative measures")
    CRIMINAL = "criminal", _("Criminal data")
    HEALTH = "health", _("Health (special category)")


class Disclosure(models.Model):
    """Personal data went from one organisation to others: the disclosure register.

    Written by `log.record` whenever an action names recipients, so the register is a side
    effect of the work (contributions, known-to answers, meetings, decisions, exports).
    """

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    case_id = models.BigIntegerField(null=True, db_index=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    trace_id = models.CharField(max_length=32)
    span_id = models.CharField(max_length=16, db_index=True)
    name = models.CharField(max_length=80)
    from_organisation = models.ForeignKey(
        "houses.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recipients = models.ManyToManyField("houses.Organisation", related_name="+")
    data_categories = models.JSONField(default=list)
    purpose = models.CharField(max_length=300)
    legal_basis = models.TextField(blank=True)
    processing_activity = models.CharField(max_length=200)
    meeting_id = models.BigIntegerField(null=True, blank=True)
    attendees = models.JSONField(default=list)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    subject_ids = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["house", "occurred_at"], name="disclosure_house_time")]


class SignalKind(models.TextChoices):
    BREAK_GLASS = "break_glass", _("Emergency access")
    MANY_CASES = "many_cases", _("Many cases read without taking part")
    OFF_HOURS = "off_hours", _("Reads outside working hours")
    EXPORT = "export", _("Export of personal data")
    LOOKUPS = "lookups", _("Many look-ups of people")
    ORGANISATION_LOOKUPS = "org_lookups", _("Organisation at its look-up limit")


class SignalDecision(models.TextChoices):
    OPEN = "open", _("To review")
    JUSTIFIED = "justified", _("Justified")
    FOLLOW_UP = "follow_up", _("Follow-up needed")


class UsageSignal(models.Model):
    """An item on the privacy officer's review list, from a transparent rule (no scoring)."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=SignalKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    key = models.CharField(max_length=64, blank=True)
    count = models.PositiveIntegerField(default=1)
    details = models.JSONField(default=dict)
    detected_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(
        max_length=12, choices=SignalDecision.choices, default=SignalDecision.OPEN
    )
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["house", "kind", "user", "day", "key"], name="signal_once"
            )
        ]
        indexes = [models.Index(fields=["house", "decision", "day"], name="signal_house_open")]


class LookUpCount(models.Model):
    """How many times a person, or an organisation in a house, looked people up in one clock
    hour ("already a case?", searches by BSN): the counters of the look-up limits (lookups.py,
    decision 0039). Ids and numbers only; rows older than two days are deleted by the nightly
    usage-signal run."""

    # "person:<user id>" or "organisation:<house id>:<organisation id>"
    key = models.CharField(max_length=40)
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "hour"], name="lookup_count_once")]


class RetentionExtension(models.Model):
    """A closed case is kept longer than its retention period, for a recorded reason."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    previous_until = models.DateField()
    new_until = models.DateField()
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)


class DestructionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved, being destroyed")
    EXECUTED = "executed", _("Destroyed")


class DestructionList(models.Model):
    """Cases and referrals whose retention period has passed, proposed by the scheduled job;
    destroyed only after two different people approved it."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=DestructionStatus.choices, default=DestructionStatus.PROPOSED
    )
    executed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class DestructionItem(models.Model):
    destruction_list = models.ForeignKey(
        DestructionList, on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField(max_length=10)  # "case" or "referral"
    object_id = models.BigIntegerField()
    reference = models.CharField(max_length=30)
    summary = models.JSONField(default=dict)
    excluded_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["destruction_list", "kind", "object_id"], name="destruction_item_once"
            )
        ]


class DestructionApproval(models.Model):
    destruction_list = models.ForeignKey(
        DestructionList, on_delete=models.CASCADE, related_name="approvals"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["destruction_list", "user"], name="destruction_approved_once"
            )
        ]


class Tombstone(models.Model):
    """What is left of a destroyed case or referral: what kind, when, by whose decision."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10)
    reference = models.CharField(max_length=30)
    summary = models.JSONField(default=dict)
    destruction_list = models.ForeignKey(
        DestructionList, on_delete=models.PROTECT, related_name="tombstones"
    )
    destroyed_at = models.DateTimeField(default=timezone.now)


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access (GDPR art. 15)")
    CORRECTION = "correction", _("Correction (GDPR art. 16)")
    ERASURE = "erasure", _("Erasure (GDPR art. 17)")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    GRANTED = "granted", _("Granted")
    PARTLY = "partly", _("Partly granted")
    REFUSED = "refused", _("Refused")


class SubjectRequest(models.Model):
    """A data subject's request to the house's contact point; it counts as a request to all
    joint controllers (BGS art. 1.1). The answer is due within a month, extendable by two."""

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of request"), max_length=12, choices=RequestKind.choices)
    subjects = models.ManyToManyField("cases.Subject", related_name="+")
    requester = models.CharField(_("requester"), max_length=200)
    question = models.TextField(_("what is asked"))
    received_on = models.DateField(_("received on"))
    due_on = models.DateField()
    extension_reason = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    decision_note = models.TextField(_("decision"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]


class Withholding(models.Model):
    """An item that is not disclosed to the requester, by a recorded decision (GDPR art. 23,
    e.g. a running criminal investigation)."""

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="withheld")
    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "disclosure"], name="withheld_once")
        ]
