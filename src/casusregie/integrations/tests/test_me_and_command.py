"""`GET /me` tells a token or a person who they are in the house; `create_api_client` makes a
client from the command line with the same checks as the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from casusregie.conftest import Cast
from casusregie.integrations.models import ApiClient
from casusregie.integrations.tests.helpers import approve_access, create_approved

pytestmark = pytest.mark.django_db


def test_me_names_the_client_its_organisation_and_scopes(cast: Cast) -> None:
    _client, token = create_approved(
        cast.house,
        name="Politiesysteem",
        organisation=cast.org_a,
        scopes=["cases:read"],
        actor=cast.admin,
    )
    response = Client().get(
        f"/api/v1/houses/{cast.house.slug}/me", headers={"Authorization": f"Bearer {token.text}"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [m["organisation"]["id"] for m in body["memberships"]] == [cast.org_a.pk]
    assert body["api_client"] == {"name": "Politiesysteem", "scopes": ["cases:read"]}
    # Another house: not found, as for every other endpoint.
    other = Client().get(
        f"/api/v1/houses/{cast.other_house.slug}/me",
        headers={"Authorization": f"Bearer {token.text}"},
    )
    assert other.status_code == 404


def test_me_for_a_person(as_user: Any, cast: Cast) -> None:
    body = as_user(cast.participant_a).get(f"/api/v1/houses/{cast.house.slug}/me").json()
    assert body["api_client"] is None
    assert body["name"] == str(cast.participant_a)


def test_command_prints_a_working_token_once(cast: Cast, capsys: Any) -> None:
    call_command(
        "create_api_client",
        house=cast.house.slug,
        organisation=str(cast.org_b.pk),
        name="Woonsysteem",
        scopes="cases:read",
        actor=cast.admin.email,
    )
    printed = capsys.readouterr()
    token = printed.out.strip()
    assert "wacht op goedkeuring" in printed.err
    headers = {"Authorization": f"Bearer {token}"}
    # One administrator alone opens nothing: the client's access waits for a second person.
    assert (
        Client().get(f"/api/v1/houses/{cast.house.slug}/cases", headers=headers).status_code == 404
    )
    approve_access(ApiClient.objects.get())
    cases = Client().get(f"/api/v1/houses/{cast.house.slug}/cases", headers=headers)
    assert cases.status_code == 200
    assert ApiClient.objects.get().organisation == cast.org_b


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"house": "nergens"}, "Onbekend huis"),
        ({"organisation": "Geen Partner BV"}, "Geen partner"),
        ({"actor": "niemand@example.invalid"}, "Onbekende gebruiker"),
        ({"scopes": "alles:mogen"}, "alles:mogen"),
    ],
)
def test_command_refuses_bad_input_and_stores_nothing(
    cast: Cast, changes: dict[str, str], message: str
) -> None:
    options = {
        "house": cast.house.slug,
        "organisation": cast.org_a.name,
        "name": "Systeem",
        "scopes": "cases:read",
        "actor": cast.admin.email,
        **changes,
    }
    with pytest.raises(CommandError, match=message):
        call_command("create_api_client", **options)
    assert not ApiClient.objects.exists()


def test_command_refuses_someone_who_is_not_the_administrator(cast: Cast) -> None:
    with pytest.raises(CommandError):
        call_command(
            "create_api_client",
            house=cast.house.slug,
            organisation=cast.org_a.name,
            name="Systeem",
            scopes="cases:read",
            actor=cast.process_director.email,
        )
    assert not ApiClient.objects.exists()
