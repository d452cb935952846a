"""Rate limits per API client and per person (ASVS 11.1.4), and JSON answers as attachments
(ASVS 14.4.2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from casusregie.conftest import Cast
from casusregie.integrations.tests.helpers import api, make_client
from casusregie.referrals.models import Referral

from .helpers import PROBLEM, family, post, url


@pytest.fixture
def low_limits(settings: Any) -> Any:
    """Three calls a minute per API client, two per person; counters start empty."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"client": "3/minute", "user": "2/minute"},
    }
    cache.clear()
    yield
    cache.clear()


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "urn:casusregie:problem:throttled"
    assert problem["status"] == 429
    assert problem["title"] == "Te veel verzoeken"
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert f"Probeer het over {wait} seconde" in problem["detail"]


@pytest.mark.django_db
def test_a_client_over_its_limit_gets_429_and_others_go_on(cast: Cast, low_limits: Any) -> None:
    _client_a, token_a = make_client(cast)
    _client_b, token_b = make_client(cast, organisation=cast.org_b, name="Woningcorporatie")
    first = api(token_a)
    for _ in range(3):
        assert first.get(url(cast, "me")).status_code == 200
    assert_throttled(first.get(url(cast, "me")))
    # Another token of the same client shares the counter: a new token is no way around it.
    assert_throttled(api(token_a).get(url(cast, "cases")))

    assert api(token_b).get(url(cast, "me")).status_code == 200


@pytest.mark.django_db
def test_a_person_over_the_limit_gets_429_and_nothing_is_stored(
    as_user: Any, cast: Cast, low_limits: Any
) -> None:
    person = as_user(cast.participant_a)
    for _ in range(2):
        assert person.get(url(cast, "me")).status_code == 200
    before = Referral.objects.count()
    assert_throttled(post(person, url(cast, "referrals"), family(cast)))
    assert Referral.objects.count() == before

    assert as_user(cast.participant_b).get(url(cast, "me")).status_code == 200
    _client, token = make_client(cast)
    assert api(token).get(url(cast, "me")).status_code == 200


@pytest.mark.django_db
def test_the_limit_is_per_minute_by_default(cast: Cast) -> None:
    """Sixty calls in a row stay far below the defaults (6000 per client, 600 per person)."""
    cache.clear()
    _client, token = make_client(cast)
    caller = api(token)
    assert all(caller.get(url(cast, "me")).status_code == 200 for _ in range(60))


@pytest.mark.django_db
def test_json_answers_are_attachments(as_user: Any, cast: Cast) -> None:
    _client, token = make_client(cast)
    caller = api(token)
    answer = caller.get(url(cast, "cases"))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert answer["Content-Disposition"] == 'attachment; filename="api.json"'

    problem = caller.get(url(cast, "cases/999999"))
    assert problem.status_code == 404
    assert problem["Content-Disposition"] == 'attachment; filename="api.json"'
    unknown = caller.get("/api/v1/no/such/thing")
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == PROBLEM
    assert unknown["Content-Disposition"] == 'attachment; filename="api.json"'
    anonymous = Client().get(url(cast, "cases"))
    assert anonymous.status_code == 401
    assert anonymous["Content-Disposition"] == 'attachment; filename="api.json"'


@pytest.mark.django_db
def test_the_api_docs_page_stays_a_page(client: Client) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in page
    assert "swagger" in page.content.decode().lower()
