"""Exports: the case file as PDF holds what its reader may see and nothing more; the case list
downloads as XLSX or CSV with the same filter, with formulas defused; both are logged."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from casusregie.cases.models import Case
from casusregie.conftest import Cast
from casusregie.meetings.actions import do_add_contribution, do_plan_meeting
from casusregie.plans.actions import ActionData, do_create_actions, do_submit_feedback
from casusregie.privacy.models import Operation, ProcessingLogEntry

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def rich_case(cast: Cast, case: Case) -> Case:
    """A's action with feedback, B's action, input for A only and input for everyone."""
    due = timezone.localdate() + datetime.timedelta(days=7)
    a_action, _b_action = do_create_actions(
        case,
        [
            ActionData("Actie-van-A-Grutto", cast.org_a, due),
            ActionData("Actie-van-B-Kievit", cast.org_b, due),
        ],
        actor=cast.process_director,
    )
    do_submit_feedback(
        a_action, what_was_done="Gesprek-A-Tureluur", result="Afspraak", actor=cast.participant_a
    )
    meeting = do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, True)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )
    item = meeting.agenda.get()
    do_add_contribution(
        item,
        text="Inbreng-alleen-eigen-Wielewaal",
        purpose="Risico",
        audience="own",
        actor=cast.participant_b,
    )
    do_add_contribution(
        item,
        text="Inbreng-voor-iedereen-Bosuil",
        purpose="Risico",
        audience="all",
        actor=cast.participant_b,
    )
    return case


def case_file(as_user: Any, cast: Cast, case: Case, user: Any) -> Any:
    return as_user(user).get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/dossier/pdf/")


def test_the_case_file_holds_what_its_reader_may_see(
    as_user: Any, cast: Cast, rich_case: Case
) -> None:
    response = case_file(as_user, cast, rich_case, cast.participant_a)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Jan Testpersoon" in text
    assert "Actie-van-A-Grutto" in text
    assert "Gesprek-A-Tureluur" in text
    assert "Inbreng-voor-iedereen-Bosuil" in text
    # Not A's: B's own action and input B kept to itself.
    assert "Actie-van-B-Kievit" not in text
    assert "Inbreng-alleen-eigen-Wielewaal" not in text
    assert "111222333" not in text
    assert ProcessingLogEntry.objects.filter(
        name="case.file", operation=Operation.READ, case_id=rich_case.pk
    ).exists()

    director = pdf_text(case_file(as_user, cast, rich_case, cast.process_director).content)
    assert "Actie-van-B-Kievit" in director


def test_no_case_file_for_who_may_not_see_the_case(
    as_user: Any, cast: Cast, rich_case: Case
) -> None:
    for outsider in (cast.participant_c, cast.other_house_user):
        assert case_file(as_user, cast, rich_case, outsider).status_code == 404
    api = as_user(cast.participant_c).get(
        f"/api/v1/houses/{cast.house.slug}/cases/{rich_case.pk}/file.pdf"
    )
    assert api.status_code == 404
    assert not ProcessingLogEntry.objects.filter(name="case.file").exists()


def test_the_case_file_over_the_api(as_user: Any, cast: Cast, rich_case: Case) -> None:
    response = as_user(cast.participant_a).get(
        f"/api/v1/houses/{cast.house.slug}/cases/{rich_case.pk}/file.pdf"
    )
    assert response.status_code == 200
    assert "Actie-van-A-Grutto" in pdf_text(response.content)


def test_case_list_downloads_as_xlsx_and_csv_with_the_filter(
    as_user: Any, cast: Cast, case: Case
) -> None:
    Case.objects.filter(pk=case.pk).update(title='=HYPERLINK("http://x")')
    client = as_user(cast.participant_a)
    base = f"/huizen/{cast.house.slug}/casussen/"
    xlsx = client.get(base, {"formaat": "xlsx"})
    assert xlsx.status_code == 200
    assert "attachment" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Casusnummer"
    assert rows[1][0] == case.reference
    assert rows[1][1] == '\'=HYPERLINK("http://x")'  # shown as text, never run

    csv_response = client.get(base, {"formaat": "csv", "urgency": "crisis"})
    text = csv_response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0][0] == "Casusnummer"
    assert len(lines) == 1  # the filter applies: no crisis cases
    assert ProcessingLogEntry.objects.filter(case_id=case.pk, operation=Operation.READ).exists()


def test_the_case_list_download_shows_only_visible_cases(
    as_user: Any, cast: Cast, case: Case
) -> None:
    response = as_user(cast.participant_c).get(
        f"/huizen/{cast.house.slug}/casussen/", {"formaat": "csv"}
    )
    assert case.reference not in response.content.decode("utf-8-sig")


def _entry_with_document(cast: Cast, case: Case, number: int) -> None:
    """An entry of A for A and B only, with a PDF attached for the same two."""
    from casusregie.documents.actions import do_upload_document
    from casusregie.journal.actions import do_write_entry
    from casusregie.web import pdf

    entry = do_write_entry(
        case,
        kind="home_visit",
        text=f"Notitie-Zwaluw-{number}",
        occurred_on=timezone.localdate(),
        purpose="Afstemmen",
        audience="organisations",
        organisations=[cast.org_a, cast.org_b],
        actor=cast.participant_a,
    )
    do_upload_document(
        name=f"verslag-Merel-{number}.pdf",
        data=pdf.document("Verslag", "Huisbezoek", [], author="Politie"),
        purpose="Verslag",
        audience="organisations",
        organisations=[cast.org_a, cast.org_b],
        case=case,
        journal_entry=entry,
        actor=cast.participant_a,
    )


def test_the_case_file_holds_the_journal_and_documents_of_their_audience(
    as_user: Any, cast: Cast, case: Case
) -> None:
    """Issue 23: B, named, finds A's entry and document in its file; C takes part too but was
    not named and finds neither. The number of queries does not grow with them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casusregie.cases.actions import do_add_participation

    do_add_participation(
        case, cast.org_c, role="Deelnemer", purpose="Zorg", actor=cast.process_director
    )
    _entry_with_document(cast, case, 1)
    url = f"/huizen/{cast.house.slug}/casussen/{case.pk}/dossier/pdf/"
    housing = as_user(cast.participant_b)
    with CaptureQueriesContext(connection) as one:
        text = pdf_text(housing.get(url).content)
    assert "Notitie-Zwaluw-1" in text
    assert "verslag-Merel-1.pdf" in text
    care = pdf_text(case_file(as_user, cast, case, cast.participant_c).content)
    assert "Jan Testpersoon" in care
    assert "Zwaluw" not in care
    assert "Merel" not in care

    for number in (2, 3, 4):
        _entry_with_document(cast, case, number)
    with CaptureQueriesContext(connection) as four:
        text = pdf_text(housing.get(url).content)
    assert "Notitie-Zwaluw-4" in text
    assert len(four) == len(one)
