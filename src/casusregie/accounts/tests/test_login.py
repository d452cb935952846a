"""Login, mandatory two-factor authentication, lockout, session expiry and logout everywhere."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.accounts.models import Membership, User
from casusregie.conftest import PASSWORD, Cast
from casusregie.privacy.models import AuditEvent

LOGIN = "/inloggen/"
HOME = "/"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def password_login(client: Client, email: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


@pytest.mark.django_db
class TestPasswordStep:
    def test_login_page_is_dutch_by_default(self, client: Client) -> None:
        response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en")
        body = response.content.decode()
        assert response.status_code == 200
        assert '<html lang="nl">' in body
        assert "Inloggen" in body
        assert "Wachtwoord" in body

    def test_english_when_chosen(self, client: Client) -> None:
        client.post("/taal/", {"language": "en", "next": LOGIN})
        body = client.get(LOGIN).content.decode()
        assert '<html lang="en">' in body
        assert "Password" in body

    def test_wrong_password_gives_dutch_message_and_no_session(
        self, client: Client, cast: Cast
    ) -> None:
        response = password_login(client, "a@test.invalid", "wrong password")
        assert response.status_code == 400
        assert "Het e-mailadres of wachtwoord klopt niet." in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_unknown_address_gets_the_same_message(self, client: Client, cast: Cast) -> None:
        response = password_login(client, "nobody@test.invalid", "whatever it is")
        assert "Het e-mailadres of wachtwoord klopt niet." in response.content.decode()

    def test_malformed_address_is_a_field_error(self, client: Client, cast: Cast) -> None:
        response = client.post(LOGIN, {"username": "not-an-address", "password": ""})
        body = response.content.decode()
        assert response.status_code == 400
        assert "Voer een geldig e-mailadres in." in body
        assert 'aria-invalid="true"' in body

    def test_address_is_case_insensitive(self, client: Client, cast: Cast) -> None:
        response = password_login(client, "A@Test.Invalid")
        assert response.status_code == 302

    def test_redirect_only_to_own_site(self, client: Client, cast: Cast) -> None:
        response = client.post(
            LOGIN,
            {"username": "a@test.invalid", "password": PASSWORD, "next": "https://evil.example/"},
        )
        assert response.status_code == 302
        assert not response["Location"].startswith("https://evil.example")


@pytest.mark.django_db
class TestTwoFactor:
    @pytest.mark.parametrize("member", ["process_director", "participant_a", "admin"])
    def test_personal_data_roles_cannot_pass_without_code(
        self, client: Client, cast: Cast, member: str
    ) -> None:
        user = cast.members()[member]
        password_login(client, user.email)
        response = client.get(HOME)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:verify"))
        # Nor can they reach a house page directly.
        response = client.get(f"/huizen/{cast.house.slug}/organisaties/")
        assert response["Location"].startswith(reverse("accounts:verify"))

    def test_correct_code_opens_the_application(self, client: Client, cast: Cast) -> None:
        password_login(client, "a@test.invalid")
        device = TOTPDevice.objects.get(user=cast.participant_a)
        response = client.post(
            reverse("accounts:verify"), {"token": current_code(device), "next": HOME}
        )
        assert response.status_code == 302
        home = client.get(HOME)
        assert home.status_code == 200
        assert cast.house.name in home.content.decode()

    def test_wrong_code_is_refused_with_a_message(self, client: Client, cast: Cast) -> None:
        password_login(client, "a@test.invalid")
        device = TOTPDevice.objects.get(user=cast.participant_a)
        wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
        response = client.post(reverse("accounts:verify"), {"token": wrong})
        assert response.status_code == 400
        assert "Deze code klopt niet" in response.content.decode()
        assert client.get(HOME).status_code == 302

    def test_five_wrong_codes_log_the_user_out(self, client: Client, cast: Cast) -> None:
        password_login(client, "a@test.invalid")
        for _ in range(5):
            response = client.post(reverse("accounts:verify"), {"token": "000000"})
        assert response.status_code == 302
        assert response["Location"] == LOGIN
        assert "_auth_user_id" not in client.session

    def test_malformed_code_is_a_field_error(self, client: Client, cast: Cast) -> None:
        password_login(client, "a@test.invalid")
        response = client.post(reverse("accounts:verify"), {"token": "12ab"})
        assert response.status_code == 400
        assert "Vul de zes cijfers in" in response.content.decode()

    def test_user_without_device_must_set_one_up(self, client: Client, cast: Cast) -> None:
        TOTPDevice.objects.filter(user=cast.participant_b).delete()
        password_login(client, "b@test.invalid")
        response = client.get(HOME)
        assert response["Location"].startswith(reverse("accounts:setup_2fa"))
        page = client.get(reverse("accounts:setup_2fa"))
        assert page.status_code == 200
        assert "<svg" in page.content.decode()
        device = TOTPDevice.objects.get(user=cast.participant_b, confirmed=False)
        response = client.post(reverse("accounts:setup_2fa"), {"token": current_code(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(HOME).status_code == 200
        assert AuditEvent.objects.filter(
            action="confirm_two_factor_device", object_id=str(cast.participant_b.pk)
        ).exists()

    def test_a_user_without_any_role_is_not_asked_for_a_code(
        self, client: Client, db: None
    ) -> None:
        User.objects.create_user(email="new@test.invalid", password=PASSWORD, full_name="Nieuw")
        password_login(client, "new@test.invalid")
        response = client.get(HOME)
        assert response.status_code == 200
        assert "nog geen rol" in response.content.decode()

    def test_a_role_makes_two_factor_required(self, client: Client, cast: Cast) -> None:
        user = User.objects.create_user(
            email="new@test.invalid", password=PASSWORD, full_name="Nieuw"
        )
        Membership.objects.create(
            user=user, house=cast.house, organisation=cast.org_a, role="auditor"
        )
        password_login(client, "new@test.invalid")
        assert client.get(HOME)["Location"].startswith(reverse("accounts:setup_2fa"))


@pytest.mark.django_db
class TestLockout:
    def test_account_locks_after_five_failures(self, client: Client, cast: Cast, settings) -> None:
        assert settings.AXES_FAILURE_LIMIT == 5
        for _ in range(5):
            password_login(client, "a@test.invalid", "wrong password")
        # Even the right password is refused now, with a clear message.
        response = password_login(client, "a@test.invalid")
        assert response.status_code == 429
        assert "tijdelijk geblokkeerd" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_other_accounts_are_not_locked(self, client: Client, cast: Cast) -> None:
        for _ in range(5):
            password_login(client, "a@test.invalid", "wrong password")
        response = password_login(Client(), "b@test.invalid")
        assert response.status_code == 302

    def test_four_failures_then_success_is_fine(self, client: Client, cast: Cast) -> None:
        for _ in range(4):
            password_login(client, "a@test.invalid", "wrong password")
        assert password_login(client, "a@test.invalid").status_code == 302


@pytest.mark.django_db
class TestSessions:
    def test_idle_session_expires_with_a_message(self, as_user, cast: Cast, settings) -> None:
        client = as_user(cast.participant_a)
        assert client.get(HOME).status_code == 200
        session = client.session
        session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 5
        session.save()
        response = client.get(HOME, follow=True)
        body = response.content.decode()
        assert response.redirect_chain[-1][0].startswith(LOGIN)
        assert "Uw sessie is verlopen" in body

    def test_active_session_stays(self, as_user, cast: Cast, settings) -> None:
        client = as_user(cast.participant_a)
        client.get(HOME)
        session = client.session
        session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 + 30
        session.save()
        assert client.get(HOME).status_code == 200

    def test_logout_everywhere_ends_other_sessions(self, as_user, cast: Cast) -> None:
        laptop = as_user(cast.participant_a)
        phone = as_user(cast.participant_a)
        assert phone.get(HOME).status_code == 200
        response = laptop.post(reverse("accounts:logout_everywhere"))
        assert response.status_code == 302
        assert phone.get(HOME).status_code == 302
        assert laptop.get(HOME).status_code == 302
        assert AuditEvent.objects.filter(action="end_all_sessions").count() == 1

    def test_logout_requires_post(self, as_user, cast: Cast) -> None:
        client = as_user(cast.participant_a)
        assert client.get(reverse("accounts:logout")).status_code == 405
        client.post(reverse("accounts:logout"))
        assert client.get(HOME).status_code == 302


@pytest.mark.django_db
class TestPasswordReset:
    def test_reset_by_email_sets_a_new_password(self, client: Client, cast: Cast) -> None:
        response = client.post(reverse("accounts:password_reset"), {"email": "a@test.invalid"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        link = re.search(r"http://testserver(/wachtwoord/herstellen/\S+/)", mail.outbox[0].body)
        assert link
        page = client.get(link.group(1), follow=True)
        assert page.status_code == 200
        new = "a much longer new passphrase 42"
        response = client.post(
            page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
        )
        assert response.status_code == 302
        assert password_login(Client(), "a@test.invalid", new).status_code == 302

    def test_unknown_address_reveals_nothing(self, client: Client, cast: Cast) -> None:
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@test.invalid"})
        assert response.status_code == 302
        assert len(mail.outbox) == 0

    def test_weak_new_password_is_refused(self, client: Client, cast: Cast) -> None:
        client.post(reverse("accounts:password_reset"), {"email": "a@test.invalid"})
        link = re.search(r"http://testserver(/wachtwoord/herstellen/\S+/)", mail.outbox[0].body)
        assert link
        page = client.get(link.group(1), follow=True)
        response = client.post(
            page.redirect_chain[-1][0], {"new_password1": "12345", "new_password2": "12345"}
        )
        assert response.status_code == 200
        assert "te kort" in response.content.decode()
        assert password_login(Client(), "a@test.invalid").status_code == 302

    def reset_page(self, client: Client) -> str:
        client.post(reverse("accounts:password_reset"), {"email": "a@test.invalid"})
        link = re.search(r"http://testserver(/wachtwoord/herstellen/\S+/)", mail.outbox[-1].body)
        assert link
        return client.get(link.group(1), follow=True).redirect_chain[-1][0]

    def test_password_of_128_characters_is_accepted(self, client: Client, cast: Cast) -> None:
        new = "lange zin " * 12 + "abcdefgh"
        assert len(new) == 128
        response = client.post(
            self.reset_page(client), {"new_password1": new, "new_password2": new}
        )
        assert response.status_code == 302
        assert password_login(Client(), "a@test.invalid", new).status_code == 302

    def test_password_over_128_characters_is_refused(self, client: Client, cast: Cast) -> None:
        """ASVS 2.1.2: a clear Dutch message, and the old password still works."""
        new = "lange zin " * 12 + "abcdefghi"
        assert len(new) == 129
        response = client.post(
            self.reset_page(client), {"new_password1": new, "new_password2": new}
        )
        assert response.status_code == 200
        assert "Dit wachtwoord is te lang. Het mag hoogstens 128 tekens bevatten." in (
            response.content.decode()
        )
        assert password_login(Client(), "a@test.invalid", new).status_code == 400
        assert password_login(Client(), "a@test.invalid").status_code == 302

    def test_used_link_is_refused(self, client: Client, cast: Cast) -> None:
        client.post(reverse("accounts:password_reset"), {"email": "a@test.invalid"})
        match = re.search(r"http://testserver(/wachtwoord/herstellen/\S+/)", mail.outbox[0].body)
        assert match
        page = client.get(match.group(1), follow=True)
        new = "a much longer new passphrase 42"
        client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
        again = Client().get(match.group(1), follow=True)
        assert "niet meer geldig" in again.content.decode()
