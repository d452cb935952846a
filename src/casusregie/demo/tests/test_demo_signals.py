"""The demo's early warning: police and housing corporation signal about one fake person in
Duinstreek; the process director sees an alert that does not reveal the person, has asked for a
referral, and the referral shows "already known: signals from 2 organisations"."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.accounts.models import User
from casusregie.conftest import verified_client
from casusregie.demo import data
from casusregie.demo.signals import DEMO_BSN, FIRST_NAME, LAST_NAME, load_demo_signals
from casusregie.signals.models import Alert, AlertStatus

pytestmark = pytest.mark.django_db


def login(email: str) -> object:
    user = User.objects.get(email=email)
    TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    return verified_client(user)


def test_the_demo_alert_and_the_referral_it_led_to() -> None:
    data.load(progress=lambda _line: None, cases_per_house=0)
    load_demo_signals(lambda _line: None)
    alert = Alert.objects.get(house__slug="duinstreek", referral__isnull=False)
    assert alert.status == AlertStatus.REFERRED
    assert alert.categories == ["housing", "nuisance"]
    director = login("procesregisseur@duinstreek.demo.invalid")
    page = director.get(f"/huizen/duinstreek/signalen/samenloop/{alert.pk}/").content.decode()
    assert "Politie" in page
    for secret in (DEMO_BSN, FIRST_NAME, LAST_NAME):
        assert secret not in page
    referral = director.get(f"/huizen/duinstreek/meldingen/{alert.referral_id}/").content.decode()
    assert "Al bekend: signalen van 2 organisaties" in referral
    overview = director.get("/huizen/duinstreek/signalen/overzicht/")
    assert overview.status_code == 200
