"""Built-in questionnaires. Their texts are survey content (like a case's text), stored on the
survey in Dutch when it is created, so a later edit of a template never changes a survey that
has answers. docs/surveys.md documents the mapping of the thesis's interview guides."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Group, ItemKind

G, A, Q = ItemKind.GRADE, ItemKind.AGREE, ItemKind.OPEN


@dataclass(frozen=True)
class Template:
    key: str
    label: object
    title: str
    introduction: str
    groups: tuple[str, ...]
    items: tuple[tuple[str, str, str, str], ...]  # (section, key, kind, text)


# Items the network diagnosis reads (casusregie.network): trust_* and goal_consensus_*.
NETWORK_ITEMS = (
    (
        "Vertrouwen en doel",
        "trust_agreements_kept",
        A,
        "Ik vertrouw erop dat partners hun afspraken nakomen.",
    ),
    (
        "Vertrouwen en doel",
        "trust_information",
        A,
        "Ik vertrouw erop dat partners zorgvuldig omgaan met gedeelde informatie.",
    ),
    (
        "Vertrouwen en doel",
        "goal_consensus_shared_goal",
        A,
        "De partners delen hetzelfde doel voor het ZVH.",
    ),
    (
        "Vertrouwen en doel",
        "goal_consensus_way_of_working",
        A,
        "De doelen en werkwijze van het ZVH komen overeen met die van mijn organisatie.",
    ),
)

SATISFACTION = Template(
    key="satisfaction",
    label=_("Partner satisfaction survey"),
    title="Partnertevredenheid",
    introduction=(
        "Hoe tevreden bent u over de samenwerking in het Zorg- en Veiligheidshuis? "
        "Uw antwoorden zijn anoniem: niemand kan zien wat u hebt geantwoord."
    ),
    groups=(Group.MANAGER, Group.PARTICIPANT),
    items=(
        ("Cijfer", "grade_overall", G, "Welk rapportcijfer geeft u het ZVH?"),
        ("Stellingen", "integral_cooperation", A, "Het ZVH versterkt de integrale samenwerking."),
        ("Stellingen", "clear_goal", A, "Iedere cliënt krijgt een helder en haalbaar doel."),
        ("Het ZVH is …", "trait_cooperative", A, "Het ZVH is coöperatief."),
        ("Het ZVH is …", "trait_decisive", A, "Het ZVH is slagvaardig."),
        ("Het ZVH is …", "trait_reliable", A, "Het ZVH is betrouwbaar."),
        ("Het ZVH is …", "trait_transparent", A, "Het ZVH is transparant."),
        *NETWORK_ITEMS,
        ("Toelichting", "open_improve", Q, "Wat kan het ZVH beter doen?"),
    ),
)

_GUIDE_OPENING = (
    ("Introductie respondent", "role", Q, "Wat is uw functie en wat houdt die in?"),
    ("Introductie respondent", "route", Q, "Hoe bent u hier terecht gekomen?"),
)

GUIDE_HOUSE_STAFF = Template(
    key="guide_house_staff",
    label=_("Interview guide for house staff (thesis appendix 2)"),
    title="Interviewleidraad medewerkers ZVH",
    introduction="Vragen uit de interviewleidraad voor medewerkers van het Veiligheidshuis.",
    groups=(Group.PARTICIPANT,),
    items=(
        *_GUIDE_OPENING,
        ("Introductie respondent", "tenure", Q, "Hoe lang werkt u al bij het ZVH?"),
        ("Taak en doelen", "origin", Q, "Hoe is het ZVH ontstaan?"),
        (
            "Taak en doelen",
            "problems",
            Q,
            "Op welke problemen richt het ZVH zich en is dit in ontwikkeling?",
        ),
        (
            "Taak en doelen",
            "goal",
            Q,
            "Wat is het doel van het ZVH? Wanneer levert het ZVH goed werk?",
        ),
        (
            "Taak en doelen",
            "goal_consensus_goal",
            A,
            "Er is consensus tussen de partners over het doel van het ZVH.",
        ),
        ("Taak en doelen", "task_in_network", Q, "Wat is de taak van het ZVH in het netwerk?"),
        ("Partners", "partners", Q, "Welke partners zitten er in het ZVH?"),
        (
            "Partners",
            "relations",
            Q,
            "Hoe is de verhouding tussen de partners? Neemt één partij de leiding?",
        ),
        ("Partners", "information_sharing", Q, "Hoe verloopt de informatiedeling?"),
        (
            "Partners",
            "trust_information_sharing",
            A,
            "Ik vertrouw erop dat partners de informatie delen die nodig is.",
        ),
        ("Structuur", "meetings", Q, "Hoe vaak en hoe komt het netwerk bij elkaar?"),
        ("Structuur", "informal_contact", Q, "Is er ook informeel contact tussen de partners?"),
        (
            "Structuur",
            "flexible",
            A,
            "Bij acute gevallen kan er snel worden opgetreden of overlegd.",
        ),
        (
            "Bestuur",
            "governance",
            Q,
            "Wie is verantwoordelijk voor het onderhouden van het netwerk en wie beslist?",
        ),
        ("Omgeving", "demand", Q, "Is er verandering in de vraag naar het netwerk?"),
        ("Omgeving", "development", Q, "Hoe ontwikkelt het netwerk zich?"),
    ),
)

GUIDE_POLICE = Template(
    key="guide_police",
    label=_("Interview guide for police staff (thesis appendix 3)"),
    title="Interviewleidraad medewerkers politie",
    introduction="Vragen uit de interviewleidraad voor medewerkers van de politie.",
    groups=(Group.MANAGER, Group.PARTICIPANT),
    items=(
        *_GUIDE_OPENING,
        ("Introductie respondent", "tenure", Q, "Hoe lang werkt u al samen met het ZVH?"),
        (
            "Taak en doelen",
            "case_types",
            Q,
            "Voor wat voor casussen maakt de politie gebruik van het ZVH?",
        ),
        ("Taak en doelen", "goal", Q, "Wat is het doel van het ZVH?"),
        (
            "Taak en doelen",
            "goal_consensus_partners",
            A,
            "De doelen en werkwijze van het ZVH komen overeen met die van de andere partners.",
        ),
        ("Taak en doelen", "added_value", A, "Het ZVH heeft toegevoegde waarde voor de politie."),
        ("Taak en doelen", "added_value_evidence", Q, "Waar blijkt die toegevoegde waarde uit?"),
        (
            "Partners",
            "important_partners",
            Q,
            "Wat zijn voor de politie belangrijke partners in het ZVH?",
        ),
        ("Partners", "partners_support", A, "De partners ondersteunen het politiewerk."),
        ("Partners", "partners_relieve", A, "De partners ontlasten het politiewerk."),
        (
            "Partners",
            "equal_contribution",
            A,
            "Alle partners dragen in dezelfde mate bij aan het netwerk.",
        ),
        (
            "Partners",
            "trust_information_sharing",
            A,
            "Ik vertrouw erop dat partners zorgvuldig met gedeelde informatie omgaan.",
        ),
        ("Structuur", "use", Q, "Hoe vaak maakt de politie gebruik van het netwerk?"),
        (
            "Structuur",
            "flexible",
            A,
            "Bij acute gevallen kan er snel worden opgetreden of overlegd.",
        ),
        (
            "Bestuur",
            "governance",
            Q,
            "Wie is vanuit de politie verantwoordelijk voor het netwerk en wie beslist?",
        ),
        ("Omgeving", "development", Q, "Hoe ontwikkelt het netwerk zich?"),
        ("Overig", "results", Q, "Wat haalt de politie aan resultaten uit het netwerk?"),
    ),
)

BLANK = Template(
    key="blank",
    label=_("Empty survey (add your own questions)"),
    title="Enquête",
    introduction="",
    groups=(Group.MANAGER, Group.PARTICIPANT),
    items=(),
)

TEMPLATES = {t.key: t for t in (SATISFACTION, GUIDE_HOUSE_STAFF, GUIDE_POLICE, BLANK)}
