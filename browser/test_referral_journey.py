"""Referral to case in a real browser (issue 9), with the interface switched to English: the
police officer refers a family, triage asks mental-health care whether it knows the family
(it answers in Dutch, with a contact person), accepts the referral, and the referrer sees the
case it became.
The same pages in Dutch are covered by the other journeys; this one proves the English
interface is complete on the way."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import TEST_BSN, Cast
from casusregie.referrals.models import KnownToQuery, Referral

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
    # Before deciding, the process director asks whether mental-health care knows the family
    # (in Dutch, her choice of language): only names and dates of birth go out.
    chair = journey("regisseur")
    chair.login(cast.process_director)
    page = chair.go(f"{house}/meldingen/{referral.pk}/")
    page.get_by_role("link", name="Vraag partners of zij de persoon kennen").click()
    page.get_by_label(cast.org_c.name).check()
    page.get_by_label("Antwoord vóór").fill(
        (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    )
    chair.check("bekend-bij-vraag")
    page.get_by_role("button", name="De vraag versturen").click()
    page.wait_for_load_state()
    query = KnownToQuery.objects.get(organisation=cast.org_c)

    care = journey("ggz")
    care.login(cast.participant_c)
    page = care.go(f"{house}/bekendheid/{query.pk}/")
    assert "Threatened eviction" not in page.content()  # no case content, only who
    page.get_by_label("Bij ons bekend").check()
    page.get_by_label("Contactpersoon en telefoon (als bekend)").fill("C. Zorg, 06-12345678")
    care.check("bekend-bij-antwoord")
    page.get_by_role("button", name="Antwoord versturen").click()
    page.wait_for_load_state()
    query.refresh_from_db()
    assert query.answer == "known"

    page = chair.go(f"{house}/meldingen/{referral.pk}/")
    assert page.get_by_text("C. Zorg, 06-12345678").first.is_visible()
    page = triage.go(f"{house}/meldingen/{referral.pk}/")
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
