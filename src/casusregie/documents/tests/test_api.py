"""The documents API: multipart upload with the same checks as the page, metadata, content,
removal with a reason, and "not found" for whoever may not read a document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casusregie.api.tests.helpers import PROBLEM
from casusregie.conftest import Cast
from casusregie.documents.models import Document
from casusregie.privacy.models import ProcessingLogEntry

from . import samples
from .conftest import stored_files

pytestmark = pytest.mark.django_db


def api(cast: Cast, path: str) -> str:
    return f"/api/v1/houses/{cast.house.slug}/{path}"


def post_file(
    client: Any,
    cast: Cast,
    case: Any,
    name: str = "verslag.pdf",
    data: bytes = samples.PDF,
    **fields: Any,
) -> Any:
    body = {"file": SimpleUploadedFile(name, data), "purpose": "Afstemming", **fields}
    return client.post(api(cast, f"cases/{case.pk}/documents"), body)


def test_upload_read_and_remove(
    as_user: Any, cast: Cast, case: Any, document_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    police = as_user(cast.participant_a)
    created = post_file(
        police,
        cast,
        case,
        "foto.png",
        samples.PNG,
        audience="organisations",
        organisations=[cast.org_b.pk],
        categories=["health"],
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["content_type"] == "image/png"
    assert body["attached_to"] == {"kind": "case", "id": case.pk}
    assert [o["id"] for o in body["audience_organisations"]] == [cast.org_b.pk]
    housing = as_user(cast.participant_b)
    listing = housing.get(api(cast, f"cases/{case.pk}/documents"))
    assert [d["id"] for d in listing.json()] == [body["id"]]
    detail = housing.get(api(cast, f"documents/{body['id']}"))
    assert detail.status_code == 200
    assert detail.json()["name"] == "foto.png"
    content = housing.get(api(cast, f"documents/{body['id']}/content"))
    assert content.status_code == 200
    assert content.content == samples.PNG
    assert content["Content-Type"] == "image/png"
    assert content["X-Content-Type-Options"] == "nosniff"
    assert content["Content-Disposition"].startswith("attachment;")
    assert (
        ProcessingLogEntry.objects.filter(
            name="document.download", object_id=str(body["id"])
        ).count()
        == 1
    )
    # Removal: B may read but not remove; A needs a reason.
    assert (
        housing.delete(
            api(cast, f"documents/{body['id']}"), headers={"Change-Reason": "weg"}
        ).status_code
        == 403
    )
    no_reason = police.delete(api(cast, f"documents/{body['id']}"))
    assert no_reason.status_code == 400
    assert no_reason["Content-Type"] == PROBLEM
    with django_capture_on_commit_callbacks(execute=True):
        removed = police.delete(
            api(cast, f"documents/{body['id']}"), headers={"Change-Reason": "Verkeerd dossier"}
        )
    assert removed.status_code == 204
    assert stored_files(document_dir) == []
    after = housing.get(api(cast, f"documents/{body['id']}")).json()
    assert after["removal_reason"] == "Verkeerd dossier"
    assert after["removed_by"]["id"] == cast.participant_a.pk
    assert housing.get(api(cast, f"documents/{body['id']}/content")).status_code == 404
    reason_in_body = police.delete(
        api(cast, f"documents/{body['id']}"),
        {"reason": "nogmaals"},
        content_type="application/json",
    )
    assert reason_in_body.status_code == 400  # already removed


@pytest.mark.parametrize(
    ("name", "data"),
    [("tekst.pdf", samples.TEXT_AS_PDF), ("setup.exe", samples.EXE), ("leeg.pdf", b"")],
)
def test_refused_files_store_nothing(
    as_user: Any, cast: Cast, case: Any, document_dir: Path, name: str, data: bytes
) -> None:
    response = post_file(as_user(cast.participant_a), cast, case, name, data)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "file" in str(response.json())
    assert not Document.objects.exists()
    assert stored_files(document_dir) == []


def test_oversize_and_virus(
    as_user: Any, cast: Cast, case: Any, document_dir: Path, settings: Any, clamd_server: Any
) -> None:
    settings.DOCUMENT_MAX_MB = 1
    client = as_user(cast.participant_a)
    big = post_file(client, cast, case, "groot.pdf", samples.PDF + b"x" * (1024 * 1024))
    assert big.status_code == 400
    huge = post_file(client, cast, case, "enorm.pdf", samples.PDF + b"x" * (1200 * 1024))
    assert huge.status_code == 413
    virus = post_file(client, cast, case, "verslag.pdf", samples.PDF + samples.EICAR)
    assert virus.status_code == 400
    assert "Eicar-Test-Signature" in str(virus.json())
    assert not Document.objects.exists()
    assert stored_files(document_dir) == []


def test_bad_input(as_user: Any, cast: Cast, case: Any, document_dir: Path) -> None:
    client = as_user(cast.participant_a)
    for fields in [
        {"purpose": ""},
        {"audience": "iedereen"},
        {"audience": "organisations"},
        {"audience": "organisations", "organisations": [cast.org_c.pk]},
        {"organisations": ["x"]},
        {"contribution": 999},
        {"action": 1, "contribution": 2},
        {"categories": ["dna"]},
    ]:
        response = post_file(client, cast, case, **fields)
        assert response.status_code == 400, (fields, response.content)
        assert response["Content-Type"] == PROBLEM
    no_file = client.post(api(cast, f"cases/{case.pk}/documents"), {"purpose": "x"})
    assert no_file.status_code == 400
    as_json = client.post(
        api(cast, f"cases/{case.pk}/documents"), {"purpose": "x"}, content_type="application/json"
    )
    assert as_json.status_code == 400
    assert not Document.objects.exists()
    assert stored_files(document_dir) == []


@pytest.mark.parametrize(
    "who", ["participant_c", "privacy_officer", "admin", "auditor", "other_house_user"]
)
def test_outsiders_get_not_found(as_user: Any, cast: Cast, case: Any, who: str) -> None:
    created = post_file(as_user(cast.participant_a), cast, case).json()
    client = as_user(cast.members()[who])
    for path in (
        f"cases/{case.pk}/documents",
        f"documents/{created['id']}",
        f"documents/{created['id']}/content",
    ):
        response = client.get(api(cast, path))
        assert response.status_code == 404, path
        assert response["Content-Type"] == PROBLEM
    assert (
        client.delete(
            api(cast, f"documents/{created['id']}"), headers={"Change-Reason": "x"}
        ).status_code
        == 404
    )
    assert post_file(client, cast, case).status_code == 404
    assert Document.objects.count() == 1


def test_the_list_costs_the_same_number_of_queries(as_user: Any, cast: Cast, case: Any) -> None:
    author = as_user(cast.participant_a)
    reader = as_user(cast.participant_b)
    url = api(cast, f"cases/{case.pk}/documents")
    post_file(author, cast, case, audience="organisations", organisations=[cast.org_b.pk])
    reader.get(url)
    with CaptureQueriesContext(connection) as few:
        reader.get(url)
    for _n in range(4):
        post_file(author, cast, case, audience="organisations", organisations=[cast.org_b.pk])
    with CaptureQueriesContext(connection) as many:
        assert len(reader.get(url).json()) == 5
    assert len(many) == len(few)
