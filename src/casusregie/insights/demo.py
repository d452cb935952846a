"""Synthetic police registration counts for the demo, recorded through the action (audited)
by a member of the police organisation taking part in each case.

The demo's history covers about eighteen months, so hardly any case closed twelve months ago
and no "after" count could be recorded. `import_archive` therefore gives each demo house the
closed cases of its earlier years, imported from a "previous system" through the case import
(`casusregie.imports`, audited and logged like any import)."""

from __future__ import annotations

import csv
import datetime
import io
import random
from collections.abc import Callable

from django.db.models import Exists, OuterRef
from django.utils import timezone

from casusregie.accounts.models import Membership
from casusregie.accounts.roles import Role
from casusregie.cases.models import AftercareOutcome, Case, Participation
from casusregie.houses.models import House, Organisation, OrganisationKind

from .actions import after_allowed, record_police_count

ARCHIVE_CASES = 40  # closed cases per demo house from before the demo's history
ARCHIVE_HOUSES = ("duinstreek", "heuvelland")
_FIRST = ["Anouk", "Bram", "Chantal", "Dennis", "Esra", "Fleur", "Gert", "Hatice", "Ivo", "Joyce"]
_LAST = ["Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos", "Peters"]
_PARTNER_KINDS = (
    OrganisationKind.MUNICIPALITY,
    OrganisationKind.MENTAL_HEALTH,
    OrganisationKind.ADDICTION_CARE,
    OrganisationKind.PROBATION,
    OrganisationKind.HOUSING,
)


def archive_csv(house: House, rng: random.Random, n: int = ARCHIVE_CASES) -> str | None:
    """A case-import CSV (docs/imports.md) of `n` cases about one person each (synthetic BSNs
    as in the rest of the demo), with the police and one or two other partners, opened up to 36
    months ago and closed 13 to 25 months ago. None when the house has no police partner."""
    from casusregie.cases.models import Subject
    from casusregie.demo.cases import synthetic_bsn
    from casusregie.imports.cases import COLUMNS

    orgs = list(Organisation.objects.filter(partnerships__house=house).order_by("name"))
    police = [o for o in orgs if o.kind == OrganisationKind.POLICE]
    others = [o for o in orgs if o.kind in _PARTNER_KINDS]
    if not police or not others:
        return None
    today = timezone.localdate()
    used = {s.bsn for s in Subject.objects.exclude(bsn_encrypted="")}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="")
    writer.writeheader()
    outcomes = [*AftercareOutcome.values, AftercareOutcome.MANAGEABLE, "regular_care"]
    for index in range(n):
        legacy_id = f"ARCHIEF-{index + 1:04d}"
        closed = today - datetime.timedelta(days=rng.randint(395, 760))
        opened = closed - datetime.timedelta(days=rng.randint(60, 330))
        writer.writerow(
            {
                "record": "case",
                "legacy_id": legacy_id,
                "kind": "person",
                "phase": "closed",
                "opened_on": opened.isoformat(),
                "closed_on": closed.isoformat(),
                "outcome": rng.choice(outcomes),
            }
        )
        born = datetime.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
        writer.writerow(
            {
                "record": "subject",
                "legacy_id": legacy_id,
                "first_name": rng.choice(_FIRST),
                "last_name": rng.choice(_LAST),
                "date_of_birth": born.isoformat(),
                "bsn": synthetic_bsn(rng, used),
                "is_main": "ja",
            }
        )
        for org in [police[0], *rng.sample(others, min(len(others), rng.randint(1, 2)))]:
            writer.writerow(
                {
                    "record": "participant",
                    "legacy_id": legacy_id,
                    "organisation": org.name,
                    "role": "Partner",
                    "purpose": "Gezamenlijke aanpak (gearchiveerd)",
                }
            )
    return out.getvalue()


def import_archive(progress: Callable[[str], None], seed: int) -> int:
    """Import the archived closed cases of each demo house through the case import, as the
    house's functional administrator. Returns how many cases were imported."""
    from casusregie.imports.actions import import_file
    from casusregie.imports.models import ImportMode, LegacyCase

    rng = random.Random(seed * 17)  # noqa: S311 - synthetic demo cases, repeatable on purpose
    imported = 0
    for house in House.objects.filter(slug__in=ARCHIVE_HOUSES).order_by("slug"):
        text = archive_csv(house, rng)
        admin = (
            Membership.objects.active()
            .filter(house=house, role=Role.FUNCTIONAL_ADMIN)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if text is None or admin is None:
            continue
        job = import_file(
            house,
            kind="cases",
            mode=ImportMode.ALL,
            filename="archief-vorig-systeem.csv",
            data=text.encode(),
            actor=admin.user,
        )
        count = LegacyCase.objects.filter(house=house, case__isnull=False).count()
        if not count:  # the demo's own file must import; show why it did not
            raise RuntimeError(f"archive import failed for {house.slug}: {job.report[:3]}")
        imported += count
        progress(f"{house.name}: {count} gesloten casussen uit het archief geïmporteerd")
    return imported


def add_police_counts(progress: Callable[[str], None], seed: int) -> int:
    """Give every demo case in which the police take part a "before" count, and an "after"
    count when it was closed at least twelve months ago. Returns how many were recorded."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo numbers, repeatable on purpose
    police = Participation.objects.filter(
        case=OuterRef("pk"), ended_at__isnull=True, organisation__kind=OrganisationKind.POLICE
    )
    cases = (
        Case.objects.filter(Exists(police), police_count__isnull=True)
        .select_related("house")
        .order_by("house__slug", "id")
    )
    recorded = 0
    for case in cases:
        taking_part = Participation.objects.filter(
            case=case, ended_at__isnull=True, organisation__kind=OrganisationKind.POLICE
        ).values("organisation")
        member = (
            Membership.objects.active()
            .filter(house=case.house, organisation__in=taking_part)
            .select_related("user", "organisation")
            .order_by("id")
            .first()
        )
        if member is None:
            continue
        before = rng.choice([0, 1, 1, 2, 3, 4, 6, 9])
        after = max(0, before - rng.choice([-1, 0, 1, 2, 3])) if after_allowed(case) else None
        record_police_count(
            case, actor=member.user, organisation=member.organisation, before=before, after=after
        )
        recorded += 1
    progress(f"police registration counts: {recorded}")
    return recorded
