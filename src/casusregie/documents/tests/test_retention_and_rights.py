"""Documents are part of the data-subject access answer and of two-person destruction (issue
23): the person's answer lists the files held about them, and destroying a case removes its
documents' rows and their encrypted bytes, also those of its referral."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from casusregie.cases.models import Subject
from casusregie.conftest import TEST_BSN, Cast
from casusregie.documents import storage
from casusregie.documents.actions import do_upload_document
from casusregie.documents.models import Document
from casusregie.privacy import crypto, retention, rights
from casusregie.privacy.models import RequestKind
from casusregie.privacy.tests.test_encryption import new_key
from casusregie.privacy.tests.test_retention import closed_long_ago

from . import samples
from .conftest import stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_document(cast: Cast, case: Any) -> Document:
    return do_upload_document(
        name="verslag-huisbezoek.pdf",
        data=samples.PDF,
        purpose="Beeldvorming",
        audience="all",
        actor=cast.participant_a,
        case=case,
    )


def test_the_access_answer_lists_the_documents_held_about_the_person(
    as_user: Any, cast: Cast, case: Any, with_document: Document
) -> None:
    request = rights.do_register(
        cast.house,
        actor=cast.privacy_officer,
        kind=RequestKind.ACCESS,
        requester="De betrokkene zelf",
        question="Wat weet u over mij?",
        received_on=timezone.localdate(),
        bsn=TEST_BSN,
    )
    (row,) = rights.report(request).documents
    assert row["name"] == "verslag-huisbezoek.pdf"
    assert row["in"] == case.reference
    assert row["by"] == cast.org_a.name
    officer = as_user(cast.privacy_officer)
    page = officer.get(f"/huizen/{cast.house.slug}/privacy/verzoeken/{request.pk}/")
    assert "verslag-huisbezoek.pdf" in page.content.decode()
    answer = officer.get(f"/huizen/{cast.house.slug}/privacy/verzoeken/{request.pk}/antwoord.json")
    assert answer.json()["documents"][0]["name"] == "verslag-huisbezoek.pdf"


def test_destroying_a_case_destroys_its_documents_and_their_bytes(
    cast: Cast,
    case: Any,
    with_document: Document,
    document_dir: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert len(stored_files(document_dir)) == 1
    closed_long_ago(case)
    proposal = retention.propose(cast.house, timezone.localdate())
    assert proposal is not None
    retention.do_approve(proposal, actor=cast.privacy_officer)
    # The second approval destroys the list (its task runs on commit), documents first.
    with django_capture_on_commit_callbacks(execute=True):
        retention.do_approve(proposal, actor=cast.process_director)
    assert not Document.objects.filter(pk=with_document.pk).exists()
    assert not type(case).objects.filter(pk=case.pk).exists()
    assert stored_files(document_dir) == []


def test_rotate_keys_re_encrypts_the_stored_files(
    cast: Cast, case: Any, document_dir: Any, settings: Any
) -> None:
    """After `rotate_keys` the old key can go: every file still opens with the new one alone."""

    def keys(*values: str) -> None:
        settings.FIELD_KEYS = list(values)
        crypto._fernet.cache_clear()

    old, new = new_key(), new_key()
    keys(old)
    # The case's person was stored under the suite's key: under the old one, like everything.
    Subject.objects.filter(case_links__case=case).update(bsn_encrypted=crypto.encrypt(TEST_BSN))
    document = do_upload_document(
        name="brief.pdf",
        data=samples.PDF,
        purpose="Beeldvorming",
        audience="all",
        actor=cast.participant_a,
        case=case,
    )
    keys(new, old)
    out = StringIO()
    call_command("rotate_keys", stdout=out, stderr=StringIO())
    assert "Document files: 1/1" in out.getvalue()
    keys(new)
    document.refresh_from_db()
    assert storage.read(document.storage_key) == samples.PDF
    assert len(stored_files(document_dir)) == 1  # the old copy is gone
    crypto._fernet.cache_clear()
