"""Property-based tests (hypothesis): the phase machine and the retention date.

Examples are bounded (`derandomize`, a few dozen per property, short sequences) so the suite
stays fast and every run tries the same cases; `CASUSREGIE_PROPERTY_EXAMPLES=500` tries more.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import os

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from casusregie.api.tests.helpers import PROBLEM, post, url
from casusregie.cases import actions as case_actions
from casusregie.cases.actions import add_years
from casusregie.cases.models import Case, PhaseChange, SubjectKind
from casusregie.conftest import Cast, verified_client

EXAMPLES = int(os.environ.get("CASUSREGIE_PROPERTY_EXAMPLES", "30"))
BOUNDED = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# The phase machine as docs/process.md and decision 0010 describe it, written out here on
# purpose (not read from cases/phases.py): the road through the house, one step back from the
# meeting, plan and execution to an earlier step, and re-opening from aftercare (with a
# reason). Closing is its own action from every open phase; closed is the end.
ROAD = ["registered", "triage", "preparation", "meeting", "plan", "execution", "aftercare"]
EDGES = set(itertools.pairwise(ROAD)) | {
    ("meeting", "preparation"),
    ("plan", "meeting"),
    ("execution", "meeting"),
    ("aftercare", "execution"),
}
TARGETS = [*ROAD, "closed", "unknown-phase"]
OUTCOMES = ["manageable", "not-an-outcome"]

step = st.one_of(
    st.tuples(
        st.just("move"),
        st.sampled_from(TARGETS),
        st.sampled_from(["director", "participant"]),
        st.booleans(),  # with a reason
    ),
    st.tuples(
        st.just("close"),
        st.sampled_from(OUTCOMES),
        st.sampled_from(["director", "participant"]),
        st.booleans(),  # with a closing note
    ),
)


def new_case(cast: Cast) -> Case:
    subject = case_actions.create_subject(
        cast.house,
        case_actions.SubjectData(
            first_name="Eigen", last_name="Schap", date_of_birth=datetime.date(1990, 1, 1)
        ),
    )
    return case_actions.create_case(
        cast.house,
        kind=SubjectKind.PERSON,
        title="Eigen Schap",
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=cast.process_director,
        process_director=cast.process_director,
        participants=[(cast.org_a, "Melder", "")],
    )


@pytest.mark.django_db
def test_random_phase_sequences_only_allowed_steps_succeed(cast: Cast) -> None:
    """Random sequences of transitions and closures through the API, by the process
    director or a participant: exactly the allowed ones succeed; every refusal is a problem
    answer (never a 500) that changes nothing; the phase history, the aftercare date and the
    closure fields always agree with the phase."""
    clients = {
        "director": verified_client(cast.process_director),
        "participant": verified_client(cast.participant_a),
    }

    @BOUNDED
    @given(steps=st.lists(step, min_size=1, max_size=8))
    def run(steps: list[tuple[str, str, str, bool]]) -> None:
        case = new_case(cast)
        phase, moves = case.phase, PhaseChange.objects.filter(case=case).count()
        assert phase == "preparation"  # a new case starts after triage (its referral)
        for kind, value, who, flag in steps:
            if kind == "move":
                body = {"target": value, "reason": "Terugval" if flag else ""}
                response = post(clients[who], url(cast, f"cases/{case.pk}/transition"), body)
                allowed = (
                    who == "director"
                    and (phase, value) in EDGES
                    and (flag or (phase, value) != ("aftercare", "execution"))
                )
            else:
                body = {"outcome": value, "note": "Afgerond" if flag else ""}
                response = post(clients[who], url(cast, f"cases/{case.pk}/close"), body)
                allowed = who == "director" and phase != "closed" and value == "manageable" and flag
            assert response.status_code < 500, response.content
            if allowed:
                assert response.status_code == 200, (phase, kind, value, response.json())
                phase, moves = ("closed" if kind == "close" else value), moves + 1
            else:
                assert response.status_code in {400, 403, 404, 409}, (phase, kind, value)
                assert response["Content-Type"] == PROBLEM
            case.refresh_from_db()
            assert case.phase == phase
            assert PhaseChange.objects.filter(case=case).count() == moves
            assert (case.aftercare_until is not None) == (phase == "aftercare")
            closed = phase == "closed"
            assert (case.closed_at is not None) == closed
            assert (case.retention_until is not None) == closed

    run()


@BOUNDED
@given(
    day=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2400, 12, 31)),
    years=st.integers(min_value=0, max_value=50),
)
def test_retention_date_is_the_same_day_years_later(day: datetime.date, years: int) -> None:
    """The retention clock (closure + the house's years): the same day and month, exactly
    `years` later, never earlier; 29 February becomes 28 February in a common year."""
    later = add_years(day, years)
    assert later.year == day.year + years
    assert later >= day
    assert later.month == day.month
    if (day.month, day.day) == (2, 29) and not calendar.isleap(later.year):
        assert later.day == 28
    else:
        assert later.day == day.day
