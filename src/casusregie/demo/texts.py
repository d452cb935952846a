"""Invented Dutch texts for the demo referrals and cases (see `cases.py`).

Placeholders: {naam} first name of the main person, {achternaam} their surname, {kind} first
name of the (eldest) child, {plaats} the town, {bedrag} an amount in euros, {aantal} a small
number, {maanden} months, {org} an organisation, {datum} a date. Every person, address and
incident here is made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from casusregie.houses.domains import LifeDomain as D
from casusregie.houses.models import OrganisationKind as K

MALE_NAMES = [
    "Jan", "Peter", "Marco", "Dennis", "Ricardo", "Kevin", "Mustafa", "Ahmed", "Hasan", "Erik",
    "Sander", "Patrick", "Ronald", "Johan", "Mehmet", "Youssef", "Rachid", "Stefan", "Bart",
    "Henk", "Gerrit", "Nick", "Jeffrey", "Mitchell", "Sjoerd", "Roy", "Priyesh", "Kofi",
]  # fmt: skip
FEMALE_NAMES = [
    "Sandra", "Monique", "Linda", "Esther", "Petra", "Natasja", "Samira", "Fatima", "Chantal",
    "Kelly", "Ilse", "Anja", "Marieke", "Yvonne", "Naima", "Sevda", "Wendy", "Debby", "Joyce",
    "Priscilla", "Romy", "Bianca", "Ingrid", "Tamara", "Shirley", "Aysel", "Gerda", "Nadia",
]  # fmt: skip
CHILD_NAMES = [
    "Noah", "Sem", "Liam", "Lucas", "Daan", "Finn", "Levi", "Luuk", "Mees", "Adam", "Ayoub",
    "Milan", "Jayden", "Emma", "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Nora", "Yara",
    "Eva", "Amira", "Lina", "Nour", "Jasmijn", "Fenna", "Dex", "Bilal",
]  # fmt: skip
SURNAMES = [
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
    "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
    "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel",
    "van der Veen", "van den Broek", "de Bruijn", "van der Heijden", "Schouten", "van Beek",
    "Willems", "van Vliet", "Hoekstra", "Maas", "Verhoeven", "Koster", "van Dam", "Prins",
    "Blom", "Huisman", "Yilmaz", "Kaya", "Demir", "El Idrissi", "Bouzid", "Benali", "Martina",
    "Pinas", "Sitaldin", "Nguyen", "Haddou", "Öztürk", "Kramer", "Postma", "Zwart",
]  # fmt: skip
STREETS = [
    "Duinroosstraat", "Helmgrasweg", "Zeeweg", "Kerkstraat", "Molenweg", "Beukenlaan",
    "Lijsterbeslaan", "Prins Bernhardstraat", "Dorpsstraat", "Havenkade", "Julianalaan",
    "Schoolstraat", "Wilhelminastraat", "Meidoornhof", "Vlasakker", "Sportlaan", "Parallelweg",
    "Kastanjeplein", "Rozengaard", "Merellaan", "Oranjestraat", "Spoorsingel", "Heideveld",
    "Eikenhorst",
]  # fmt: skip
POSTCODE_LETTERS = "ABCEGHJKLMNPRTVWXZ"  # no F, I, O, Q, U, Y (as on real postcodes)

CONCERNS: dict[str, list[str]] = {
    D.HOUSING: [
        "{naam} heeft een huurachterstand van {maanden} maanden (€ {bedrag}). De corporatie "
        "heeft de zaak aan de deurwaarder overgedragen; een ontruimingsvonnis is aangevraagd.",
        "Buren klagen al maanden over geluids- en stankoverlast uit de woning. De woning is "
        "sterk vervuild en er zijn zorgen over de brandveiligheid.",
        "{naam} heeft geen vaste woon- of verblijfplaats en slaapt afwisselend bij kennissen en "
        "in de nachtopvang in {plaats}.",
        "Er is een gedragsaanwijzing van de corporatie na herhaalde burenruzies; bij een "
        "volgende overtreding volgt een ontbindingsprocedure.",
    ],
    D.FINANCES: [
        "Problematische schulden van naar schatting € {bedrag} bij zeker {aantal} schuldeisers, "
        "onder wie de zorgverzekeraar en de energieleverancier. Post wordt niet geopend.",
        "Er is geen inkomen sinds de uitkering is stopgezet omdat formulieren niet zijn "
        "ingeleverd. Afsluiting van gas en licht dreigt.",
        "Een eerdere aanmelding bij de schuldhulpverlening is gestrand omdat afspraken niet "
        "werden nagekomen. Er ligt beslag op het inkomen.",
    ],
    D.DAYTIME: [
        "{naam} heeft geen werk of dagbesteding; een re-integratietraject is vorig jaar "
        "afgebroken.",
        "Na ontslag is alle structuur weggevallen; het dag-nachtritme is omgedraaid.",
    ],
    D.MENTAL_HEALTH: [
        "{naam} vertoont verward gedrag, praat hardop tegen niet-aanwezigen en voelt zich "
        "bedreigd door de buren. De politie is de afgelopen maanden {aantal} keer ter plaatse "
        "geweest.",
        "Vermoedelijk een psychotische stoornis; de behandeling bij de GGZ is een jaar geleden "
        "gestopt en medicatie wordt niet ingenomen.",
        "{naam} uit geregeld suïcidale gedachten tegenover hulpverleners en familie.",
    ],
    D.PHYSICAL_HEALTH: [
        "{naam} heeft diabetes en slecht genezende wonden; de huisarts krijgt geen contact en "
        "de thuiszorg wordt de deur gewezen.",
        "Er is sprake van zelfverwaarlozing: ernstig ondergewicht en een slechte persoonlijke "
        "hygiëne.",
    ],
    D.ADDICTION: [
        "{naam} gebruikt dagelijks alcohol en cocaïne; onder invloed ontstaan conflicten met "
        "buren en voorbijgangers.",
        "Vanuit de woning wordt vermoedelijk gedeald: veel aanloop, ook 's nachts.",
        "Gokverslaving: het spaargeld van de familie is verspeeld en er wordt geleend bij "
        "kennissen.",
    ],
    D.FAMILY: [
        "De politie is dit jaar {aantal} keer gebeld na ruzies tussen {naam} en de partner; "
        "bij het laatste incident is een tijdelijk huisverbod opgelegd.",
        "Er zijn signalen van huiselijk geweld; de kinderen zijn getuige van de ruzies. Veilig "
        "Thuis heeft eerder een melding onderzocht.",
        "Het contact met de familie is verbroken; een broer van {naam} maakt zich ernstig "
        "zorgen en belt de hulpverlening regelmatig.",
    ],
    D.SOCIAL_NETWORK: [
        "{naam} leeft geïsoleerd; de enige contacten zijn gebruikers uit de buurt.",
        "Er zijn zorgen over uitbuiting: onbekenden verblijven in de woning en {naam} wordt "
        "onder druk gezet om geld af te staan.",
    ],
    D.JUSTICE: [
        "{naam} heeft de afgelopen twee jaar {aantal} antecedenten (vernieling, bedreiging, "
        "winkeldiefstal). Er loopt een zaak bij het OM.",
        "Na detentie is {naam} teruggekeerd naar {plaats} zonder woning, inkomen of "
        "begeleiding; de reclassering houdt toezicht.",
        "Buurtbewoners voelen zich onveilig; er zijn meldingen van bedreiging en intimidatie.",
    ],
    D.PARENTING: [
        "De ouders lijken de zorg voor de kinderen niet aan te kunnen; de school meldt dat "
        "{kind} regelmatig zonder ontbijt en in vuile kleren komt.",
        "Voor {kind} is een ondertoezichtstelling uitgesproken; de samenwerking met de "
        "jeugdbeschermer verloopt moeizaam.",
        "De ouders zitten in een vechtscheiding; de kinderen staan klem tussen beide ouders.",
    ],
    D.EDUCATION: [
        "{kind} verzuimt structureel van school (dit schooljaar meer dan {aantal} dagen); de "
        "leerplichtambtenaar heeft proces-verbaal opgemaakt.",
        "{kind} is van school verwijderd na een vechtpartij en zit thuis zonder onderwijsplek.",
    ],
}


@dataclass(frozen=True)
class Theme:
    """A kind of situation that partners bring to the house."""

    key: str
    family: float  # chance that the referral is about a family rather than one person
    domains: tuple[str, ...]  # the first two always, then up to two more
    referrers: tuple[tuple[str, int], ...]  # (organisation kind, weight)
    goals: tuple[str, ...]
    forward_to: str
    children_age: tuple[int, int] = (0, 17)


THEMES = [
    Theme(
        "verward",
        0.1,
        (D.MENTAL_HEALTH, D.HOUSING, D.JUSTICE, D.SOCIAL_NETWORK, D.PHYSICAL_HEALTH),
        ((K.POLICE, 5), (K.HOUSING, 3), (K.MUNICIPALITY, 2), (K.MENTAL_HEALTH, 2)),
        (
            "Een gezamenlijk plan zodat {naam} weer in behandeling komt en de overlast voor de "
            "buurt stopt.",
            "Afspraken over wie contact houdt met {naam} en wanneer een crisisbeoordeling nodig "
            "is.",
        ),
        K.MENTAL_HEALTH,
    ),
    Theme(
        "schulden",
        0.4,
        (D.FINANCES, D.HOUSING, D.DAYTIME, D.MENTAL_HEALTH, D.PARENTING),
        ((K.HOUSING, 5), (K.MUNICIPALITY, 3), (K.SOCIAL_WORK, 3), (K.OTHER, 1)),
        (
            "Ontruiming voorkomen en de schulden in een traject krijgen, met één hulpverlener "
            "die de regie houdt.",
            "Een stabiel inkomen en een betalingsregeling, zodat {naam} in de woning kan blijven.",
        ),
        K.SOCIAL_WORK,
    ),
    Theme(
        "huiselijk-geweld",
        0.9,
        (D.FAMILY, D.PARENTING, D.JUSTICE, D.ADDICTION, D.MENTAL_HEALTH),
        ((K.POLICE, 4), (K.VEILIG_THUIS, 4), (K.YOUTH_PROTECTION, 2), (K.MUNICIPALITY, 1)),
        (
            "De veiligheid van de kinderen borgen en het geweld stoppen, met sluitende afspraken "
            "tussen politie, Veilig Thuis en jeugdbescherming.",
            "Een veiligheidsplan dat alle partners kennen en een passend hulpaanbod voor beide "
            "ouders.",
        ),
        K.VEILIG_THUIS,
        (0, 12),
    ),
    Theme(
        "jeugd-en-school",
        1.0,
        (D.EDUCATION, D.PARENTING, D.JUSTICE, D.SOCIAL_NETWORK, D.ADDICTION),
        ((K.MUNICIPALITY, 4), (K.YOUTH_CARE, 2), (K.POLICE, 3), (K.HALT, 1)),
        (
            "{kind} weer naar school en de ouders steunen in de opvoeding; verder afglijden naar "
            "criminaliteit voorkomen.",
            "Een sluitende aanpak rond {kind}: onderwijs, vrijetijdsbesteding en toezicht.",
        ),
        K.YOUTH_CARE,
        (12, 17),
    ),
    Theme(
        "verslaving",
        0.15,
        (D.ADDICTION, D.JUSTICE, D.HOUSING, D.FINANCES, D.PHYSICAL_HEALTH),
        ((K.POLICE, 4), (K.ADDICTION_CARE, 2), (K.PROBATION, 2), (K.HOUSING, 2)),
        (
            "Behandeling van de verslaving en een stabiele woonsituatie; de overlast in de buurt "
            "stopt.",
            "Een vaste hulpverlener voor {naam} en afspraken over drang en dwang als het misgaat.",
        ),
        K.ADDICTION_CARE,
    ),
    Theme(
        "na-detentie",
        0.05,
        (D.JUSTICE, D.HOUSING, D.DAYTIME, D.FINANCES, D.ADDICTION),
        ((K.PROBATION, 4), (K.MUNICIPALITY, 3), (K.POLICE, 1)),
        (
            "Een sluitende aanpak na detentie: onderdak, inkomen en toezicht geregeld om "
            "terugval te voorkomen.",
        ),
        K.PROBATION,
    ),
    Theme(
        "zorgmijder",
        0.05,
        (D.PHYSICAL_HEALTH, D.HOUSING, D.MENTAL_HEALTH, D.SOCIAL_NETWORK, D.FINANCES),
        ((K.HOUSING, 3), (K.MENTAL_HEALTH, 2), (K.MUNICIPALITY, 3), (K.SOCIAL_WORK, 1)),
        (
            "Contact leggen met {naam} en de medische en woonsituatie verbeteren voordat die "
            "onomkeerbaar wordt.",
        ),
        K.SOCIAL_WORK,
    ),
    Theme(
        "uitbuiting",
        0.05,
        (D.SOCIAL_NETWORK, D.FINANCES, D.JUSTICE, D.DAYTIME, D.HOUSING),
        ((K.DISABILITY_CARE, 3), (K.POLICE, 2), (K.SOCIAL_WORK, 2)),
        ("{naam} beschermen tegen uitbuiting en een passende woon- en begeleidingsvorm vinden.",),
        K.DISABILITY_CARE,
    ),
]


@dataclass(frozen=True)
class AreaTheme:
    title: str  # first line of the area description: it becomes the case title
    description: str
    concerns: dict[str, str]
    goal: str
    referrers: tuple[str, ...]


AREA_THEMES = [
    AreaTheme(
        "Overlast door jongeren rond winkelcentrum {plek} in {plaats}",
        "Een groep van tien tot vijftien jongeren hangt 's avonds rond het winkelcentrum. "
        "Winkeliers melden intimidatie, vernielingen en drugshandel.",
        {
            D.JUSTICE: "Sinds de zomer {aantal} meldingen van vernieling, bedreiging en "
            "openlijke geweldpleging.",
            D.SOCIAL_NETWORK: "Buurtbewoners durven 's avonds niet meer langs het "
            "winkelcentrum; er is weinig aanbod voor jongeren in de wijk.",
            D.ADDICTION: "Er wordt openlijk lachgas en cannabis gebruikt; vermoedelijk wordt "
            "ook gedeald.",
            D.EDUCATION: "Een deel van de groep is leerplichtig en verzuimt.",
        },
        "Een gebiedsgerichte aanpak: de harde kern in beeld, een persoonsgerichte aanpak per "
        "jongere waar nodig en een veilige openbare ruimte.",
        (K.POLICE, K.MUNICIPALITY),
    ),
    AreaTheme(
        "Drugsoverlast in de portiekflats aan de {straat} in {plaats}",
        "In drie portieken wordt gedeald en gebruikt. Bewoners vinden spuiten in het "
        "trappenhuis; de corporatie vermoedt dat woningen worden onderverhuurd.",
        {
            D.ADDICTION: "Dagelijks gebruik in de portieken; spuiten en ander afval in de "
            "bergingen.",
            D.HOUSING: "Vermoedelijk {aantal} woningen onderverhuurd of gebruikt als dealpand.",
            D.JUSTICE: "Bewoners worden geïntimideerd als zij overlast melden.",
        },
        "De overlast stoppen met bestuurlijke, strafrechtelijke en zorgmaatregelen die op "
        "elkaar aansluiten.",
        (K.HOUSING, K.POLICE, K.MUNICIPALITY),
    ),
    AreaTheme(
        "Ondermijning op bedrijventerrein {terrein} bij {plaats}",
        "Signalen van illegale bewoning, hennepteelt en uitbuiting van arbeidsmigranten in "
        "bedrijfspanden.",
        {
            D.HOUSING: "Arbeidsmigranten wonen in bedrijfspanden zonder brandveilige "
            "voorzieningen.",
            D.JUSTICE: "Vermoedens van hennepteelt en witwassen via een autobedrijf.",
            D.DAYTIME: "Werknemers worden ver onder het minimumloon betaald en hun paspoort "
            "wordt ingehouden.",
        },
        "Een beeld van de signalen bij alle partners en een gezamenlijke interventie.",
        (K.POLICE, K.MUNICIPALITY),
    ),
]
AREA_PLACES = ["De Schakel", "Het Kompas", "Duinzicht", "De Brink", "Zuidpoort"]
BUSINESS_PARKS = ["De Koppel", "Mercurius", "Heiakker", "Zuidkade"]

STUCK: dict[str, str] = {
    K.POLICE: "We worden steeds opnieuw ingezet op incidenten, maar strafrechtelijk lossen we "
    "dit niet op. Zorgpartijen krijgen geen contact met {naam}; we hebben een gezamenlijke aanpak "
    "nodig.",
    K.HOUSING: "We hebben een betalingsregeling en een gedragsaanwijzing geprobeerd; beide zijn "
    "niet nagekomen. Zonder zorg rondom {naam} blijft alleen ontruiming over, en dat willen we "
    "voorkomen.",
    K.MUNICIPALITY: "Het sociaal wijkteam is een half jaar betrokken maar komt niet verder: de "
    "deur blijft dicht en meerdere partijen werken langs elkaar heen.",
    K.MENTAL_HEALTH: "Er is geen grond voor een crisismaatregel en vrijwillige behandeling wordt "
    "geweigerd. We hebben andere partners nodig om {naam} in beeld te houden.",
    K.VEILIG_THUIS: "Onze interventies (gesprekken, een veiligheidsplan) hebben het geweld niet "
    "gestopt. De veiligheid van de kinderen vraagt afstemming met strafrecht en "
    "jeugdbescherming.",
    K.PROBATION: "De bijzondere voorwaarden worden niet nageleefd en zonder woning en inkomen "
    "lukt het toezicht niet. Wij kunnen dit niet alleen oplossen.",
}
STUCK_DEFAULT = (
    "We hebben binnen onze eigen mogelijkheden alles geprobeerd (gesprekken, doorverwijzing, "
    "afspraken) zonder resultaat; de problemen op meerdere leefgebieden versterken elkaar."
)
NOT_INFORMED_OTHER = "Betrokkene is niet bereikbaar; de melder heeft twee keer een brief gestuurd."

DECLINES: list[tuple[str, tuple[str, ...]]] = [
    (
        "Niet alle toelatingscriteria zijn vervuld: ketenoverstijgende samenwerking is niet "
        "nodig. Advies: het sociaal wijkteam kan de hulp coördineren.",
        ("multiple_domains", "system"),
    ),
    (
        "De problematiek beperkt zich tot één leefgebied. Verwijzing naar de gemeentelijke "
        "schuldhulpverlening ligt meer voor de hand.",
        ("system",),
    ),
    (
        "Over dit gezin loopt al een overleg in het Jeugdbeschermingsplein; dubbele regie willen "
        "we voorkomen.",
        ("multiple_domains", "cross_chain"),
    ),
    (
        "Onvoldoende informatie om de melding te beoordelen, en de melder reageerde niet op "
        "onze vragen. Meld opnieuw als er meer bekend is.",
        (),
    ),
    (
        "Het lokale zorg- en veiligheidsoverleg van de gemeente is de aangewezen plek; het "
        "Zorg- en Veiligheidshuis sluit aan als dat vastloopt.",
        ("multiple_domains",),
    ),
]
CARE_FORM_DECLINE = (
    "Veilig Thuis pakt deze zorgmelding zelf op in een onderzoek; een casusoverleg in het "
    "Zorg- en Veiligheidshuis is (nog) niet nodig."
)
FORWARD = (
    "Doorgestuurd naar {org}: de vraag ligt vooral op hun terrein en een ketenoverstijgend "
    "overleg is niet nodig."
)
WITHDRAW = [
    "De situatie is gestabiliseerd: {naam} heeft zelf hulp gezocht.",
    "Betrokkene is verhuisd naar een andere regio; wij melden daar.",
    "Na overleg met de huisarts loopt er inmiddels een reguliere behandeling.",
]
ACCEPT_REASON = "Voldoet aan de criteria; casus aangemaakt voor het casusoverleg."
REPEAT_REASON = "Aanvullende melding over dezelfde persoon; toegevoegd aan de lopende casus."

MEETING_PLANNED = "Casusoverleg gepland op {datum}."
MEETING_HELD = "Casusoverleg gehouden; afspraken vastgelegd in het plan van aanpak."
MEETING_AGAIN_HELD = "Vervolgoverleg gehouden; plan van aanpak bijgesteld."
PLAN_FIXED = "Plan van aanpak vastgesteld en met alle deelnemers gedeeld."
TO_AFTERCARE = "Doelen grotendeels bereikt; de nazorgperiode is gestart."
REMEET = [
    "Het plan loopt vast: de behandeling is gestopt en de partners hebben nieuwe afspraken nodig.",
    "Nieuwe informatie van de reclassering vraagt om bijstelling van het plan.",
    "De huurachterstand loopt toch weer op; de woningcorporatie vraagt een vervolgoverleg.",
]
AREA_REMEET = [
    "De overlast verplaatst zich naar een andere straat; de partners stellen de aanpak bij.",
]
AREA_RELAPSE = [
    "Na een rustige periode nemen de meldingen van overlast weer toe.",
]
RELAPSE = [
    "Opnieuw meldingen van overlast en een nieuw incident met de politie; afspraken uit het plan "
    "worden niet meer nagekomen.",
    "Terugval in middelengebruik; de woning staat opnieuw op de tocht.",
    "Nieuwe melding van huiselijk geweld tijdens de nazorgperiode.",
]

CLOSING: dict[str, list[str]] = {
    "manageable": [
        "De doelen uit het plan zijn bereikt: {naam} woont stabiel, de schulden zitten in een "
        "traject en er zijn geen nieuwe politiemeldingen. De nazorg verliep zonder terugval.",
        "De situatie is beheersbaar: de hulp loopt, de partners weten elkaar te vinden en er "
        "waren in de nazorgperiode geen nieuwe incidenten.",
    ],
    "regular_care": [
        "De situatie is overgedragen aan de reguliere hulpverlening ({org}); ketenregie is niet "
        "meer nodig.",
        "Na de bekendheidsvragen bleek dat {org} al betrokken is en de regie kan voeren; de "
        "casus is daar ondergebracht.",
    ],
    "no_result": [
        "Ondanks de inzet van alle partners is de hulp niet van de grond gekomen; {naam} weigert "
        "elke hulp. Politie en wijkteam blijven alert; bij nieuwe zorgen volgt een nieuwe "
        "melding.",
    ],
    "moved": [
        "Betrokkene is verhuisd naar een andere gemeente; de informatie is overgedragen aan het "
        "Zorg- en Veiligheidshuis van de nieuwe woonplaats.",
    ],
    "other": [
        "De casus is opgegaan in de gebiedsgerichte aanpak van de gemeente.",
    ],
}

PURPOSES: dict[str, str] = {
    K.POLICE: "Informatie over incidenten en veiligheid in de buurt",
    K.HOUSING: "Woonsituatie, huurachterstand en woonoverlast",
    K.MENTAL_HEALTH: "Psychische gezondheid en mogelijkheden voor behandeling",
    K.ADDICTION_CARE: "Middelengebruik en verslavingsbehandeling",
    K.VEILIG_THUIS: "Veiligheid in het gezin en aanpak van huiselijk geweld",
    K.YOUTH_PROTECTION: "Veiligheid en ontwikkeling van de kinderen",
    K.YOUTH_CARE: "Ondersteuning van de jongere en de ouders",
    K.MUNICIPALITY: "Inkomen, schuldhulp, leerplicht en Wmo-ondersteuning",
    K.SOCIAL_WORK: "Praktische ondersteuning en schuldhulp",
    K.PROBATION: "Toezicht en reclasseringsadvies",
    K.PROSECUTION: "Strafrechtelijke afdoening en voorwaarden",
    K.CHILD_PROTECTION: "Onderzoek naar een kinderbeschermingsmaatregel",
    K.FORENSIC_CARE: "Forensische behandeling en risicotaxatie",
    K.DISABILITY_CARE: "Begeleiding bij een (licht) verstandelijke beperking",
    K.HALT: "Afdoening en begeleiding van jeugdige daders",
    K.BENEFITS: "Uitkering en re-integratie",
    K.OTHER: "Schuldhulpverlening",
}
INVITED_ROLE = "Deelnemer casusoverleg"

# Which kinds of organisation usually own the plan (case director) for a life domain.
LEAD_KINDS: dict[str, tuple[str, ...]] = {
    D.HOUSING: (K.SOCIAL_WORK, K.HOUSING, K.MUNICIPALITY),
    D.FINANCES: (K.SOCIAL_WORK, K.MUNICIPALITY),
    D.DAYTIME: (K.MUNICIPALITY, K.BENEFITS),
    D.MENTAL_HEALTH: (K.MENTAL_HEALTH, K.FORENSIC_CARE),
    D.PHYSICAL_HEALTH: (K.DISABILITY_CARE, K.MUNICIPALITY),
    D.ADDICTION: (K.ADDICTION_CARE,),
    D.FAMILY: (K.VEILIG_THUIS, K.YOUTH_PROTECTION),
    D.SOCIAL_NETWORK: (K.SOCIAL_WORK, K.MUNICIPALITY),
    D.JUSTICE: (K.PROBATION, K.POLICE),
    D.PARENTING: (K.YOUTH_PROTECTION, K.YOUTH_CARE),
    D.EDUCATION: (K.YOUTH_CARE, K.MUNICIPALITY),
}
AREA_STUCK = (
    "Politie, gemeente en corporatie treden elk afzonderlijk op, maar de overlast verplaatst "
    "zich alleen. Een gezamenlijke gebiedsaanpak is nodig."
)
AREA_CLOSING = (
    "De overlast is sterk afgenomen; de gebiedsaanpak is overgedragen aan het reguliere "
    "wijkoverleg van {plaats}."
)
