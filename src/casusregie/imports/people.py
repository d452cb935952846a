"""Organisations and people of a house from one CSV or XLSX table (docs/imports.md).

Rows are `organisation` (keyed on its name, which is unique across houses) or `person` (keyed
on the e-mail address; a role is keyed on e-mail, organisation and role). Running the file
again updates organisations whose details changed and adds only roles that are missing; it
never makes a second organisation, account or role. Every change goes through the actions of
the houses app, so it writes the same audit rows and sends new people the same invitation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from casusregie.accounts.models import GrantStatus, Membership, RoleGrant, User
from casusregie.accounts.roles import Role
from casusregie.houses import actions
from casusregie.houses.models import House, Organisation, OrganisationKind, Partnership, Ring

from .files import Row, Table, parse_flag
from .models import ImportMode
from .report import ERROR, Issue

RECORDS = ("organisation", "person")
REQUIRED_COLUMNS = ("record", "name", "kind", "email", "full_name", "organisation", "role")
OPTIONAL_COLUMNS = ("ring", "covenant_signatory", "phone", "address")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

Progress = Callable[[int], None]


@dataclass
class OrganisationDraft:
    row: int
    name: str
    kind: str
    ring: str  # "" keeps the current ring of an existing partner
    covenant_signatory: bool | None
    email: str
    phone: str
    address: str


@dataclass
class PersonDraft:
    row: int
    email: str
    full_name: str
    organisation: str  # lower-case name
    role: str


@dataclass
class PeoplePlan:
    organisations: list[OrganisationDraft]
    people: list[PersonDraft]
    issues: list[Issue]
    rows: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(i.kind == ERROR for i in self.issues)

    def summary(self, mode: str) -> dict[str, Any]:
        blocked = mode == ImportMode.ALL and self.has_errors
        return {
            "rows": self.rows,
            "organisations": len(self.organisations),
            "people": len(self.people),
            "rejected_rows": len({i.row for i in self.issues if i.kind == ERROR}),
            "to_import": 0 if blocked else len(self.organisations) + len(self.people),
            "blocked": blocked,
            **self.counts,
        }


def _email_ok(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def check_people(house: House, table: Table, *, progress: Progress | None = None) -> PeoplePlan:
    """Check every row against the house; nothing is written."""
    issues: list[Issue] = []

    def error(row: Row, column: str, reason: str) -> None:
        issues.append(Issue(row.number, column, reason))

    existing = {o.name.strip().lower(): o for o in Organisation.objects.all()}
    partners = set(
        Partnership.objects.filter(house=house).values_list("organisation__name", flat=True)
    )
    partners = {n.strip().lower() for n in partners}
    shared = set(
        Partnership.objects.exclude(house=house).values_list("organisation__name", flat=True)
    )
    shared = {n.strip().lower() for n in shared}
    ragged = dict(table.ragged)
    organisations: dict[str, OrganisationDraft] = {}
    people: list[PersonDraft] = []
    seen_roles: set[tuple[str, str, str]] = set()
    for index, row in enumerate(table.rows, start=1):
        if progress is not None and index % 200 == 0:
            progress(index)
        before = len(issues)
        record = row.get("record").lower()
        if row.number in ragged:
            error(
                row,
                "record",
                _("This row has %(found)s fields; the header has %(expected)s.")
                % {"found": ragged[row.number], "expected": len(table.columns)},
            )
            continue
        if record == "organisation":
            name = row.get("name")
            key = name.lower()
            kind = row.get("kind").lower()
            ring = row.get("ring").lower()
            raw_covenant = row.get("covenant_signatory")
            covenant = parse_flag(raw_covenant) if raw_covenant else None
            if not name:
                error(row, "name", _("Enter the organisation's name."))
            elif len(name) > 200:
                error(row, "name", _("A name has at most 200 characters."))
            elif key in organisations:
                error(
                    row,
                    "name",
                    _("This organisation is already in row %(row)s.")
                    % {"row": organisations[key].row},
                )
            if kind not in OrganisationKind.values:
                error(
                    row,
                    "kind",
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(OrganisationKind.values)},
                )
            elif key in existing and existing[key].kind != kind and key in shared:
                error(
                    row,
                    "kind",
                    _(
                        "This organisation also takes part in another house; its kind cannot "
                        "be changed here."
                    ),
                )
            if ring and ring not in Ring.values:
                error(
                    row,
                    "ring",
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(Ring.values)},
                )
            if raw_covenant and covenant is None:
                error(row, "covenant_signatory", _("Write “ja” or “nee”."))
            email = row.get("email").lower()
            if email and not _email_ok(email):
                error(row, "email", _("Enter a valid e-mail address."))
            if len(row.get("phone")) > 30:
                error(row, "phone", _("A telephone number has at most 30 characters."))
            if len(row.get("address")) > 300:
                error(row, "address", _("The address is too long."))
            if len(issues) == before:
                organisations[key] = OrganisationDraft(
                    row.number,
                    name,
                    kind,
                    ring,
                    covenant,
                    email,
                    row.get("phone"),
                    row.get("address"),
                )
        elif record == "person":
            email = row.get("email").lower()
            full_name = row.get("full_name")
            organisation = row.get("organisation").lower()
            role = row.get("role").lower()
            if not email:
                error(row, "email", _("Enter the person's e-mail address."))
            elif not _email_ok(email):
                error(row, "email", _("Enter a valid e-mail address."))
            if not full_name:
                error(row, "full_name", _("Enter the person's full name."))
            elif len(full_name) > 200:
                error(row, "full_name", _("A name has at most 200 characters."))
            if not organisation:
                error(row, "organisation", _("Name the organisation."))
            elif organisation not in organisations and organisation not in partners:
                error(
                    row,
                    "organisation",
                    _(
                        "Organisation “%(name)s” is not a partner of this house and has no valid "
                        "“organisation” row in this file."
                    )
                    % {"name": row.get("organisation")[:100]},
                )
            if role not in Role.values:
                error(
                    row,
                    "role",
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(Role.values)},
                )
            if (email, organisation, role) in seen_roles:
                error(row, "role", _("This person has this role in an earlier row already."))
            if len(issues) == before:
                seen_roles.add((email, organisation, role))
                people.append(PersonDraft(row.number, email, full_name, organisation, role))
        else:
            error(
                row,
                "record",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(RECORDS)},
            )
    if progress is not None:
        progress(len(table.rows))
    return PeoplePlan(list(organisations.values()), people, issues, len(table.rows))


class _Rollback(Exception):
    pass


def write_people(house: House, plan: PeoplePlan, *, mode: str, actor: User) -> dict[str, int]:
    """Apply the checked rows through the houses actions. In "all" mode a row the action
    refuses undoes everything; in "valid" mode only that row."""
    counts = dict.fromkeys(
        (
            "organisations_created",
            "organisations_joined",
            "organisations_updated",
            "people_created",
            "roles_added",
            "roles_pending",
            "unchanged",
        ),
        0,
    )
    try:
        with transaction.atomic():
            for draft in plan.organisations:
                _apply(plan, draft.row, mode, counts, partial(_organisation, house, draft, actor))
            for person in plan.people:
                _apply(plan, person.row, mode, counts, partial(_person, house, person, actor))
            if mode == ImportMode.ALL and plan.has_errors:
                raise _Rollback
    except _Rollback:
        return dict.fromkeys(counts, 0)
    return counts


def _apply(
    plan: PeoplePlan, row: int, mode: str, counts: dict[str, int], change: Callable[[], str]
) -> None:
    try:
        with transaction.atomic():
            counts[change()] += 1
    except ValidationError as error:
        for message in error.messages:
            plan.issues.append(Issue(row, "", message))
        if mode == ImportMode.ALL:
            raise _Rollback from None


def _organisation(house: House, draft: OrganisationDraft, actor: User) -> str:
    organisation = Organisation.objects.filter(name__iexact=draft.name).first()
    ring = draft.ring or Ring.KEY
    covenant = True if draft.covenant_signatory is None else draft.covenant_signatory
    if organisation is None:
        actions.do_add_organisation(
            house,
            name=draft.name,
            kind=draft.kind,
            ring=ring,
            covenant_signatory=covenant,
            email=draft.email,
            phone=draft.phone,
            address=draft.address,
            actor=actor,
        )
        return "organisations_created"
    partnership = Partnership.objects.filter(house=house, organisation=organisation).first()
    joined = partnership is None
    if partnership is None:
        partnership = actions.do_join_house(
            house, organisation, ring=ring, covenant_signatory=covenant, actor=actor
        )
    # Empty cells keep what is there: a file never erases details.
    wanted: dict[str, Any] = {"kind": draft.kind}
    for name in ("email", "phone", "address"):
        if getattr(draft, name):
            wanted[name] = getattr(draft, name)
    if draft.ring:
        wanted["ring"] = draft.ring
    if draft.covenant_signatory is not None:
        wanted["covenant_signatory"] = draft.covenant_signatory
    current = {
        **{n: getattr(organisation, n) for n in ("kind", "email", "phone", "address")},
        "ring": partnership.ring,
        "covenant_signatory": partnership.covenant_signatory,
    }
    changes = {k: v for k, v in wanted.items() if current[k] != v}
    if changes:
        actions.do_update_partnership(partnership, changes=changes, actor=actor)
    if joined:
        return "organisations_joined"
    return "organisations_updated" if changes else "unchanged"


def _person(house: House, draft: PersonDraft, actor: User) -> str:
    organisation = Organisation.objects.get(name__iexact=draft.organisation)
    user = User.objects.filter(email__iexact=draft.email).first()
    wanted = {"user": user, "house": house, "organisation": organisation, "role": draft.role}
    if user is not None and (
        Membership.objects.active().filter(**wanted).exists()
        or RoleGrant.objects.filter(**wanted, status=GrantStatus.PENDING).exists()
    ):
        return "unchanged"
    _user, granted, created = actions.do_add_person(
        house,
        email=draft.email,
        full_name=draft.full_name,
        organisation=organisation,
        role=draft.role,
        actor=actor,
    )
    if isinstance(granted, RoleGrant):
        # Four-eyes (decision 0040): the role waits for a second person's approval.
        return "roles_pending"
    return "people_created" if created else "roles_added"
