"""The integrations journey in a real browser (issue 8): the functional administrator registers
an API client for the police and sees its token once, subscribes a webhook for it, and imports
a legacy file with a bad row: the dry run names the row, the import brings in the rest. Every
page is checked with axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.conftest import Cast
from casusregie.imports.models import LegacyCase
from casusregie.integrations.models import ApiClient
from casusregie.webhooks.models import Subscription

pytestmark = pytest.mark.django_db(transaction=True)


def legacy_file(cast: Cast) -> bytes:
    from casusregie.imports.tests.helpers import cases_csv, one_case

    good = one_case("OUD-1")
    bad = one_case("OUD-2")
    for row in bad:
        if row.get("record") == "subject":
            row["bsn"] = "123456789"  # fails the eleven-test
    return cases_csv(good + bad)


def test_integrations_journey(journey: Any, cast: Cast, settings: Any, tmp_path: Any) -> None:
    settings.WEBHOOKS_ALLOW_LOCAL = True
    house = f"/huizen/{cast.house.slug}"
    admin = journey("beheerder")
    admin.login(cast.admin)

    # An API client for the police: the token is shown once.
    page = admin.go(f"{house}/casussen/")
    page.get_by_role("link", name="API-koppelingen").click()
    admin.check("koppelingen")
    page.get_by_role("link", name="Nieuwe API-koppeling").click()
    page.get_by_role("button", name="Koppeling en token aanmaken").click()
    assert page.get_by_text("Dit veld is vereist").first.is_visible()
    admin.check("koppeling-fout")
    page.get_by_label("Naam", exact=True).fill("Politiesysteem")
    page.get_by_label("Organisatie", exact=True).select_option(label=cast.org_a.name)
    page.locator("input[name=scopes][value='referrals:read']").check()
    page.get_by_role("button", name="Koppeling en token aanmaken").click()
    assert page.get_by_text("crt_").first.is_visible()
    admin.check("token")
    assert ApiClient.objects.filter(name="Politiesysteem").exists()

    # A webhook for the police's system.
    page = admin.go(f"{house}/webhooks/")
    admin.check("webhooks")
    page.get_by_role("link", name="Webhook toevoegen").click()
    page.get_by_label("Adres van het eindpunt").fill("http://127.0.0.1:9/casusregie")
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("Kies ten minste één soort gebeurtenis").first.is_visible()
    admin.check("webhook-fout")
    page.get_by_label("Adres van het eindpunt").fill("http://127.0.0.1:9/casusregie")
    page.locator("input[name=event_types]").first.check()
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("whsec_").first.is_visible()
    admin.check("webhook")
    assert Subscription.objects.exists()

    # A legacy file with one bad case: the dry run names it, the import brings in the other.
    source = tmp_path / "oud.csv"
    source.write_bytes(legacy_file(cast))
    page = admin.go(f"{house}/importeren/")
    admin.check("importeren")
    page.get_by_label("Casussen uit een vorig systeem").check()
    page.get_by_label("Alleen goede rijen", exact=False).check()
    page.get_by_label("Bestand").set_input_files(str(source))
    page.get_by_role("button", name="Uploaden en controleren").click()
    page.get_by_role("button", name="1 casus importeren").wait_for(timeout=30_000)
    assert page.get_by_text("123456789").count() == 0  # the report never repeats a BSN
    admin.check("proefrun")
    page.get_by_role("button", name="1 casus importeren").click()
    page.get_by_text("Geïmporteerd").first.wait_for(timeout=30_000)
    admin.check("geimporteerd")
    assert list(LegacyCase.objects.values_list("legacy_id", flat=True)) == ["OUD-1"]
