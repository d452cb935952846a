"""Import jobs (an uploaded file on its way in) and the keys of cases brought in from a
previous system."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    PEOPLE = "people", _("Organisations and people")
    CASES = "cases", _("Cases from a previous system")


class ImportMode(models.TextChoices):
    ALL = "all", _("All or nothing: import only when every row is valid")
    VALID = "valid", _("Valid rows only: import the valid cases, report the rest")


class JobStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked (dry run)")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    DISCARDED = "discarded", _("Discarded")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded file: first checked (dry run), then imported or discarded.

    The file itself is kept only until the import ran, the job was discarded or
    `IMPORTS_KEEP_HOURS` passed (decision 0019); the report keeps row numbers, columns,
    legacy ids and reasons, never values from the file.
    """

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices)
    filename = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(default=b"")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress, written while the task runs (outside its write transaction).
    stage = models.CharField(max_length=10, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # The outcome of the last check or import: counts, and one entry per rejected row.
    summary = models.JSONField(default=dict)
    report = models.JSONField(default=list)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["house", "created_at"], name="importjob_house_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def running(self) -> bool:
        return self.status in (JobStatus.CHECKING, JobStatus.IMPORTING)


class LegacyCase(models.Model):
    """A case imported from a previous system, keyed on its id there, per house.

    The key outlives the case: when retention destroys the case, `case` becomes empty but the
    key stays, so running the old file again does not bring the destroyed case back.
    """

    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    legacy_id = models.CharField(max_length=64)
    case = models.OneToOneField(
        "cases.Case", null=True, on_delete=models.SET_NULL, related_name="legacy_key"
    )
    job = models.ForeignKey(ImportJob, null=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["house", "legacy_id"], name="legacy_case_once"),
        ]
