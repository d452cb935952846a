"""The case journal (*logboek van de casus*): dated entries by anyone working on a case, each
with the audience model of meeting contributions (all participants / named organisations /
own organisation), a purpose and the kinds of information it holds.

Entries are never edited in place. A correction is a new row that `corrects` the entry it
replaces, with a reason; the earlier version stays readable to those who could read it, and a
list shows only the newest version of each entry (`superseded_by` is empty).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casusregie.meetings.models import Audience
from casusregie.privacy.fields import EncryptedTextField

__all__ = ["Audience", "EntryKind", "JournalEntry"]


class EntryKind(models.TextChoices):
    CONTACT = "contact", pgettext_lazy("journal entry kind", "Contact")
    OBSERVATION = "observation", _("Observation")
    AGREEMENT = "agreement", _("Agreement")
    PHONE_CALL = "phone_call", _("Phone call")
    HOME_VISIT = "home_visit", _("Home visit")
    CONSULTATION = "consultation", _("Consultation with a professional")
    OTHER = "other", _("Other")


class JournalEntry(models.Model):
    """One version of a journal entry about a case."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="journal_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    text = EncryptedTextField(_("entry"))
    subject = models.ForeignKey(
        "cases.Subject",
        verbose_name=_("about person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occurred_on = models.DateField(_("date"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.ALL_PARTICIPANTS
    )
    audience_organisations = models.ManyToManyField(
        "houses.Organisation", blank=True, related_name="+", verbose_name=_("for organisations")
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    # Values of privacy.models.DataCategory, as the disclosure register records them.
    data_categories = models.JSONField(_("kinds of information"), default=list, blank=True)
    advice_only = models.BooleanField(
        _("advice only"),
        default=False,
        help_text=_("The underlying information cannot be shared; this is advice."),
    )
    # Versions: a correction is a new row pointing at the version it replaces.
    corrects = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    # The first version of the chain (empty for a first version), so a list can fetch every
    # earlier version of its entries in one query. Set by the actions.
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_current = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-occurred_on", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["case", "is_current", "occurred_on"], name="journal_case_current"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.pk} {self.get_kind_display()} {self.occurred_on}"
