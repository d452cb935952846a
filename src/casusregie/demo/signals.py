"""Early warning in the demo: in Duinstreek the police and the housing corporation give signals
about the same (fake) person, which raises a convergence alert for the process directors; one
of them asks for a referral, the housing corporation files it, and the referral shows "already
known: signals from 2 organisations". A spread of other signals gives the overview a trend.
All through the real actions; the person is clearly synthetic."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.utils import timezone

from casusregie.accounts.models import Membership, User
from casusregie.cases.actions import SubjectData
from casusregie.cases.models import SubjectKind
from casusregie.demo.cases import synthetic_bsn
from casusregie.houses.models import House
from casusregie.referrals import actions as referral_actions
from casusregie.signals import actions
from casusregie.signals.models import Category
from casusregie.signals.pseudonym import identify

# Synthetic (passes the eleven-test, belongs to nobody): the person of the demo's alert.
DEMO_BSN = "999999990"
FIRST_NAME, LAST_NAME = "Sanne", "Signaalsma"
BORN = datetime.date(1988, 6, 21)


def _login(house: House, prefix: str) -> User:
    return User.objects.get(email=f"{prefix}@{house.slug}.demo.invalid")


def _organisation(user: User, house: House) -> object:
    return Membership.objects.active().filter(user=user, house=house).first().organisation  # type: ignore[union-attr]


def _synthetic_bsns(rng: random.Random, count: int) -> list[str]:
    used = {DEMO_BSN}
    return [synthetic_bsn(rng, used) for _ in range(count)]


def load_demo_signals(progress: Callable[[str], None], seed: int = 2026) -> None:
    today = timezone.localdate()
    rng = random.Random(seed)
    house = House.objects.get(slug="duinstreek")
    police, housing = _login(house, "wijkagent"), _login(house, "woningcorporatie")
    director = _login(house, "procesregisseur")
    progress("Zorgsignalen en samenloop in Duinstreek")
    for user, category, days_ago in (
        (police, Category.NUISANCE, 20),
        (housing, Category.HOUSING, 5),
    ):
        done = actions.do_register_signal(
            house,
            identify(bsn=DEMO_BSN),
            category=category,
            observed_on=today - datetime.timedelta(days=days_ago),
            organisation=_organisation(user, house),  # type: ignore[arg-type]
            actor=user,
        )
    assert done.alert is not None
    actions.do_request_referral(done.alert, actor=director)
    # Whichever signalling contact may refer in this house files the referral.
    referrer = next(
        u for u in (housing, police) if referral_actions.referrer_organisations(u, house)
    )
    referral_actions.do_save_referral(
        house,
        referral_actions.ReferralData(
            kind=SubjectKind.PERSON,
            subjects=[SubjectData(FIRST_NAME, LAST_NAME, BORN, bsn=DEMO_BSN)],
            concerns={"housing": "Huurachterstand en klachten van buren over overlast."},
            goal="Samen met politie en woningcorporatie een aanpak afspreken.",
            stuck_statement="Wij krijgen geen contact; de politie kent de situatie ook.",
            subject_informed=True,
        ),
        actor=referrer,
        organisation=referral_actions.referrer_organisations(referrer, house)[0],
        submit=True,
    )
    # A spread of single signals over half a year, for the overview's trend.
    givers = [police, housing, _login(house, "veiligthuis")]
    categories = list(Category)
    for bsn in _synthetic_bsns(rng, 60):
        user = rng.choice(givers)
        actions.do_register_signal(
            house,
            identify(bsn=bsn),
            category=rng.choice(categories),
            observed_on=today - datetime.timedelta(days=rng.randrange(0, 170)),
            organisation=_organisation(user, house),  # type: ignore[arg-type]
            actor=user,
        )
