"""Survey results per item and respondent group, shown only from the survey's minimum number
of responses (per group). `item_scores` is the function other apps use (docs/surveys.md)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from casusregie.houses.models import House

from .models import AGREEING, Agreement, Answer, Group, ItemKind, Survey


@dataclass
class Score:
    """One item's result in one group. `value` is the mean grade (grades) or the share of
    those with an opinion who agree, 0–100 (agree items); None for open questions."""

    key: str
    kind: str
    group: str
    n: int
    value: float | None
    texts: list[str] = field(default_factory=list)


@dataclass
class GroupResult:
    group: str
    label: str
    responses: int
    shown: bool
    scores: list[tuple[Any, Score]]


def _score(item: object, group: str, answers: list[Answer]) -> Score:
    kind = item.kind  # type: ignore[attr-defined]
    key = item.key  # type: ignore[attr-defined]
    if kind == ItemKind.GRADE:
        grades = [a.grade for a in answers if a.grade is not None]
        mean = round(sum(grades) / len(grades), 1) if grades else None
        return Score(key, kind, group, len(grades), mean)
    if kind == ItemKind.AGREE:
        opinions = [
            a.agreement for a in answers if a.agreement and a.agreement != Agreement.DONT_KNOW
        ]
        agree = sum(1 for a in opinions if a in AGREEING)
        share = round(100 * agree / len(opinions), 1) if opinions else None
        return Score(key, kind, group, len(opinions), share)
    texts = [a.text for a in answers if a.text]
    return Score(key, kind, group, len(texts), None, texts)


def survey_results(survey: Survey) -> list[GroupResult]:
    """Per respondent group: the number of responses and, from the threshold on, each item's
    score. Below the threshold nothing but the count is returned."""
    counts = dict(
        survey.responses.values_list("group").annotate(n=Count("pk")).values_list("group", "n")
    )
    items = list(survey.items.all())
    by_item: dict[tuple[int, str], list[Answer]] = defaultdict(list)
    shown_groups = {g for g in survey.groups if counts.get(g, 0) >= survey.min_responses}
    if shown_groups:
        for answer in Answer.objects.filter(
            response__survey=survey, response__group__in=shown_groups
        ).select_related("response"):
            by_item[(answer.item_id, answer.response.group)].append(answer)
    results = []
    labels = dict(Group.choices)
    for group in survey.groups:
        shown = group in shown_groups
        scores = (
            [(item, _score(item, group, by_item[(item.pk, group)])) for item in items]
            if shown
            else []
        )
        results.append(
            GroupResult(group, str(labels.get(group, group)), counts.get(group, 0), shown, scores)
        )
    return results


def item_scores(
    house: House, key_prefix: str, since: datetime.date | None = None
) -> dict[str, Score]:
    """Per item key starting with `key_prefix`: one Score pooled over the house's surveys that
    opened on or after `since` and over their respondent groups (`group` is "all"). Only
    groups at or above their survey's minimum number of responses count; a key with no such
    answers is absent."""
    surveys = Survey.objects.filter(house=house, items__key__startswith=key_prefix).distinct()
    if since is not None:
        surveys = surveys.filter(opens_on__gte=since)
    pooled: dict[str, list[Answer]] = defaultdict(list)
    kinds: dict[str, object] = {}
    for survey in surveys:
        counts = dict(
            survey.responses.values_list("group").annotate(n=Count("pk")).values_list("group", "n")
        )
        shown = [g for g in survey.groups if counts.get(g, 0) >= survey.min_responses]
        if not shown:
            continue
        for answer in Answer.objects.filter(
            response__survey=survey, response__group__in=shown, item__key__startswith=key_prefix
        ).select_related("item"):
            pooled[answer.item.key].append(answer)
            kinds[answer.item.key] = answer.item
    scores = {key: _score(kinds[key], "all", answers) for key, answers in pooled.items()}
    return {key: score for key, score in scores.items() if score.n}
