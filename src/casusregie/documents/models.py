"""Documents (*documenten*) attached to a case or a referral: a file whose bytes are encrypted
at rest with the field keys and kept in the `documents` storage, with the audience model of
meeting contributions (all participants / named organisations / own organisation / process
director only) and a purpose.

A document belongs either to a referral, or to a case and then optionally to one journal entry,
contribution or action of that case. Removing one keeps the row ("removed on … by …", with the
reason) and deletes the bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casusregie.meetings.models import Audience
from casusregie.privacy.fields import EncryptedTextField

__all__ = ["Audience", "Document"]

# Exactly one thing a document is attached to: a referral, or a case (itself or at most one of
# its journal entries, contributions and actions).
_NO_CHILD = Q(journal_entry__isnull=True, contribution__isnull=True, action__isnull=True)
_ONE_CHILD_AT_MOST = (
    _NO_CHILD
    | Q(journal_entry__isnull=False, contribution__isnull=True, action__isnull=True)
    | Q(journal_entry__isnull=True, contribution__isnull=False, action__isnull=True)
    | Q(journal_entry__isnull=True, contribution__isnull=True, action__isnull=False)
)
_ONE_PARENT = (Q(referral__isnull=False, case__isnull=True) & _NO_CHILD) | (
    Q(referral__isnull=True, case__isnull=False) & _ONE_CHILD_AT_MOST
)


class Document(models.Model):
    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    # PROTECT: a case, referral or item is destroyed only after its documents
    # (documents.actions.destroy_documents), so no bytes stay behind without a row.
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    journal_entry = models.ForeignKey(
        "journal.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    contribution = models.ForeignKey(
        "meetings.Contribution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    action = models.ForeignKey(
        "plans.Action", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    # A file name often names a person: encrypted like the other free text.
    name = EncryptedTextField(_("file name"))
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=200, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.ALL_PARTICIPANTS
    )
    audience_organisations = models.ManyToManyField(
        "houses.Organisation", blank=True, related_name="+", verbose_name=_("for organisations")
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removal_reason = models.TextField(_("reason for removal"), blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=_ONE_PARENT, name="document_attached_to_one"),
        ]

    def __str__(self) -> str:
        return f"D-{self.pk}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None
