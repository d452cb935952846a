"""Bulk intake: a CSV of signals (e.g. a police report export), pseudonymised on arrival.

The file is read by the imports app's reader (encoding, separator and header messages), every
row is checked and pseudonymised in the request, and only pseudonyms are kept: the file itself
is never stored. With "all or nothing" a file with a rejected row stores nothing; with "valid
rows only" the valid rows are saved by a background task that reports its progress.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.demo.national import Table
from casusregie.houses.models import House, Organisation
from casusregie.imports.files import FileProblem, Row, parse_date, read_table
from casusregie.imports.report import Issue
from casusregie.privacy import log
from casusregie.privacy.audit import record_change
from casusregie.privacy.models import Operation

from . import actions
from .models import Category, Intake, IntakeStatus, Signal
from .pseudonym import identify, local_pseudonym

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("category", "date")
COLUMNS = ("bsn", "first_name", "last_name", "date_of_birth", *REQUIRED_COLUMNS)
BATCH = 10_000
SIGNAL_COLUMNS = (
    "house_id",
    "pseudonym",
    "id_kind",
    "category",
    "observed_on",
    "organisation_id",
    "contact_id",
    "created_at",
    "expires_on",
    "intake_id",
)
# Categories as a police or housing export may write them, Dutch or as the code.
CATEGORY_WORDS = {
    **{c.value: c.value for c in Category},
    "overlast": Category.NUISANCE,
    "verward gedrag": Category.CONFUSED,
    "verward": Category.CONFUSED,
    "huiselijk geweld": Category.DOMESTIC_VIOLENCE,
    "schulden": Category.DEBTS,
    "wonen": Category.HOUSING,
    "huisvesting": Category.HOUSING,
    "jeugd": Category.YOUTH,
    "radicalisering": Category.RADICALISATION,
    "overig": Category.OTHER,
    "anders": Category.OTHER,
}
FIELD_COLUMNS = {
    "bsn": "bsn",
    "last_name": "last_name",
    "date_of_birth": "date_of_birth",
    "category": "category",
    "observed_on": "date",
    "organisation": "",
}


def _row(house: House, row: Row, today: datetime.date) -> tuple[list[Any] | None, list[Issue]]:
    issues: list[Issue] = []
    born_text = row.get("date_of_birth")
    born = parse_date(born_text) if born_text else None
    if born_text and born is None:
        issues.append(Issue(row.number, "date_of_birth", _("Not a date (use 31-12-1980).")))
    category = CATEGORY_WORDS.get(row.get("category").lower())
    if category is None:
        issues.append(Issue(row.number, "category", _("Unknown category.")))
    date = parse_date(row.get("date"))
    if date is None:
        issues.append(Issue(row.number, "date", _("Not a date (use 31-12-2025).")))
    try:
        identity = identify(
            bsn=row.get("bsn"),
            first_name=row.get("first_name"),
            last_name=row.get("last_name"),
            date_of_birth=born,
        )
    except ValidationError as error:
        identity = None
        for field, messages in error.message_dict.items():
            if not (field == "date_of_birth" and born_text and born is None):
                issues += [Issue(row.number, FIELD_COLUMNS.get(field, field), m) for m in messages]
    if category is not None and date is not None:
        try:
            actions.check_signal_fields(house, category, date, today)
        except ValidationError as error:
            for messages in error.message_dict.values():
                issues += [Issue(row.number, "date", m) for m in messages]
    if issues or identity is None or date is None:
        return None, issues
    return [local_pseudonym(identity), identity.kind, category, date.isoformat()], []


def check(
    house: House, organisation: Organisation, data: bytes, filename: str
) -> tuple[list[list[Any]], list[Issue], int]:
    """(valid rows as [pseudonym, kind, category, date, row number], issues, rows read)."""
    try:
        table = read_table(data, filename, required=REQUIRED_COLUMNS, allowed=COLUMNS)
    except FileProblem as problem:
        raise ValidationError({"file": str(problem)}) from None
    valid: list[list[Any]] = []
    issues: list[Issue] = []
    seen: set[tuple[str, str, str]] = set()
    today = timezone.localdate()
    for number, found in table.ragged:
        issues.append(
            Issue(
                number,
                "",
                _("This row has %(found)s fields; the header has %(n)s.")
                % {"found": found, "n": len(table.columns)},
            )
        )
    ragged = {number for number, _found in table.ragged}
    for row in table.rows:
        if row.number in ragged:
            continue
        item, problems = _row(house, row, today)
        if item is None:
            issues += problems
            continue
        key = (item[0], item[2], item[3])
        if key in seen:
            issues.append(Issue(row.number, "", _("The same signal appears earlier in the file.")))
            continue
        seen.add(key)
        valid.append([*item, row.number])
    # Signals the organisation gave before: one query per batch of rows.
    for start in range(0, len(valid), BATCH):
        chunk = valid[start : start + BATCH]
        existing = set(
            Signal.objects.filter(
                house=house, organisation=organisation, pseudonym__in={v[0] for v in chunk}
            ).values_list("pseudonym", "category", "observed_on")
        )
        for item in chunk:
            if (item[0], item[2], datetime.date.fromisoformat(item[3])) in existing:
                issues.append(Issue(item[4], "", _("Your organisation already gave this signal.")))
                item.append("duplicate")
    valid = [v for v in valid if len(v) == 5]
    return valid, sorted(issues, key=lambda i: (i.row, i.column)), len(table.rows)


@transaction.atomic
def do_upload(
    house: House,
    *,
    organisation: Organisation | None,
    filename: str,
    data: bytes,
    keep_valid: bool,
    actor: User,
) -> Intake:
    actions._check_organisation(house, organisation, actor)
    assert organisation is not None
    valid, issues, total = check(house, organisation, data, filename)
    rejected = bool(issues) and not keep_valid
    if not valid and not issues:
        raise ValidationError({"file": _("The file has no signals.")})
    intake = Intake.objects.create(
        house=house,
        organisation=organisation,
        created_by=actor,
        filename=filename[-200:],
        keep_valid=keep_valid,
        status=IntakeStatus.REJECTED if rejected or not valid else IntakeStatus.WORKING,
        total_rows=len(valid),
        rows=[] if rejected else [v[:4] for v in valid],
        report=[i.as_dict() for i in issues],
        summary={"read": total, "valid": len(valid), "rejected": len({i.row for i in issues})},
        finished_at=timezone.now() if rejected or not valid else None,
    )
    record_change(
        actor=actor,
        action="signal.intake.upload",
        obj=intake,
        house=house,
        actor_organisation=organisation,
        after={**intake.summary, "keep_valid": keep_valid, "status": intake.status},
    )
    if intake.status == IntakeStatus.WORKING:
        transaction.on_commit(lambda: _enqueue(intake.pk))
    return intake


def _enqueue(pk: int) -> None:
    from .tasks import run_intake

    run_intake.enqueue(pk)


def run(pk: int) -> None:
    """The background task: save the pseudonymised rows in batches, then raise alerts."""
    intake = Intake.objects.select_related("house", "organisation", "created_by").get(pk=pk)
    if intake.status != IntakeStatus.WORKING:
        return
    house, rows = intake.house, intake.rows
    try:
        with log.processing():
            # COPY on PostgreSQL, bulk INSERT elsewhere (the national data generator's writer);
            # the rows were checked against existing signals on arrival. One transaction per
            # batch, so the progress bar moves; a failure undoes the batches saved before.
            table = Table(Signal, SIGNAL_COLUMNS, using="default")
            now = timezone.now()
            for start in range(0, len(rows), BATCH):
                chunk = rows[start : start + BATCH]
                with transaction.atomic():
                    for pseudonym, kind, category, day in chunk:
                        observed = datetime.date.fromisoformat(day)
                        table.add(
                            house.pk,
                            pseudonym,
                            kind,
                            category,
                            observed,
                            intake.organisation_id,
                            intake.created_by_id,
                            now,
                            actions.expires_on(house, observed),
                            intake.pk,
                        )
                    table.flush()
                    log.record(
                        actor=intake.created_by,
                        actor_organisation=intake.organisation,
                        house=house,
                        name="signal.intake",
                        operation=Operation.CREATE,
                        obj=intake,
                        subjects=[actions.subject_ref(r[0], r[1]) for r in chunk],
                        activity=actions.EARLY_WARNING,
                        purpose=actions.PURPOSE_EARLY_WARNING,
                        after={"signals": len(chunk)},
                    )
                    Intake.objects.filter(pk=pk).update(processed_rows=start + len(chunk))
            with transaction.atomic():
                alerts = actions.converge(
                    house,
                    Signal.objects.filter(intake_id=pk).values("pseudonym"),
                    actor=intake.created_by,
                )
                intake.summary = {**intake.summary, "saved": len(rows), "alerts": len(alerts)}
                intake.status = IntakeStatus.DONE
                intake.rows = []
                intake.processed_rows = len(rows)
                intake.finished_at = timezone.now()
                intake.save(
                    update_fields=["summary", "status", "rows", "processed_rows", "finished_at"]
                )
    except Exception:
        logger.exception("signal intake %s failed", pk)
        with transaction.atomic():
            undone = Signal.objects.filter(intake_id=pk).delete()[0]
            Intake.objects.filter(pk=pk).update(
                status=IntakeStatus.FAILED, rows=[], finished_at=timezone.now()
            )
            record_change(
                actor=intake.created_by,
                action="signal.intake.failed",
                obj=intake,
                house=house,
                after={"undone": undone},
            )
