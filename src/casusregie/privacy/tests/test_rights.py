"""Data-subject requests at the contact point: registering with a deadline, the access report
(PDF and JSON) with organisations and disclosures, holding items back by a recorded decision,
extension once, and decisions. Unknown persons and bad input are refused; others cannot reach
any of it."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from casusregie.cases import actions as case_actions
from casusregie.conftest import TEST_BSN, Cast
from casusregie.privacy.models import (
    AuditEvent,
    Disclosure,
    ProcessingLogEntry,
    RequestStatus,
    SubjectRequest,
    Withholding,
)

pytestmark = pytest.mark.django_db


def base(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/privacy/verzoeken"


def register(client: Any, cast: Cast, **changes: Any) -> Any:
    data = {
        "kind": "access",
        "requester": "Jan Testpersoon zelf, legitimatie gezien aan de balie",
        "question": "Welke organisaties hebben mijn gegevens gedeeld?",
        "received_on": timezone.localdate().strftime("%d-%m-%Y"),
        "bsn": TEST_BSN,
    }
    data.update(changes)
    return client.post(base(cast) + "/", data)


def with_disclosures(cast: Cast, case: Any) -> None:
    case_actions.do_add_participation(
        case, cast.org_c, role="Zorg", purpose="Behandeling afstemmen", actor=cast.process_director
    )


def test_an_access_request_answers_who_was_involved_and_what_was_shared(
    as_user: Any, cast: Cast, case: Any
) -> None:
    with_disclosures(cast, case)
    client = as_user(cast.privacy_officer)
    response = register(client, cast)
    assert response.status_code == 302
    req = SubjectRequest.objects.get()
    assert req.due_on > req.received_on
    page = client.get(response["Location"]).content.decode()
    assert "Politie Heuvelland-test" in page
    assert "GGZ Heuvelland-test" in page
    assert "Behandeling afstemmen" in page
    answer = client.get(f"{base(cast)}/{req.pk}/antwoord.json").json()
    assert answer["people"][0]["name"] == "Jan Testpersoon"
    assert {o["organisation"] for o in answer["organisations"]} >= {
        "Politie Heuvelland-test",
        "Woonstichting Heuvelland-test",
        "GGZ Heuvelland-test",
    }
    assert any("GGZ Heuvelland-test" in d["to"] for d in answer["disclosures"])
    pdf = client.get(f"{base(cast)}/{req.pk}/antwoord.pdf")
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert "Jan Testpersoon" in text
    assert "Behandeling afstemmen" in text
    assert ProcessingLogEntry.objects.filter(name="subject_request.pdf.export").exists()


def test_a_held_back_item_is_left_out_of_the_answer_with_a_note(
    as_user: Any, cast: Cast, case: Any
) -> None:
    with_disclosures(cast, case)
    client = as_user(cast.privacy_officer)
    register(client, cast)
    req = SubjectRequest.objects.get()
    ggz = next(
        d
        for d in Disclosure.objects.filter(case_id=case.pk)
        if d.recipients.filter(pk=cast.org_c.pk).exists()
    )
    response = client.post(
        f"{base(cast)}/{req.pk}/",
        {
            "action": "withhold",
            "disclosure": ggz.pk,
            "reason": "Lopend strafrechtelijk onderzoek (OM)",
        },
    )
    assert response.status_code == 302
    assert Withholding.objects.get().reason.startswith("Lopend")
    answer = client.get(f"{base(cast)}/{req.pk}/antwoord.json").json()
    assert answer["held_back"] == 1
    assert not any(d["purpose"] == ggz.purpose and "GGZ" in d["to"] for d in answer["disclosures"])
    refused = client.post(
        f"{base(cast)}/{req.pk}/",
        {"action": "decide", "decide-status": "granted", "decide-note": "Alles verstrekt"},
    )
    assert refused.status_code == 400
    assert "gedeeltelijk" in refused.content.decode()
    decided = client.post(
        f"{base(cast)}/{req.pk}/",
        {
            "action": "decide",
            "decide-status": "partly",
            "decide-note": "Verstrekt op 1 onderdeel na",
        },
    )
    assert decided.status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.PARTLY
    assert req.closed_at is not None


def test_withholding_without_a_reason_is_refused(as_user: Any, cast: Cast, case: Any) -> None:
    with_disclosures(cast, case)
    client = as_user(cast.privacy_officer)
    register(client, cast)
    req = SubjectRequest.objects.get()
    disclosure = Disclosure.objects.filter(case_id=case.pk).first()
    response = client.post(
        f"{base(cast)}/{req.pk}/",
        {"action": "withhold", "disclosure": disclosure.pk, "reason": " "},
        follow=True,
    )
    assert "Leg vast waarom" in response.content.decode()
    assert not Withholding.objects.exists()


def test_an_unknown_person_is_refused_and_nothing_is_recorded(
    as_user: Any, cast: Cast, case: Any
) -> None:
    response = register(as_user(cast.privacy_officer), cast, bsn="123456782")
    assert response.status_code == 400
    assert "geen gegevens" in response.content.decode()
    assert not SubjectRequest.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="subject_request").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bsn": "123456789"}, "elfproef"),
        ({"bsn": ""}, "Geef het BSN"),
        ({"received_on": "31-12-2999"}, "in de toekomst"),
        ({"kind": "delete"}, "Selecteer een geldige keuze"),
        ({"requester": ""}, "Dit veld is vereist"),
    ],
)
def test_bad_requests_are_refused(
    as_user: Any, cast: Cast, case: Any, changes: dict[str, str], message: str
) -> None:
    response = register(as_user(cast.privacy_officer), cast, **changes)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SubjectRequest.objects.exists()


def test_a_person_without_bsn_is_found_by_surname_and_birth_date(
    as_user: Any, cast: Cast, case: Any
) -> None:
    response = register(
        as_user(cast.privacy_officer), cast, bsn="", last_name="testpersoon", born="17-05-1980"
    )
    assert response.status_code == 302
    assert SubjectRequest.objects.get().subjects.count() == 1


def test_the_deadline_is_extended_once(as_user: Any, cast: Cast, case: Any) -> None:
    client = as_user(cast.privacy_officer)
    register(
        client,
        cast,
        kind="erasure",
        received_on=(timezone.localdate() - datetime.timedelta(days=10)).strftime("%d-%m-%Y"),
    )
    req = SubjectRequest.objects.get()
    due = req.due_on
    bad = client.post(
        f"{base(cast)}/{req.pk}/", {"action": "extend", "extend-months": "2", "extend-reason": ""}
    )
    assert bad.status_code == 400
    ok = client.post(
        f"{base(cast)}/{req.pk}/",
        {
            "action": "extend",
            "extend-months": "2",
            "extend-reason": "Complex: vijf partners betrokken",
        },
    )
    assert ok.status_code == 302
    req.refresh_from_db()
    assert req.due_on > due
    again = client.post(
        f"{base(cast)}/{req.pk}/",
        {"action": "extend", "extend-months": "1", "extend-reason": "nog eens"},
    )
    assert again.status_code == 400
    assert "al eens verlengd" in again.content.decode()


@pytest.mark.parametrize(
    "who",
    ["process_director", "participant_a", "participant_c", "admin", "triage", "other_house_user"],
)
def test_only_the_contact_point_handles_requests(
    as_user: Any, cast: Cast, case: Any, who: str
) -> None:
    register(as_user(cast.privacy_officer), cast)
    req = SubjectRequest.objects.get()
    client = as_user(cast.members()[who])
    for path in ("/", f"/{req.pk}/", f"/{req.pk}/antwoord.pdf", f"/{req.pk}/antwoord.json"):
        assert client.get(base(cast) + path).status_code == 404, path
    assert register(client, cast).status_code == 404
    assert SubjectRequest.objects.count() == 1


def test_an_unknown_format_is_not_found(as_user: Any, cast: Cast, case: Any) -> None:
    client = as_user(cast.privacy_officer)
    register(client, cast)
    req = SubjectRequest.objects.get()
    assert client.get(f"{base(cast)}/{req.pk}/antwoord.xml").status_code == 404
    assert json.loads(client.get(f"{base(cast)}/{req.pk}/antwoord.json").content)["held_back"] == 0
