"""The signals API: give a signal, ask "already a case?", list alerts; scopes, denials, bad
input as problem details, constant query counts."""

from __future__ import annotations

import pytest

from casusregie.conftest import TEST_BSN, Cast
from casusregie.integrations.tests.helpers import api, make_client
from casusregie.privacy.models import ProcessingLogEntry
from casusregie.signals.models import Alert, Signal

from .helpers import BSN_1, BSN_2, today

pytestmark = pytest.mark.django_db


def url(cast: Cast, rest: str) -> str:
    return f"/api/v1/houses/{cast.house.slug}/{rest}"


def give(client, cast: Cast, **data):
    body = {"bsn": BSN_1, "category": "nuisance", "observed_on": today().isoformat(), **data}
    return client.post(url(cast, "signals"), body, content_type="application/json")


def test_give_signals_and_an_alert_follows(as_user, cast: Cast) -> None:
    first = give(as_user(cast.participant_a), cast)
    assert first.status_code == 201
    assert first.json()["alert"] is None
    assert first.json()["organisation"]["name"] == "Politie Heuvelland-test"
    second = give(as_user(cast.participant_b), cast, category="debts")
    assert second.status_code == 201
    alert = Alert.objects.get()
    assert second.json()["alert"] == alert.pk
    assert BSN_1 not in first.content.decode() + second.content.decode()
    listing = as_user(cast.participant_a).get(url(cast, "signal-alerts"))
    assert listing.status_code == 200
    (item,) = listing.json()["results"]
    assert item["categories"] == ["debts", "nuisance"]
    assert {o["name"] for o in item["organisations"]} == {
        "Politie Heuvelland-test",
        "Woonstichting Heuvelland-test",
    }
    assert "pseudonym" not in item
    assert as_user(cast.participant_c).get(url(cast, "signal-alerts")).json()["results"] == []
    assert ProcessingLogEntry.objects.filter(name="signal.alert.list").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"bsn": "123456789"}, "bsn"),
        ({"bsn": "", "first_name": "Jan", "last_name": "X"}, "date_of_birth"),
        ({"category": "gossip"}, "category"),
        ({"observed_on": "2999-01-01"}, "observed_on"),
        ({"observed_on": "gisteren"}, "observed_on"),
        ({"organisation": 999999}, "organisation"),
        ({"kleur": "rood"}, "kleur"),
    ],
)
def test_bad_input_is_a_problem_and_stores_nothing(as_user, cast: Cast, data, field) -> None:
    response = give(as_user(cast.participant_a), cast, **data)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.content.decode()
    assert "123456789" not in response.content.decode()
    assert Signal.objects.count() == 0


def test_another_organisation_and_duplicates_are_refused(as_user, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    assert give(client, cast, organisation=cast.org_b.pk).status_code == 400
    assert give(client, cast).status_code == 201
    duplicate = give(client, cast)
    assert duplicate.status_code == 400
    assert Signal.objects.count() == 1


def test_already_a_case(as_user, cast: Cast, case) -> None:
    client = as_user(cast.participant_c)
    yes = client.post(
        url(cast, "signals/already-a-case"), {"bsn": TEST_BSN}, content_type="application/json"
    )
    assert yes.json() == {
        "known": True,
        "house": "ZVH Heuvelland-test",
        "contact": "Paula Regisseur <pr@test.invalid>",
    }
    no = client.post(
        url(cast, "signals/already-a-case"), {"bsn": BSN_2}, content_type="application/json"
    )
    assert no.json() == {"known": False, "house": "", "contact": ""}
    bad = client.post(
        url(cast, "signals/already-a-case"), {"bsn": "12"}, content_type="application/json"
    )
    assert bad.status_code == 400


@pytest.mark.parametrize("who", ["admin", "privacy_officer", "other_house_user"])
def test_who_may_not(as_user, cast: Cast, who: str) -> None:
    client = as_user(getattr(cast, who))
    assert give(client, cast).status_code == 404
    assert client.get(url(cast, "signal-alerts")).status_code == 404
    assert Signal.objects.count() == 0


def test_anonymous_is_refused(client, cast: Cast) -> None:
    assert give(client, cast).status_code in (401, 403)


def test_api_clients_need_the_signals_scope(cast: Cast) -> None:
    _c, without = make_client(cast, scopes="cases:read")
    assert give(api(without), cast).status_code == 403
    _c, reader = make_client(cast, scopes="signals:read", name="Lezer")
    assert api(reader).get(url(cast, "signal-alerts")).status_code == 200
    assert give(api(reader), cast).status_code == 403
    assert Signal.objects.count() == 0


def test_alert_list_query_count_is_constant(
    as_user, cast: Cast, django_assert_max_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_overview import VALID, alerts

    alerts(cast, 2)
    client = as_user(cast.participant_a)
    client.get(url(cast, "signal-alerts"))
    with CaptureQueriesContext(connection) as captured:
        client.get(url(cast, "signal-alerts"))
    alerts(cast, 10, start=40)
    assert len(VALID) > 50
    with django_assert_max_num_queries(len(captured)):
        assert len(client.get(url(cast, "signal-alerts")).json()["results"]) == 12


@pytest.mark.parametrize("query", ["status=gone", "limit=0", "limit=x", "after=-1"])
def test_alert_list_bad_query_is_a_problem(as_user, cast: Cast, query: str) -> None:
    response = as_user(cast.process_director).get(url(cast, f"signal-alerts?{query}"))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_already_a_case_refuses_unknown_fields_and_non_json(as_user, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    path = url(cast, "signals/already-a-case")
    unknown = client.post(path, {"bsn": BSN_1, "naam": "x"}, content_type="application/json")
    assert unknown.status_code == 400
    broken = client.post(path, "{bsn", content_type="application/json")
    assert broken.status_code == 400
    assert not ProcessingLogEntry.objects.filter(name="signal.already-a-case").exists()
