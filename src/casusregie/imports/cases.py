"""Cases from a previous system: one CSV layout (docs/imports.md), checked row by row, then
written in bulk in one transaction.

The file has one row per record, all rows of a case sharing its `legacy_id`:
`case` (one per case), `subject` (the people), `participant` (organisations and their role)
and `action` (agreed actions). A case with one bad row is rejected whole, in both modes; in
"all" mode any rejected row stops the whole import. A legacy id imported before into this
house is skipped and reported as "already imported": running a file twice changes nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.cases.actions import add_years, last_reference_number, name_key, region_hash_of_bsn
from casusregie.cases.models import (
    AftercareOutcome,
    Case,
    CaseSubject,
    Participation,
    PhaseChange,
    RelationKind,
    Subject,
    SubjectKind,
    Urgency,
)
from casusregie.cases.phases import Phase
from casusregie.houses.models import House, Organisation, Partnership
from casusregie.plans.models import Action, ActionStatus, Plan
from casusregie.privacy import chain, log
from casusregie.privacy.audit import audit_event
from casusregie.privacy.bsn import is_valid_bsn, normalise_bsn
from casusregie.privacy.bsn import lookup_hash as bsn_lookup_hash
from casusregie.privacy.crypto import encrypt
from casusregie.privacy.models import Operation

from .files import Row, Table, parse_date, parse_flag
from .models import ImportJob, ImportMode, LegacyCase
from .report import ERROR, SKIPPED, Issue

RECORDS = ("case", "subject", "participant", "action")
REQUIRED_COLUMNS = (
    "record",
    "legacy_id",
    "kind",
    "title",
    "phase",
    "opened_on",
    "closed_on",
    "outcome",
    "process_director",
    "first_name",
    "last_name",
    "date_of_birth",
    "bsn",
    "organisation",
    "role",
    "purpose",
    "due_date",
    "status",
    "done_on",
)
OPTIONAL_COLUMNS = ("urgency", "address", "relation", "is_main")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# A case comes in after triage: the phases before it belong to a referral.
IMPORT_PHASES = tuple(p for p in Phase.values if p not in (Phase.REGISTERED, Phase.TRIAGE))
ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.CANCELLED)
# The processing-log purpose of a migration: the same activity (case approach), and says why.
PURPOSE_MIGRATION = "Overname casusdossier uit vorig systeem (migratie), persoonsgerichte aanpak"
# Columns of other records that must be empty in a case row.
CASE_ROW_BLANK = (
    "first_name",
    "last_name",
    "date_of_birth",
    "bsn",
    "organisation",
    "role",
    "purpose",
    "due_date",
    "status",
    "done_on",
)
PROGRESS_EVERY = 500
BATCH = 500

Progress = Callable[[int], None]


@dataclass
class SubjectDraft:
    row: int
    first_name: str
    last_name: str
    date_of_birth: datetime.date | None
    bsn: str
    address: str
    relation: str
    is_main: bool | None


@dataclass
class ParticipantDraft:
    row: int
    organisation: Organisation
    role: str
    purpose: str


@dataclass
class ActionDraft:
    row: int
    title: str
    organisation: Organisation | None
    due_date: datetime.date | None
    status: str
    done_on: datetime.date | None


@dataclass
class CaseDraft:
    legacy_id: str
    row: int = 0
    kind: str = ""
    title: str = ""
    phase: str = ""
    urgency: str = Urgency.NORMAL
    opened_on: datetime.date | None = None
    closed_on: datetime.date | None = None
    outcome: str = ""
    process_director: User | None = None
    subjects: list[SubjectDraft] = field(default_factory=list)
    participants: list[ParticipantDraft] = field(default_factory=list)
    actions: list[ActionDraft] = field(default_factory=list)
    bad: bool = False


@dataclass
class CasePlan:
    """What a check found: the cases that can be imported and every rejected or skipped row."""

    drafts: list[CaseDraft]
    issues: list[Issue]
    cases_in_file: int
    rejected_cases: int
    already_imported: int
    rows: int

    @property
    def has_errors(self) -> bool:
        return any(i.kind == ERROR for i in self.issues)

    def summary(self, mode: str) -> dict[str, Any]:
        blocked = mode == ImportMode.ALL and self.has_errors
        return {
            "rows": self.rows,
            "cases_in_file": self.cases_in_file,
            "valid_cases": len(self.drafts),
            "rejected_cases": self.rejected_cases,
            "already_imported": self.already_imported,
            "rejected_rows": len({i.row for i in self.issues if i.kind == ERROR}),
            "to_import": 0 if blocked else len(self.drafts),
            "blocked": blocked,
        }


class _Checker:
    """Validates the rows of one file against one house, without writing anything."""

    def __init__(self, house: House, table: Table) -> None:
        self.house = house
        self.table = table
        self.issues: list[Issue] = []
        self.today = timezone.localdate()
        partners = Organisation.objects.filter(
            pk__in=Partnership.objects.filter(house=house).values("organisation")
        )
        self.organisations = {o.name.strip().lower(): o for o in partners}
        self.directors = {
            m.user.email.lower(): m.user
            for m in Membership.objects.active()
            .filter(house=house, role=Role.PROCESS_DIRECTOR, user__is_active=True)
            .select_related("user")
        }

    def error(self, row: Row | int, column: str, reason: str, legacy_id: str = "") -> None:
        number = row if isinstance(row, int) else row.number
        legacy = legacy_id or ("" if isinstance(row, int) else row.get("legacy_id"))
        self.issues.append(Issue(number, column, reason, legacy[:64]))

    # --- one value -------------------------------------------------------------------------

    def required(self, row: Row, column: str, message: str) -> str:
        value = row.get(column)
        if not value:
            self.error(row, column, message)
        return value

    def choice(self, row: Row, column: str, choices: tuple[str, ...], default: str = "") -> str:
        value = row.get(column).lower()
        if not value and default:
            return default
        if value not in choices:
            self.error(
                row,
                column,
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}
                if value
                else _("This field is required; choose one of: %(choices)s.")
                % {"choices": ", ".join(choices)},
            )
            return ""
        return value

    def date(
        self, row: Row, column: str, *, required: bool, future: bool = False
    ) -> datetime.date | None:
        value = row.get(column)
        if not value:
            if required:
                self.error(row, column, _("This date is required."))
            return None
        day = parse_date(value)
        if day is None:
            self.error(row, column, _("Not a date: write it as 2024-03-31 or 31-03-2024."))
            return None
        if not future and day > self.today:
            self.error(row, column, _("This date cannot be in the future."))
            return None
        if day.year < 1900:
            self.error(row, column, _("This date is before 1900."))
            return None
        return day

    def organisation(self, row: Row, column: str = "organisation") -> Organisation | None:
        name = row.get(column)
        if not name:
            self.error(row, column, _("Name the organisation."))
            return None
        found = self.organisations.get(name.lower())
        if found is None:
            self.error(
                row,
                column,
                _("Organisation “%(name)s” is not a partner of this house.") % {"name": name[:100]},
            )
        return found

    def blank(self, row: Row, columns: tuple[str, ...], record: str) -> None:
        for column in columns:
            if row.get(column):
                self.error(
                    row,
                    column,
                    _("This column must be empty in a “%(record)s” row.") % {"record": record},
                )

    # --- one record ------------------------------------------------------------------------

    def case_row(self, draft: CaseDraft, row: Row) -> None:
        draft.row = row.number
        if len(draft.legacy_id) > 64:
            self.error(row, "legacy_id", _("A legacy id has at most 64 characters."))
        draft.kind = self.choice(row, "kind", tuple(SubjectKind.values))
        draft.title = row.get("title")
        if len(draft.title) > 200:
            self.error(row, "title", _("A title has at most 200 characters."))
        draft.phase = self.choice(row, "phase", IMPORT_PHASES)
        draft.urgency = self.choice(row, "urgency", tuple(Urgency.values), Urgency.NORMAL)
        draft.opened_on = self.date(row, "opened_on", required=True)
        closed = draft.phase == Phase.CLOSED
        draft.closed_on = self.date(row, "closed_on", required=closed)
        if draft.closed_on and not closed:
            self.error(row, "closed_on", _("Only a closed case has a closing date."))
        if draft.closed_on and draft.opened_on and draft.closed_on < draft.opened_on:
            self.error(row, "closed_on", _("A case cannot close before it opened."))
        if closed:
            draft.outcome = self.choice(row, "outcome", tuple(AftercareOutcome.values))
        elif row.get("outcome"):
            self.error(row, "outcome", _("Only a closed case has an outcome."))
        email = row.get("process_director").lower()
        if email:
            draft.process_director = self.directors.get(email)
            if draft.process_director is None:
                self.error(
                    row,
                    "process_director",
                    _("No process director of this house has this e-mail address."),
                )
        self.blank(
            row,
            CASE_ROW_BLANK,
            "case",
        )

    def subject_row(self, draft: CaseDraft, row: Row) -> None:
        first = self.required(row, "first_name", _("Enter the first name."))
        last = self.required(row, "last_name", _("Enter the surname."))
        if len(first) > 100 or len(last) > 150:
            self.error(row, "last_name", _("This name is too long."))
        born = self.date(row, "date_of_birth", required=False)
        bsn = normalise_bsn(row.get("bsn"))
        if bsn and not is_valid_bsn(bsn):
            self.error(
                row,
                "bsn",
                _("This is not a valid BSN: it must have nine digits and pass the eleven-test."),
            )
        relation = row.get("relation").lower()
        if relation and relation not in RelationKind.values:
            self.error(
                row,
                "relation",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(RelationKind.values)},
            )
        main = parse_flag(row.get("is_main"))
        if main is None:
            self.error(row, "is_main", _("Write “ja” or “nee”."))
        address = row.get("address")
        if len(address) > 300:
            self.error(row, "address", _("The address is too long."))
        self.blank(row, ("organisation", "role", "purpose", "due_date", "done_on"), "subject")
        draft.subjects.append(
            SubjectDraft(row.number, first, last, born, bsn, address, relation, main)
        )

    def participant_row(self, draft: CaseDraft, row: Row) -> None:
        organisation = self.organisation(row)
        role = self.required(row, "role", _("Enter the organisation's role in the case."))
        purpose = self.required(
            row, "purpose", _("State the purpose for which this organisation takes part.")
        )
        if len(role) > 100:
            self.error(row, "role", _("A role has at most 100 characters."))
        if len(purpose) > 300:
            self.error(row, "purpose", _("A purpose has at most 300 characters."))
        if organisation is not None and any(
            p.organisation == organisation for p in draft.participants
        ):
            self.error(row, "organisation", _("This organisation already takes part in this case."))
            organisation = None
        self.blank(row, ("first_name", "last_name", "bsn", "due_date", "done_on"), "participant")
        if organisation is not None:
            draft.participants.append(ParticipantDraft(row.number, organisation, role, purpose))

    def action_row(self, draft: CaseDraft, row: Row) -> None:
        title = self.required(row, "title", _("Describe the action."))
        if len(title) > 300:
            self.error(row, "title", _("An action has at most 300 characters."))
        organisation = self.organisation(row)
        due = self.date(row, "due_date", required=True, future=True)
        status = self.choice(row, "status", tuple(ACTION_STATUSES), ActionStatus.OPEN)
        done = self.date(row, "done_on", required=status == ActionStatus.DONE)
        if done and status != ActionStatus.DONE:
            self.error(row, "done_on", _("Only a done action has a done date."))
        self.blank(row, ("first_name", "last_name", "bsn", "role", "purpose"), "action")
        draft.actions.append(ActionDraft(row.number, title, organisation, due, status, done))

    # --- the whole case --------------------------------------------------------------------

    def whole_case(self, draft: CaseDraft) -> None:
        if draft.kind in (SubjectKind.PERSON, SubjectKind.FAMILY) and not draft.subjects:
            self.error(
                draft.row,
                "record",
                _("A case about a person or family needs at least one “subject” row."),
                draft.legacy_id,
            )
        if draft.kind == SubjectKind.PERSON and len(draft.subjects) > 1:
            self.error(
                draft.subjects[1].row,
                "record",
                _("A case about one person has one “subject” row; use kind “family”."),
                draft.legacy_id,
            )
        if draft.kind == SubjectKind.AREA and not draft.title:
            self.error(
                draft.row, "title", _("A case about an area needs a title."), draft.legacy_id
            )
        mains = [s for s in draft.subjects if s.is_main]
        for extra in mains[1:]:
            self.error(
                extra.row, "is_main", _("Only one person can be the main person."), draft.legacy_id
            )
        taking_part = {p.organisation.pk for p in draft.participants}
        for action in draft.actions:
            if action.organisation is not None and action.organisation.pk not in taking_part:
                self.error(
                    action.row,
                    "organisation",
                    _("%(org)s does not take part in this case; add a “participant” row for it.")
                    % {"org": action.organisation.name},
                    draft.legacy_id,
                )


def check_cases(house: House, table: Table, *, progress: Progress | None = None) -> CasePlan:
    """Check every row; nothing is written."""
    checker = _Checker(house, table)
    groups: dict[str, list[Row]] = defaultdict(list)
    ragged = dict(table.ragged)
    for row in table.rows:
        record = row.get("record").lower()
        legacy_id = row.get("legacy_id")
        if record not in RECORDS:
            checker.error(
                row,
                "record",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(RECORDS)}
                if record
                else _("This field is required; choose one of: %(choices)s.")
                % {"choices": ", ".join(RECORDS)},
            )
        if not legacy_id:
            checker.error(row, "legacy_id", _("Every row needs the case's legacy id."))
            continue
        groups[legacy_id].append(row)

    already = set()
    ids = list(groups)
    for start in range(0, len(ids), BATCH):
        already |= set(
            LegacyCase.objects.filter(
                house=house, legacy_id__in=ids[start : start + BATCH]
            ).values_list("legacy_id", flat=True)
        )

    drafts: list[CaseDraft] = []
    rejected = 0
    done = 0
    for legacy_id, rows in groups.items():
        case_rows = [r for r in rows if r.get("record").lower() == "case"]
        before = len(checker.issues)
        if legacy_id in already:
            first = case_rows[0] if case_rows else rows[0]
            checker.issues.append(
                Issue(
                    first.number,
                    "legacy_id",
                    _("Already imported into this house; nothing changed."),
                    legacy_id[:64],
                    SKIPPED,
                )
            )
        elif not case_rows:
            rejected += 1
            for row in rows:
                checker.error(row, "legacy_id", _("There is no “case” row with this legacy id."))
        elif len(case_rows) > 1:
            rejected += 1
            for row in case_rows[1:]:
                checker.error(
                    row,
                    "legacy_id",
                    _("This legacy id is used by more than one “case” row (first in row %(row)s).")
                    % {"row": case_rows[0].number},
                )
        else:
            draft = CaseDraft(legacy_id)
            # The case row first, so the other rows can refer to what it says.
            for row in sorted(rows, key=lambda r: r.get("record").lower() != "case"):
                if row.number in ragged:
                    checker.error(
                        row,
                        "record",
                        _("This row has %(found)s fields; the header has %(expected)s.")
                        % {"found": ragged[row.number], "expected": len(table.columns)},
                    )
                    continue
                record = row.get("record").lower()
                if record == "case":
                    checker.case_row(draft, row)
                elif record == "subject":
                    checker.subject_row(draft, row)
                elif record == "participant":
                    checker.participant_row(draft, row)
                elif record == "action":
                    checker.action_row(draft, row)
            if len(checker.issues) == before:  # no follow-on errors from a bad row
                checker.whole_case(draft)
            if any(i.kind == ERROR for i in checker.issues[before:]):
                rejected += 1
            else:
                drafts.append(draft)
        done += len(rows)
        if progress is not None and done // PROGRESS_EVERY != (done - len(rows)) // PROGRESS_EVERY:
            progress(done)
    _check_open_cases(house, drafts, checker)
    valid = [d for d in drafts if not d.bad]
    rejected += len(drafts) - len(valid)
    if progress is not None:
        progress(len(table.rows))
    return CasePlan(
        drafts=valid,
        issues=checker.issues,
        cases_in_file=len(groups),
        rejected_cases=rejected,
        already_imported=len(already & groups.keys()),
        rows=len(table.rows),
    )


def _check_open_cases(house: House, drafts: list[CaseDraft], checker: _Checker) -> None:
    """One person (by BSN) has at most one open case in a house, as for cases made by
    triage: against the house's cases and between the cases of the file."""
    wanted: dict[str, list[tuple[CaseDraft, SubjectDraft]]] = defaultdict(list)
    for draft in drafts:
        if draft.phase == Phase.CLOSED:
            continue
        for subject in draft.subjects:
            if subject.bsn:
                wanted[bsn_lookup_hash(subject.bsn)].append((draft, subject))
    hashes = list(wanted)
    taken: set[str] = set()
    for start in range(0, len(hashes), BATCH):
        taken |= set(
            CaseSubject.objects.filter(
                case__house=house, subject__bsn_hash__in=hashes[start : start + BATCH]
            )
            .exclude(case__phase=Phase.CLOSED)
            .values_list("subject__bsn_hash", flat=True)
        )
    for bsn_hash, uses in wanted.items():
        clashes = uses if bsn_hash in taken else uses[1:]
        for draft, subject in clashes:
            if draft.bad:
                continue
            draft.bad = True
            checker.error(
                subject.row,
                "bsn",
                _("This person already has an open case in this house.")
                if bsn_hash in taken
                else _("This person is also in another open case of this file."),
                draft.legacy_id,
            )


def _at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _references(house: House, drafts: list[CaseDraft]) -> dict[str, str]:
    """Case numbers in the year each case opened, after the house's highest number of that
    year (the same shape as cases made by triage: 2019-0042)."""
    numbers: dict[str, str] = {}
    by_year: dict[int, list[CaseDraft]] = defaultdict(list)
    for draft in drafts:
        assert draft.opened_on is not None
        by_year[draft.opened_on.year].append(draft)
    for year, group in by_year.items():
        number = last_reference_number(house, year)
        for draft in group:
            number += 1
            numbers[draft.legacy_id] = f"{year}-{number:04d}"
    return numbers


def _title(draft: CaseDraft, main: SubjectDraft | None) -> str:
    if draft.title:
        return draft.title
    if main is None:
        return draft.legacy_id
    if draft.kind == SubjectKind.FAMILY:
        return _("Family %(name)s") % {"name": main.last_name}
    return f"{main.first_name} {main.last_name}"


def _reached_level(house: House, due: datetime.date, today: datetime.date) -> int:
    """The escalation level an overdue action has already reached: the previous system dealt
    with those levels, so the scheduler continues from here instead of firing them all now."""
    level = 0
    for step in house.escalation_ladder or []:
        if due + datetime.timedelta(days=step["after_days"]) <= today:
            level = max(level, step["level"])
    return level


@transaction.atomic
def write_cases(house: House, drafts: list[CaseDraft], *, actor: User, job: ImportJob) -> int:
    """Create the checked cases with their people, participants, plans and actions, in bulk,
    with one audit row per case and one processing-log line per person. Returns how many."""
    House.objects.select_for_update().filter(pk=house.pk).first()  # as triage does
    # A second import of the same file may have committed since the check.
    taken = set(
        LegacyCase.objects.filter(
            house=house, legacy_id__in=[d.legacy_id for d in drafts]
        ).values_list("legacy_id", flat=True)
    )
    drafts = [d for d in drafts if d.legacy_id not in taken]
    if not drafts:
        return 0
    now = timezone.now()
    today = timezone.localdate()
    references = _references(house, drafts)
    mains: dict[str, SubjectDraft | None] = {}
    cases: list[Case] = []
    for draft in drafts:
        assert draft.opened_on is not None
        main = next((s for s in draft.subjects if s.is_main), None) or (
            draft.subjects[0] if draft.subjects else None
        )
        mains[draft.legacy_id] = main
        closed = draft.phase == Phase.CLOSED
        assert not closed or draft.closed_on is not None
        cases.append(
            Case(
                house=house,
                reference=references[draft.legacy_id],
                kind=draft.kind,
                title=_title(draft, main)[:200],
                phase=draft.phase,
                urgency=draft.urgency,
                process_director=draft.process_director,
                phase_changed_at=_at_noon(draft.closed_on if closed else draft.opened_on),  # type: ignore[arg-type]
                aftercare_until=today + datetime.timedelta(weeks=house.aftercare_weeks)
                if draft.phase == Phase.AFTERCARE
                else None,
                closed_at=_at_noon(draft.closed_on) if closed else None,  # type: ignore[arg-type]
                outcome=draft.outcome if closed else "",
                retention_until=add_years(draft.closed_on, house.retention_case_years)  # type: ignore[arg-type]
                if closed
                else None,
            )
        )
    Case.objects.bulk_create(cases, batch_size=BATCH)
    # created_at is set on insert; the case's real start is the day it opened there.
    for case, draft in zip(cases, drafts, strict=True):
        case.created_at = _at_noon(draft.opened_on)  # type: ignore[arg-type]
    Case.objects.bulk_update(cases, ["created_at"], batch_size=BATCH)

    subjects: list[Subject] = []
    owners: list[tuple[Case, SubjectDraft]] = []
    for case, draft in zip(cases, drafts, strict=True):
        for item in draft.subjects:
            subjects.append(
                Subject(
                    house=house,
                    first_name=item.first_name,
                    last_name=item.last_name,
                    date_of_birth=item.date_of_birth,
                    bsn_encrypted=encrypt(item.bsn),
                    bsn_hash=bsn_lookup_hash(item.bsn),
                    region_hash=region_hash_of_bsn(item.bsn),
                    address=item.address,
                    search_name=name_key(item.first_name, item.last_name),
                )
            )
            owners.append((case, item))
    Subject.objects.bulk_create(subjects, batch_size=BATCH)
    main_rows = {id(m) for m in mains.values() if m is not None}
    links = [
        CaseSubject(
            case=case,
            subject=subject,
            is_main=id(item) in main_rows,
            relation_to_main=item.relation,
        )
        for subject, (case, item) in zip(subjects, owners, strict=True)
    ]
    CaseSubject.objects.bulk_create(links, batch_size=BATCH)

    Participation.objects.bulk_create(
        [
            Participation(case=case, organisation=p.organisation, role=p.role, purpose=p.purpose)
            for case, draft in zip(cases, drafts, strict=True)
            for p in draft.participants
        ],
        batch_size=BATCH,
    )
    reason = _("Imported from the previous system")
    PhaseChange.objects.bulk_create(
        [
            PhaseChange(
                case=case,
                from_phase="",
                to_phase=case.phase,
                actor=actor,
                changed_at=case.phase_changed_at,
                reason=f"{reason} ({draft.legacy_id})"[:500],
            )
            for case, draft in zip(cases, drafts, strict=True)
        ],
        batch_size=BATCH,
    )
    with_actions = [(c, d) for c, d in zip(cases, drafts, strict=True) if d.actions]
    Plan.objects.bulk_create(
        [Plan(case=case, updated_at=now, last_progress_at=now) for case, _d in with_actions],
        batch_size=BATCH,
    )
    actions: list[Action] = []
    for case, draft in with_actions:
        for number, entry in enumerate(draft.actions, start=1):
            assert entry.organisation is not None
            assert entry.due_date is not None
            open_ = entry.status == ActionStatus.OPEN
            overdue = open_ and entry.due_date < today
            actions.append(
                Action(
                    case=case,
                    house=house,
                    number=number,
                    title=entry.title,
                    owner_organisation=entry.organisation,
                    due_date=entry.due_date,
                    status=entry.status,
                    created_by=actor,
                    created_at=now,
                    done_at=_at_noon(entry.done_on) if entry.done_on else None,
                    # No burst of reminders and escalations for what the old system handled.
                    reminded_before_at=now if overdue else None,
                    reminded_overdue_at=now if overdue else None,
                    escalation_level=_reached_level(house, entry.due_date, today) if overdue else 0,
                )
            )
    Action.objects.bulk_create(actions, batch_size=BATCH)
    LegacyCase.objects.bulk_create(
        [
            LegacyCase(house=house, legacy_id=draft.legacy_id, case=case, job=job, imported_at=now)
            for case, draft in zip(cases, drafts, strict=True)
        ],
        batch_size=BATCH,
    )
    _log_cases(house, cases, drafts, subjects, owners, actor=actor, now=now)
    return len(cases)


def _log_cases(
    house: House,
    cases: list[Case],
    drafts: list[CaseDraft],
    subjects: list[Subject],
    owners: list[tuple[Case, SubjectDraft]],
    *,
    actor: User,
    now: datetime.datetime,
) -> None:
    """One audit row per case and one processing-log line per person, chained in one batch
    (what `log.record` writes per call, without a query per case)."""
    activity = log.current_activity(house, log.CASE_PROCESS)
    organisation = log._organisation_of(actor, house)
    people: dict[int, list[Subject]] = defaultdict(list)
    for subject, (case, _item) in zip(subjects, owners, strict=True):
        people[case.pk].append(subject)
    audits = []
    lines = []
    for case, draft in zip(cases, drafts, strict=True):
        span_id = log.new_span_id()
        audits.append(
            audit_event(
                actor=actor,
                house=house,
                action="case.import",
                obj=case,
                span_id=span_id,
                actor_organisation=organisation,
                occurred_at=now,
                after={
                    "reference": case.reference,
                    "legacy_id": draft.legacy_id,
                    "phase": case.phase,
                    "participants": [p.organisation.pk for p in draft.participants],
                    "actions": len(draft.actions),
                },
                reason=_("Imported from the previous system"),
            )
        )
        for subject in people[case.pk]:
            ref = log.subject_ref(subject_pk=subject.pk, bsn_hash=subject.bsn_hash)
            lines.append(
                chain.line(
                    trace_id=audits[-1].trace_id,
                    span_id=log.new_span_id(),
                    parent_span_id=span_id,
                    name="case.import",
                    start_time=now,
                    end_time=now,
                    operation=str(Operation.CREATE),
                    processing_activity=activity.uri,
                    purpose=PURPOSE_MIGRATION[:200],
                    data_subject_id=ref.pseudonym,
                    data_subject_id_type=ref.id_type,
                    house_id=house.pk,
                    case_id=case.pk,
                    object_type="cases.case",
                    object_id=str(case.pk),
                    recipient_organisation_id=None,
                )
            )
    chain.append(audits, lines)
