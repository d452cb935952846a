"""The privacy journey in a real browser (issue 9): a newcomer confirms the house rules before
seeing a case; an organisation outside the case gets "not found", and breaking the glass asks a
reason; the privacy officer produces an access-request PDF."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.accounts.roles import Role
from casusregie.conftest import TEST_BSN, Cast, make_user
from casusregie.privacy.models import Confirmation, GlassBreak

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "Acute melding op het adres; ik moet weten wie de regie heeft."


def test_privacy_journey(journey: Any, cast: Cast, case: Any) -> None:
    house = f"/huizen/{cast.house.slug}"
    newcomer = make_user(
        "nieuw@test.invalid", "Nina Nieuw", cast.house, cast.org_a, Role.PARTNER_PARTICIPANT
    )
    Confirmation.objects.filter(user=newcomer).delete()

    # A newcomer of a participating organisation meets the working method first.
    nina = journey("nieuwkomer")
    nina.login(newcomer)
    page = nina.go(f"{house}/casussen/{case.pk}/")
    assert "/werkwijze/" in page.url
    assert page.get_by_role("heading", name="Werkwijze en privacyregels").is_visible()
    assert "Testpersoon" not in page.content()
    nina.check("werkwijze")
    page.get_by_role("button", name="Bevestigen").click()
    assert page.get_by_text("Bevestig dat u de werkwijze").first.is_visible()
    nina.check("werkwijze-fout")
    page.get_by_label("Ik heb de werkwijze en privacyregels gelezen").check()
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_url(f"**/casussen/{case.pk}/")
    assert page.get_by_role("heading", name=f"Casus {case.reference}: Jan Testpersoon").is_visible()
    nina.check("casus")

    # The mental-health partner does not take part: "not found", then emergency access.
    cor = journey("ggz")
    cor.login(cast.participant_c)
    page = cor.go(f"{house}/casussen/{case.pk}/")
    assert "Testpersoon" not in page.content()
    assert page.get_by_role("heading", name="Niet gevonden").is_visible()
    cor.check("niet-gevonden")
    page = cor.go(f"{house}/casussen/")
    page.get_by_role("link", name="Noodtoegang tot een casus").click()
    page.get_by_label("Casusnummer").fill(case.reference)
    page.get_by_role("button", name="Casus openen").click()
    assert page.get_by_text("Dit veld is vereist").first.is_visible()
    assert not GlassBreak.objects.exists()
    cor.check("noodtoegang-fout")
    page.get_by_label("Reden").fill(REASON)
    page.get_by_role("button", name="Casus openen").click()
    page.wait_for_url(f"**/casussen/{case.pk}/")
    assert page.get_by_text("via noodtoegang").first.is_visible()
    cor.check("noodtoegang")

    # The privacy officer answers an access request with a PDF.
    frits = journey("privacy")
    frits.login(cast.privacy_officer)
    page = frits.go(f"{house}/privacy/")
    assert page.get_by_text("Noodtoegang").first.is_visible()
    frits.check("controlelijst")
    page.get_by_role("link", name="Verzoeken van betrokkenen").first.click()
    page.get_by_label("Soort verzoek").select_option("access")
    page.get_by_label("Verzoeker").fill("Jan Testpersoon, legitimatie gezien")
    page.get_by_label("Wat er gevraagd wordt").fill("Welke organisaties delen mijn gegevens?")
    page.get_by_label("Ontvangen op").fill("01-11-2026")
    page.get_by_label("BSN van de persoon").fill(TEST_BSN)
    page.get_by_role("button", name="Registreren").click()
    assert page.get_by_role("heading", name="Betrokken organisaties en waarom").is_visible()
    assert page.get_by_text("Politie Heuvelland-test").first.is_visible()
    frits.check("inzageverzoek")
    with page.expect_download() as download:
        page.get_by_role("link", name="Antwoord als pdf").click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
