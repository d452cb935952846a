"""A synthetic but realistic pair of houses for the demo.

Everything here is invented: the regions, organisations and people do not exist, e-mail
addresses use the reserved `.invalid` top-level domain, and BSNs (from the case-process issue
on) are drawn from a range no real person holds. Two configurations show how houses differ
(seed-digest §2, §6):

- *Duinstreek*, NHN-style: a network administrative organisation (NAO); only covenant partners
  that are stuck may refer, and the referrer proposes whom to invite;
- *Heuvelland*, MB-style: a lead organisation; any partner may refer, a triage team decides and
  places the case, and the house may take cases itself.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import translation

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.demo.cases import CASES_PER_HOUSE, QUIET_MAIL, load_cases
from casusregie.demo.services import load_demo_services
from casusregie.demo.signals import load_demo_signals
from casusregie.houses.domains import LifeDomain as D
from casusregie.houses.models import (
    GovernanceForm,
    House,
    InviteeChoice,
    Organisation,
    Partnership,
    ReferralRights,
    Ring,
)
from casusregie.houses.models import (
    OrganisationKind as K,
)
from casusregie.insights.demo import add_police_counts, import_archive
from casusregie.privacy.models import Confirmation, WorkingMethod
from casusregie.surveys.demo import load_demo_surveys

DEMO_PASSWORD = "demo-wachtwoord"  # noqa: S105 - printed on purpose; synthetic accounts only

FIRST_NAMES = [
    "Anouk",
    "Bram",
    "Chantal",
    "Daan",
    "Esra",
    "Fleur",
    "Gijs",
    "Hanna",
    "Imran",
    "Joost",
    "Kim",
    "Lotte",
    "Mohamed",
    "Noor",
    "Olaf",
    "Priya",
    "Ruben",
    "Sanne",
    "Tarik",
    "Ursula",
    "Vera",
    "Wouter",
    "Yara",
    "Zeynep",
    "Bas",
    "Floor",
    "Jeroen",
    "Mila",
    "Sem",
    "Thijs",
]
LAST_NAMES = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Yilmaz",
    "El Amrani",
    "Kramer",
    "van Dijk",
    "Koster",
    "Prins",
]


@dataclass(frozen=True)
class OrgSpec:
    name: str
    kind: str
    ring: str
    expertise: tuple[str, ...]
    covenant: bool = True


# Organisations that work across regions and therefore take part in both houses.
SHARED_ORGANISATIONS = [
    OrgSpec("Openbaar Ministerie, arrondissement Zuidwest", K.PROSECUTION, Ring.KEY, (D.JUSTICE,)),
    OrgSpec(
        "Raad voor de Kinderbescherming, regio Zuidwest",
        K.CHILD_PROTECTION,
        Ring.KEY,
        (D.PARENTING, D.FAMILY),
    ),
    OrgSpec("Reclassering Zuidwest", K.PROBATION, Ring.KEY, (D.JUSTICE, D.ADDICTION, D.DAYTIME)),
    OrgSpec("Dienst Justitiële Inrichtingen, PI Zuidwest", K.PRISON, Ring.KEY, (D.JUSTICE,)),
    OrgSpec("UWV Zuidwest", K.BENEFITS, Ring.FLEXIBLE, (D.FINANCES, D.DAYTIME)),
]


def _house_organisations(region: str, towns: list[str]) -> list[OrgSpec]:
    specs = [
        OrgSpec(f"Zorg- en Veiligheidshuis {region}", K.HOUSE_STAFF, Ring.CORE, ()),
        OrgSpec(f"Politie, district {region}", K.POLICE, Ring.KEY, (D.JUSTICE,)),
        OrgSpec(f"GGZ {region}", K.MENTAL_HEALTH, Ring.KEY, (D.MENTAL_HEALTH, D.ADDICTION)),
        OrgSpec(f"Veilig Thuis {region}", K.VEILIG_THUIS, Ring.KEY, (D.FAMILY, D.PARENTING)),
        OrgSpec(
            f"Jeugdbescherming {region}", K.YOUTH_PROTECTION, Ring.KEY, (D.PARENTING, D.EDUCATION)
        ),
        OrgSpec(f"Verslavingszorg {region}", K.ADDICTION_CARE, Ring.KEY, (D.ADDICTION,)),
        OrgSpec(
            f"Forensische zorg {region}", K.FORENSIC_CARE, Ring.KEY, (D.MENTAL_HEALTH, D.JUSTICE)
        ),
        OrgSpec(
            f"Zorggroep De Linde {region}",
            K.DISABILITY_CARE,
            Ring.KEY,
            (D.PHYSICAL_HEALTH, D.DAYTIME),
        ),
        OrgSpec(f"Jeugdzorg {region}", K.YOUTH_CARE, Ring.KEY, (D.PARENTING, D.EDUCATION)),
        OrgSpec(f"Halt {region}", K.HALT, Ring.FLEXIBLE, (D.JUSTICE, D.EDUCATION)),
        OrgSpec(
            f"Maatschappelijk werk {region}",
            K.SOCIAL_WORK,
            Ring.FLEXIBLE,
            (D.FINANCES, D.SOCIAL_NETWORK, D.HOUSING),
        ),
        OrgSpec(f"Woonstichting {region}", K.HOUSING, Ring.FLEXIBLE, (D.HOUSING,), covenant=False),
        OrgSpec(f"Wooncorporatie Thuis in {towns[0]}", K.HOUSING, Ring.FLEXIBLE, (D.HOUSING,)),
        OrgSpec(f"Schuldhulp {region}", K.OTHER, Ring.FLEXIBLE, (D.FINANCES,), covenant=False),
    ]
    specs += [
        OrgSpec(
            f"Gemeente {town}",
            K.MUNICIPALITY,
            Ring.KEY,
            (D.HOUSING, D.FINANCES, D.DAYTIME, D.SOCIAL_NETWORK),
        )
        for town in towns
    ]
    return specs


@dataclass(frozen=True)
class HouseSpec:
    slug: str
    name: str
    region: str
    towns: list[str]
    governance_form: str
    referral_rights: str
    invitee_choice: str
    has_triage_team: bool
    may_take_cases: bool


HOUSES = [
    HouseSpec(
        slug="duinstreek",
        name="Zorg- en Veiligheidshuis Duinstreek",
        region="Duinstreek",
        towns=[
            "Zandvoort aan Zee",
            "Duinrade",
            "Helmdorp",
            "Strandwijk",
            "Kooghaven",
            "Westerduin",
        ],
        governance_form=GovernanceForm.NAO,
        referral_rights=ReferralRights.STUCK_COVENANT_PARTNERS,
        invitee_choice=InviteeChoice.REFERRER,
        has_triage_team=True,
        may_take_cases=False,
    ),
    HouseSpec(
        slug="heuvelland",
        name="Zorg- en Veiligheidshuis Heuvelland",
        region="Heuvelland",
        towns=["Heuvelstad", "Bergeijkerveld", "Dalem", "Kruisberg", "Molenheide"],
        governance_form=GovernanceForm.LEAD,
        referral_rights=ReferralRights.ANY_PARTNER,
        invitee_choice=InviteeChoice.PLACING_ORGANISATION,
        has_triage_team=True,
        may_take_cases=True,
    ),
]

# How many people of each role work in one house, and in which kind of organisation.
STAFF_ROLES = [
    (Role.PROCESS_DIRECTOR, 5),
    (Role.TRIAGE_MEMBER, 3),
    (Role.HOUSE_MANAGER, 1),
    (Role.PRIVACY_OFFICER, 1),
    (Role.FUNCTIONAL_ADMIN, 1),
    (Role.AUDITOR, 1),
]
PARTICIPANTS_PER_ORGANISATION = 2


# Logins printed by the demo besides one per staff role: (label, e-mail prefix).
NAMED_LOGINS = [
    ("Wijkagent (politie)", "wijkagent"),
    ("Medewerker woningcorporatie", "woningcorporatie"),
    ("Medewerker Veilig Thuis", "veiligthuis"),
]


ROLE_LOGIN_PREFIX = {
    Role.PROCESS_DIRECTOR: "procesregisseur",
    Role.TRIAGE_MEMBER: "toegang",
    Role.HOUSE_MANAGER: "ketenmanager",
    Role.PRIVACY_OFFICER: "privacy",
    Role.FUNCTIONAL_ADMIN: "beheerder",
    Role.AUDITOR: "auditor",
}


def _role_prefix(role: Role) -> str:
    return ROLE_LOGIN_PREFIX[role]


def _login_email(prefix: str, house_slug: str) -> str:
    return f"{prefix}@{house_slug}.demo.invalid"


def existing_logins() -> dict[str, list[tuple[str, str]]]:
    """Per house, one login for each role (label, e-mail), in a fixed order."""
    with translation.override("nl"):
        return {
            spec.name: [
                *(
                    (str(role.label), _login_email(_role_prefix(role), spec.slug))
                    for role, _count in STAFF_ROLES
                ),
                *((label, _login_email(prefix, spec.slug)) for label, prefix in NAMED_LOGINS),
            ]
            for spec in HOUSES
        }


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower().replace(" ", ".") if ch.isalnum() or ch == ".")


def _org_domain(name: str) -> str:
    word = name.split(",")[0].split(" ")[0].lower()
    return "".join(ch for ch in word if ch.isalnum())


def load(
    progress: Callable[[str], None] = print,
    seed: int = 2026,
    *,
    cases_per_house: int = CASES_PER_HOUSE,
) -> dict[str, list[tuple[str, str]]]:
    """Create the demo houses and play their referrals and cases (`cases.py`). Returns, per
    house, the logins to print (role, e-mail)."""
    # The invented history notifies people as it goes; e-mailing about it would only flood the
    # console, so mail is dropped until the whole demo has committed.
    with override_settings(EMAIL_BACKEND=QUIET_MAIL), transaction.atomic():
        logins = _load_houses(progress, seed)
        if cases_per_house > 0:
            load_demo_services(progress, seed)
            load_cases(progress, seed, per_house=cases_per_house)
            import_archive(progress, seed)
            add_police_counts(progress, seed)
            load_demo_surveys(progress, seed)
            load_demo_signals(progress, seed)
    return logins


def _load_houses(progress: Callable[[str], None], seed: int) -> dict[str, list[tuple[str, str]]]:
    rng = random.Random(seed)
    password_hash = make_password(DEMO_PASSWORD)  # hash once: argon2 is slow on purpose
    shared: dict[str, Organisation] = {}
    for shared_spec in SHARED_ORGANISATIONS:
        shared[shared_spec.name] = Organisation.objects.create(
            name=shared_spec.name,
            kind=shared_spec.kind,
            expertise=list(shared_spec.expertise),
            email=f"zvh@{_org_domain(shared_spec.name)}.demo.invalid",
        )
    used_emails: set[str] = set()

    def person(org: Organisation, house_slug: str) -> User:
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = (
                f"{_slug(first)}.{_slug(last)}@{_org_domain(org.name)}.{house_slug}.demo.invalid"
            )
            if email not in used_emails:
                used_emails.add(email)
                return User.objects.create(
                    email=email, full_name=f"{first} {last}", password=password_hash
                )

    for number, spec in enumerate(HOUSES, start=1):
        progress(f"[{number}/{len(HOUSES)}] {spec.name}: organisaties")
        house = House.objects.create(
            slug=spec.slug,
            name=spec.name,
            region=spec.region,
            governance_form=spec.governance_form,
            referral_rights=spec.referral_rights,
            invitee_choice=spec.invitee_choice,
            has_triage_team=spec.has_triage_team,
            may_take_cases=spec.may_take_cases,
        )
        organisations: list[tuple[Organisation, OrgSpec]] = []
        for org_spec in _house_organisations(spec.region, spec.towns):
            org = Organisation.objects.create(
                name=org_spec.name,
                kind=org_spec.kind,
                expertise=list(org_spec.expertise),
                email=f"info@{_org_domain(org_spec.name)}.{spec.slug}.demo.invalid",
                phone="088 " + "".join(str(rng.randint(0, 9)) for _ in range(7)),
            )
            organisations.append((org, org_spec))
        organisations += [(shared[s.name], s) for s in SHARED_ORGANISATIONS]
        Partnership.objects.bulk_create(
            Partnership(
                house=house,
                organisation=org,
                ring=org_spec.ring,
                covenant_signatory=org_spec.covenant,
            )
            for org, org_spec in organisations
        )
        veilig_thuis = next(org for org, s in organisations if s.kind == K.VEILIG_THUIS)
        house.care_form_recipient = veilig_thuis
        house.save(update_fields=["care_form_recipient"])

        progress(f"[{number}/{len(HOUSES)}] {spec.name}: mensen en rollen")
        staff_org = organisations[0][0]
        memberships: list[Membership] = []
        # Fixed, easy logins for each role first, so the demo can be tried role by role.
        for role, count in STAFF_ROLES:
            for index in range(count):
                email = _login_email(
                    f"{_role_prefix(role)}{'' if index == 0 else index + 1}", spec.slug
                )
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                user = User.objects.create(
                    email=email, full_name=f"{first} {last}", password=password_hash
                )
                used_emails.add(email)
                memberships.append(
                    Membership(user=user, house=house, organisation=staff_org, role=role)
                )
        for org, org_spec in organisations[1:]:
            if org_spec.kind == K.HOUSE_STAFF:
                continue
            for _number in range(PARTICIPANTS_PER_ORGANISATION):
                user = person(org, spec.slug)
                memberships.append(
                    Membership(
                        user=user, house=house, organisation=org, role=Role.PARTNER_PARTICIPANT
                    )
                )
            manager = person(org, spec.slug)
            memberships.append(
                Membership(user=manager, house=house, organisation=org, role=Role.PARTNER_MANAGER)
            )
        # Named demo logins for the partner roles the later journeys use.
        police = next(org for org, s in organisations if s.kind == K.POLICE)
        housing = next(org for org, s in organisations if s.kind == K.HOUSING)
        for (_label, prefix), org in zip(
            NAMED_LOGINS, (police, housing, veilig_thuis), strict=True
        ):
            email = _login_email(prefix, spec.slug)
            role = Role.PARTNER_PARTICIPANT
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            user = User.objects.create(
                email=email, full_name=f"{first} {last}", password=password_hash
            )
            memberships.append(Membership(user=user, house=house, organisation=org, role=role))
        Membership.objects.bulk_create(memberships)
        # The demo's people have read the house's working method (privacy onboarding); a new
        # member added in the demo meets it first.
        method = WorkingMethod.objects.get(house=house, version=1)
        Confirmation.objects.bulk_create(
            Confirmation(method=method, user_id=user_id)
            for user_id in sorted({m.user_id for m in memberships})
        )
        progress(
            f"[{number}/{len(HOUSES)}] {spec.name}: {len(organisations)} organisaties, "
            f"{len({m.user_id for m in memberships})} mensen, {len(memberships)} rollen"
        )
    return existing_logins()


def is_loaded() -> bool:
    return House.objects.filter(slug__in=[spec.slug for spec in HOUSES]).exists()
