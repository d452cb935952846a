"""Single sign-on end to end against a real OpenID Connect provider (oidc/server.js): the
authorization code flow with PKCE, followed through the provider's own login form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp import devices_for_user
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.accounts.models import User
from casusregie.conftest import Cast
from casusregie.integrations.models import ProviderMfa
from casusregie.integrations.sso import SsoBackend
from casusregie.privacy.models import AuditEvent

from .conftest import Provider, local_path, provider_login
from .helpers import make_client

pytestmark = pytest.mark.django_db


def start(browser: Client, next_url: str = "") -> str:
    response = browser.get("/inloggen/sso/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    return str(response["Location"])


def sso_login(browser: Client, email: str, next_url: str = "", **options: Any) -> Any:
    back = provider_login(start(browser, next_url), email, **options)
    assert isinstance(back, str), back.text
    assert back.startswith("http://testserver/inloggen/sso/terug/?")
    return browser.get(local_path(back))


def test_the_providers_second_factor_makes_a_verified_session(
    sso: Provider, cast: Cast, case: Any
) -> None:
    browser = Client()
    response = sso_login(browser, "a@test.invalid")
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = browser.get("/")
    assert home.status_code == 200
    assert "Arie Agent" in home.content.decode()
    assert int(browser.session["_auth_user_id"]) == cast.participant_a.pk
    # Verified like a TOTP login: pages and the API open without asking for a code.
    assert browser.get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/").status_code == 200
    assert browser.get(f"/api/v1/houses/{cast.house.slug}/cases").status_code == 200
    # The stand-in device is never offered for codes nor counts as an authenticator app.
    assert ProviderMfa.objects.filter(user=cast.participant_a).count() == 1
    assert list(devices_for_user(cast.participant_a)) == [
        TOTPDevice.objects.get(user=cast.participant_a)
    ]
    event = AuditEvent.objects.get(action="login.sso", actor=cast.participant_a)
    assert event.after == {"via": "oidc", "mfa_by_provider": True}


def test_without_the_providers_second_factor_our_code_is_still_asked(
    sso: Provider, cast: Cast
) -> None:
    browser = Client()
    response = sso_login(browser, "b@test.invalid", next_url="/account/")
    assert response["Location"] == "/account/"
    asked = browser.get("/account/")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/inloggen/code/")
    assert browser.get(f"/api/v1/houses/{cast.house.slug}/cases").status_code == 401
    device = TOTPDevice.objects.get(user=cast.participant_b)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    verified = browser.post(asked["Location"], {"token": f"{code:06d}"})
    assert verified.status_code == 302
    assert browser.get("/account/").status_code == 200
    assert not ProviderMfa.objects.filter(user=cast.participant_b).exists()
    event = AuditEvent.objects.get(action="login.sso", actor=cast.participant_b)
    assert event.after["mfa_by_provider"] is False


def test_someone_without_an_account_is_refused_and_nothing_is_created(
    sso: Provider, cast: Cast
) -> None:
    users = User.objects.count()
    browser = Client()
    response = sso_login(browser, "onbekend@elders.invalid")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Inloggen is niet gelukt" in page
    assert "er is geen Casusregie-account voor dit e-mailadres" in page
    assert "_auth_user_id" not in browser.session
    assert User.objects.count() == users
    event = AuditEvent.objects.get(action="login.sso_refused")
    assert event.after["reason"] == "unknown_person"
    assert "onbekend" not in str(event.after)
    assert event.actor is None
    assert len(event.after["email_hash"]) == 64


def test_an_address_the_provider_did_not_verify_is_refused(sso: Provider, cast: Cast) -> None:
    browser = Client()
    response = sso_login(browser, "toegang@test.invalid")
    assert response.status_code == 403
    assert "heeft uw e-mailadres niet bevestigd" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    event = AuditEvent.objects.get(action="login.sso_refused")
    assert event.after["reason"] == "email_not_verified"
    assert event.object_id == str(cast.triage.pk)


def test_a_switched_off_account_is_refused(sso: Provider, cast: Cast) -> None:
    User.objects.filter(pk=cast.participant_a.pk).update(is_active=False)
    response = sso_login(Client(), "a@test.invalid")
    assert response.status_code == 403
    assert "Uw Casusregie-account is uitgezet." in response.content.decode()


def test_a_wrong_password_stays_at_the_provider(sso: Provider, cast: Cast) -> None:
    browser = Client()
    page = provider_login(start(browser), "a@test.invalid", "fout-wachtwoord")
    assert not isinstance(page, str)
    assert page.status_code == 400
    assert "_auth_user_id" not in browser.session


def test_cancelling_at_the_provider_says_so(sso: Provider, cast: Cast) -> None:
    browser = Client()
    back = provider_login(start(browser), "", cancel=True)
    response = browser.get(local_path(back))
    assert response.status_code == 403
    assert "Het inloggen bij uw organisatie is afgebroken." in response.content.decode()
    assert AuditEvent.objects.get(action="login.sso_refused").after["reason"] == "cancelled"


def test_a_callback_that_did_not_start_here_logs_nobody_in(sso: Provider, cast: Cast) -> None:
    browser = Client()
    response = browser.get("/inloggen/sso/terug/?code=gestolen&state=verzonnen")
    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


def test_a_replayed_state_is_a_bad_request(sso: Provider, cast: Cast) -> None:
    browser = Client()
    back = provider_login(start(browser), "a@test.invalid")
    assert browser.get(local_path(back)).status_code == 302
    other = Client()
    start(other)  # has states of its own, but not this one
    assert other.get(local_path(back)).status_code == 400
    assert "_auth_user_id" not in other.session


def test_logging_out_of_a_single_sign_on_session_is_audited(sso: Provider, cast: Cast) -> None:
    browser = Client()
    sso_login(browser, "a@test.invalid")
    response = browser.post("/uitloggen/")
    assert response.status_code == 302
    assert "_auth_user_id" not in browser.session
    assert AuditEvent.objects.filter(action="logout.sso", actor=cast.participant_a).exists()


def test_the_login_page_shows_the_button_only_when_configured(
    client: Client, settings: Any, cast: Cast
) -> None:
    settings.OIDC_ENABLED = False
    page = client.get("/inloggen/?next=/account/").content.decode()
    assert "Inloggen via" not in page
    assert client.get("/inloggen/sso/").status_code == 404
    assert client.get("/inloggen/sso/terug/?code=x&state=y").status_code == 404
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Testprovider"
    page = client.get("/inloggen/?next=/account/").content.decode()
    assert "Inloggen via Testprovider" in page
    assert 'href="/inloggen/sso/?next=/account/"' in page


def test_system_accounts_of_api_clients_are_never_matched(cast: Cast) -> None:
    api_client, _token = make_client(cast)
    claims = {"email": api_client.user.email, "email_verified": True}
    assert SsoBackend().match_user(claims) == (None, "unknown_person")
    assert SsoBackend().match_user({"email": "A@Test.invalid", "email_verified": True}) == (
        cast.participant_a,
        "",
    )


def test_a_password_login_is_untouched_by_single_sign_on(
    client: Client, settings: Any, cast: Cast
) -> None:
    settings.OIDC_ENABLED = True
    response = client.post(
        "/inloggen/", {"username": "a@test.invalid", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == cast.participant_a.pk
