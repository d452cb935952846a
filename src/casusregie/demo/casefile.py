"""The living case file in the demo (issue 23): journal entries with their audiences, documents
(synthetic PDFs and images), one correction of a person's details, one ended participation and
one stand-in, written through the same actions a user's clicks call, so the processing log and
the disclosure register hold them as they would in a house.

Everything is synthetic: texts are invented, the PDFs are generated here and the images are
small generated PNGs."""

from __future__ import annotations

import datetime
import random
import struct
import zlib
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import timezone

from casusregie.accounts.actions import do_set_stand_in
from casusregie.accounts.models import StandIn, User
from casusregie.accounts.roles import Role
from casusregie.cases.access import case_subjects
from casusregie.cases.actions import do_correct_subject, do_end_participation
from casusregie.cases.models import Case
from casusregie.documents.actions import do_upload_document
from casusregie.houses.models import House, Organisation
from casusregie.journal.actions import do_write_entry
from casusregie.journal.models import EntryKind
from casusregie.meetings.models import Audience
from casusregie.plans.models import Action, ActionStatus
from casusregie.privacy import policy
from casusregie.web import pdf

CASES_WITH_A_JOURNAL = 12

ENTRIES = [
    (
        EntryKind.HOME_VISIT,
        "Huisbezoek afgelegd. Woning rommelig maar veilig; bewoner "
        "aanspreekbaar en bereid om over de schulden te praten. Volgende afspraak gemaakt.",
    ),
    (
        EntryKind.PHONE_CALL,
        "Telefonisch contact met de bewoner: de afspraak bij de "
        "schuldhulpverlening is verzet naar volgende week. Hij komt zelf.",
    ),
    (
        EntryKind.OBSERVATION,
        "Buren melden opnieuw geluidsoverlast in de nacht van zaterdag op "
        "zondag; geen politie-inzet nodig geweest.",
    ),
    (
        EntryKind.AGREEMENT,
        "Afgesproken met de bewoner dat hij de huurachterstand in zes termijnen "
        "aflost; eerste termijn is betaald.",
    ),
    (
        EntryKind.CONTACT,
        "Kort contact op straat; de bewoner oogde rustig en gaf aan dat de begeleiding helpt.",
    ),
    (
        EntryKind.CONSULTATION,
        "Overleg met de huisarts (met toestemming van betrokkene): "
        "medicatie wordt weer opgehaald. Geen verdere inhoudelijke informatie gedeeld.",
    ),
]


def load_case_files(progress: Callable[[str], None], houses: list[House], seed: int) -> None:
    for number, house in enumerate(houses, start=1):
        rng = random.Random(seed * 31 + number)
        director = policy.case_workers(house, roles=(Role.PROCESS_DIRECTOR,))[0]
        cases = _cases_in_work(house)
        entries = sum(_journal(case, rng) for case in cases)
        documents = sum(_documents(case, rng, index) for index, case in enumerate(cases[:4]))
        ended = _end_one_participation(house, director)
        _correct_one_person(cases, director)
        stand_in = _one_stand_in(house, director)
        progress(
            f"[{number}/{len(houses)}] {house.name}: {entries} logboeknotities, "
            f"{documents} documenten, {ended} deelname beëindigd, {stand_in} vervanging"
        )


def _cases_in_work(house: House) -> list[Case]:
    return list(
        Case.objects.filter(
            house=house, phase__in=["execution", "preparation", "meeting"]
        ).order_by("pk")[:CASES_WITH_A_JOURNAL]
    )


def _participants(case: Case) -> list[Organisation]:
    return [
        p.organisation
        for p in case.participations.filter(ended_at__isnull=True).select_related("organisation")
    ]


def _writer(case: Case, organisation: Organisation) -> User | None:
    workers = policy.case_workers(case.house, organisation, policy.PARTNER_ROLES)
    return workers[0] if workers else None


def _journal(case: Case, rng: random.Random) -> int:
    """Two or three entries by organisations taking part, each for a fitting audience."""
    organisations = _participants(case)
    written = 0
    people = case_subjects(case)
    for step in range(rng.randint(2, 3)):
        if not organisations:
            break
        organisation = rng.choice(organisations)
        writer = _writer(case, organisation)
        if writer is None:
            continue
        kind, text = rng.choice(ENTRIES)
        others = [o for o in organisations if o != organisation]
        audience = Audience.ORGANISATIONS if others and step == 1 else Audience.ALL_PARTICIPANTS
        do_write_entry(
            case,
            kind=kind,
            text=text,
            occurred_on=timezone.localdate() - datetime.timedelta(days=rng.randint(1, 40)),
            purpose="Afstemming van de aanpak",
            audience=audience,
            organisations=[organisation, others[0]] if audience == Audience.ORGANISATIONS else (),
            subject=people[0] if people and rng.random() < 0.5 else None,
            organisation=organisation,
            actor=writer,
        )
        written += 1
    return written


def _documents(case: Case, rng: random.Random, index: int) -> int:
    organisation = next(iter(_participants(case)), None)
    writer = _writer(case, organisation) if organisation else None
    if writer is None or organisation is None:
        return 0
    report = pdf.document(
        "Verslag huisbezoek",
        f"Casus {case.reference} — synthetische demo-gegevens",
        [
            pdf.Section(
                "Waarnemingen",
                paragraphs=[text for _kind, text in rng.sample(ENTRIES, 3)],
            )
        ],
        author=organisation.name,
    )
    do_upload_document(
        name=f"verslag-huisbezoek-{case.reference}.pdf",
        data=report,
        purpose="Beeldvorming voor het casusoverleg",
        audience=Audience.ALL_PARTICIPANTS,
        actor=writer,
        case=case,
    )
    if index % 2:
        return 1
    do_upload_document(
        name="foto-portiek.png",
        data=_png(rng),
        purpose="Beeld van de overlast in de portiek",
        audience=Audience.OWN_ORGANISATION,
        actor=writer,
        case=case,
    )
    return 2


def _png(rng: random.Random, size: int = 24) -> bytes:
    """A small grey-tone PNG (a stand-in for a photo), made here."""
    shade = rng.randint(90, 200)
    rows = b"".join(
        b"\x00" + bytes((shade + x + y) % 256 for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _end_one_participation(house: House, director: User) -> int:
    """A partner whose part is done: not the case director's, and owning no open action."""
    busy = Action.objects.filter(
        status__in=[ActionStatus.OPEN, ActionStatus.FEEDBACK_GIVEN]
    ).values("owner_organisation")
    for case in Case.objects.filter(house=house, phase="execution").order_by("pk")[:30]:
        director_org = case.case_director_organisation_id or 0
        for participation in (
            case.participations.filter(ended_at__isnull=True)
            .exclude(organisation_id=director_org)
            .exclude(organisation__in=busy.filter(case=case))
        ):
            try:
                do_end_participation(
                    case,
                    participation.organisation,
                    actor=director,
                    reason="De inzet van deze organisatie is afgerond; zij heeft geen acties meer.",
                )
            except ValidationError:
                continue
            return 1
    return 0


def _correct_one_person(cases: list[Case], director: User) -> None:
    """A date of birth that was typed wrong at intake, corrected with a reason."""
    for case in cases:
        for person in case_subjects(case):
            if person.date_of_birth is None:
                continue
            do_correct_subject(
                case,
                person,
                first_name=person.first_name,
                last_name=person.last_name,
                date_of_birth=person.date_of_birth + datetime.timedelta(days=1),
                bsn=None,
                address=person.address,
                reason="Geboortedatum bij de melding verkeerd overgenomen; nagekeken in de BRP.",
                actor=director,
            )
            return


def _one_stand_in(house: House, director: User) -> int:
    """The demo's police officer is on holiday: a colleague of the same force stands in."""
    police = User.objects.get(email=f"wijkagent@{house.slug}.demo.invalid")
    membership = policy.membership_in(police, house, roles=policy.PARTNER_ROLES)
    if membership is None:
        return 0
    colleagues = [
        u
        for u in policy.case_workers(house, membership.organisation, policy.PARTNER_ROLES)
        if u != police
    ]
    today = timezone.localdate()
    arranged = StandIn.objects.filter(house=house, absent=police, ends_on__gte=today)
    if not colleagues or arranged.exists():  # loading on top of a demo: it is arranged
        return 0
    do_set_stand_in(
        house,
        absent=police,
        stand_in=colleagues[0],
        starts_on=today,
        ends_on=today + datetime.timedelta(days=14),
        reason="Vakantie",
        actor=director,
    )
    return 1
