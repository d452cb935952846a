"""Actions over the API: recorded all or none, read only by whom the policy allows."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.cases.models import Case
from casusregie.conftest import Cast
from casusregie.plans.models import Action
from casusregie.privacy.models import Operation, ProcessingLogEntry

from .helpers import PROBLEM, fields, post, url

pytestmark = pytest.mark.django_db


def day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def record(as_user: Any, cast: Cast, case: Case) -> list[dict[str, Any]]:
    response = post(
        as_user(cast.process_director),
        url(cast, f"cases/{case.pk}/actions"),
        {
            "actions": [
                {
                    "title": "Huisbezoek met wijkagent",
                    "owner_organisation": cast.org_a.pk,
                    "owner": cast.participant_a.pk,
                    "due_date": day(7),
                    "domain": "justice",
                },
                {
                    "title": "Betalingsregeling huur",
                    "owner_organisation": cast.org_b.pk,
                    "owner": None,
                    "due_date": day(14),
                    "domain": "housing",
                },
            ]
        },
    )
    assert response.status_code == 201, response.content
    return response.json()["results"]


def test_director_records_actions_and_owners_read_their_own(
    as_user: Any, cast: Cast, case: Case
) -> None:
    police, housing = record(as_user, cast, case)
    assert (police["number"], housing["number"]) == (1, 2)
    assert police["owner"]["name"] == "Arie Agent"
    assert ProcessingLogEntry.objects.filter(
        name="action.create", operation=Operation.DISCLOSE, recipient_organisation=cast.org_b
    ).exists()
    mine = as_user(cast.participant_a).get(url(cast, "actions?mine=true")).json()["results"]
    assert [a["title"] for a in mine] == ["Huisbezoek met wijkagent"]
    # The housing corporation takes part in the case but does not read the police's action.
    theirs = as_user(cast.participant_b).get(url(cast, "actions")).json()["results"]
    assert [a["title"] for a in theirs] == ["Betalingsregeling huur"]
    hidden = as_user(cast.participant_b).get(url(cast, f"actions/{police['id']}"))
    assert hidden.status_code == 404
    assert hidden["Content-Type"] == PROBLEM
    # ... but sees the police's progress as a count.
    progress = as_user(cast.participant_b).get(url(cast, f"cases/{case.pk}/progress")).json()
    counts = {row["organisation"]["name"]: row["open"] for row in progress["organisations"]}
    assert counts == {"Politie Heuvelland-test": 1, "Woonstichting Heuvelland-test": 1}


def test_outsiders_see_nothing(as_user: Any, cast: Cast, case: Case) -> None:
    police, _housing = record(as_user, cast, case)
    for user in (cast.participant_c, cast.other_house_user):
        client = as_user(user)
        assert client.get(url(cast, f"actions/{police['id']}")).status_code == 404
        assert client.get(url(cast, f"cases/{case.pk}/progress")).status_code == 404
    assert as_user(cast.participant_c).get(url(cast, "actions")).json()["results"] == []


def test_bad_rows_record_nothing(as_user: Any, cast: Cast, case: Case) -> None:
    response = post(
        as_user(cast.process_director),
        url(cast, f"cases/{case.pk}/actions"),
        {
            "actions": [
                {"title": "Goed", "owner_organisation": cast.org_a.pk, "due_date": day(3)},
                {"title": "Verleden", "owner_organisation": cast.org_a.pk, "due_date": day(-1)},
                {
                    "title": "Niet in de casus",
                    "owner_organisation": cast.org_c.pk,
                    "due_date": day(3),
                },
                {"title": "", "owner_organisation": None, "due_date": None},
            ]
        },
    )
    assert fields(response) == {
        "actions.1.due_date",
        "actions.2.owner_organisation",
        "actions.3.title",
        "actions.3.owner_organisation",
        "actions.3.due_date",
    }
    assert not Action.objects.exists()


def test_partner_may_not_record_actions(as_user: Any, cast: Cast, case: Case) -> None:
    response = post(
        as_user(cast.participant_a),
        url(cast, f"cases/{case.pk}/actions"),
        {"actions": [{"title": "Zelf", "owner_organisation": cast.org_a.pk, "due_date": day(3)}]},
    )
    assert response.status_code == 403
    assert not Action.objects.exists()


def test_action_list_query_count_is_constant(
    as_user: Any, cast: Cast, case: Case, django_assert_num_queries: Any
) -> None:
    record(as_user, cast, case)
    client = as_user(cast.process_director)
    client.get(url(cast, "actions"))  # warm the session
    # 7 for the page incl. the onboarding check, 1 for the people of the cases shown and 7 for
    # the processing log (activity, head, audit row, one insert of every line, head update).
    with django_assert_num_queries(15):
        client.get(url(cast, "actions"))
    record(as_user, cast, case)
    record(as_user, cast, case)
    with django_assert_num_queries(15):
        client.get(url(cast, "actions"))
