"""The living case file in a real browser (issue 23): the police writes a journal entry for two
organisations only and attaches a PDF to it; the housing corporation reads and downloads both,
the mental-health partner — taking part in the case too — sees neither (page, API, case file
PDF, search); the process director corrects a date of birth with a reason and the person's
access answer shows the correction; the housing corporation's participation ends and its user
gets "not found"; a departing process director's case is handed over before their role ends."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from casusregie.accounts.models import Membership
from casusregie.accounts.roles import Role
from casusregie.cases import actions as case_actions
from casusregie.conftest import TEST_BSN, Cast, make_user
from casusregie.documents.models import Document
from casusregie.journal.models import JournalEntry
from casusregie.web import pdf

pytestmark = pytest.mark.django_db(transaction=True)

ENTRY = "Huisbezoek met de wijkagent: de heer vertelt over schulden bij de woningcorporatie."
FILE_NAME = "verslag-huisbezoek.pdf"
FILE_TEXT = "Verslag van het huisbezoek aan de bewoner"
CORRECTION = "Geboortedatum verkeerd overgenomen uit de melding; gecontroleerd in de BRP."


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )


def test_case_file_journey(journey: Any, cast: Cast, case: Any, tmp_path: Path) -> None:
    house = f"/huizen/{cast.house.slug}"
    today = timezone.localdate().isoformat()
    url = f"{house}/casussen/{case.pk}"
    api = f"/api/v1/houses/{cast.house.slug}/cases/{case.pk}"
    # The mental-health partner takes part too: a third organisation that must not read along.
    case_actions.do_add_participation(
        case, cast.org_c, role="Deelnemer", purpose="Zorg", actor=cast.process_director
    )
    upload = tmp_path / FILE_NAME
    upload.write_bytes(
        pdf.document("Verslag", FILE_TEXT, [pdf.Section("Bevindingen")], author="Politie")
    )

    # 1. The police writes an entry for the police and the housing corporation only ...
    police = journey("politie")
    police.login(cast.participant_a)
    page = police.go(f"{url}/logboek/nieuw/")
    police.check("notitie-leeg")
    page.get_by_label("Soort", exact=True).select_option("home_visit")
    page.get_by_label("Datum", exact=True).fill(today)
    page.get_by_label("Notitie", exact=True).fill(ENTRY)
    page.get_by_label("Genoemde organisaties", exact=True).check()
    page.get_by_label(cast.org_a.name).check()
    page.get_by_label(cast.org_b.name).check()
    page.get_by_label("Doel", exact=True).fill("Afstemmen huisbezoek")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(f"**{url}/logboek/")
    assert page.get_by_text(ENTRY).is_visible()
    police.check("logboek")
    entry = JournalEntry.objects.get(case=case)
    assert set(entry.audience_organisations.all()) == {cast.org_a, cast.org_b}

    # ... and attaches a PDF to that entry, for the same two organisations.
    page = police.go(f"{url}/documenten/")
    page.get_by_label("Bestand").set_input_files(str(upload))
    target = page.get_by_label("Toevoegen aan")
    target.select_option(f"journal_entry-{entry.pk}")
    page.get_by_label("Genoemde organisaties", exact=True).check()
    page.get_by_label(cast.org_a.name).check()
    page.get_by_label(cast.org_b.name).check()
    page.get_by_label("Doel", exact=True).fill("Verslag bij de notitie")
    page.get_by_role("button", name="Document toevoegen").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name=FILE_NAME, exact=True).is_visible()
    police.check("documenten")
    document = Document.objects.get(case=case)
    assert document.journal_entry_id == entry.pk

    # 2. The housing corporation reads the entry and downloads the document.
    housing = journey("woning")
    housing.login(cast.participant_b)
    page = housing.go(f"{url}/logboek/")
    assert page.get_by_text(ENTRY).is_visible()
    housing.check("logboek")
    page = housing.go(f"{url}/documenten/")
    with page.expect_download() as download:
        page.get_by_role("link", name=FILE_NAME, exact=True).click()
    path = download.value.path()
    assert path is not None
    assert FILE_TEXT in pdf_text(Path(path).read_bytes())
    housing.check("documenten")
    answer = page.request.get(housing.base + f"{api}/journal")
    assert answer.ok
    assert ENTRY in answer.text()
    answer = page.request.get(housing.base + f"{api}/documents")
    assert answer.ok
    assert FILE_NAME in answer.text()
    casefile = page.request.get(housing.base + f"{url}/dossier/pdf/")
    assert casefile.ok
    assert ENTRY in pdf_text(casefile.body())
    assert FILE_NAME in pdf_text(casefile.body())

    # The mental-health partner takes part but reads neither: pages, API, case file, search.
    care = journey("ggz")
    care.login(cast.participant_c)
    page = care.go(f"{url}/")
    assert page.get_by_role("heading", name=f"Casus {case.reference}: Jan Testpersoon").is_visible()
    care.check("casus")
    page = care.go(f"{url}/logboek/")
    assert ENTRY not in page.content()
    care.check("logboek")
    page = care.go(f"{url}/documenten/")
    assert FILE_NAME not in page.content()
    assert page.get_by_text("Geen documenten die u mag inzien.").is_visible()
    care.check("documenten")
    assert (
        care.go(f"{url}/documenten/{document.pk}/download/")
        .get_by_role("heading", name="Niet gevonden")
        .is_visible()
    )
    assert (
        care.go(f"{url}/logboek/{entry.pk}/")
        .get_by_role("heading", name="Niet gevonden")
        .is_visible()
    )
    answer = page.request.get(care.base + f"{api}/journal")
    assert answer.ok
    assert ENTRY not in answer.text()
    answer = page.request.get(care.base + f"{api}/documents")
    assert answer.ok
    assert FILE_NAME not in answer.text()
    casefile = page.request.get(care.base + f"{url}/dossier/pdf/")
    assert casefile.ok
    text = pdf_text(casefile.body())
    assert f"Dossier {case.reference}" in text
    assert ENTRY not in text
    assert FILE_NAME not in text
    page = care.go(f"{house}/casussen/")
    page.get_by_label("Zoek op naam, geboortedatum (dd-mm-jjjj) of BSN").fill("schulden")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state()
    assert case.reference not in page.content()  # the entry's words find nothing
    care.check("zoeken")
    page.get_by_label("Zoek op naam, geboortedatum (dd-mm-jjjj) of BSN").fill("Testpersoon")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name=case.reference).first.is_visible()
    assert ENTRY not in page.content()
    assert FILE_NAME not in page.content()

    # 3. The process director corrects the date of birth, with a reason ...
    director = journey("regisseur")
    director.login(cast.process_director)
    page = director.go(f"{url}/personen/")
    director.check("personen")
    page.get_by_role("link", name=re.compile("^Corrigeren.*Jan Testpersoon")).click()
    page.get_by_label("Geboortedatum").fill("1980-07-15")
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("Dit veld is vereist").first.is_visible()
    director.check("correctie-fout")
    page.get_by_label("Reden van de wijziging").fill(CORRECTION)
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(f"**{url}/personen/")
    assert page.get_by_role("cell", name="15-07-1980").is_visible()
    director.check("personen-gecorrigeerd")

    # ... and the person's access answer shows that the details were corrected.
    officer = journey("privacy")
    officer.login(cast.privacy_officer)
    page = officer.go(f"{house}/privacy/")
    page.get_by_role("link", name="Verzoeken van betrokkenen").first.click()
    page.get_by_label("Soort verzoek").select_option("access")
    page.get_by_label("Verzoeker").fill("Jan Testpersoon, legitimatie gezien")
    page.get_by_label("Wat er gevraagd wordt").fill("Welke gegevens zijn er over mij vastgelegd?")
    page.get_by_label("Ontvangen op").fill(today)
    page.get_by_label("BSN van de persoon").fill(TEST_BSN)
    page.get_by_role("button", name="Registreren").click()
    assert page.get_by_role("heading", name="Correcties van deze gegevens").is_visible()
    assert "15-07-1980" in page.content()
    officer.check("inzage-correctie")

    # 4. The housing corporation's part ends; its user then finds nothing.
    page = director.go(f"{url}/deelnemers/")
    director.check("deelnemers")
    page.get_by_role("link", name=re.compile(f"^Beëindigen.*{cast.org_b.name}")).click()
    page.get_by_label("Beëindigd op").fill(today)
    page.get_by_label("Reden van de wijziging").fill("Huisvesting is geregeld, deelname klaar.")
    director.check("deelname-beeindigen")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert case.participations.get(organisation=cast.org_b).ended_at is not None
    director.check("deelnemers-beeindigd")
    for path_ in (f"{url}/", f"{url}/logboek/", f"{url}/documenten/"):
        page = housing.go(path_)
        assert page.get_by_role("heading", name="Niet gevonden").is_visible(), path_
        assert ENTRY not in page.content()
    housing.check("niet-gevonden")
    for endpoint in ("journal", "documents"):
        assert housing.page.request.get(housing.base + f"{api}/{endpoint}").status == 404
    download_url = f"{url}/documenten/{document.pk}/download/"
    assert housing.page.request.get(housing.base + download_url).status == 404

    # 5. A departing process director: their role cannot end before their case is handed over.
    leaving = make_user(
        "vertrek@test.invalid", "Victor Vertrek", cast.house, cast.staff, Role.PROCESS_DIRECTOR
    )
    case.process_director = leaving
    case.save(update_fields=["process_director"])
    role = Membership.objects.get(user=leaving, house=cast.house)
    admin = journey("beheer")
    admin.login(cast.admin)
    page = admin.go(f"{house}/mensen/{leaving.pk}/")
    admin.check("persoon")
    page.get_by_role("button", name="“Procesregisseur” beëindigen").click()
    page.wait_for_load_state()
    assert page.get_by_text("Victor Vertrek heeft in dit huis nog werk").is_visible()
    role.refresh_from_db()
    assert role.ended_at is None
    admin.check("beeindigen-geweigerd")
    page.get_by_role("link", name="Werk overdragen").click()
    admin.check("overdracht")
    page.get_by_label("Nieuwe procesregisseur").select_option(str(cast.process_director.pk))
    page.get_by_label("Reden", exact=True).fill("Victor vertrekt naar een andere gemeente.")
    page.get_by_role("button", name="Overdragen").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.process_director == cast.process_director
    admin.check("overgedragen")
    page = admin.go(f"{house}/mensen/{leaving.pk}/")
    page.get_by_role("button", name="“Procesregisseur” beëindigen").click()
    page.wait_for_load_state()
    role.refresh_from_db()
    assert role.ended_at is not None
    admin.check("beeindigd")
