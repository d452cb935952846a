"""Property-based tests (hypothesis) of escalation timing: for any ladder a house may set and
any pattern of scheduler runs (late, twice a day, skipping days), an action without feedback
reaches exactly the levels whose delay after the due date has passed — each once, in order —
and nothing more once it is done. Bounded like cases/tests/test_properties.py."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from casusregie.cases.tests.test_properties import BOUNDED
from casusregie.conftest import Cast
from casusregie.houses.models import House, validate_escalation_ladder
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Action, ActionStatus, Escalation
from casusregie.plans.schedule import run_escalations

TARGETS = ["owner", "process_director", "house_manager", "partner_manager", "administrative"]


@st.composite
def ladders(draw: Any) -> list[dict[str, Any]]:
    """A ladder as the house settings accept it: levels 1..n, rising day counts."""
    steps = draw(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=5))
    first = draw(st.integers(min_value=0, max_value=5))
    days = [first + sum(steps[:i]) for i in range(len(steps))]
    return [
        {
            "level": number,
            "title": f"Niveau {number}",
            "after_days": after,
            "notify": draw(st.sampled_from(TARGETS)),
        }
        for number, after in enumerate(days, start=1)
    ]


runs = st.lists(st.integers(min_value=-5, max_value=60), min_size=1, max_size=6).map(sorted)


@pytest.mark.django_db
@BOUNDED
@given(ladder=ladders(), days=runs, done_after=st.integers(min_value=0, max_value=6))
def test_escalation_levels_follow_the_ladder_and_the_clock(
    cast: Cast, case: Any, ladder: list[dict[str, Any]], days: list[int], done_after: int
) -> None:
    validate_escalation_ladder(ladder)  # the generator makes only ladders a house can set
    with transaction.atomic():
        House.objects.filter(pk=cast.house.pk).update(escalation_ladder=ladder)
        due = timezone.localdate() + datetime.timedelta(days=3)
        (action,) = do_create_actions(
            case, [ActionData("Eigen actie", cast.org_a, due)], actor=cast.process_director
        )
        reached_by: dict[int, int] = {}  # level -> the run day on which it was reached
        for run_number, offset in enumerate(days):
            if run_number == done_after:  # feedback accepted: the ladder stops here
                Action.objects.filter(pk=action.pk).update(status=ActionStatus.DONE)
            today = due + datetime.timedelta(days=offset)
            run_escalations(today)
            if run_number < done_after and offset > 0:  # only once the due date has passed
                for step in ladder:
                    if step["after_days"] <= offset:
                        reached_by.setdefault(step["level"], offset)
            found = list(
                Escalation.objects.filter(action=action)
                .order_by("level")
                .values_list("level", flat=True)
            )
            assert found == sorted(reached_by)  # each level once, none skipped, none early
            action.refresh_from_db()
            assert action.escalation_level == max(reached_by, default=0)
        transaction.set_rollback(True)
