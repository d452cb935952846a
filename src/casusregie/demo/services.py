"""The demo's services map (sociale kaart, decision 0048): what the partners of each house
offer, with waiting times. Added through the real action by each organisation's partner manager;
a few waiting times are then dated back past the stale limit so the demo shows the flag. The
names are the usual Dutch ones; organisations, numbers and addresses are invented."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.utils import timezone

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.houses.domains import LifeDomain as D
from casusregie.houses.models import House, Organisation
from casusregie.houses.models import OrganisationKind as K
from casusregie.plans import services
from casusregie.plans.models import SERVICE_STALE_AFTER_WEEKS, Service

# Per kind of organisation: (service, life domains, target group, how to refer, weeks range).
OFFER: dict[str, list[tuple[str, tuple[str, ...], str, str, tuple[int, int]]]] = {
    K.OTHER: [
        (
            "Schuldhulpverlening",
            (D.FINANCES,),
            "Inwoners met problematische schulden",
            "Aanmelden via het Wmo-loket of het aanmeldformulier; eerste gesprek binnen 3 dagen "
            "bij dreigende huisuitzetting.",
            (2, 8),
        ),
        (
            "Budgetbeheer",
            (D.FINANCES, D.DAYTIME),
            "Volwassenen die hun geld niet zelf kunnen beheren",
            "Na een intake bij de schuldhulpverlening.",
            (4, 12),
        ),
    ],
    K.SOCIAL_WORK: [
        (
            "Algemeen maatschappelijk werk",
            (D.SOCIAL_NETWORK, D.FAMILY, D.FINANCES),
            "Volwassenen en gezinnen",
            "Vrije inloop op werkdagen, of een verwijzing van huisarts of wijkteam.",
            (1, 4),
        ),
        (
            "Formulierenhulp",
            (D.FINANCES,),
            "Inwoners die hulp nodig hebben bij brieven en aanvragen",
            "Zonder verwijzing, op afspraak.",
            (0, 2),
        ),
    ],
    K.ADDICTION_CARE: [
        (
            "Verslavingszorg ambulant",
            (D.ADDICTION, D.MENTAL_HEALTH),
            "Volwassenen met problematisch middelengebruik",
            "Verwijzing door de huisarts; bij crisis het crisisnummer.",
            (3, 10),
        ),
        (
            "Vroegsignalering alcohol en drugs",
            (D.ADDICTION, D.EDUCATION),
            "Jongeren van 12 tot 23 jaar",
            "Aanmelden door school, ouders of wijkagent.",
            (1, 3),
        ),
    ],
    K.MENTAL_HEALTH: [
        (
            "FACT-team",
            (D.MENTAL_HEALTH, D.ADDICTION, D.HOUSING),
            "Volwassenen met ernstige psychische aandoeningen",
            "Verwijzing door huisarts of behandelaar; overleg vooraf met de teamcoördinator.",
            (6, 16),
        ),
        (
            "Ambulante GGZ-behandeling",
            (D.MENTAL_HEALTH,),
            "Volwassenen",
            "Verwijzing door de huisarts.",
            (8, 20),
        ),
    ],
    K.HOUSING: [
        (
            "Vroegsignalering huurachterstand",
            (D.HOUSING, D.FINANCES),
            "Huurders met twee maanden huurachterstand",
            "De corporatie meldt zelf; partners bellen de huurconsulent.",
            (0, 2),
        ),
    ],
    K.MUNICIPALITY: [
        (
            "Ambulante woonbegeleiding",
            (D.HOUSING, D.MENTAL_HEALTH, D.DAYTIME),
            "Volwassenen die (weer) zelfstandig wonen",
            "Melding bij het Wmo-loket; een consulent doet het keukentafelgesprek.",
            (4, 12),
        ),
        (
            "Beschermd wonen",
            (D.HOUSING, D.MENTAL_HEALTH),
            "Volwassenen met psychische problemen die niet zelfstandig kunnen wonen",
            "Via de centrale toegang beschermd wonen van de regio.",
            (12, 40),
        ),
    ],
    K.YOUTH_CARE: [
        (
            "Ambulante jeugdhulp",
            (D.PARENTING, D.EDUCATION, D.FAMILY),
            "Gezinnen met kinderen tot 18 jaar",
            "Verwijzing door het wijkteam, de huisarts of de jeugdarts.",
            (4, 14),
        ),
    ],
    K.DISABILITY_CARE: [
        (
            "Dagbesteding",
            (D.DAYTIME, D.PHYSICAL_HEALTH, D.SOCIAL_NETWORK),
            "Volwassenen met een (licht) verstandelijke beperking",
            "Met een Wmo-beschikking; proefdag op afspraak.",
            (2, 8),
        ),
    ],
    K.PROBATION: [
        (
            "Reclasseringstoezicht",
            (D.JUSTICE,),
            "Volwassenen met een bijzondere voorwaarde",
            "Op last van de rechter of het OM.",
            (1, 3),
        ),
    ],
    K.BENEFITS: [
        (
            "Re-integratietraject",
            (D.DAYTIME, D.FINANCES),
            "Mensen met een uitkering die aan het werk willen",
            "Via de werkcoach van UWV.",
            (2, 6),
        ),
    ],
    K.HALT: [
        (
            "Halt-afdoening",
            (D.JUSTICE, D.EDUCATION),
            "Jongeren van 12 tot 18 jaar na een licht vergrijp",
            "Verwijzing door politie of boa.",
            (1, 4),
        ),
    ],
    K.VEILIG_THUIS: [
        (
            "Advies bij huiselijk geweld en kindermishandeling",
            (D.FAMILY, D.PARENTING),
            "Iedereen die zich zorgen maakt over huiselijk geweld",
            "Bel 0800-2000 (gratis, dag en nacht).",
            (0, 0),
        ),
    ],
}


def _keeper(house: House, organisation: Organisation) -> User | None:
    """Who keeps the organisation's services up to date: its partner manager in the house."""
    held = (
        Membership.objects.active()
        .filter(house=house, organisation=organisation, role=Role.PARTNER_MANAGER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return held.user if held else None


def load_demo_services(
    progress: Callable[[str], None], seed: int = 2026, houses: list[House] | None = None
) -> int:
    """Services for every house of the demo; returns how many were added."""
    rng = random.Random(seed)
    today = timezone.localdate()
    added = 0
    for house in houses or list(House.objects.order_by("slug")):
        progress(f"{house.name}: sociale kaart")
        organisations = Organisation.objects.filter(partnerships__house=house).order_by("name")
        municipalities = 0
        for organisation in organisations:
            offer = OFFER.get(organisation.kind, [])
            if organisation.kind == K.MUNICIPALITY:
                municipalities += 1
                if municipalities > 2:  # the first two towns offer the regional services
                    continue
            keeper = _keeper(house, organisation)
            if not offer or keeper is None:
                continue
            for name, domains, group, refer, (low, high) in offer:
                service = services.do_add_service(
                    house,
                    organisation,
                    services.ServiceData(
                        name=name,
                        domains=list(domains),
                        target_group=group,
                        waiting_weeks=rng.randint(low, high),
                        region=house.region,
                        how_to_refer=refer,
                        contact_name=f"Aanmeldpunt {organisation.name}",
                        contact_phone=organisation.phone,
                        contact_email=organisation.email,
                    ),
                    actor=keeper,
                )
                added += 1
                # Invented history: most figures confirmed in the last weeks, about one in
                # five longer ago than the stale limit.
                if rng.random() < 0.2:
                    days = SERVICE_STALE_AFTER_WEEKS * 7 + rng.randint(7, 60)
                else:
                    days = rng.randint(0, SERVICE_STALE_AFTER_WEEKS * 7 - 7)
                Service.objects.filter(pk=service.pk).update(
                    waiting_confirmed_on=today - datetime.timedelta(days=days)
                )
    return added
