"""Every change of the services map (*sociale kaart*, decision 0048): add, change, confirm the
waiting time, stop offering, and import a file of services.

Each action checks who may do it (services_access.py), validates, writes in one transaction
with `update_fields`, and writes an audit row (`privacy.audit`) with what changed. A service
holds no personal data, so no processing-log lines are written.
"""

from __future__ import annotations

import base64
import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation
from casusregie.privacy import audit, chain, policy
from casusregie.privacy.log import new_span_id

from .models import Service, ServiceDomain
from .services_access import ADMIN, is_admin, may_edit_service, organisations_for_new_service

MAX_WAITING_WEEKS = 520  # ten years: anything longer is a typing error
MAX_TEXT = 4000
MAX_IMPORT_ROWS = 2000
MAX_IMPORT_BYTES = 2 * 1024 * 1024
# The fields a service's data consists of (the organisation is fixed once it is made).
FIELDS = (
    "name",
    "description",
    "domains",
    "target_group",
    "region",
    "how_to_refer",
    "contact_name",
    "contact_phone",
    "contact_email",
    "waiting_weeks",
)
LIMITS = {
    "name": 200,
    "target_group": 200,
    "region": 200,
    "description": MAX_TEXT,
    "how_to_refer": MAX_TEXT,
    "contact_name": 200,
    "contact_phone": 30,
}


@dataclass
class ServiceData:
    name: str
    domains: list[str]
    target_group: str
    waiting_weeks: int
    description: str = ""
    region: str = ""
    how_to_refer: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


def snapshot(service: Service, domains: list[str] | None = None) -> dict[str, Any]:
    """What the audit trail keeps of a service: every field, the life domains as codes."""
    return {
        "organisation": service.organisation_id,
        "name": service.name,
        "description": service.description,
        "domains": list(domains if domains is not None else service.domains),
        "target_group": service.target_group,
        "region": service.region,
        "how_to_refer": service.how_to_refer,
        "contact_name": service.contact_name,
        "contact_phone": service.contact_phone,
        "contact_email": service.contact_email,
        "waiting_weeks": service.waiting_weeks,
        "waiting_confirmed_on": (
            service.waiting_confirmed_on.isoformat() if service.waiting_confirmed_on else None
        ),
        "active": service.active,
    }


def _clean(data: ServiceData) -> tuple[ServiceData, list[str]]:
    """The data with text stripped and life domains in their usual order, and the life domains
    given that are not known."""
    given = list(data.domains or [])
    cleaned = ServiceData(
        name=str(data.name or "").strip(),
        domains=[d for d in LifeDomain.values if d in set(given)],
        target_group=str(data.target_group or "").strip(),
        waiting_weeks=data.waiting_weeks,
        description=str(data.description or "").strip(),
        region=str(data.region or "").strip(),
        how_to_refer=str(data.how_to_refer or "").strip(),
        contact_name=str(data.contact_name or "").strip(),
        contact_phone=str(data.contact_phone or "").strip(),
        contact_email=str(data.contact_email or "").strip(),
    )
    return cleaned, [d for d in given if d not in LifeDomain.values]


def validation_errors(
    house: House,
    organisation: Organisation,
    data: ServiceData,
    *,
    unknown_domains: Sequence[str] = (),
    exclude: int | None = None,
    check_name: bool = True,
) -> dict[str, list[str]]:
    """Field → messages for `data` (already `_clean`ed); empty when it can be saved.
    `check_name`: look in the database for another service of the organisation with the same
    name (the import knows them already)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not data.name:
        add("name", _("Enter the name of the service."))
    if not data.target_group:
        add("target_group", _("Say for whom the service is (the target group)."))
    for name, limit in LIMITS.items():
        if len(getattr(data, name)) > limit:
            add(name, _("At most %(limit)s characters.") % {"limit": limit})
    if unknown_domains:
        add("domains", _("Choose life domains from the list."))
    elif not data.domains:
        add("domains", _("Choose at least one life domain."))
    weeks = data.waiting_weeks
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 0 <= weeks <= MAX_WAITING_WEEKS:
        add(
            "waiting_weeks",
            _("Enter the waiting time as a whole number of weeks from 0 to %(max)s.")
            % {"max": MAX_WAITING_WEEKS},
        )
    if data.contact_email:
        try:
            validate_email(data.contact_email)
        except ValidationError:
            add("contact_email", _("Enter a valid e-mail address."))
    if check_name and data.name and "name" not in errors:
        same = Service.objects.filter(
            house=house, organisation=organisation, name__iexact=data.name
        )
        if exclude is not None:
            same = same.exclude(pk=exclude)
        if same.exists():
            add("name", _("%(org)s already has a service with this name.") % {"org": organisation})
    return errors


def _admin_organisation(actor: Any, house: House) -> Any:
    held = policy.membership_in(actor, house, roles=ADMIN)
    return held.organisation if held is not None else None


def _acting_organisation(actor: Any, house: House, organisation: Organisation) -> Any:
    """On whose behalf the actor changes the map: the owning organisation when they work for
    it, otherwise the organisation of their functional-administrator role."""
    held = policy.membership_in(actor, house, organisations=[organisation])
    return held.organisation if held is not None else _admin_organisation(actor, house)


def _set_domains(service: Service, domains: list[str]) -> None:
    ServiceDomain.objects.filter(service=service).exclude(domain__in=domains).delete()
    held = set(ServiceDomain.objects.filter(service=service).values_list("domain", flat=True))
    ServiceDomain.objects.bulk_create(
        ServiceDomain(service=service, domain=d) for d in domains if d not in held
    )
    # Forget domains read before the change: `service.domains` reads them anew.
    service._prefetched_objects_cache = {}  # type: ignore[attr-defined]


@transaction.atomic
def do_add_service(
    house: House, organisation: Organisation, data: ServiceData, *, actor: Any
) -> Service:
    if not organisations_for_new_service(actor, house).filter(pk=organisation.pk).exists():
        raise PermissionDenied(
            _("You can add services only for an organisation you work for in this house.")
        )
    data, unknown = _clean(data)
    errors = validation_errors(house, organisation, data, unknown_domains=unknown)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    service = Service.objects.create(
        house=house,
        organisation=organisation,
        name=data.name,
        description=data.description,
        target_group=data.target_group,
        region=data.region,
        how_to_refer=data.how_to_refer,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        contact_email=data.contact_email,
        waiting_weeks=data.waiting_weeks,
        waiting_confirmed_on=timezone.localdate(),
        active=True,
        updated_at=now,
        updated_by=actor,
    )
    _set_domains(service, data.domains)
    audit.record_change(
        actor=actor,
        action="service.create",
        obj=service,
        house=house,
        actor_organisation=_acting_organisation(actor, house, organisation),
        after=snapshot(service, data.domains),
    )
    return service


def _lock(service: Service) -> Service:
    locked = (
        Service.objects.select_for_update()
        .select_related("house", "organisation")
        .get(pk=service.pk)
    )
    return locked


def _check_may_edit(actor: Any, service: Service) -> None:
    if not may_edit_service(actor, service):
        raise PermissionDenied(
            _(
                "Only the organisation that offers this service or a functional administrator "
                "can change it."
            )
        )


@transaction.atomic
def do_update_service(
    service: Service,
    changes: dict[str, Any],
    *,
    actor: Any,
    confirm_waiting: bool = False,
    reason: str = "",
) -> Service:
    """Change some of FIELDS (and `active`); the rest stays. A new waiting time, or
    `confirm_waiting`, also confirms the waiting time as of today."""
    service = _lock(service)
    _check_may_edit(actor, service)
    not_allowed = sorted(set(changes) - {*FIELDS, "active"})
    if not_allowed:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in not_allowed})
    before = snapshot(service)
    merged = {name: before[name] for name in FIELDS} | {
        k: v for k, v in changes.items() if k != "active"
    }
    data, unknown = _clean(ServiceData(**merged))
    errors = validation_errors(
        service.house, service.organisation, data, unknown_domains=unknown, exclude=service.pk
    )
    if "active" in changes and not isinstance(changes["active"], bool):
        errors["active"] = [_("Say yes or no.")]
    if errors:
        raise ValidationError(errors)
    fields = []
    for name in FIELDS:
        if name == "domains":
            continue
        value = getattr(data, name)
        if getattr(service, name) != value:
            setattr(service, name, value)
            fields.append(name)
    if "active" in changes and changes["active"] != service.active:
        service.active = changes["active"]
        fields.append("active")
    confirming = confirm_waiting or "waiting_weeks" in fields
    if confirming and service.waiting_confirmed_on != timezone.localdate():
        service.waiting_confirmed_on = timezone.localdate()
        fields.append("waiting_confirmed_on")
    domains_changed = data.domains != before["domains"]
    if not fields and not domains_changed:
        return service
    service.updated_at = timezone.now()
    service.updated_by = actor
    service.save(update_fields=[*fields, "updated_at", "updated_by"])
    if domains_changed:
        _set_domains(service, data.domains)
    after = snapshot(service, data.domains)
    audit.record_change(
        actor=actor,
        action="service.update",
        obj=service,
        house=service.house,
        actor_organisation=_acting_organisation(actor, service.house, service.organisation),
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
        reason=reason,
    )
    return service


@transaction.atomic
def do_confirm_waiting_time(service: Service, *, actor: Any) -> Service:
    """The owner says the waiting time is still right: it counts as confirmed today."""
    service = _lock(service)
    _check_may_edit(actor, service)
    if not service.active:
        raise ValidationError(_("This service is no longer offered."))
    before = service.waiting_confirmed_on
    service.waiting_confirmed_on = timezone.localdate()
    service.updated_at = timezone.now()
    service.updated_by = actor
    service.save(update_fields=["waiting_confirmed_on", "updated_at", "updated_by"])
    audit.record_change(
        actor=actor,
        action="service.confirm_waiting_time",
        obj=service,
        house=service.house,
        actor_organisation=_acting_organisation(actor, service.house, service.organisation),
        before={"waiting_confirmed_on": before.isoformat() if before else None},
        after={
            "waiting_confirmed_on": service.waiting_confirmed_on.isoformat(),
            "waiting_weeks": service.waiting_weeks,
        },
    )
    return service


@transaction.atomic
def do_retire_service(service: Service, *, actor: Any, reason: str) -> Service:
    """The service is no longer offered: it leaves the picker and the default list, and stays
    readable (actions that name it keep their link)."""
    service = _lock(service)
    _check_may_edit(actor, service)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the service is no longer offered.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("At most %(limit)s characters.") % {"limit": 500}]})
    if not service.active:
        raise ValidationError(_("This service is no longer offered."))
    service.active = False
    service.updated_at = timezone.now()
    service.updated_by = actor
    service.save(update_fields=["active", "updated_at", "updated_by"])
    audit.record_change(
        actor=actor,
        action="service.retire",
        obj=service,
        house=service.house,
        actor_organisation=_acting_organisation(actor, service.house, service.organisation),
        before={"active": True},
        after={"active": False},
        reason=reason,
    )
    return service


# --- Import (CSV or XLSX) ---------------------------------------------------------------------

REQUIRED_COLUMNS = ("organisation", "name", "domains", "target_group", "waiting_weeks")
OPTIONAL_COLUMNS = (
    "description",
    "region",
    "how_to_refer",
    "contact_name",
    "contact_phone",
    "contact_email",
    "waiting_confirmed_on",
    "active",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
WHOLE_NUMBER = re.compile(r"^[0-9]{1,4}$")


@dataclass
class ImportRow:
    number: int
    organisation_name: str
    name: str
    outcome: str = ""  # CREATE, UPDATE or UNCHANGED when the row is good
    errors: list[str] = field(default_factory=list)
    # What will be written (only for good rows).
    organisation: Organisation | None = None
    data: ServiceData | None = None
    confirmed_on: datetime.date | None = None
    active: bool = True
    existing: Service | None = None


@dataclass
class ImportCheck:
    rows: list[ImportRow]
    problem: str = ""  # the file as a whole cannot be read

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.problem and bool(self.rows) and not self.bad_rows

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if not row.errors and row.outcome == outcome)


def _domain_lookup() -> dict[str, str]:
    """Codes, English and Dutch labels (lower case) → code."""
    found = {code: code for code in LifeDomain.values}
    for language in ("en", "nl"):
        with translation.override(language):
            for code, label in LifeDomain.choices:
                found[str(label).lower()] = code
    return found


def _parse_domains(value: str, lookup: dict[str, str]) -> tuple[list[str], list[str]]:
    parts = [p.strip() for p in value.replace("|", ";").replace(",", ";").split(";")]
    codes, unknown = [], []
    for part in (p for p in parts if p):
        code = lookup.get(part.lower())
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def check_import(house: House, data: bytes, filename: str, *, actor: Any) -> ImportCheck:
    """Read and check every row of a file without writing anything: the dry run."""
    from casusregie.imports.files import FileProblem, parse_date, parse_flag, read_table

    if not is_admin(actor, house):
        raise PermissionDenied(_("Only a functional administrator imports services."))
    try:
        table = read_table(
            data,
            filename,
            required=REQUIRED_COLUMNS,
            allowed=COLUMNS,
            max_size=MAX_IMPORT_BYTES,
        )
    except FileProblem as problem:
        return ImportCheck(rows=[], problem=str(problem))
    if len(table.records) > MAX_IMPORT_ROWS:
        return ImportCheck(
            rows=[],
            problem=_("The file has more than %(max)s rows. Split it into smaller files.")
            % {"max": MAX_IMPORT_ROWS},
        )
    partners = {
        o.name.strip().lower(): o for o in Organisation.objects.filter(partnerships__house=house)
    }
    existing = {
        (s.organisation_id, s.name.lower()): s
        for s in Service.objects.filter(house=house).prefetch_related("domain_rows")
    }
    lookup = _domain_lookup()
    ragged = dict(table.ragged)
    seen: dict[tuple[int, str], int] = {}
    today = timezone.localdate()
    rows: list[ImportRow] = []
    for record in table.rows:
        row = ImportRow(record.number, record.get("organisation"), record.get("name"))
        rows.append(row)
        if record.number in ragged:
            row.errors.append(
                _("This row has %(found)s fields; the header has %(expected)s.")
                % {"found": ragged[record.number], "expected": len(table.columns)}
            )
        organisation = partners.get(row.organisation_name.lower())
        if organisation is None:
            row.errors.append(
                _("organisation: “%(name)s” is not a partner organisation of this house.")
                % {"name": row.organisation_name}
            )
        domains, unknown = _parse_domains(record.get("domains"), lookup)
        weeks_text = record.get("waiting_weeks")
        weeks: Any = int(weeks_text) if WHOLE_NUMBER.match(weeks_text) else -1
        service_data = ServiceData(
            name=row.name,
            domains=domains,
            target_group=record.get("target_group"),
            waiting_weeks=weeks,
            description=record.get("description"),
            region=record.get("region"),
            how_to_refer=record.get("how_to_refer"),
            contact_name=record.get("contact_name"),
            contact_phone=record.get("contact_phone"),
            contact_email=record.get("contact_email"),
        )
        cleaned, _none = _clean(service_data)
        found = None
        if organisation is not None:
            found = existing.get((organisation.pk, cleaned.name.lower()))
            errors = validation_errors(
                house, organisation, cleaned, unknown_domains=unknown, check_name=False
            )
            for name, messages in errors.items():
                if name == "domains" and unknown:
                    messages = [
                        _("domains: unknown life domain “%(value)s”.") % {"value": unknown[0]}
                    ]
                    row.errors += messages
                    continue
                row.errors += [f"{name}: {m}" for m in messages]
            key = (organisation.pk, cleaned.name.lower())
            if cleaned.name and key in seen:
                row.errors.append(
                    _("name: the same service is in row %(row)s already.") % {"row": seen[key]}
                )
            seen.setdefault(key, record.number)
        confirmed_text = record.get("waiting_confirmed_on")
        confirmed = today
        if confirmed_text:
            parsed = parse_date(confirmed_text)
            if parsed is None:
                row.errors.append(
                    _("waiting_confirmed_on: write a date as 31-12-2026 or 2026-12-31.")
                )
            elif parsed > today:
                row.errors.append(_("waiting_confirmed_on: the date lies in the future."))
            else:
                confirmed = parsed
        active_text = record.get("active")
        active = parse_flag(active_text) if active_text else True
        if active is None:
            row.errors.append(_("active: write “ja” or “nee”."))
        if row.errors:
            continue
        row.organisation, row.data, row.confirmed_on = organisation, cleaned, confirmed
        row.active, row.existing = bool(active), found
        if found is None:
            row.outcome = CREATE
        else:
            new = snapshot(found) | {
                **{k: getattr(cleaned, k) for k in FIELDS},
                "waiting_confirmed_on": confirmed.isoformat(),
                "active": row.active,
            }
            row.outcome = UNCHANGED if new == snapshot(found) else UPDATE
    return ImportCheck(rows=rows)


@transaction.atomic
def do_import_services(house: House, data: bytes, filename: str, *, actor: Any) -> ImportCheck:
    """Check the file again and write every row, or nothing when any row is bad. New services
    are added, those with the same organisation and name are brought up to date; one audit row
    per service written."""
    check = check_import(house, data, filename, actor=actor)
    if not check.ok:
        raise ValidationError(
            check.problem or _("Nothing was imported: correct the rows with errors first.")
        )
    now = timezone.now()
    admin_org = _admin_organisation(actor, house)
    events = []
    for row in check.rows:
        if row.outcome == UNCHANGED:
            continue
        if row.data is None or row.organisation is None:  # pragma: no cover - a good row has both
            continue
        values = {k: getattr(row.data, k) for k in FIELDS if k != "domains"}
        if row.existing is None:
            service = Service.objects.create(
                house=house,
                organisation=row.organisation,
                **values,
                waiting_confirmed_on=row.confirmed_on,
                active=row.active,
                updated_at=now,
                updated_by=actor,
            )
            before: dict[str, Any] | None = None
        else:
            service = Service.objects.select_for_update().get(pk=row.existing.pk)
            before = snapshot(row.existing)
            for name, value in values.items():
                setattr(service, name, value)
            service.waiting_confirmed_on = row.confirmed_on
            service.active = row.active
            service.updated_at, service.updated_by = now, actor
            service.save(
                update_fields=[
                    *values,
                    "waiting_confirmed_on",
                    "active",
                    "updated_at",
                    "updated_by",
                ]
            )
        _set_domains(service, row.data.domains)
        after = snapshot(service, row.data.domains)
        if before is not None:
            before, after = (
                {k: v for k, v in before.items() if after[k] != v},
                {k: v for k, v in after.items() if before[k] != v},
            )
        events.append(
            audit.audit_event(
                actor=actor,
                house=house,
                action="service.create" if row.existing is None else "service.update",
                obj=service,
                span_id=new_span_id(),
                actor_organisation=admin_org,
                before=before,
                after=after,
                reason=_("Import of %(file)s, row %(row)s") % {"file": filename, "row": row.number},
            )
        )
    chain.append(events, [])
    return check


# The file travels from the dry run to the import as a signed value in the page (no upload is
# kept on the server); the signature binds it to the house and the person.
_SALT = "casusregie.plans.services.import"


def sign_upload(house: House, actor: Any, data: bytes, filename: str) -> str:
    return signing.dumps(
        {
            "house": house.pk,
            "user": actor.pk,
            "name": filename,
            "data": base64.b64encode(data).decode("ascii"),
        },
        salt=_SALT,
        compress=True,
    )


def unsign_upload(house: House, actor: Any, token: str) -> tuple[bytes, str]:
    """The file of a dry run, or a ValidationError when the value is not one we made for this
    house and person within the last hour."""
    try:
        value = signing.loads(token, salt=_SALT, max_age=3600)
    except signing.BadSignature:
        raise ValidationError(_("The checked file has expired. Upload it again.")) from None
    if value.get("house") != house.pk or value.get("user") != actor.pk:
        raise ValidationError(_("The checked file has expired. Upload it again."))
    return base64.b64decode(value["data"]), str(value["name"])


def as_data(service: Service) -> dict[str, Any]:
    """A service's fields as `do_update_service` takes them (the edit form's initial values)."""
    values = snapshot(service)
    return {name: values[name] for name in FIELDS}
