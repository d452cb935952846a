"""The functional administrator's pages for API clients (/huizen/<slug>/koppelingen/)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.conftest import PASSWORD, Cast, make_user
from casusregie.integrations.actions import digest
from casusregie.integrations.models import ApiClient, ApiToken
from casusregie.privacy.models import AuditEvent, Confirmation

from .helpers import api, approve_access, house_api, make_client

pytestmark = pytest.mark.django_db


def base(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/koppelingen/"


def form(cast: Cast, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Politie BVH-koppeling",
        "organisation": cast.org_a.pk,
        "scopes": ["cases:read", "actions:read"],
        "expires_on": "",
    }
    data.update(changes)
    return data


def test_the_administrator_creates_a_client_and_sees_its_token_once(
    as_user: Any, cast: Cast, case: Any
) -> None:
    admin = as_user(cast.admin)
    response = admin.post(base(cast) + "nieuw/", form(cast))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.context["text"]
    assert text.startswith("crt_")
    assert text in response.content.decode()
    assert "alleen deze ene keer getoond" in response.content.decode()

    client = ApiClient.objects.get(house=cast.house)
    token = ApiToken.objects.get(client=client)
    assert token.digest == digest(text)
    assert text not in (token.digest, token.prefix)
    assert text.startswith(token.prefix)
    # The system account: a partner participant of A that cannot log in and gets no e-mail,
    # once a second person approves its role (decision 0040); until then it reads nothing.
    account = client.user
    assert not account.has_usable_password()
    assert account.email.endswith("@api-clients.invalid")
    assert "wacht op goedkeuring door een tweede persoon" in response.content.decode()
    assert not Membership.objects.filter(user=account).exists()
    assert api(text).get(house_api(cast, "cases")).status_code == 404
    approve_access(client)
    assert list(Membership.objects.filter(user=account).values_list("role", "organisation")) == [
        (Role.PARTNER_PARTICIPANT, cast.org_a.pk)
    ]
    assert Confirmation.objects.filter(user=account).exists()
    created = AuditEvent.objects.get(action="api_client.create", object_id=str(client.pk))
    assert created.actor == cast.admin
    assert created.after["scopes"] == ["actions:read", "cases:read"]
    assert text not in str(created.after)

    # Approved, the token works; the list shows its prefix, never the token.
    assert api(text).get(house_api(cast, "cases")).status_code == 200
    listed = admin.get(base(cast)).content.decode()
    assert "Politie BVH-koppeling" in listed
    assert token.prefix in listed
    assert text not in listed
    detail = admin.get(f"{base(cast)}{client.pk}/").content.decode()
    assert text not in detail


def test_the_system_account_cannot_log_in_or_reset_a_password(
    client: Any, cast: Cast, mailoutbox: Any
) -> None:
    api_client, _token = make_client(cast)
    email = api_client.user.email
    login = client.post("/inloggen/", {"username": email, "password": PASSWORD})
    assert login.status_code == 400
    client.post("/wachtwoord/vergeten/", {"email": email})
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"scopes": ["cases:read", "cases:everything"]}, "scopes", "Selecteer een geldige keuze"),
        ({"scopes": []}, "scopes", "Dit veld is vereist."),
        ({"organisation": "other"}, "organisation", "Selecteer een geldige keuze"),
        ({"organisation": "staff"}, "organisation", "Selecteer een geldige keuze"),
        ({"name": ""}, "name", "Dit veld is vereist."),
        ({"expires_on": "2020-01-01"}, "expires_on", "Kies vandaag of een latere dag."),
        ({"expires_on": "morgen"}, "expires_on", "Voer een geldige datum in."),
    ],
)
def test_bad_input_shows_form_errors_and_stores_nothing(
    as_user: Any, cast: Cast, changes: dict[str, Any], field: str, message: str
) -> None:
    if changes.get("organisation") == "other":
        changes["organisation"] = cast.other_org.pk
    if changes.get("organisation") == "staff":
        changes["organisation"] = cast.staff.pk
    users = User.objects.count()
    response = as_user(cast.admin).post(base(cast) + "nieuw/", form(cast, **changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not ApiClient.objects.exists()
    assert User.objects.count() == users
    assert not AuditEvent.objects.filter(action__startswith="api_client").exists()


def test_a_second_client_with_the_same_name_is_refused(as_user: Any, cast: Cast) -> None:
    make_client(cast, name="Politie BVH-koppeling")
    response = as_user(cast.admin).post(base(cast) + "nieuw/", form(cast))
    assert response.status_code == 400
    assert "Dit huis heeft al een koppeling met deze naam." in response.content.decode()
    assert ApiClient.objects.count() == 1


@pytest.mark.parametrize(
    "who", ["process_director", "participant_a", "triage", "privacy_officer", "other_house_user"]
)
def test_only_the_houses_functional_administrator_sees_its_clients(
    as_user: Any, cast: Cast, who: str
) -> None:
    api_client, _token = make_client(cast)
    user = as_user(getattr(cast, who))
    for path in ("", "nieuw/", f"{api_client.pk}/"):
        assert user.get(base(cast) + path).status_code == 404
    assert user.post(base(cast) + "nieuw/", form(cast, name="Sluiproute")).status_code == 404
    assert user.post(f"{base(cast)}{api_client.pk}/intrekken/").status_code == 404
    assert user.post(f"{base(cast)}{api_client.pk}/vernieuwen/").status_code == 404
    assert api_client.tokens.get().revoked_at is None
    assert ApiClient.objects.count() == 1


def test_the_administrator_of_another_house_cannot_see_this_houses_clients(
    as_user: Any, cast: Cast
) -> None:
    other_admin = make_user(
        "beheer@duin.invalid", "Dina Duin", cast.other_house, cast.other_org, Role.FUNCTIONAL_ADMIN
    )
    api_client, _token = make_client(cast)
    user = as_user(other_admin)
    assert user.get(base(cast)).status_code == 404
    assert user.get(f"{base(cast)}{api_client.pk}/").status_code == 404
    # Its own house's list exists, but does not hold this client, nor reach it by id.
    own = f"/huizen/{cast.other_house.slug}/koppelingen/"
    assert "Partnersysteem" not in user.get(own).content.decode()
    assert user.get(f"{own}{api_client.pk}/").status_code == 404
    assert user.post(f"{own}{api_client.pk}/intrekken/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client: Any, cast: Cast) -> None:
    response = client.get(base(cast))
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")


def test_rotating_stops_the_old_token_and_shows_the_new_one_once(
    as_user: Any, cast: Cast, case: Any
) -> None:
    api_client, old = make_client(cast)
    day = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = as_user(cast.admin).post(
        f"{base(cast)}{api_client.pk}/vernieuwen/", {"expires_on": day}
    )
    assert response.status_code == 200
    new = response.context["text"]
    assert new != old
    assert new in response.content.decode()
    assert api(old).get(house_api(cast, "cases")).status_code == 401
    assert api(new).get(house_api(cast, "cases")).status_code == 200
    token = ApiToken.objects.get(client=api_client, revoked_at__isnull=True)
    assert timezone.localtime(token.expires_at).date().isoformat() > day
    event = AuditEvent.objects.get(action="api_client.rotate_token")
    assert event.actor == cast.admin
    assert event.after["token"] == token.prefix


def test_rotating_with_a_past_day_changes_nothing(as_user: Any, cast: Cast, case: Any) -> None:
    api_client, old = make_client(cast)
    response = as_user(cast.admin).post(
        f"{base(cast)}{api_client.pk}/vernieuwen/", {"expires_on": "2020-01-01"}, follow=True
    )
    assert "Kies vandaag of een latere dag." in response.content.decode()
    assert api(old).get(house_api(cast, "cases")).status_code == 200
    assert not AuditEvent.objects.filter(action="api_client.rotate_token").exists()


def test_revoking_stops_the_token_with_the_reason_in_the_audit_trail(
    as_user: Any, cast: Cast, case: Any
) -> None:
    api_client, token = make_client(cast)
    response = as_user(cast.admin).post(
        f"{base(cast)}{api_client.pk}/intrekken/", {"reason": "Laptop gestolen"}, follow=True
    )
    assert "Het token is ingetrokken" in response.content.decode()
    assert api(token).get(house_api(cast, "cases")).status_code == 401
    event = AuditEvent.objects.get(action="api_client.revoke_token")
    assert event.reason == "Laptop gestolen"
    assert event.actor == cast.admin


def test_changing_scopes_and_switching_off(as_user: Any, cast: Cast, case: Any) -> None:
    api_client, token = make_client(cast, scopes="cases:read")
    admin = as_user(cast.admin)
    url = f"{base(cast)}{api_client.pk}/"
    response = admin.post(url, {"name": "Nieuwe naam", "scopes": ["referrals:read"]})
    assert response.status_code == 302
    assert api(token).get(house_api(cast, "cases")).status_code == 401  # switched off
    api_client.refresh_from_db()
    assert api_client.name == "Nieuwe naam"
    assert not api_client.is_active
    assert api_client.user.full_name == "API-koppeling Nieuwe naam"
    event = AuditEvent.objects.get(action="api_client.update")
    assert event.before["scopes"] == ["cases:read"]
    assert event.after["is_active"] is False
    bad = admin.post(url, {"name": "", "scopes": ["nonsense"], "is_active": "on"})
    assert bad.status_code == 400
    assert "Selecteer een geldige keuze" in bad.content.decode()
    api_client.refresh_from_db()
    assert api_client.name == "Nieuwe naam"
    assert not api_client.is_active
