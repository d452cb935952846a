"""Adding and removing documents, and destroying them with what they belong to.

An upload is checked completely before anything is stored: the fields, the size, the type by
content, and the virus scan when a scanner is configured. Then the bytes are encrypted and
written, the row created and the disclosure recorded, in one transaction; should that fail,
the written bytes are deleted again.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.cases.models import Case
from casusregie.houses.models import Organisation
from casusregie.journal.models import JournalEntry
from casusregie.meetings.models import Contribution
from casusregie.plans.models import Action
from casusregie.privacy import log, policy
from casusregie.privacy.models import DataCategory, Operation
from casusregie.referrals.models import Referral

from . import clamd, filetypes, storage
from .access import (
    case_upload_organisations,
    may_remove,
    possible_readers,
    referral_upload_organisations,
    subjects_of,
)
from .models import Audience, Document

logger = logging.getLogger(__name__)


def max_bytes() -> int:
    return int(settings.DOCUMENT_MAX_MB) * 1024 * 1024


def clean_name(name: str) -> str:
    """The file name without folders or control characters, at most 200 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    return base[:200] or _("document")


def check_size(size: int) -> None:
    """Refuse a file larger than the limit (also before it is read into memory)."""
    if size > max_bytes():
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(max)d MB; it has not been stored.")
                    % {"max": settings.DOCUMENT_MAX_MB}
                ]
            }
        )


def check_file(data: bytes) -> str:
    """The file's content type, or a ValidationError on `file` that says why it is refused:
    empty, too large, not an allowed type. No virus scan yet (`scan`)."""
    if not data:
        raise ValidationError({"file": [_("The file is empty.")]})
    check_size(len(data))
    content_type = filetypes.detect(data)
    if content_type is None:
        raise ValidationError(
            {
                "file": [
                    _(
                        "This kind of file cannot be added. Allowed are %(types)s; the type is "
                        "judged by the content of the file, not by its name."
                    )
                    % {"types": filetypes.ALLOWED_NAMES}
                ]
            }
        )
    return content_type


def scan(data: bytes) -> None:
    """Refuse the file when the configured scanner finds a virus or cannot be asked. Without a
    configured scanner (the demo) nothing is scanned."""
    if not settings.CLAMD:
        return
    try:
        found = clamd.scan(data, settings.CLAMD)
    except clamd.ScannerUnavailable as error:
        logger.warning("virus scanner unavailable: %s", error)
        raise ValidationError(
            {
                "file": [
                    _(
                        "The virus scanner cannot be reached; try again later. The file has "
                        "not been stored."
                    )
                ]
            }
        ) from None
    if found is not None:
        logger.warning("virus scanner refused an upload: %s", found)
        raise ValidationError(
            {
                "file": [
                    _("The virus scanner found %(name)s in this file; it has not been stored.")
                    % {"name": found}
                ]
            }
        )


def _check_target(
    actor: Any,
    case: Case | None,
    referral: Referral | None,
    items: dict[str, Any],
) -> list[Organisation]:
    """The organisations the actor may upload for, after checking that the actor may see what
    the document is attached to. PermissionDenied otherwise."""
    if (case is None) == (referral is None) or (referral is not None and any(items.values())):
        raise ValidationError(_("Attach the document to a case or to a referral."))
    if sum(1 for item in items.values() if item is not None) > 1:
        raise ValidationError({"target": [_("Attach the document to one item only.")]})
    if case is not None:
        organisations = case_upload_organisations(actor, case)
        if not organisations or not policy.visible(actor, Case).filter(pk=case.pk).exists():
            raise PermissionDenied(_("Only organisations taking part in the case can add files."))
        for model, item in zip((JournalEntry, Contribution, Action), items.values(), strict=True):
            if item is None:
                continue
            case_path = "agenda_item__case" if model is Contribution else "case"
            if not policy.visible(actor, model).filter(pk=item.pk, **{case_path: case}).exists():
                raise ValidationError({"target": [_("Choose an item of this case you can see.")]})
        return organisations
    assert referral is not None
    organisations = referral_upload_organisations(actor, referral)
    if not organisations or not policy.visible(actor, Referral).filter(pk=referral.pk).exists():
        raise PermissionDenied(_("Only organisations involved in the referral can add files."))
    return organisations


@transaction.atomic
def do_upload_document(
    *,
    name: str,
    data: bytes,
    purpose: str,
    audience: str,
    actor: Any,
    case: Case | None = None,
    referral: Referral | None = None,
    journal_entry: JournalEntry | None = None,
    contribution: Contribution | None = None,
    action: Action | None = None,
    organisations: Sequence[Organisation] = (),
    categories: Sequence[str] = (),
) -> Document:
    """Add a file to a case (or one of its journal entries, contributions or actions) or to a
    referral, for the chosen audience. Nothing is stored unless every check passes."""
    items = {"journal_entry": journal_entry, "contribution": contribution, "action": action}
    mine = _check_target(actor, case, referral, items)
    readers = {o.pk: o for o in possible_readers(case, referral)}
    errors: dict[str, list[str]] = {}
    if not purpose.strip():
        errors["purpose"] = [_("State the purpose for which you share this.")]
    if audience not in Audience.values:
        errors["audience"] = [_("Choose who may read this.")]
    if audience == Audience.ORGANISATIONS:
        if not organisations:
            errors["organisations"] = [_("Name the organisations that may read this.")]
        elif any(o.pk not in readers for o in organisations):
            errors["organisations"] = [_("Only organisations taking part in the case can read it.")]
    if set(categories) - set(DataCategory.values):
        errors["categories"] = [_("Choose kinds of information from the list.")]
    try:
        content_type = check_file(data)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    scan(data)
    house = case.house if case is not None else referral.house  # type: ignore[union-attr]
    organisation = mine[0]
    key = storage.write(storage.new_key(), data)
    try:
        document = _create(
            house=house,
            case=case,
            referral=referral,
            items=items,
            name=clean_name(name),
            data=data,
            content_type=content_type,
            key=key,
            organisation=organisation,
            purpose=purpose,
            audience=audience,
            organisations=organisations,
            actor=actor,
        )
        if audience == Audience.ALL_PARTICIPANTS:
            recipients = list(readers.values())
        elif audience == Audience.ORGANISATIONS:
            recipients = list(organisations)
        else:
            recipients = []
        log.record(
            actor=actor,
            house=house,
            name="document.upload",
            operation=Operation.CREATE,
            obj=document,
            case_id=document.case_id,
            actor_organisation=organisation,
            subjects=subjects_of(document),
            recipients=[o for o in recipients if o.pk != organisation.pk],
            purpose=document.purpose,
            categories=sorted({DataCategory.CASE, *categories}),
            after={"audience": audience, "content_type": content_type, "size": len(data)},
        )
    except BaseException:
        storage.delete(key)
        raise
    return document


def _create(
    *,
    house: Any,
    case: Case | None,
    referral: Referral | None,
    items: dict[str, Any],
    name: str,
    data: bytes,
    content_type: str,
    key: str,
    organisation: Organisation,
    purpose: str,
    audience: str,
    organisations: Sequence[Organisation],
    actor: Any,
) -> Document:
    document = Document.objects.create(
        house=house,
        case=case,
        referral=referral,
        **items,
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by=actor,
        organisation=organisation,
        audience=audience,
        purpose=purpose.strip()[:300],
    )
    if audience == Audience.ORGANISATIONS:
        document.audience_organisations.set(organisations)
    return document


@transaction.atomic
def do_remove_document(document: Document, *, reason: str, actor: Any) -> Document:
    """The uploader's organisation or a process director removes a document, with a reason:
    the row stays ("removed on … by …"), the bytes are deleted once the change is committed."""
    document = (
        # Lock only the document: case and referral are nullable (outer) joins, which
        # PostgreSQL cannot lock.
        Document.objects.select_for_update(of=("self",))
        .select_related("house", "case", "referral", "organisation")
        .get(pk=document.pk)
    )
    if document.is_removed:
        raise ValidationError(_("This document has already been removed."))
    if not may_remove(actor, document):
        raise PermissionDenied(
            _("Only the organisation that added the document or a process director can remove it.")
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the document is removed.")]})
    document.removed_at = timezone.now()
    document.removed_by = actor
    document.removal_reason = reason.strip()[:1000]
    document.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    log.record(
        actor=actor,
        house=document.house,
        name="document.remove",
        operation=Operation.DELETE,
        obj=document,
        case_id=document.case_id,
        subjects=subjects_of(document),
        reason=document.removal_reason,
    )
    key = document.storage_key
    transaction.on_commit(lambda: storage.delete(key))
    return document


def destroy_documents(documents: QuerySet[Document]) -> int:
    """Delete these documents, rows and bytes (retention and two-person destruction call this
    before they delete the case or referral the documents belong to). Logging is the caller's:
    it records the destruction of the whole case. Returns the number of documents."""
    with transaction.atomic():
        keys = list(documents.values_list("storage_key", flat=True))
        Document.objects.filter(storage_key__in=keys).delete()

        def delete_bytes() -> None:
            for key in keys:
                storage.delete(key)

        transaction.on_commit(delete_bytes)
    return len(keys)


def rotate_stored_files(say: Callable[[str], None]) -> int:
    """Re-encrypt every stored file with the newest field key (`rotate_keys`): each file gets a
    copy under a new key, the row points at it, then the old file goes — a crash leaves at most
    an orphaned copy, never a row without its file. Returns how many no configured key opens."""
    stored = Document.objects.filter(removed_at__isnull=True).order_by("pk")
    total, done, unreadable = stored.count(), 0, 0
    for pk, old in stored.values_list("pk", "storage_key").iterator():
        fresh = storage.rotated_copy(old)
        if fresh is None:
            unreadable += 1
            continue
        with transaction.atomic():
            Document.objects.filter(pk=pk, storage_key=old).update(storage_key=fresh)
        storage.delete(old)
        done += 1
        if done % 100 == 0 or done + unreadable == total:
            say(f"Document files: {done}/{total}")
    if unreadable:
        say(f"Document files: {unreadable} file(s) no configured key can open, left unchanged")
    return unreadable
