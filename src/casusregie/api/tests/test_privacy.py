"""Who sees what over the API. Not visible answers 404, exactly like a missing object."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casusregie.cases.models import Case, Phase
from casusregie.conftest import Cast
from casusregie.referrals.models import KnownToQuery

from .helpers import PROBLEM, file_referral, in_a_week, post, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(as_user: Any, cast: Cast, case: Case) -> dict[str, int]:
    """A submitted referral by A, the fixture case (A and B take part, C not) and a known-to
    question to B about it."""
    referral = file_referral(as_user, cast)
    asked = post(
        as_user(cast.process_director),
        url(cast, f"cases/{case.pk}/known-to-queries"),
        {"organisations": [cast.org_b.pk], "deadline": in_a_week()},
    )
    assert asked.status_code == 201
    return {"referral": referral["id"], "case": case.pk, "query": asked.json()["results"][0]["id"]}


def paths(story: dict[str, int]) -> list[str]:
    return [
        f"referrals/{story['referral']}",
        f"cases/{story['case']}",
        f"cases/{story['case']}/known-to-queries",
        f"known-to-queries/{story['query']}",
    ]


def assert_not_found(response: Any) -> None:
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == "urn:casusregie:problem:not-found"


def test_outsiders_get_not_found(as_user: Any, cast: Cast, story: dict[str, int]) -> None:
    for user in (cast.participant_c, cast.other_house_user):
        client = as_user(user)
        for path in paths(story):
            assert_not_found(client.get(url(cast, path)))
        assert_not_found(
            post(
                client,
                url(cast, f"known-to-queries/{story['query']}/answer"),
                {"answer": "unknown"},
            )
        )
        assert_not_found(
            post(client, url(cast, f"cases/{story['case']}/transition"), {"target": "meeting"})
        )
        assert_not_found(
            post(client, url(cast, f"referrals/{story['referral']}/accept"), {"criteria": ["area"]})
        )
    # Their lists do not show the objects either.
    c_client = as_user(cast.participant_c)
    assert c_client.get(url(cast, "cases")).json()["results"] == []
    assert c_client.get(url(cast, "referrals")).json()["results"] == []
    assert c_client.get(url(cast, "known-to-queries")).json()["results"] == []
    assert c_client.get(url(cast, "triage-queue")).json()["results"] == []
    # Another house's user is not a member of this house at all.
    assert_not_found(as_user(cast.other_house_user).get(url(cast, "cases")))
    assert KnownToQuery.objects.get(pk=story["query"]).answer == ""


def test_a_missing_object_looks_the_same(as_user: Any, cast: Cast) -> None:
    client = as_user(cast.process_director)
    for path in ("referrals/999999", "cases/999999", "known-to-queries/999999", "nothing/here"):
        assert_not_found(client.get(url(cast, path)))


def test_the_case_partners_see_the_case_but_not_the_referral_of_another(
    as_user: Any, cast: Cast, story: dict[str, int]
) -> None:
    b_client = as_user(cast.participant_b)
    assert b_client.get(url(cast, f"cases/{story['case']}")).status_code == 200
    assert_not_found(b_client.get(url(cast, f"referrals/{story['referral']}")))
    # A takes part in the case but was not asked: it does not see B's question.
    a_client = as_user(cast.participant_a)
    assert a_client.get(url(cast, f"cases/{story['case']}/known-to-queries")).json() == {
        "results": [],
        "next": None,
    }
    assert_not_found(a_client.get(url(cast, f"known-to-queries/{story['query']}")))


def test_visible_but_not_allowed_is_forbidden(
    as_user: Any, cast: Cast, story: dict[str, int]
) -> None:
    def forbidden(response: Any) -> None:
        assert response.status_code == 403, response.content
        assert response.json()["type"] == "urn:casusregie:problem:permission-denied"

    a_client = as_user(cast.participant_a)
    # The referrer sees its referral but does not judge it.
    forbidden(
        post(a_client, url(cast, f"referrals/{story['referral']}/accept"), {"criteria": ["area"]})
    )
    forbidden(post(a_client, url(cast, f"referrals/{story['referral']}/decline"), {"reason": "x"}))
    # A case partner sees the case but does not change it.
    for path, body in (("transition", {"target": "meeting"}), ("close", {})):
        forbidden(post(a_client, url(cast, f"cases/{story['case']}/{path}"), body))
    forbidden(
        post(
            a_client,
            url(cast, f"cases/{story['case']}/known-to-queries"),
            {"organisations": [cast.org_c.pk], "deadline": in_a_week()},
        )
    )
    # The process director sees the question to B, but only B answers it.
    forbidden(
        post(
            as_user(cast.process_director),
            url(cast, f"known-to-queries/{story['query']}/answer"),
            {"answer": "known"},
        )
    )
    # Triage sees the referral but only the referring organisation withdraws it.
    forbidden(
        post(
            as_user(cast.triage),
            url(cast, f"referrals/{story['referral']}/withdraw"),
            {"reason": "x"},
        )
    )
    assert Case.objects.get(pk=story["case"]).phase == Phase.PREPARATION


def test_a_closed_case_is_not_changed(as_user: Any, cast: Cast, case: Case) -> None:
    director = as_user(cast.process_director)
    closed = post(
        director, url(cast, f"cases/{case.pk}/close"), {"outcome": "manageable", "note": "Klaar"}
    )
    assert closed.status_code == 200
    added = post(
        director,
        url(cast, f"cases/{case.pk}/participants"),
        {"organisation": cast.org_c.pk, "role": "x", "purpose": "y"},
    )
    assert added.status_code == 400
    assert not case.participations.filter(organisation=cast.org_c).exists()


def test_anonymous_must_log_in(client: Client, cast: Cast, case: Case) -> None:
    for path in ("cases", f"cases/{case.pk}", "referrals"):
        response = client.get(url(cast, path))
        assert response.status_code == 401
        assert response["Content-Type"] == PROBLEM
        assert response.json()["type"] == "urn:casusregie:problem:not-authenticated"
    assert post(client, url(cast, "referrals"), {}).status_code == 401


def test_password_only_session_must_verify(cast: Cast, case: Case) -> None:
    client = Client()
    client.force_login(cast.process_director)  # no second factor yet
    response = client.get(url(cast, f"cases/{case.pk}"))
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == "urn:casusregie:problem:not-authenticated"
    assert "Location" not in response
    # The pages still send the same session to verification.
    assert client.get(f"/huizen/{cast.house.slug}/casussen/").status_code == 302
