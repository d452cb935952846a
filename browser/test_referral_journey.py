"""Referral to case in a real browser (issue 9), with the interface switched to English: the
police officer refers a family, triage accepts it, and the referrer sees the case it became.
The same pages in Dutch are covered by the other journeys; this one proves the English
interface is complete on the way."""

from __future__ import annotations

import re
from typing import Any

import pytest

from casusregie.conftest import TEST_BSN, Cast
from casusregie.referrals.models import Referral

pytestmark = pytest.mark.django_db(transaction=True)

DUTCH = re.compile(r"\b(Casussen|Meldingen|Uitloggen|Opslaan|Indienen|Accepteren)\b")


def test_referral_journey_in_english(journey: Any, cast: Cast) -> None:
    house = f"/huizen/{cast.house.slug}"
    police = journey("politie")
    police.login(cast.participant_a)
    page = police.page
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page = police.go(f"{house}/meldingen/nieuw/")
    assert page.get_by_role("heading", level=1).inner_text().startswith(("New", "Refer"))
    page.check('[name="kind"][value="family"]')
    page.fill('[name="persoon-0-first_name"]', "Piet")
    page.fill('[name="persoon-0-last_name"]', "Gezinsman")
    page.fill('[name="persoon-0-date_of_birth"]', "1985-03-02")
    page.fill('[name="persoon-0-bsn"]', TEST_BSN)
    page.get_by_text("Family members (for a family referral)").click()
    page.fill('[name="persoon-1-first_name"]', "Kees")
    page.fill('[name="persoon-1-last_name"]', "Gezinsman")
    page.fill('[name="concern_housing"]', "Threatened eviction")
    page.fill('[name="concern_finances"]', "Debts")
    page.fill('[name="goal"]', "One plan for the family")
    page.check('[name="subject_informed"][value="yes"]')
    police.check("referral-form")
    page.get_by_role("button", name="Submit referral").click()
    page.wait_for_load_state()
    referral = Referral.objects.get()
    assert referral.status == "submitted"
    assert not DUTCH.search(page.locator("main").inner_text())
    police.check("referral-submitted")

    triage = journey("triage")
    triage.login(cast.triage)
    page = triage.page
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page = triage.go(f"{house}/toegang/")
    page.get_by_role("link", name=referral.reference).click()
    page.get_by_role("link", name="Accept").click()
    for box in page.locator('[name="criteria"]').all():
        box.check()
    triage.check("accept")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.case is not None
    assert not DUTCH.search(page.locator("main").inner_text())
    triage.check("case")

    page = police.go(f"{house}/meldingen/{referral.pk}/")
    assert page.get_by_role("link", name=referral.case.reference).is_visible()
    police.check("referrer-sees-case")
