"""Onboarding: a member reads and confirms the house's working method before seeing case data,
and again after a new version is published."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.accounts.roles import Role
from casusregie.conftest import Cast, make_user
from casusregie.privacy.models import AuditEvent, Confirmation, WorkingMethod

pytestmark = pytest.mark.django_db


def newcomer(cast: Cast) -> Any:
    user = make_user(
        "nieuw@test.invalid", "Nina Nieuw", cast.house, cast.org_a, Role.PARTNER_PARTICIPANT
    )
    Confirmation.objects.filter(user=user).delete()
    return user


def case_url(cast: Cast, case: Any) -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/"


def test_a_newcomer_is_sent_to_the_working_method_first(
    as_user: Any, cast: Cast, case: Any
) -> None:
    client = as_user(newcomer(cast))
    response = client.get(case_url(cast, case))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/huizen/{cast.house.slug}/werkwijze/?next=")
    page = client.get(response["Location"]).content.decode()
    assert "Werkwijze en privacyregels" in page
    assert "bevestig ze" in page
    assert "Testpersoon" not in page


def test_confirming_opens_the_house_and_returns_to_the_page(
    as_user: Any, cast: Cast, case: Any
) -> None:
    user = newcomer(cast)
    client = as_user(user)
    response = client.post(
        f"/huizen/{cast.house.slug}/werkwijze/", {"read": "on", "next": case_url(cast, case)}
    )
    assert response.status_code == 302
    assert response["Location"] == case_url(cast, case)
    assert Confirmation.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(actor=user, action="working_method.confirm").exists()
    assert "Testpersoon" in client.get(case_url(cast, case)).content.decode()


def test_confirming_without_ticking_the_box_is_refused(as_user: Any, cast: Cast) -> None:
    user = newcomer(cast)
    response = as_user(user).post(f"/huizen/{cast.house.slug}/werkwijze/", {})
    assert response.status_code == 400
    assert "Bevestig dat u de werkwijze" in response.content.decode()
    assert not Confirmation.objects.filter(user=user).exists()


def test_an_outside_next_address_is_ignored(as_user: Any, cast: Cast) -> None:
    response = as_user(newcomer(cast)).post(
        f"/huizen/{cast.house.slug}/werkwijze/", {"read": "on", "next": "https://example.com/"}
    )
    assert response["Location"] == f"/huizen/{cast.house.slug}/mijn-werk/"


def test_a_new_version_asks_everyone_again_and_the_api_says_so(
    as_user: Any, cast: Cast, case: Any
) -> None:
    admin = as_user(cast.admin)
    response = admin.post(
        f"/huizen/{cast.house.slug}/werkwijze/bewerken/",
        {
            "title": "Werkwijze 2027",
            "text": "Nieuwe afspraken over delen.",
            "covenant": "Convenant 2027",
        },
    )
    assert response.status_code == 302
    assert WorkingMethod.objects.filter(house=cast.house).order_by("-version").first().version == 2
    director = as_user(cast.process_director)
    assert director.get(case_url(cast, case)).status_code == 302
    api = director.get(f"/api/v1/houses/{cast.house.slug}/cases")
    assert api.status_code == 403
    assert api.json()["type"].endswith("onboarding-required")
    director.post(f"/huizen/{cast.house.slug}/werkwijze/", {"read": "on"})
    assert director.get(case_url(cast, case)).status_code == 200
    assert director.get(f"/api/v1/houses/{cast.house.slug}/cases").status_code == 200


def test_only_the_functional_administrator_publishes(as_user: Any, cast: Cast) -> None:
    for user in (cast.process_director, cast.privacy_officer, cast.participant_a):
        response = as_user(user).post(
            f"/huizen/{cast.house.slug}/werkwijze/bewerken/", {"title": "x", "text": "y"}
        )
        assert response.status_code == 404
    assert WorkingMethod.objects.filter(house=cast.house).count() == 1


def test_publishing_without_text_is_refused(as_user: Any, cast: Cast) -> None:
    response = as_user(cast.admin).post(
        f"/huizen/{cast.house.slug}/werkwijze/bewerken/", {"title": "Leeg", "text": ""}
    )
    assert response.status_code == 400
    assert WorkingMethod.objects.filter(house=cast.house).count() == 1


def test_another_houses_member_cannot_read_the_working_method(as_user: Any, cast: Cast) -> None:
    response = as_user(cast.other_house_user).get(f"/huizen/{cast.house.slug}/werkwijze/")
    assert response.status_code == 404
    assert as_user(cast.admin).get(f"/huizen/{cast.house.slug}/werkwijze/").status_code == 200
