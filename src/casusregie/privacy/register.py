"""The register of processing activities (GDPR art. 30) and the working method, per house.

A new house starts with the activities below and a first version of the working method; the
privacy officer and the functional administrator adapt both in the UI. The texts are starting
points a house must check against its own covenant: where they name a legal source, it is the
WGS/BGS as summarised in docs/privacy.md; everything else is marked as a house decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from casusregie.houses.models import House

from . import log
from .audit import record_change
from .models import ProcessingActivity, WorkingMethod

CONTROLLERS = (
    "De samenwerkende partners gezamenlijk voor het werk van de procesregisseur; iedere "
    "partner afzonderlijk voor wat hij inbrengt (gezamenlijke verwerkingsverantwoordelijkheid, "
    "vast te leggen in het convenant van het huis)."
)
SECURITY = (
    "Toegang per rol en per deelname aan de casus; tweestapsverificatie; versleutelde opslag "
    "van BSN en gevoelige vrije tekst; verwerkingenlogboek met hashketen; controle op gebruik "
    "door de privacyfunctionaris."
)
DATA_CATEGORIES = (
    "NAW-gegevens, geboortedatum, BSN; huishouden en sociale relaties; wonen; financiën; "
    "handhavings- en bestuurlijke maatregelen; strafrechtelijke gegevens; gezondheid "
    "(bijzondere persoonsgegevens) — alleen voor zover nodig voor de casus."
)


@dataclass(frozen=True)
class Default:
    code: str
    name: str
    purpose: str
    legal_basis: str
    data_subjects: str
    recipients: str
    retention: str


DEFAULTS = (
    Default(
        log.CASE_PROCESS,
        "Persoonsgerichte aanpak complexe casuïstiek",
        "Het gezamenlijk analyseren van een complexe casus, het opstellen en uitvoeren van een "
        "plan van aanpak en het volgen van de voortgang.",
        "Wet gegevensverwerking door samenwerkingsverbanden (WGS) en het Besluit (BGS); het "
        "artikelnummer vult het huis in uit zijn convenant.",
        "Betrokkenen in een casus: hoofdpersoon, gezinsleden, andere betrokkenen.",
        "De partners die aan de casus deelnemen, per onderdeel beperkt tot het publiek dat "
        "bij de inbreng is gekozen.",
        "Afgesloten casussen: het aantal jaren dat het huis instelt (standaard 5, besluit van "
        "het huis).",
    ),
    Default(
        log.TRIAGE,
        "Ontvangen en wegen van meldingen (triage)",
        "Beoordelen of een melding een complexe casus is die de aanpak van het huis nodig heeft.",
        "WGS/BGS, zoals bij de persoonsgerichte aanpak; in te vullen door het huis.",
        "Personen over wie een melding is gedaan.",
        "Het triageteam en de melder.",
        "Afgewezen meldingen: het aantal maanden dat het huis instelt (besluit van het huis).",
    ),
    Default(
        log.KNOWN_TO,
        "Bekend-bij-bevraging",
        "Nagaan welke partners een persoon kennen, om te bepalen wie aan tafel nodig is.",
        "WGS/BGS, zoals bij de persoonsgerichte aanpak; in te vullen door het huis.",
        "Personen over wie een melding is gedaan.",
        "De bevraagde partners (alleen of zij de persoon kennen).",
        "Zoals de casus of melding waarbij de vraag hoort.",
    ),
    Default(
        log.SUBJECT_RIGHTS,
        "Verzoeken van betrokkenen",
        "Afhandelen van verzoeken om inzage, correctie en verwijdering via het contactpunt.",
        "AVG art. 15–17 en BGS (het contactpunt handelt namens alle partners).",
        "Verzoekers en de personen over wie zij vragen.",
        "De verzoeker; de partners voor zover nodig om het verzoek af te handelen.",
        "Besluit van het huis.",
    ),
    Default(
        log.RETENTION,
        "Bewaren en vernietigen",
        "Bewaartermijnen bewaken, verlengen met reden en gegevens vernietigen na "
        "goedkeuring door twee personen.",
        "AVG art. 5 lid 1 onder e (opslagbeperking); termijnen zijn besluiten van het huis.",
        "Alle betrokkenen in casussen en meldingen.",
        "Geen.",
        "Een metagegevensregel (wat, wanneer, op wiens besluit) blijft bewaard.",
    ),
    Default(
        log.OVERSIGHT,
        "Toezicht op rechtmatig gebruik",
        "Controleren wie welke gegevens inzag, wijzigde of verstrekte (verwerkingenlogboek, "
        "signalen voor de privacyfunctionaris).",
        "AVG art. 5 lid 2 en art. 32 (verantwoording en beveiliging).",
        "Betrokkenen (gepseudonimiseerd in het logboek) en gebruikers.",
        "De privacyfunctionaris; toezichthouders op verzoek.",
        "Logboekregels: het aantal jaren dat het huis instelt.",
    ),
)

DEFAULT_METHOD_TITLE = "Werkwijze en privacyregels"
DEFAULT_METHOD_TEXT = """\
Welkom bij het Zorg- en Veiligheidshuis. Lees dit voordat je casusgegevens ziet.

1. Je ziet alleen casussen waaraan jouw organisatie deelneemt. Deel wat nodig is voor het doel \
van de casus, niet meer.
2. Bij elke inbreng kies je wie hem mag lezen: alle deelnemers, genoemde organisaties of alleen \
de procesregisseur. Kun je de onderliggende informatie niet delen, markeer je inbreng dan als \
alleen advies.
3. Gegevens uit het casusoverleg gebruik je alleen voor het doel van de aanpak, nooit voor \
andere besluiten van je eigen organisatie.
4. Alles wat je inziet, wijzigt of deelt, wordt vastgelegd in het verwerkingenlogboek. De \
privacyfunctionaris controleert het gebruik.
5. Noodtoegang tot een casus buiten je deelname kan alleen met een reden en wordt altijd \
beoordeeld.
6. Vragen van betrokkenen over hun gegevens stuur je door naar het contactpunt van het huis.

Het convenant van het huis bepaalt de doelen en de grondslag; de functioneel beheerder vult \
hier de verwijzing naar het getekende convenant in.
"""


def ensure_defaults(house: House) -> None:
    """Give a house without a register or working method the starting versions."""
    if not ProcessingActivity.objects.filter(house=house).exists():
        ProcessingActivity.objects.bulk_create(
            ProcessingActivity(
                house=house,
                code=d.code,
                name=d.name,
                purpose=d.purpose,
                legal_basis=d.legal_basis,
                controllers=CONTROLLERS,
                data_subjects=d.data_subjects,
                data_categories=DATA_CATEGORIES,
                recipients=d.recipients,
                retention=d.retention,
                security=SECURITY,
            )
            for d in DEFAULTS
        )
    if not WorkingMethod.objects.filter(house=house).exists():
        WorkingMethod.objects.create(
            house=house, version=1, title=DEFAULT_METHOD_TITLE, text=DEFAULT_METHOD_TEXT
        )


ACTIVITY_FIELDS = (
    "name",
    "purpose",
    "legal_basis",
    "controllers",
    "data_subjects",
    "data_categories",
    "recipients",
    "retention",
    "security",
)


def do_revise_activity(
    activity: ProcessingActivity, data: dict[str, Any], *, actor: Any, note: str
) -> ProcessingActivity:
    """A new version of the activity; the current one ends now. Nothing changes when the text
    is the same."""
    with transaction.atomic():
        current = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
        if current.valid_until is not None:
            raise ValueError("only the current version can be revised")
        if all(getattr(current, f) == data[f] for f in ACTIVITY_FIELDS):
            return current
        now = timezone.now()
        current.valid_until = now
        current.save(update_fields=["valid_until"])
        revised = ProcessingActivity.objects.create(
            house=current.house,
            code=current.code,
            version=current.version + 1,
            valid_from=now,
            changed_by=actor,
            change_note=note,
            **{f: data[f] for f in ACTIVITY_FIELDS},
        )
        record_change(
            actor=actor,
            action="register.revise",
            obj=revised,
            house=current.house,
            before={f: getattr(current, f) for f in ACTIVITY_FIELDS},
            after={f: data[f] for f in ACTIVITY_FIELDS},
            reason=note,
        )
    return revised


def current_method(house: House) -> WorkingMethod | None:
    return WorkingMethod.objects.filter(house=house).order_by("-version").first()


def do_publish_method(
    house: House, *, title: str, text: str, covenant: str, actor: Any
) -> WorkingMethod:
    """Publish a new version: every member confirms it again before seeing case data."""
    with transaction.atomic():
        latest = (
            WorkingMethod.objects.select_for_update()
            .filter(house=house)
            .order_by("-version")
            .first()
        )
        method = WorkingMethod.objects.create(
            house=house,
            version=(latest.version if latest else 0) + 1,
            title=title.strip(),
            text=text.strip(),
            covenant=covenant.strip(),
            published_by=actor,
        )
        record_change(
            actor=actor,
            action="working_method.publish",
            obj=method,
            house=house,
            after={"version": method.version, "title": method.title},
        )
    return method
