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


def load_demo_surveys(progress: Callable[[str], None], seed: int) -> None:
    """Each demo house gets a closed satisfaction survey: 12 participants answered (shown),
    4 managers (below the minimum of 5, so hidden)."""
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
        for group, count in ((Group.PARTICIPANT, 12), (Group.MANAGER, 4)):
            for _ in range(count):
                answers: dict[str, object] = {}
                for item in items:
                    if item.kind == ItemKind.GRADE:
                        answers[item.key] = rng.choice([5, 6, 7, 7, 8, 8, 8, 9])
                    elif item.kind == ItemKind.AGREE:
                        answers[item.key] = rng.choice(
                            [*Agreement.values, Agreement.AGREE, Agreement.AGREE]
                        )
                    else:
                        answers[item.key] = rng.choice(_OPEN)
                actions.store_imported(survey, group, answers)
        progress(f"{house.name}: tevredenheidsenquête met 16 antwoorden")
