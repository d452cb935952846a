"""Bulk intake: a CSV of signals (e.g. a police report export), pseudonymised on arrival.

The file is read by the imports app's reader (encoding, separator and header messages), every
row is checked and pseudonymised in the request, and only pseudonyms are kept: the file itself
is never stored. With "all or nothing" a file with a rejected row stores nothing; with "valid
rows only" the valid rows are saved by a background task that reports its progress.
"""

from __future__ import annotations

import contextvars
import datetime
import gc
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.houses.models import House, Organisation
from casusregie.imports.files import FileProblem, Row, parse_date, read_table
from casusregie.imports.report import Issue
from casusregie.privacy import log
from casusregie.privacy.audit import record_change
from casusregie.privacy.models import AuditEvent, Operation

from . import actions
from .models import Category, Intake, IntakeStatus, PendingSignal, Signal
from .pseudonym import BSN, bsn_pseudonym, identify, local_pseudonym

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("category", "date")
COLUMNS = ("bsn", "first_name", "last_name", "date_of_birth", *REQUIRED_COLUMNS)
BATCH = 10_000
CHECK_BATCH = 50_000
SIGNALS = Signal._meta.db_table
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


class _Fields:
    """Category and date of a row, checked once per distinct text: an export of a million
    rows has a few hundred distinct (category, date) pairs."""

    def __init__(self, house: House, today: datetime.date) -> None:
        self.house, self.today = house, today
        self.known: dict[tuple[str, str], tuple[Any, ...]] = {}

    def __call__(self, category_text: str, date_text: str) -> Any:
        key = (category_text, date_text)
        found = self.known.get(key)
        if found is None:
            found = self._check(category_text, date_text)
            if len(self.known) < 100_000:
                self.known[key] = found
        return found

    def _check(self, category_text: str, date_text: str) -> tuple[Any, ...]:
        """(category, date, expiry date, [(column, message)])."""
        problems: list[tuple[str, str]] = []
        category = CATEGORY_WORDS.get(category_text.lower())
        if category is None:
            problems.append(("category", _("Unknown category.")))
        date = parse_date(date_text)
        if date is None:
            problems.append(("date", _("Not a date (use 31-12-2025).")))
        if category is not None and date is not None:
            try:
                actions.check_signal_fields(self.house, category, date, self.today)
            except ValidationError as error:
                problems += [("date", m) for ms in error.message_dict.values() for m in ms]
        expires = actions.expires_on(self.house, date) if date is not None else None
        return category, date, expires, problems


def _row(fields: _Fields, row: Row) -> tuple[list[Any] | None, list[Issue]]:
    """A row the quick path of `check` did not take (a name and date of birth, or a row with a
    problem): every problem as a message, or the checked item."""
    issues: list[Issue] = []
    born_text = row.get("date_of_birth")
    born = parse_date(born_text) if born_text else None
    if born_text and born is None:
        issues.append(Issue(row.number, "date_of_birth", _("Not a date (use 31-12-1980).")))
    category, date, expires, problems = fields(row.get("category"), row.get("date"))
    issues += [Issue(row.number, column, message) for column, message in problems]
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
    if issues or identity is None or date is None:
        return None, issues
    return [local_pseudonym(identity), identity.kind, category, date, expires], []


def _known(
    house: House, pseudonyms: list[str], db: BaseDatabaseWrapper = connection
) -> list[tuple[str, int, str, datetime.date]]:
    """(pseudonym, organisation, category, date) of every stored signal about these people,
    whoever gave it: one index pass answers both "did your organisation give this before?"
    and "does another organisation know this person?". PostgreSQL gets the pseudonyms as one
    array: ten thousand `IN` placeholders cost more to build than the look-up itself."""
    if db.vendor != "postgresql":  # SQLite takes at most 32,766 parameters
        return [
            row
            for start in range(0, len(pseudonyms), 10_000)
            for row in Signal.objects.filter(
                house=house, pseudonym__in=pseudonyms[start : start + 10_000]
            ).values_list("pseudonym", "organisation_id", "category", "observed_on")
        ]
    # A join with the unnested array, not `= ANY(...)`: for a long array the planner guesses
    # that a large part of the table matches and scans all of it.
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT s.pseudonym, s.organisation_id, s.category, s.observed_on FROM {SIGNALS} s "  # noqa: S608
            "JOIN unnest(%s::text[]) AS p(pseudonym) "
            "ON s.house_id = %s AND s.pseudonym = p.pseudonym",
            # The array as its text literal: pseudonyms are hexadecimal, nothing to quote, and
            # psycopg's per-element adaptation costs seconds on a million.
            ["{" + ",".join(pseudonyms) + "}", house.pk],
        )
        return cursor.fetchall()


class _Lookups:
    """`_known` of one chunk of checked rows after another, in a second thread on this thread's
    connection, while this thread reads on: PostgreSQL walks the index on one core while
    Python checks and pseudonymises on the other (psycopg lets go of the GIL while it waits).
    The asking thread must not use the database until `answers`. A chunk's rows that the
    organisation gave before get "duplicate" appended; `answers` returns the people other
    organisations gave signals about."""

    def __init__(self, house: House, organisation: Organisation) -> None:
        self.house, self.ours = house, organisation.pk
        self.elsewhere: set[str] = set()
        self.pending: list[Future[None]] = []

    def __enter__(self) -> _Lookups:
        # The connection object itself: `connection` in another thread is another connection,
        # outside this transaction. SQLite (tests, development) looks up in this thread.
        self.db = connections[DEFAULT_DB_ALIAS]
        self.worker = None
        if self.db.vendor == "postgresql":
            self.db.inc_thread_sharing()
            self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-lookup")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.worker is not None:
            self.worker.shutdown(wait=True, cancel_futures=True)
            self.db.dec_thread_sharing()

    def ask(self, chunk: list[list[Any]]) -> None:
        if self.worker is None:
            self._look(chunk)
        else:
            self.pending.append(self.worker.submit(self._look, chunk))

    def answers(self) -> set[str]:
        for future in self.pending:
            future.result()  # raises what the look-up raised
        return self.elsewhere

    def _look(self, chunk: list[list[Any]]) -> None:
        # In pseudonym order: the look-up walks the unique index once, in order.
        people = sorted({item[0] for item in chunk})
        given: set[tuple[str, str, datetime.date]] = set()
        for pseudonym, org, category, day in _known(self.house, people, self.db):
            if org == self.ours:
                given.add((pseudonym, category, day))
            else:
                self.elsewhere.add(pseudonym)
        for item in chunk:
            if (item[0], item[2], item[3]) in given:
                item.append("duplicate")


@dataclass
class Checked:
    """What `check` found. `valid` rows are [pseudonym, kind, category, date, expiry date,
    row number] in pseudonym order: the stored signals are indexed by pseudonym, so looking
    them up and adding to them in that order touches each index page once. `elsewhere` are the
    pseudonyms other organisations gave signals about (the candidates for an alert), as of
    signal `up_to`."""

    valid: list[list[Any]]
    issues: list[Issue]
    read: int
    elsewhere: set[str] = field(default_factory=set)
    up_to: int = 0


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while a file's rows are read, checked or saved: a million
    rows are millions of lists, tuples and dicts, and each full collection walks all of them
    again (about 16 of them per 1,000,000-row check, 3 of its 10 seconds). These objects form
    no cycles; reference counting frees them as before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check(
    house: House,
    organisation: Organisation,
    data: bytes,
    filename: str,
    *,
    max_size: int | None = None,
) -> Checked:
    with _no_cycle_collection():
        return _check(house, organisation, data, filename, max_size=max_size)


def _check(
    house: House,
    organisation: Organisation,
    data: bytes,
    filename: str,
    *,
    max_size: int | None,
) -> Checked:
    try:
        table = read_table(
            data, filename, required=REQUIRED_COLUMNS, allowed=COLUMNS, max_size=max_size
        )
    except FileProblem as problem:
        raise ValidationError({"file": str(problem)}) from None
    valid: list[list[Any]] = []
    issues: list[Issue] = []
    seen: set[tuple[str, str, datetime.date]] = set()
    fields = _Fields(house, timezone.localdate())
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
    # Stored signals about these people, one query per chunk of rows, asked by a second thread
    # while this one checks and pseudonymises the next chunk (_Lookups).
    up_to = Signal.objects.filter(house=house).aggregate(last=Max("pk"))["last"] or 0
    chunk: list[list[Any]] = []
    columns = table.columns
    at = {column: index for index, column in enumerate(columns) if column}
    bsn_at, born_at = at.get("bsn"), at.get("date_of_birth")
    category_at, date_at = at["category"], at["date"]
    with _Lookups(house, organisation) as lookups:
        for number, values in table.records:
            if number in ragged:
                continue
            # The usual row of an export, read by column position: a valid BSN, no date of
            # birth, a known category and date. Any other row gets its messages from `_row`.
            item = None
            bsn = values[bsn_at].strip() if bsn_at is not None else ""
            if bsn and (born_at is None or not values[born_at].strip()):
                category, date, expires, problems = fields(
                    values[category_at].strip(), values[date_at].strip()
                )
                pseudonym = None if problems else bsn_pseudonym(bsn)
                if pseudonym is not None:
                    item = [pseudonym, BSN, category, date, expires]
            if item is None:
                item, problems = _row(fields, Row(number, {c: values[i] for c, i in at.items()}))
                if item is None:
                    issues += problems
                    continue
            key = (item[0], item[2], item[3])
            if key in seen:
                issues.append(Issue(number, "", _("The same signal appears earlier in the file.")))
                continue
            seen.add(key)
            item.append(number)
            valid.append(item)
            chunk.append(item)
            if len(chunk) == CHECK_BATCH:
                lookups.ask(chunk)
                chunk = []
        if chunk:
            lookups.ask(chunk)
        elsewhere = lookups.answers()
    for item in valid:
        if len(item) > 6:
            issues.append(Issue(item[5], "", _("Your organisation already gave this signal.")))
    valid = [v for v in valid if len(v) == 6]
    valid.sort(key=itemgetter(0))
    return Checked(
        valid=valid,
        issues=sorted(issues, key=lambda i: (i.row, i.column)),
        read=len(table.records),
        elsewhere=elsewhere,
        up_to=up_to,
    )


@transaction.atomic
def do_upload(
    house: House,
    *,
    organisation: Organisation | None,
    filename: str,
    data: bytes,
    keep_valid: bool,
    actor: User,
    max_size: int | None = None,
    enqueue: bool = True,
) -> Intake:
    """Check and stage the file, then have the task save it (`enqueue=False`: the caller runs
    `run` itself, as the import-signals command does with its progress bar)."""
    actions._check_organisation(house, organisation, actor)
    assert organisation is not None
    checked = check(house, organisation, data, filename, max_size=max_size)
    valid, issues, total = checked.valid, checked.issues, checked.read
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
        checked_up_to=checked.up_to,
        report=[i.as_dict() for i in issues],
        summary={"read": total, "valid": len(valid), "rejected": len({i.row for i in issues})},
        finished_at=timezone.now() if rejected or not valid else None,
    )
    if intake.status == IntakeStatus.WORKING:
        stage(intake, checked)
    record_change(
        actor=actor,
        action="signal.intake.upload",
        obj=intake,
        house=house,
        actor_organisation=organisation,
        after={**intake.summary, "keep_valid": keep_valid, "status": intake.status},
    )
    if intake.status == IntakeStatus.WORKING and enqueue:
        transaction.on_commit(lambda: _enqueue(intake.pk))
    return intake


def _enqueue(pk: int) -> None:
    from .tasks import run_intake

    run_intake.enqueue(pk)


def stage(intake: Intake, checked: Checked) -> None:
    """Keep the checked rows as pending signals, in pseudonym order: COPY on PostgreSQL, a
    bulk INSERT elsewhere."""
    elsewhere = checked.elsewhere
    rows = (
        (intake.pk, pseudonym, kind, category, day, expires, pseudonym in elsewhere)
        for pseudonym, kind, category, day, expires, _number in checked.valid
    )
    columns = "intake_id, pseudonym, id_kind, category, observed_on, expires_on, elsewhere"
    table = PendingSignal._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for start in range(0, len(checked.valid), BATCH):
                    copy.write(
                        _copy_text(intake.pk, checked.valid[start : start + BATCH], elsewhere)
                    )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                list(rows),
            )


def _copy_text(intake: int, valid: list[list[Any]], elsewhere: set[str]) -> str:
    """Checked rows as the lines of a text COPY, written here rather than value by value by
    psycopg (a million rows): every value is a hexadecimal pseudonym, a code or a date, so
    nothing needs escaping. Dates are formatted once each (a file has a few hundred)."""
    dates: dict[datetime.date, str] = {}

    def iso(day: datetime.date) -> str:
        text = dates.get(day)
        if text is None:
            text = dates[day] = day.isoformat()
        return text

    return "".join(
        f"{intake}\t{pseudonym}\t{kind}\t{category}\t{iso(day)}\t{iso(expires)}\t"
        f"{'t' if pseudonym in elsewhere else 'f'}\n"
        for pseudonym, kind, category, day, expires, _number in valid
    )


class _News:
    """Signals other organisations gave since the file was checked (`Intake.checked_up_to`):
    their registration could not see this intake's rows while they waited, so these people
    are looked at again for an alert. Read in id order, a batch at a time."""

    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self.seen = intake.checked_up_to
        self.people: set[str] = set()

    def read(self) -> set[str]:
        top = Signal.objects.aggregate(top=Max("pk"))["top"] or 0
        new = set(
            Signal.objects.filter(house_id=self.intake.house_id, pk__gt=self.seen, pk__lte=top)
            .exclude(organisation_id=self.intake.organisation_id)
            .values_list("pseudonym", flat=True)
        )
        self.seen = max(self.seen, top)
        self.people |= new
        return new


# PostgreSQL advisory locks of this kind are "an intake is being saved" (the second key is the
# intake's id).
RUN_LOCK = 4207


@contextmanager
def _only_run(pk: int) -> Iterator[bool]:
    """True when no other run of this intake is going on. A task requeued while its first
    worker still lives must not save the same rows next to it (the second would fail on the
    unique constraint and undo the first's work). Held by the database session, so a worker
    that dies lets go of it."""
    if connection.vendor != "postgresql":  # SQLite has one writer at a time anyway
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK, pk])
        mine = bool(cursor.fetchone()[0])
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK, pk])


def run(pk: int, progress: Callable[[int, int], None] | None = None) -> None:
    """The background task: move the pending rows into the signals in batches, each with its
    processing-log lines and alerts. A batch moves inside the database (INSERT … SELECT); only
    the pseudonyms come to Python, for the log and the alerts. Moved rows leave the pending
    table in the same transaction, so a task that is started again (a worker died) goes on
    where the last one stopped. `progress(saved, total)` is called after every batch."""
    with _only_run(pk) as mine:
        if mine:
            with _log_writer() as writer, _no_cycle_collection():
                _run(pk, progress, writer)
        else:
            logger.warning("signal intake %s is being saved by another worker", pk)


def _run(pk: int, progress: Callable[[int, int], None] | None, writer: _LogWriter | None) -> None:
    intake = Intake.objects.select_related("house", "organisation", "created_by").get(pk=pk)
    if intake.status != IntakeStatus.WORKING:
        return
    house = intake.house
    pending = PendingSignal.objects.filter(intake_id=pk)
    pending_table = PendingSignal._meta.db_table
    move = (
        f"INSERT INTO {SIGNALS} (house_id, pseudonym, id_kind, category, observed_on, "  # noqa: S608 - table names
        "organisation_id, contact_id, created_at, expires_on, intake_id) "
        "SELECT %s, pseudonym, id_kind, category, observed_on, %s, %s, %s, expires_on, intake_id "
        f"FROM {pending_table} WHERE intake_id = %s AND id BETWEEN %s AND %s ORDER BY id"
    )
    drop = f"DELETE FROM {pending_table} WHERE intake_id = %s AND id BETWEEN %s AND %s"  # noqa: S608
    news = _News(intake)

    def raise_alerts(people: set[str]) -> None:
        if people:
            raised = actions.converge(house, people, actor=intake.created_by)
            Intake.objects.filter(pk=pk).update(alerts_raised=F("alerts_raised") + len(raised))

    try:
        with log.processing():
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            # The rows are read by ranges of ids (one intake's rows are numbered one after
            # the other), not "the next 10,000": without fresh statistics on the staging table
            # PostgreSQL would read all rows left for every batch.
            ids = pending.aggregate(first=Min("id"), last=Max("id"))
            lows = list(range((ids["first"] or 1) - 1, ids["last"] or 0, BATCH))
            rows = _pending_rows(connection, pk, lows[0]) if lows else []
            refs = _subject_refs(rows)
            for index, low in enumerate(lows):
                following = lows[index + 1] if index + 1 < len(lows) else None
                # Read before the log writer starts: fetching 10,000 rows while another thread
                # runs Python waits for the GIL at every read from the socket.
                upcoming = [] if following is None else _pending_rows(connection, pk, following)
                ahead: dict[str, Any] = {}
                with transaction.atomic():
                    _commit_without_waiting()
                    if rows:
                        new = news.read()
                        params = [
                            *(house.pk, intake.organisation_id, intake.created_by_id, now),
                            *(pk, low + 1, low + BATCH),
                        ]

                        def save(
                            db: Any,
                            params: list[Any] = params,
                            upcoming: list[tuple[Any, ...]] = upcoming,
                            ahead: dict[str, Any] = ahead,
                        ) -> None:
                            with _subjects_meanwhile(upcoming, ahead), db.cursor() as cursor:
                                cursor.execute(move, params)
                                cursor.execute(drop, params[-3:])

                        def write_log(
                            alongside: Callable[[Any], None] | None = None,
                            refs: list[log.SubjectRef] = refs,
                            count: int = len(rows),
                            low: int = low,
                        ) -> None:
                            log.record(
                                actor=intake.created_by,
                                actor_organisation=intake.organisation,
                                house=house,
                                name="signal.intake",
                                operation=Operation.CREATE,
                                obj=intake,
                                subjects=refs,
                                activity=actions.EARLY_WARNING,
                                purpose=actions.PURPOSE_EARLY_WARNING,
                                after={"signals": count, "batch": low},
                                alongside=alongside,
                            )

                        if writer is None:
                            # One connection: the signals are inserted while their log lines
                            # are hashed (chain.append) and the next batch's log subjects are
                            # computed.
                            write_log(alongside=save)
                        elif index == 0 and _logged(intake, low):
                            save(connection)  # its lines were committed, its signals not
                        else:
                            writer.together(write_log, partial(save, connection))
                        # Alerts where another organisation knew the person at the check or
                        # has signalled them since; the others need no look.
                        raise_alerts(
                            {p for _id, p, _k, known in rows if known or p in news.people}
                            | _saved_before(intake, new)
                        )
                        Intake.objects.filter(pk=pk).update(
                            processed_rows=F("processed_rows") + len(rows)
                        )
                if progress is not None:
                    saved = Intake.objects.values_list("processed_rows", flat=True).get(pk=pk)
                    progress(saved, intake.total_rows)
                if following is not None:
                    rows = upcoming
                    refs = ahead["refs"] if "refs" in ahead else _subject_refs(upcoming)
            with transaction.atomic():
                raise_alerts(_saved_before(intake, news.read()))
                intake.refresh_from_db(fields=["processed_rows", "alerts_raised", "summary"])
                intake.summary = {
                    **intake.summary,
                    "saved": intake.processed_rows,
                    "alerts": intake.alerts_raised,
                }
                intake.status = IntakeStatus.DONE
                intake.finished_at = timezone.now()
                intake.save(update_fields=["summary", "status", "finished_at"])
    except Exception:
        logger.exception("signal intake %s failed", pk)
        with transaction.atomic():
            undone = Signal.objects.filter(intake_id=pk).delete()[0]
            pending.delete()
            Intake.objects.filter(pk=pk).update(
                status=IntakeStatus.FAILED, finished_at=timezone.now()
            )
            record_change(
                actor=intake.created_by,
                action="signal.intake.failed",
                obj=intake,
                house=house,
                after={"undone": undone},
            )


@contextmanager
def _log_writer() -> Iterator[_LogWriter | None]:
    """A `_LogWriter` on PostgreSQL when the task runs on its own, None otherwise: inside a
    caller's transaction (a test's) another connection could not see the caller's rows."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield None
        return
    writer = _LogWriter()
    try:
        yield writer
    finally:
        writer.close()


class _Abandoned(Exception):
    """The batch's own work failed: the log writer rolls its lines back."""


class _LogWriter:
    """Writes a batch's processing-log lines on a second database connection (its own thread)
    while the task's connection inserts the batch's signals, so PostgreSQL works on both cores
    (decision 0036). Each batch's lines are one transaction there, committed only once the
    signals are in, just before the signals' own commit. A crash between the two commits
    leaves lines whose signals are not saved yet: the task started again saves that batch
    without writing its lines twice (`_logged`). If either side fails, both roll back."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-log")

    def together(self, write_log: Callable[[], None], own_work: Callable[[], None]) -> None:
        written: Future[None] = Future()
        go: Future[bool] = Future()
        context = contextvars.copy_context()  # the task's trace (log.processing)
        done = self.pool.submit(context.run, self._write, write_log, written, go)
        try:
            own_work()
            wait([written, done], return_when=FIRST_COMPLETED)
            if not written.done():
                done.result()  # the writer failed before its lines were written: raises
        except BaseException:
            go.set_result(False)
            with suppress(Exception):
                done.result()
            raise
        go.set_result(True)
        done.result()  # the lines are committed, or this raises what stopped them

    @staticmethod
    def _write(write_log: Callable[[], None], written: Future[None], go: Future[bool]) -> None:
        try:
            with transaction.atomic():
                _commit_without_waiting()
                write_log()
                written.set_result(None)
                if not go.result():
                    raise _Abandoned
        except _Abandoned:
            pass

    def close(self) -> None:
        self.pool.submit(lambda: connection.close()).result()  # the writer thread's connection
        self.pool.shutdown()


def _logged(intake: Intake, low: int) -> bool:
    """Whether this batch's log lines were committed by an earlier run of the task (it
    stopped between the log's commit and the signals'): its audit row says so."""
    return AuditEvent.objects.filter(
        house_id=intake.house_id,
        occurred_at__gte=intake.created_at,
        action="signal.intake",
        object_id=str(intake.pk),
        after__batch=low,
    ).exists()


def _pending_rows(db: Any, pk: int, low: int) -> list[tuple[Any, ...]]:
    """(id, pseudonym, kind, known elsewhere) of the intake's pending rows with ids in
    (low, low + BATCH]. Ranges of ids, not "the next 10,000": without fresh statistics on the
    staging table PostgreSQL would read all rows left for every batch."""
    table = PendingSignal._meta.db_table
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT id, pseudonym, id_kind, elsewhere FROM {table} "  # noqa: S608 - table name
            "WHERE intake_id = %s AND id > %s AND id <= %s ORDER BY id",
            [pk, low, low + BATCH],
        )
        return cursor.fetchall()


def _subject_refs(rows: list[tuple[Any, ...]]) -> list[log.SubjectRef]:
    return [actions.subject_ref(pseudonym, kind) for _id, pseudonym, kind, _e in rows]


@contextmanager
def _subjects_meanwhile(rows: list[tuple[Any, ...]], ahead: dict[str, Any]) -> Iterator[None]:
    """While the block has PostgreSQL insert a batch, compute the next batch's log subjects
    (keyed hashes) in one more thread: Python has time to spare while the database works.
    Fills `ahead["refs"]`."""
    helper = None
    if rows:

        def subjects() -> None:
            ahead["refs"] = _subject_refs(rows)

        helper = threading.Thread(target=subjects, name="intake-subjects")
        helper.start()
    try:
        yield
    finally:
        if helper is not None:
            helper.join()


def _commit_without_waiting() -> None:
    """A batch's commit does not wait for its WAL to reach the disk (PostgreSQL's
    `synchronous_commit` for this transaction only). A crash of the database server may then
    lose the last batches, but only whole: their signals, log lines, chain heads and the
    removal of their pending rows are one transaction, so the task started again saves them
    again. The intake's final transaction (status done) waits as usual, and with it all WAL
    before it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _saved_before(intake: Intake, people: set[str]) -> set[str]:
    """Which of these people the intake has saved already (in earlier batches)."""
    if not people:
        return set()
    found = Signal.objects.filter(house_id=intake.house_id, pseudonym__in=people, intake=intake)
    return set(found.values_list("pseudonym", flat=True))
