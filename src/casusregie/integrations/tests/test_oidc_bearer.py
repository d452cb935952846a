"""A person's access token from the real provider (oidc/server.js) on the API: it acts as that
person, under the same access policy; forged, unknown and single-factor tokens are refused."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from casusregie.conftest import Cast
from casusregie.privacy.models import AuditEvent, Confirmation

from .conftest import CALLBACK, CLIENT_ID, CLIENT_SECRET, Provider, provider_login
from .helpers import PROBLEM, api, house_api

pytestmark = pytest.mark.django_db


def access_token(provider: Provider, email: str) -> str:
    """What a partner's app does for its user: the code flow at the provider, then the token."""
    query = urlencode(
        {
            "response_type": "code",
            "scope": "openid email profile",
            "client_id": CLIENT_ID,
            "redirect_uri": CALLBACK,
            "state": "toestand",
            "nonce": "eenmalig",
        }
    )
    back = provider_login(f"{provider.config['authorization_endpoint']}?{query}", email)
    code = parse_qs(urlsplit(back).query)["code"][0]
    answer = requests.post(
        provider.config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def test_a_providers_token_acts_as_the_person(sso: Provider, cast: Cast, case: Any) -> None:
    token = access_token(sso, "a@test.invalid")
    listed = api(token).get(house_api(cast, "cases"))
    assert listed.status_code == 200, listed.content
    assert [row["id"] for row in listed.json()["results"]] == [case.pk]
    detail = api(token).get(house_api(cast, f"cases/{case.pk}"))
    assert detail.status_code == 200
    assert AuditEvent.objects.filter(action="case.read", actor=cast.participant_a).exists()


def test_a_forged_token_is_401(sso: Provider, cast: Cast, case: Any) -> None:
    real = access_token(sso, "a@test.invalid")
    for forged in ("verzonnen-token", real[:-3] + "abc", real + "x"):
        response = api(forged).get(house_api(cast, "cases"))
        assert response.status_code == 401, forged
        assert response["Content-Type"] == PROBLEM
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "Testpersoon" not in response.content.decode()


def test_the_token_of_someone_without_an_account_is_401(sso: Provider, cast: Cast) -> None:
    response = api(access_token(sso, "onbekend@elders.invalid")).get(house_api(cast, "cases"))
    assert response.status_code == 401
    assert "hoort bij niemand" in response.json()["detail"]


def test_a_token_without_a_second_factor_is_401(sso: Provider, cast: Cast) -> None:
    response = api(access_token(sso, "b@test.invalid")).get(house_api(cast, "cases"))
    assert response.status_code == 401
    assert "geen tweede factor" in response.json()["detail"]


def test_an_unverified_address_is_401(sso: Provider, cast: Cast) -> None:
    response = api(access_token(sso, "toegang@test.invalid")).get(house_api(cast, "cases"))
    assert response.status_code == 401


def test_the_token_never_shows_more_than_the_person_may_see(
    sso: Provider, cast: Cast, case: Any
) -> None:
    token = access_token(sso, "c@test.invalid")  # C does not take part in the case
    assert api(token).get(house_api(cast, "cases")).json()["results"] == []
    assert api(token).get(house_api(cast, f"cases/{case.pk}")).status_code == 404
    response = api(token).get(f"/api/v1/houses/{cast.other_house.slug}/cases")
    assert response.status_code == 404


def test_the_onboarding_gate_holds_for_tokens(sso: Provider, cast: Cast, case: Any) -> None:
    Confirmation.objects.filter(user=cast.participant_a).delete()
    response = api(access_token(sso, "a@test.invalid")).get(house_api(cast, "cases"))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:casusregie:problem:onboarding-required"


def test_an_unreachable_provider_is_503_not_500(sso: Provider, cast: Cast, settings: Any) -> None:
    token = access_token(sso, "a@test.invalid")
    settings.OIDC_OP_USER_ENDPOINT = "http://127.0.0.1:9/me"
    response = api(token).get(house_api(cast, "cases"))
    assert response.status_code == 503
    assert response.json()["type"] == "urn:casusregie:problem:provider-unavailable"
