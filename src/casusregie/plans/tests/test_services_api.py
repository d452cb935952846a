"""The services map over the API: list with filters, one service, add, change; problem details
for bad input; the same readers and editors as the pages; scopes services:read/write."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.integrations.tests.helpers import api, make_client
from casusregie.plans.models import Service
from casusregie.privacy.models import AuditEvent

from .service_helpers import cast_services, make_service

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def url(cast: Cast, path: str = "") -> str:
    return f"/api/v1/houses/{cast.house.slug}/services{path}"


def body(cast: Cast, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organisation": cast.org_a.pk,
        "name": "Buurtbemiddeling plus",
        "domains": ["justice", "social_network"],
        "target_group": "Buren met een conflict",
        "waiting_weeks": 2,
        "how_to_refer": "Bel het aanmeldpunt",
        "contact_email": "buurt@example.invalid",
    }
    data.update(changes)
    return data


def names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def fields(response: Any) -> set[str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    return {error["field"] for error in response.json()["errors"]}


def test_the_list_with_filters(as_user: Any, cast: Cast) -> None:
    cast_services(cast)
    make_service(cast.house, cast.org_c, "Gestopt", by=cast.admin, active=False)
    client = as_user(cast.participant_c)
    assert names(client.get(url(cast))) == {"Buurtbemiddeling", "Schuldhulpverlening"}
    assert names(client.get(url(cast), {"q": "schuld"})) == {"Schuldhulpverlening"}
    assert names(client.get(url(cast), {"domain": "justice"})) == {"Buurtbemiddeling"}
    assert names(client.get(url(cast), {"organisation": cast.org_b.pk})) == {"Schuldhulpverlening"}
    assert names(client.get(url(cast), {"target_group": "huurders"})) == {"Schuldhulpverlening"}
    assert names(client.get(url(cast), {"state": "stale"})) == {"Schuldhulpverlening"}
    assert "Gestopt" in names(client.get(url(cast), {"state": "all"}))
    page = client.get(url(cast), {"limit": 1}).json()
    assert len(page["results"]) == 1
    assert page["next"]


def test_one_service_shows_its_waiting_time_and_stale_flag(as_user: Any, cast: Cast) -> None:
    services = cast_services(cast)
    response = as_user(cast.participant_a).get(url(cast, f"/{services['b'].pk}"))
    assert response.status_code == 200
    shown = response.json()
    assert shown["organisation"] == {"id": cast.org_b.pk, "name": cast.org_b.name}
    assert shown["domains"] == ["finances"]
    assert shown["waiting_weeks"] == 6
    assert shown["waiting_is_stale"] is True
    assert response.has_header("ETag")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"domain": "astrology"}, "domain"),
        ({"state": "sometimes"}, "state"),
        ({"organisation": "abc"}, "organisation"),
        ({"limit": 0}, "limit"),
    ],
)
def test_a_bad_filter_is_a_problem(
    as_user: Any, cast: Cast, query: dict[str, Any], field: str
) -> None:
    assert field in fields(as_user(cast.participant_a).get(url(cast), query))


@pytest.mark.parametrize("who", ["privacy_officer", "auditor", "other_house_user"])
def test_others_find_nothing(as_user: Any, cast: Cast, who: str) -> None:
    services = cast_services(cast)
    client = as_user(getattr(cast, who))
    assert client.get(url(cast)).status_code == 404
    assert client.get(url(cast, f"/{services['a'].pk}")).status_code == 404
    assert client.post(url(cast), body(cast), content_type="application/json").status_code == 404
    assert (
        client.patch(
            url(cast, f"/{services['a'].pk}"), {"name": "X"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Service.objects.get(pk=services["a"].pk).name == "Buurtbemiddeling"


def test_a_participant_adds_a_service_of_their_organisation(as_user: Any, cast: Cast) -> None:
    response = as_user(cast.participant_a).post(
        url(cast), body(cast), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["waiting_confirmed_on"] == timezone.localdate().isoformat()
    assert shown["waiting_is_stale"] is False
    assert response["Location"].endswith(f"/services/{shown['id']}")
    assert AuditEvent.objects.filter(action="service.create", object_id=str(shown["id"])).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"organisation": 0}, "organisation"),
        ({"name": ""}, "name"),
        ({"domains": []}, "domains"),
        ({"domains": ["astrology"]}, "domains.0"),
        ({"waiting_weeks": -1}, "waiting_weeks"),
        ({"waiting_weeks": 10_000}, "waiting_weeks"),
        ({"contact_email": "geen-adres"}, "contact_email"),
        ({"target_group": "x" * 201}, "target_group"),
        ({"wachttijd": 3}, "wachttijd"),
    ],
)
def test_bad_input_for_a_new_service_is_a_problem_and_nothing_is_saved(
    as_user: Any, cast: Cast, changes: dict[str, Any], field: str
) -> None:
    response = as_user(cast.participant_a).post(
        url(cast), body(cast, **changes), content_type="application/json"
    )
    found = fields(response)
    assert field in found or field.split(".")[0] in found, found
    assert not Service.objects.exists()


def test_no_service_for_another_organisation_or_a_duplicate(as_user: Any, cast: Cast) -> None:
    cast_services(cast)
    client = as_user(cast.participant_a)
    other = client.post(
        url(cast), body(cast, organisation=cast.org_b.pk), content_type="application/json"
    )
    assert "organisation" in fields(other)
    twice = client.post(
        url(cast), body(cast, name="buurtbemiddeling"), content_type="application/json"
    )
    assert "name" in fields(twice)
    assert Service.objects.filter(house=cast.house).count() == 2


def test_the_owner_patches_and_sending_the_waiting_time_confirms_it(
    as_user: Any, cast: Cast
) -> None:
    service = cast_services(cast)["b"]
    response = as_user(cast.participant_b).patch(
        url(cast, f"/{service.pk}"),
        {"waiting_weeks": 6, "description": "Ook budgetcoaching"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    shown = response.json()
    assert shown["description"] == "Ook budgetcoaching"
    assert shown["waiting_is_stale"] is False
    assert shown["waiting_confirmed_on"] == timezone.localdate().isoformat()
    event = AuditEvent.objects.get(action="service.update", object_id=str(service.pk))
    assert set(event.after or {}) == {"description", "waiting_confirmed_on"}


def test_patch_active_false_takes_it_off_the_map(as_user: Any, cast: Cast) -> None:
    service = cast_services(cast)["a"]
    client = as_user(cast.admin)
    response = client.patch(
        url(cast, f"/{service.pk}"), {"active": False}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert "Buurtbemiddeling" not in names(client.get(url(cast)))


@pytest.mark.parametrize("who", ["participant_b", "participant_c", "process_director"])
def test_a_reader_who_is_not_the_owner_may_not_patch(as_user: Any, cast: Cast, who: str) -> None:
    service = cast_services(cast)["a"]
    response = as_user(getattr(cast, who)).patch(
        url(cast, f"/{service.pk}"), {"waiting_weeks": 0}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    service.refresh_from_db()
    assert service.waiting_weeks == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"domains": []}, "domains"),
        ({"waiting_weeks": "zes"}, "waiting_weeks"),
        ({"active": "misschien"}, "active"),
        ({"organisation": 1}, "organisation"),
        ({"name": None}, "name"),
    ],
)
def test_a_bad_patch_is_a_problem_and_nothing_changes(
    as_user: Any, cast: Cast, changes: dict[str, Any], field: str
) -> None:
    service = cast_services(cast)["a"]
    response = as_user(cast.participant_a).patch(
        url(cast, f"/{service.pk}"), changes, content_type="application/json"
    )
    assert field in fields(response)
    service.refresh_from_db()
    assert service.domains
    assert service.waiting_weeks == 3
    assert service.active


def test_a_stale_if_match_is_refused(as_user: Any, cast: Cast) -> None:
    service = cast_services(cast)["a"]
    client = as_user(cast.participant_a)
    response = client.patch(
        url(cast, f"/{service.pk}"),
        {"name": "Nieuw"},
        content_type="application/json",
        headers={"If-Match": '"not-the-current-tag"'},
    )
    assert response.status_code == 412
    assert Service.objects.get(pk=service.pk).name == "Buurtbemiddeling"


def test_the_list_takes_the_same_number_of_queries_for_2_and_12_services(
    as_user: Any, cast: Cast
) -> None:
    cast_services(cast)
    client = as_user(cast.participant_a)
    client.get(url(cast))
    with CaptureQueriesContext(connection) as small:
        client.get(url(cast))
    for number in range(10):
        make_service(cast.house, cast.org_c, f"Dienst {number}", by=cast.admin)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(url(cast)).json()["results"]) == 12
    assert len(large) == len(small)


def test_a_token_needs_the_services_scopes(cast: Cast) -> None:
    services = cast_services(cast)
    _client, token = make_client(cast, scopes="services:read")
    reader = api(token)
    assert reader.get(url(cast)).status_code == 200
    refused = reader.post(url(cast), body(cast), content_type="application/json")
    assert refused.status_code == 403
    assert "insufficient-scope" in refused.content.decode()
    _client, token = make_client(cast, scopes="cases:read", name="Ander systeem")
    assert api(token).get(url(cast, f"/{services['a'].pk}")).status_code == 403
    _client, token = make_client(cast, scopes="services:read services:write", name="Derde")
    writer = api(token)
    patched = writer.patch(
        url(cast, f"/{services['a'].pk}"), {"waiting_weeks": 1}, content_type="application/json"
    )
    assert patched.status_code == 200, patched.content  # the client works for organisation A
    assert (
        writer.patch(
            url(cast, f"/{services['b'].pk}"), {"waiting_weeks": 1}, content_type="application/json"
        ).status_code
        == 403
    )
