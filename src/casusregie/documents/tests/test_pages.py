"""Documents on the case and referral pages: what is accepted, what is refused (and then
nothing is stored), who may download, the log, and removal."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.api.tests.helpers import file_referral
from casusregie.conftest import Cast
from casusregie.documents.actions import destroy_documents
from casusregie.documents.models import Document
from casusregie.privacy.models import Disclosure, Operation, ProcessingLogEntry

from . import samples
from .conftest import FakeClamd, stored_files
from .helpers import case_url, dutch, referral_url, upload

pytestmark = pytest.mark.django_db

TYPE_REFUSED = (
    "This kind of file cannot be added. Allowed are %(types)s; the type is judged by the "
    "content of the file, not by its name."
)
OUTSIDERS = ("participant_c", "privacy_officer", "admin", "auditor", "other_house_user")


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("name", sorted(samples.ALLOWED))
def test_allowed_types_are_stored_encrypted_and_download_as_they_were(
    as_user: Any, cast: Cast, case: Any, document_dir: Path, name: str
) -> None:
    data, content_type = samples.ALLOWED[name]
    response = upload(as_user(cast.participant_a), case_url(cast, case), name, data)
    assert response.status_code == 302, page(response)
    document = Document.objects.get()
    assert (document.name, document.content_type, document.size) == (name, content_type, len(data))
    assert document.organisation == cast.org_a
    (stored,) = stored_files(document_dir)
    assert data not in stored.read_bytes()  # encrypted at rest
    download = as_user(cast.participant_b).get(case_url(cast, case, f"{document.pk}/download/"))
    assert download.status_code == 200
    assert download.content == data
    assert download["Content-Type"] == content_type
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert name in download["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("rapport.pdf", samples.TEXT_AS_PDF, "type"),
        ("setup.pdf", samples.EXE, "type"),
        ("programma.exe", samples.EXE, "type"),
        ("brief.docm", samples.DOCM, "type"),
    ],
)
def test_refused_types_store_nothing(
    as_user: Any, cast: Cast, case: Any, document_dir: Path, name: str, data: bytes, message: str
) -> None:
    response = upload(as_user(cast.participant_a), case_url(cast, case), name, data)
    assert response.status_code == 400
    assert dutch(
        TYPE_REFUSED, types="PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, DOC, XLS"
    ) in page(response)
    assert not Document.objects.exists()
    assert stored_files(document_dir) == []


def test_an_oversize_file_is_refused(
    as_user: Any, cast: Cast, case: Any, document_dir: Path, settings: Any
) -> None:
    settings.DOCUMENT_MAX_MB = 1
    data = samples.PDF + b"x" * (1024 * 1024)
    response = upload(as_user(cast.participant_a), case_url(cast, case), "groot.pdf", data)
    assert response.status_code == 400
    assert dutch("The file is larger than %(max)d MB; it has not been stored.", max=1) in page(
        response
    )
    assert not Document.objects.exists()
    assert stored_files(document_dir) == []


def test_an_empty_file_is_refused(as_user: Any, cast: Cast, case: Any, document_dir: Path) -> None:
    response = upload(as_user(cast.participant_a), case_url(cast, case), "leeg.pdf", b"")
    assert response.status_code == 400
    assert "leeg" in page(response)  # Django's "Het verstuurde bestand is leeg."
    assert not Document.objects.exists()
    assert stored_files(document_dir) == []


def test_a_virus_is_refused(
    as_user: Any, cast: Cast, case: Any, document_dir: Path, clamd_server: FakeClamd
) -> None:
    infected = samples.PDF + samples.EICAR
    response = upload(as_user(cast.participant_a), case_url(cast, case), "verslag.pdf", infected)
    assert response.status_code == 400
    assert dutch(
        "The virus scanner found %(name)s in this file; it has not been stored.",
        name="Eicar-Test-Signature",
    ) in page(response)
    assert clamd_server.received == [infected]
    assert not Document.objects.exists()
    assert stored_files(document_dir) == []
    # A clean file passes the scanner and is stored; the page no longer says "not scanned".
    clean = upload(as_user(cast.participant_a), case_url(cast, case))
    assert clean.status_code == 302
    assert Document.objects.count() == 1
    note = "no virus scanner is configured"
    assert note not in as_user(cast.participant_a).get(case_url(cast, case)).content.decode()


def test_an_unreachable_scanner_means_refusal(
    as_user: Any, cast: Cast, case: Any, document_dir: Path, clamd_down: str
) -> None:
    response = upload(as_user(cast.participant_a), case_url(cast, case))
    assert response.status_code == 400
    assert dutch(
        "The virus scanner cannot be reached; try again later. The file has not been stored."
    ) in page(response)
    assert not Document.objects.exists()
    assert stored_files(document_dir) == []


def test_without_a_scanner_the_page_says_so(as_user: Any, cast: Cast, case: Any) -> None:
    text = page(as_user(cast.participant_a).get(case_url(cast, case)))
    assert (
        dutch(
            "Note for staff: no virus scanner is configured in this installation, so files are not "
            "scanned. Only add files from a source you trust."
        )
        in text
    )


def test_bad_form_input(as_user: Any, cast: Cast, case: Any, document_dir: Path) -> None:
    client = as_user(cast.participant_a)
    url = case_url(cast, case)
    for fields, message in [
        ({"purpose": ""}, None),
        ({"audience": "organisations"}, "Name the organisations that may read this."),
        ({"organisations": [cast.org_c.pk], "audience": "organisations"}, None),
        ({"audience": "everyone"}, None),
        ({"target": "action-999"}, None),
        ({"categories": ["dna"]}, None),
    ]:
        response = upload(client, url, **fields)
        assert response.status_code == 400, fields
        if message:
            assert dutch(message) in page(response)
    no_file = client.post(url + "toevoegen/", {"audience": "all", "purpose": "x"})
    assert no_file.status_code == 400
    assert not Document.objects.exists()
    assert stored_files(document_dir) == []


def test_who_may_read_by_audience(as_user: Any, cast: Cast, case: Any) -> None:
    client = as_user(cast.participant_a)
    url = case_url(cast, case)
    for name, fields in [
        ("iedereen.pdf", {"audience": "all"}),
        ("eigen.pdf", {"audience": "own"}),
        ("regisseur.pdf", {"audience": "director"}),
        ("woonstichting.pdf", {"audience": "organisations", "organisations": [cast.org_b.pk]}),
    ]:
        assert upload(client, url, name, **fields).status_code == 302
    docs = {d.name: d for d in Document.objects.all()}

    def sees(user: Any) -> set[str]:
        return {
            name
            for name, d in docs.items()
            if as_user(user).get(case_url(cast, case, f"{d.pk}/download/")).status_code == 200
        }

    assert sees(cast.participant_a) == set(docs)
    assert sees(cast.participant_b) == {"iedereen.pdf", "woonstichting.pdf"}
    assert sees(cast.process_director) == set(docs)
    assert sees(cast.triage) == {"iedereen.pdf"}
    housing = page(as_user(cast.participant_b).get(url))
    assert "woonstichting.pdf" in housing
    assert "eigen.pdf" not in housing
    # The disclosure register names the receivers: B for the named one, nobody for "own".
    named = docs["woonstichting.pdf"]
    assert list(
        ProcessingLogEntry.objects.filter(
            object_id=str(named.pk), operation=Operation.DISCLOSE
        ).values_list("recipient_organisation", flat=True)
    ) == [cast.org_b.pk]
    disclosure = Disclosure.objects.get(
        name="document.upload", object_id=str(docs["iedereen.pdf"].pk)
    )
    assert list(disclosure.recipients.all()) == [cast.org_b]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_not_found(as_user: Any, cast: Cast, case: Any, who: str) -> None:
    assert upload(as_user(cast.participant_a), case_url(cast, case)).status_code == 302
    document = Document.objects.get()
    client = as_user(cast.members()[who])
    assert client.get(case_url(cast, case)).status_code == 404
    assert client.get(case_url(cast, case, f"{document.pk}/download/")).status_code == 404
    assert client.get(case_url(cast, case, f"{document.pk}/verwijderen/")).status_code == 404
    assert upload(client, case_url(cast, case)).status_code == 404
    api = f"/api/v1/houses/{cast.house.slug}/documents/{document.pk}"
    assert client.get(api).status_code == 404
    assert client.get(api + "/content").status_code == 404
    assert Document.objects.count() == 1


def test_a_document_of_another_case_is_not_found_under_this_case(
    as_user: Any, cast: Cast, case: Any
) -> None:
    assert upload(as_user(cast.participant_a), case_url(cast, case)).status_code == 302
    document = Document.objects.get()
    wrong = f"/huizen/{cast.house.slug}/casussen/{case.pk + 1}/documenten/{document.pk}/download/"
    assert as_user(cast.process_director).get(wrong).status_code == 404


def test_downloads_are_logged_per_person(as_user: Any, cast: Cast, case: Any) -> None:
    assert upload(as_user(cast.participant_a), case_url(cast, case)).status_code == 302
    document = Document.objects.get()
    as_user(cast.participant_b).get(case_url(cast, case, f"{document.pk}/download/"))
    lines = ProcessingLogEntry.objects.filter(name="document.download", object_id=str(document.pk))
    assert lines.count() == case.case_subjects.count() == 1
    assert lines.get().operation == Operation.READ
    assert lines.get().case_id == case.pk


def test_the_list_costs_the_same_number_of_queries_for_more_documents(
    as_user: Any, cast: Cast, case: Any
) -> None:
    client = as_user(cast.participant_b)
    author = as_user(cast.participant_a)
    upload(author, case_url(cast, case), "een.pdf")
    upload(
        author,
        case_url(cast, case),
        "twee.pdf",
        audience="organisations",
        organisations=[cast.org_b.pk],
    )
    client.get(case_url(cast, case))  # warm up (sessions, working method)
    with CaptureQueriesContext(connection) as few:
        assert client.get(case_url(cast, case)).status_code == 200
    for number in range(5):
        upload(
            author,
            case_url(cast, case),
            f"meer-{number}.pdf",
            audience="organisations",
            organisations=[cast.org_b.pk],
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(case_url(cast, case))
    assert "meer-4.pdf" in page(response)
    assert len(many) == len(few)


def test_the_case_page_links_to_the_documents_with_their_number(
    as_user: Any, cast: Cast, case: Any
) -> None:
    upload(as_user(cast.participant_a), case_url(cast, case))
    upload(as_user(cast.participant_a), case_url(cast, case), audience="own")
    detail = f"/huizen/{cast.house.slug}/casussen/{case.pk}/"
    assert f"({2})</a>" in as_user(cast.participant_a).get(detail).content.decode()
    assert f"({1})</a>" in as_user(cast.participant_b).get(detail).content.decode()


def test_removal_keeps_the_row_and_deletes_the_bytes(
    as_user: Any,
    cast: Cast,
    case: Any,
    document_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    upload(as_user(cast.participant_a), case_url(cast, case))
    document = Document.objects.get()
    remove = case_url(cast, case, f"{document.pk}/verwijderen/")
    # Another organisation may read it but not remove it.
    assert as_user(cast.participant_b).get(remove).status_code == 404
    assert as_user(cast.participant_b).post(remove, {"reason": "weg"}).status_code == 404
    client = as_user(cast.participant_a)
    assert client.post(remove, {"reason": " "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove, {"reason": "Verkeerde persoon"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.removed_by == cast.participant_a
    assert document.removal_reason == "Verkeerde persoon"
    assert stored_files(document_dir) == []
    assert (
        as_user(cast.participant_b)
        .get(case_url(cast, case, f"{document.pk}/download/"))
        .status_code
        == 404
    )
    listing = page(as_user(cast.participant_b).get(case_url(cast, case)))
    assert "Verkeerde persoon" in listing
    assert timezone.localtime(document.removed_at).strftime("%d-%m-%Y") in listing
    assert ProcessingLogEntry.objects.filter(
        name="document.remove", operation=Operation.DELETE
    ).exists()
    # Removing twice: the link is gone.
    assert client.get(remove).status_code == 404


def test_the_process_director_may_remove(
    as_user: Any, cast: Cast, case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upload(as_user(cast.participant_a), case_url(cast, case))
    document = Document.objects.get()
    remove = case_url(cast, case, f"{document.pk}/verwijderen/")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(cast.process_director).post(remove, {"reason": "Dubbel"})
    assert response.status_code == 302
    assert Document.objects.get().removed_by == cast.process_director


def test_attach_to_a_contribution(as_user: Any, cast: Cast, case: Any) -> None:
    import datetime

    from django.utils import timezone

    from casusregie.meetings.actions import do_add_contribution, do_plan_meeting

    meeting = do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, True)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )
    own = do_add_contribution(
        meeting.agenda.get(),
        text="Alleen politie",
        purpose="x",
        audience="own",
        actor=cast.participant_a,
    )
    # B cannot attach to (or even choose) A's own-organisation contribution.
    refused = upload(
        as_user(cast.participant_b), case_url(cast, case), target=f"contribution-{own.pk}"
    )
    assert refused.status_code == 400
    response = upload(
        as_user(cast.participant_a), case_url(cast, case), target=f"contribution-{own.pk}"
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.contribution == own
    assert document.case == case
    # Its audience is "all", but B may not see the contribution it hangs on.
    download = case_url(cast, case, f"{document.pk}/download/")
    assert as_user(cast.participant_b).get(download).status_code == 404
    assert as_user(cast.participant_a).get(download).status_code == 200


def test_referral_documents(as_user: Any, cast: Cast) -> None:
    referral = file_referral(as_user, cast)["id"]
    url = referral_url(cast, referral)
    response = upload(as_user(cast.participant_a), url, "melding.pdf")
    assert response.status_code == 302, page(response)
    document = Document.objects.get()
    assert document.referral_id == referral
    assert document.case is None
    assert as_user(cast.participant_a).get(url).status_code == 200
    assert as_user(cast.triage).get(url + f"{document.pk}/download/").status_code == 200
    for who in ("participant_b", *OUTSIDERS):
        client = as_user(cast.members()[who])
        assert client.get(url + f"{document.pk}/download/").status_code == 404, who
        assert upload(client, url).status_code == 404, who
    assert ProcessingLogEntry.objects.filter(name="document.download").count() == 2


def test_the_database_allows_one_parent_only(cast: Cast, case: Any) -> None:
    fields = {
        "house": cast.house,
        "name": "x.pdf",
        "content_type": "application/pdf",
        "size": 1,
        "sha256": "0" * 64,
        "uploaded_by": cast.participant_a,
        "organisation": cast.org_a,
        "purpose": "x",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(storage_key="a", **fields)  # attached to nothing
    from casusregie.referrals.models import Referral

    referral = Referral.objects.create(
        house=cast.house,
        kind="person",
        referrer=cast.participant_a,
        referrer_organisation=cast.org_a,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(storage_key="b", case=case, referral=referral, **fields)


def test_destroy_documents_deletes_rows_and_bytes(
    as_user: Any,
    cast: Cast,
    case: Any,
    document_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from casusregie.documents.access import documents_of_cases

    upload(as_user(cast.participant_a), case_url(cast, case))
    upload(as_user(cast.participant_a), case_url(cast, case), "b.pdf")
    assert len(stored_files(document_dir)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert destroy_documents(documents_of_cases([case.pk])) == 2
    assert not Document.objects.filter(Q(case=case)).exists()
    assert stored_files(document_dir) == []
