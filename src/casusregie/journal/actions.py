"""Changes to the case journal: writing an entry and correcting one. Entries are never edited
in place; a correction is a new version that names the one it replaces and why.

Each action validates first, then writes the entry and the processing log in one transaction:
one line per person the entry is about (the linked person, else every person of the case),
and, when the audience reaches other organisations, a disclosure to each of them in the
disclosure register (who shared what with whom, for which purpose).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.cases import access as case_access
from casusregie.cases.models import Case, CaseSubject, Subject
from casusregie.houses.models import Organisation
from casusregie.privacy import log
from casusregie.privacy.models import DataCategory, Operation

from .access import writing_organisations
from .models import Audience, EntryKind, JournalEntry

MAX_TEXT = 20_000


def _validate(
    case: Case,
    *,
    kind: str,
    text: str,
    occurred_on: datetime.date | None,
    purpose: str,
    audience: str,
    organisations: Sequence[Organisation],
    subject: Subject | None,
    categories: Sequence[str],
    participants: dict[int, Organisation],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in EntryKind.values:
        errors["kind"] = [_("Choose the kind of entry.")]
    if not text.strip():
        errors["text"] = [_("Write the entry.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("An entry holds at most 20,000 characters.")]
    if occurred_on is None:
        errors["occurred_on"] = [_("Give the date of what you record.")]
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("The date cannot be in the future.")]
    if not purpose.strip():
        errors["purpose"] = [_("State the purpose for which you share this.")]
    if audience not in Audience.values:
        errors["audience"] = [_("Choose who may read this.")]
    if audience == Audience.ORGANISATIONS:
        if not organisations:
            errors["organisations"] = [_("Name the organisations that may read this.")]
        elif any(o.pk not in participants for o in organisations):
            errors["organisations"] = [_("Only organisations taking part in the case can read it.")]
    if set(categories) - set(DataCategory.values):
        errors["categories"] = [_("Choose kinds of information from the list.")]
    if (
        subject is not None
        and not CaseSubject.objects.filter(case=case, subject_id=subject.pk).exists()
    ):
        errors["subject"] = [_("Choose a person of this case.")]
    return errors


def _participants(case: Case) -> dict[int, Organisation]:
    return {
        p.organisation_id: p.organisation
        for p in case.participations.filter(ended_at__isnull=True).select_related("organisation")
    }


def _recipients(
    entry: JournalEntry, participants: dict[int, Organisation], named: Sequence[Organisation]
) -> list[Organisation]:
    """The other organisations that may read the entry: a disclosure to each."""
    if entry.audience == Audience.ALL_PARTICIPANTS:
        found = list(participants.values())
    elif entry.audience == Audience.ORGANISATIONS:
        found = list(named)
    else:
        found = []
    return [o for o in found if o.pk != entry.organisation_id]


def entry_subjects(entry: JournalEntry) -> list[log.SubjectRef]:
    """Whom an entry is about: the linked person, else every person of the case (an area
    case without persons is logged under the case)."""
    if entry.subject_id is not None:
        refs = case_access.subject_refs([entry.subject]) if entry.subject else []
    else:
        refs = case_access.subject_refs(case_access.case_subjects(entry.case))
    return refs or [log.SubjectRef(f"case-{entry.case_id}", "area")]


def _log(
    entry: JournalEntry,
    *,
    name: str,
    operation: Operation,
    recipients: list[Organisation],
    actor: Any,
    reason: str = "",
    before: dict[str, Any] | None = None,
) -> None:
    log.record(
        actor=actor,
        house=entry.case.house,
        name=name,
        operation=operation,
        obj=entry,
        case_id=entry.case_id,
        actor_organisation=entry.organisation,
        subjects=entry_subjects(entry),
        recipients=recipients,
        purpose=entry.purpose,
        categories=entry.data_categories,
        before=before,
        after={
            "kind": entry.kind,
            "occurred_on": entry.occurred_on.isoformat(),
            "audience": entry.audience,
            "organisations": sorted(o.pk for o in recipients),
            "advice_only": entry.advice_only,
        },
        reason=reason,
    )


@transaction.atomic
def do_write_entry(
    case: Case,
    *,
    kind: str,
    text: str,
    occurred_on: datetime.date | None,
    purpose: str,
    audience: str = Audience.ALL_PARTICIPANTS,
    organisations: Sequence[Organisation] = (),
    subject: Subject | None = None,
    advice_only: bool = False,
    categories: Sequence[str] = (),
    organisation: Organisation | None = None,
    actor: Any,
) -> JournalEntry:
    """A dated entry in the case's journal, on behalf of `organisation` (one the actor works
    for that takes part in the case; the first such when not given), read by its audience."""
    mine = writing_organisations(actor, case)
    if not mine:
        raise PermissionDenied(_("Only organisations taking part in the case can write in it."))
    if not case.is_open:
        raise ValidationError(_("This case is closed; its journal takes no new entries."))
    if organisation is None:
        organisation = mine[0]
    elif all(o.pk != organisation.pk for o in mine):
        raise ValidationError(
            {"organisation": [_("You cannot write on behalf of this organisation.")]}
        )
    participants = _participants(case)
    errors = _validate(
        case,
        kind=kind,
        text=text,
        occurred_on=occurred_on,
        purpose=purpose,
        audience=audience,
        organisations=organisations,
        subject=subject,
        categories=categories,
        participants=participants,
    )
    if errors or occurred_on is None:
        raise ValidationError(errors)
    entry = JournalEntry.objects.create(
        case=case,
        kind=kind,
        text=text.strip(),
        subject=subject,
        occurred_on=occurred_on,
        author=actor,
        organisation=organisation,
        audience=audience,
        purpose=purpose.strip()[:300],
        # The register always records case information; the author adds what else it holds.
        data_categories=sorted({DataCategory.CASE.value, *categories}),
        advice_only=advice_only,
    )
    named = list(organisations) if audience == Audience.ORGANISATIONS else []
    if named:
        entry.audience_organisations.set(named)
    _log(
        entry,
        name="journal.write",
        operation=Operation.CREATE,
        recipients=_recipients(entry, participants, named),
        actor=actor,
    )
    return entry


@transaction.atomic
def do_correct_entry(
    entry: JournalEntry,
    *,
    reason: str,
    kind: str,
    text: str,
    occurred_on: datetime.date | None,
    purpose: str,
    audience: str,
    organisations: Sequence[Organisation] = (),
    subject: Subject | None = None,
    advice_only: bool = False,
    categories: Sequence[str] = (),
    actor: Any,
) -> JournalEntry:
    """A new version of an entry, by the organisation that wrote it, with the reason. The
    earlier version stays as it was, readable to its own audience; lists show the newest."""
    old = (
        JournalEntry.objects.select_for_update()
        .select_related("case__house", "organisation")
        .get(pk=entry.pk)
    )
    case = old.case
    if all(o.pk != old.organisation_id for o in writing_organisations(actor, case)):
        raise PermissionDenied(_("Only the organisation that wrote an entry can correct it."))
    if not old.is_current:
        raise ValidationError(
            _("This entry has been corrected already; correct its newest version.")
        )
    participants = _participants(case)
    errors = _validate(
        case,
        kind=kind,
        text=text,
        occurred_on=occurred_on,
        purpose=purpose,
        audience=audience,
        organisations=organisations,
        subject=subject,
        categories=categories,
        participants=participants,
    )
    if not reason.strip():
        errors["reason"] = [_("Say why you correct this entry.")]
    if errors or occurred_on is None:
        raise ValidationError(errors)
    old.is_current = False
    old.save(update_fields=["is_current"])
    new = JournalEntry.objects.create(
        case=case,
        kind=kind,
        text=text.strip(),
        subject=subject,
        occurred_on=occurred_on,
        author=actor,
        organisation=old.organisation,
        audience=audience,
        purpose=purpose.strip()[:300],
        data_categories=sorted({DataCategory.CASE.value, *categories}),
        advice_only=advice_only,
        corrects=old,
        correction_reason=reason.strip(),
        original_id=old.original_id or old.pk,
    )
    named = list(organisations) if audience == Audience.ORGANISATIONS else []
    if named:
        new.audience_organisations.set(named)
    _log(
        new,
        name="journal.correct",
        operation=Operation.UPDATE,
        recipients=_recipients(new, participants, named),
        actor=actor,
        reason=reason.strip(),
        before={"version": old.pk, "occurred_on": old.occurred_on.isoformat()},
    )
    return new
