"""The case timeline: entries merged with the case's events (phase changes, meetings,
decisions, actions and feedback), each only as the access policy allows; filters by kind,
organisation and period; pages; and a constant number of queries whatever its length."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.plans.actions import ActionData, do_create_actions, do_submit_feedback

from .conftest import timeline_url, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(cast: Cast, abc_case: Any) -> dict[str, Any]:
    from casusregie.meetings.actions import do_plan_meeting

    meeting = do_plan_meeting(
        cast.house,
        title="Casusoverleg januari",
        cases=[abc_case],
        invitees=[(cast.org_a, True), (cast.org_b, True)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )
    due = timezone.localdate() + datetime.timedelta(days=14)
    police, housing = do_create_actions(
        abc_case,
        [
            ActionData(title="Huisbezoek politie", owner_organisation=cast.org_a, due_date=due),
            ActionData(title="Schuldhulp woning", owner_organisation=cast.org_b, due_date=due),
        ],
        actor=cast.process_director,
    )
    do_submit_feedback(
        police, what_was_done="Bezoek afgelegd", result="Contact gelegd", actor=cast.participant_a
    )
    return {"meeting": meeting, "police": police, "housing": housing}


def body(as_user: Any, cast: Cast, case: Any, user: Any, query: str = "") -> str:
    response = as_user(user).get(timeline_url(cast, case) + query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_timeline_merges_the_events_each_reader_may_read(
    as_user: Any, cast: Cast, abc_case: Any, events: dict[str, Any]
) -> None:
    write(abc_case, cast.participant_a, "Notitie van de politie")
    police = body(as_user, cast, abc_case, cast.participant_a)
    assert "Notitie van de politie" in police
    assert "Casusoverleg januari" in police
    assert "Huisbezoek politie" in police
    assert "Bezoek afgelegd" in police  # its own feedback
    assert "Schuldhulp woning" not in police  # another organisation's action
    care = body(as_user, cast, abc_case, cast.participant_c)
    assert "Huisbezoek politie" not in care
    assert "Bezoek afgelegd" not in care
    assert "Casusoverleg januari" in care  # the case is on the agenda: every participant
    director = body(as_user, cast, abc_case, cast.process_director)
    assert "Schuldhulp woning" in director
    assert "Bezoek afgelegd" in director


def test_filters_by_kind_organisation_and_period(
    as_user: Any, cast: Cast, abc_case: Any, events: dict[str, Any]
) -> None:
    today = timezone.localdate()
    write(
        abc_case,
        cast.participant_a,
        "Oud telefoontje",
        kind="phone_call",
        occurred_on=today - datetime.timedelta(days=40),
    )
    write(abc_case, cast.participant_b, "Recent huisbezoek", kind="home_visit")
    director = cast.process_director
    calls = body(as_user, cast, abc_case, director, "?kind=phone_call")
    assert "Oud telefoontje" in calls
    assert "Recent huisbezoek" not in calls
    assert "Casusoverleg januari" not in calls
    actions_only = body(as_user, cast, abc_case, director, "?kind=action")
    assert "Huisbezoek politie" in actions_only
    assert "Oud telefoontje" not in actions_only
    housing = body(as_user, cast, abc_case, director, f"?organisation={cast.org_b.pk}")
    assert "Recent huisbezoek" in housing
    assert "Schuldhulp woning" in housing
    assert "Oud telefoontje" not in housing
    assert "Casusoverleg januari" not in housing
    since = (today - datetime.timedelta(days=7)).isoformat()
    recent = body(as_user, cast, abc_case, director, f"?date_from={since}")
    assert "Recent huisbezoek" in recent
    assert "Oud telefoontje" not in recent
    until = (today - datetime.timedelta(days=30)).isoformat()
    old = body(as_user, cast, abc_case, director, f"?date_to={until}")
    assert "Oud telefoontje" in old
    assert "Recent huisbezoek" not in old


def test_bad_filters_are_explained_not_crashed(as_user: Any, cast: Cast, abc_case: Any) -> None:
    client = as_user(cast.participant_a)
    for query in (
        "?kind=roddel",
        "?organisation=999999",
        "?date_from=gisteren",
        "?date_from=2026-02-01&date_to=2026-01-01",
        "?pagina=zeven",
        "?pagina=99999999999999999999999",
    ):
        response = client.get(timeline_url(cast, abc_case) + query)
        assert response.status_code in (200, 400), query


def test_the_timeline_is_paged(as_user: Any, cast: Cast, abc_case: Any) -> None:
    for number in range(30):
        write(abc_case, cast.participant_a, f"Notitie nummer {number:02d}")
    first = body(as_user, cast, abc_case, cast.participant_a)
    assert "Notitie nummer 29" in first
    assert "Notitie nummer 00" not in first
    assert "pagina=2" in first
    second = body(as_user, cast, abc_case, cast.participant_a, "?pagina=2")
    assert "Notitie nummer 00" in second
    assert "Notitie nummer 29" not in second


def _count(as_user: Any, cast: Cast, case: Any, user: Any) -> int:
    client = as_user(user)
    client.get(timeline_url(cast, case))  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(timeline_url(cast, case))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["participant_b", "process_director"])
def test_queries_stay_constant_with_the_number_of_entries(
    as_user: Any, cast: Cast, abc_case: Any, events: dict[str, Any], who: str
) -> None:
    user = getattr(cast, who)

    def add(count: int) -> None:
        for number in range(count):
            old = write(
                abc_case,
                cast.participant_a,
                f"Notitie {number}",
                audience="organisations",
                organisations=[cast.org_a, cast.org_b],
            )
            if number % 2:
                from casusregie.journal.actions import do_correct_entry

                do_correct_entry(
                    old,
                    reason="Aanvulling",
                    kind="contact",
                    text=f"Notitie {number} aangevuld",
                    occurred_on=old.occurred_on,
                    purpose="Afstemming",
                    audience="organisations",
                    organisations=[cast.org_a, cast.org_b],
                    actor=cast.participant_a,
                )

    add(2)
    few = _count(as_user, cast, abc_case, user)
    add(10)
    many = _count(as_user, cast, abc_case, user)
    assert few == many


def test_api_list_queries_stay_constant(as_user: Any, cast: Cast, abc_case: Any) -> None:
    from .conftest import api

    client = as_user(cast.participant_b)
    url = api(cast, f"cases/{abc_case.pk}/journal")

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for number in range(2):
        write(abc_case, cast.participant_a, f"A{number}")
    few = count()
    for number in range(10):
        write(abc_case, cast.participant_a, f"B{number}")
    assert count() == few
