"""Synthetic survey results for the demo houses (casusregie demo)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.utils import timezone

from casusregie.houses.models import House

from . import actions
from .models import Agreement, Group, ItemKind

_OPEN = ["Snellere terugkoppeling na het overleg.", "Meer tijd voor evaluatie.", ""]

# How many of every 12 respondents agree with the items the network diagnosis reads, after the
# thesis (§6.2.2, §7.1.1): in both regions trust is high, though agreements are not always kept
# and information is handled with care; the goal is undisputed, though partners keep judging
# from their own organisation's goal. Midden-Brabant houses its partners together, which the
# respondents link to more trust. The rest of the 12 neither agree nor disagree or disagree.
NETWORK_AGREEMENT = {
    "duinstreek": {
        "trust_agreements_kept": 10,
        "trust_information": 11,
        "goal_consensus_shared_goal": 11,
        "goal_consensus_way_of_working": 9,
    },
    "heuvelland": {
        "trust_agreements_kept": 11,
        "trust_information": 11,
        "goal_consensus_shared_goal": 11,
        "goal_consensus_way_of_working": 9,
    },
}


def _network_answers(rng: random.Random, agreeing: int, count: int) -> list[Agreement]:
    """`count` answers of which `agreeing` of every 12 agree, in a shuffled order."""
    n_agree = round(count * agreeing / 12)
    rest = [Agreement.NEUTRAL, Agreement.DISAGREE]
    answers = [rng.choice([Agreement.AGREE, Agreement.STRONGLY_AGREE]) for _ in range(n_agree)]
    answers += [rest[i % 2] for i in range(count - n_agree)]
    rng.shuffle(answers)
    return answers


def load_demo_surveys(progress: Callable[[str], None], seed: int) -> None:
    """Each demo house gets a closed satisfaction survey: 12 participants answered (shown),
    4 managers (below the minimum of 5, so hidden). The items on trust and goal consensus follow
    `NETWORK_AGREEMENT`, so the network diagnosis of the demo houses reads as the thesis."""
    rng = random.Random(seed * 31)  # noqa: S311 - synthetic demo answers
    today = timezone.localdate()
    for house in House.objects.filter(surveys__isnull=True).order_by("pk"):
        survey = actions.create_survey(
            house,
            actor=None,
            template="satisfaction",
            opens_on=today - datetime.timedelta(days=60),
            closes_on=today - datetime.timedelta(days=30),
        )
        items = list(survey.items.all())
        profile = NETWORK_AGREEMENT.get(house.slug, {})
        for group, count in ((Group.PARTICIPANT, 12), (Group.MANAGER, 4)):
            network = {
                key: _network_answers(rng, agreeing, count) for key, agreeing in profile.items()
            }
            for index in range(count):
                answers: dict[str, object] = {}
                for item in items:
                    if item.key in network:
                        answers[item.key] = network[item.key][index]
                    elif item.kind == ItemKind.GRADE:
                        answers[item.key] = rng.choice([5, 6, 7, 7, 8, 8, 8, 9])
                    elif item.kind == ItemKind.AGREE:
                        answers[item.key] = rng.choice(
                            [*Agreement.values, Agreement.AGREE, Agreement.AGREE]
                        )
                    else:
                        answers[item.key] = rng.choice(_OPEN)
                actions.store_imported(survey, group, answers)
        progress(f"{house.name}: tevredenheidsenquête met 16 antwoorden")
