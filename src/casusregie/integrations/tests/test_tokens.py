"""Calls with an API client's token: the client sees what its organisation's people see, within
its scopes, in its own house only; revoked, expired and unknown tokens are refused."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.integrations import actions
from casusregie.integrations.models import ApiToken
from casusregie.integrations.scopes import required_scope
from casusregie.privacy.models import AuditEvent, ProcessingLogEntry, WorkingMethod

from .helpers import PROBLEM, api, house_api, make_client

pytestmark = pytest.mark.django_db


def test_a_client_reads_the_cases_its_organisation_takes_part_in(cast: Cast, case: Any) -> None:
    client, token = make_client(cast, cast.org_a)
    listed = api(token).get(house_api(cast, "cases"))
    assert listed.status_code == 200, listed.content
    assert [row["id"] for row in listed.json()["results"]] == [case.pk]
    detail = api(token).get(house_api(cast, f"cases/{case.pk}"))
    assert detail.status_code == 200
    assert detail.json()["subjects"][0]["last_name"] == "Testpersoon"
    # The processing log names the client's system account, as it would a person.
    read = AuditEvent.objects.get(action="case.read", actor=client.user)
    assert read.object_id == str(case.pk)
    assert ProcessingLogEntry.objects.filter(trace_id=read.trace_id, case_id=case.pk).exists()


def test_a_client_of_an_organisation_outside_the_case_sees_nothing_of_it(
    cast: Cast, case: Any
) -> None:
    _client, token = make_client(cast, cast.org_c)
    listed = api(token).get(house_api(cast, "cases"))
    assert listed.status_code == 200
    assert listed.json()["results"] == []
    detail = api(token).get(house_api(cast, f"cases/{case.pk}"))
    assert detail.status_code == 404
    assert "Testpersoon" not in detail.content.decode()


def test_a_token_of_one_house_finds_nothing_in_another(cast: Cast, case: Any) -> None:
    _client, token = make_client(cast, cast.org_a)
    response = api(token).get(f"/api/v1/houses/{cast.other_house.slug}/cases")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_a_call_outside_the_scopes_is_refused_naming_the_scope(cast: Cast, case: Any) -> None:
    _client, token = make_client(cast, cast.org_a, scopes="referrals:read")
    response = api(token).get(house_api(cast, "cases"))
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:casusregie:problem:insufficient-scope"
    assert "cases:read" in body["detail"]
    # Reading does not grant writing.
    written = api(token).post(
        house_api(cast, "referrals"),
        {"kind": "person", "organisation": cast.org_a.pk},
        content_type="application/json",
    )
    assert written.status_code == 403
    assert "referrals:write" in written.json()["detail"]


def test_a_client_with_the_write_scope_creates_without_a_csrf_token(cast: Cast) -> None:
    client, token = make_client(cast, cast.org_a, scopes="referrals:read referrals:write")
    response = api(token).post(
        house_api(cast, "referrals"),
        {"kind": "person", "organisation": cast.org_a.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert AuditEvent.objects.filter(actor=client.user, action__startswith="referral").exists()


@pytest.mark.parametrize("how", ["revoked", "expired", "inactive", "unknown", "garbled"])
def test_unusable_tokens_are_401_with_a_bearer_challenge(cast: Cast, case: Any, how: str) -> None:
    client, token = make_client(cast, cast.org_a)
    if how == "revoked":
        actions.do_revoke_token(client, actor=cast.admin)
    elif how == "expired":
        ApiToken.objects.filter(client=client).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    elif how == "inactive":
        actions.do_update_api_client(
            client, name=client.name, scopes=client.scope_list, is_active=False, actor=cast.admin
        )
    elif how == "unknown":
        token = token[:-4] + "abcd"
    else:
        token = "crt_ met spaties"
    response = api(token).get(house_api(cast, "cases"))
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Testpersoon" not in response.content.decode()


def test_without_single_sign_on_another_bearer_token_is_401(cast: Cast) -> None:
    response = api("eyJhbGciOiJub25lIn0.e30.").get(house_api(cast, "cases"))
    assert response.status_code == 401
    assert response.json()["type"] == "urn:casusregie:problem:authentication-failed"


def test_no_credentials_is_401_with_a_bearer_challenge(cast: Cast) -> None:
    response = api("x").get(house_api(cast, "cases"), HTTP_AUTHORIZATION="")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_last_use_is_remembered(cast: Cast, case: Any) -> None:
    client, token = make_client(cast, cast.org_a)
    assert client.tokens.get().last_used_at is None
    api(token).get(house_api(cast, "cases"))
    assert client.tokens.get().last_used_at is not None


def test_a_new_working_method_stops_the_client_until_the_administrator_confirms(
    as_user: Any, cast: Cast, case: Any
) -> None:
    client, token = make_client(cast, cast.org_a)
    WorkingMethod.objects.create(house=cast.house, version=99, title="Werkwijze 2", text="Nieuw")
    refused = api(token).get(house_api(cast, "cases"))
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:casusregie:problem:onboarding-required"
    page = as_user(cast.admin).get(f"/huizen/{cast.house.slug}/koppelingen/{client.pk}/")
    assert "nieuwe werkwijze" in page.content.decode()
    as_user(cast.admin).post(f"/huizen/{cast.house.slug}/koppelingen/{client.pk}/werkwijze/")
    assert (
        AuditEvent.objects.filter(
            actor=cast.admin, action="api_client.confirm_working_method", object_id=str(client.pk)
        ).count()
        == 2
    )
    assert api(token).get(house_api(cast, "cases")).status_code == 200


def test_endpoints_without_a_scope_are_closed_to_clients() -> None:
    class Unlisted:
        pass

    class Hooks:
        required_scope = "webhooks:manage"

    class Imports:
        scope_resource = "imports"

    assert required_scope(Unlisted(), "GET", "something-new") is None
    assert required_scope(Unlisted(), "GET", "cases") == "cases:read"
    assert required_scope(Unlisted(), "POST", "case-close") == "cases:write"
    assert required_scope(Hooks(), "DELETE", None) == "webhooks:manage"
    assert required_scope(Imports(), "POST", None) == "imports:write"


def test_the_session_login_still_works_for_people(as_user: Any, cast: Cast, case: Any) -> None:
    response = as_user(cast.participant_a).get(house_api(cast, "cases"))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [case.pk]


def test_one_administrator_alone_opens_no_partner_cases_through_a_client(
    cast: Cast, case: Any
) -> None:
    """Issue 22: the client's membership is asked for like a person's role (decision 0040), so
    an administrator cannot read organisation A's cases through a client of his own making."""
    from django.core.exceptions import ValidationError

    from casusregie.accounts.models import RoleGrant
    from casusregie.houses.actions import do_approve_role_grant
    from casusregie.integrations import actions
    from casusregie.integrations.tests.helpers import approve_access

    client, new = actions.do_create_api_client(
        cast.house,
        name="Eigen koppeling",
        organisation=cast.org_a,
        scopes=["cases:read"],
        actor=cast.admin,
    )
    assert api(new.text).get(house_api(cast, f"cases/{case.pk}")).status_code == 404
    grant = RoleGrant.objects.get(user=client.user)
    with pytest.raises(ValidationError):
        do_approve_role_grant(grant, actor=cast.admin)
    assert api(new.text).get(house_api(cast, f"cases/{case.pk}")).status_code == 404
    approve_access(client)
    assert api(new.text).get(house_api(cast, f"cases/{case.pk}")).status_code == 200
