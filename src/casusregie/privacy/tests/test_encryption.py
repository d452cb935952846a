"""Encryption at rest: special-category free text and the BSN are ciphertext in the database,
plain text on the page, and `rotate_keys` moves them to a new key without losing a value."""

from __future__ import annotations

import base64
import os
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from casusregie.cases.models import Case, Subject
from casusregie.conftest import TEST_BSN, Cast
from casusregie.privacy import crypto

pytestmark = pytest.mark.django_db


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def keys(settings: Any) -> Any:
    """Set CASUSREGIE_FIELD_KEYS for a test, with the cached Fernet cleared around it."""

    def use(*values: str) -> None:
        settings.FIELD_KEYS = list(values)
        crypto._fernet.cache_clear()

    yield use
    crypto._fernet.cache_clear()


def close_with_note(case: Any, note: str) -> None:
    from django.utils import timezone

    Case.objects.filter(pk=case.pk).update(
        closing_note=note, phase="closed", closed_at=timezone.now(), outcome="improved"
    )


def test_free_text_is_ciphertext_in_the_database_and_plain_on_the_page(
    as_user: Any, cast: Cast, case: Any
) -> None:
    note = "Behandeling bij de GGZ gestart; strafzaak geseponeerd"
    close_with_note(case, note)
    stored = raw("cases_case", "closing_note", case.pk)
    assert "GGZ" not in stored
    assert stored.startswith("gAAAAA")
    assert Case.objects.get(pk=case.pk).closing_note == note
    page = as_user(cast.process_director).get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/")
    assert note in page.content.decode()


def test_bsn_is_ciphertext_and_found_by_keyed_hash(cast: Cast, case: Any) -> None:
    subject = Subject.objects.get(case_links__case=case)
    assert TEST_BSN not in raw("cases_subject", "bsn_encrypted", subject.pk)
    assert TEST_BSN not in subject.bsn_hash
    assert crypto.decrypt(subject.bsn_encrypted) == TEST_BSN


def test_rotation_moves_every_value_to_the_new_key(keys: Any, cast: Cast, case: Any) -> None:
    old, new = new_key(), new_key()
    keys(old)
    close_with_note(case, "Alleen met de oude sleutel versleuteld")
    subject = Subject.objects.get(case_links__case=case)
    Subject.objects.filter(pk=subject.pk).update(bsn_encrypted=crypto.encrypt(TEST_BSN))
    keys(new, old)
    out = StringIO()
    call_command("rotate_keys", stdout=out, stderr=StringIO())
    assert "OK" in out.getvalue()
    assert "Case.closing_note: 1/1" in out.getvalue()
    keys(new)  # the old key is gone: everything must still open
    assert Case.objects.get(pk=case.pk).closing_note == "Alleen met de oude sleutel versleuteld"
    assert crypto.decrypt(Subject.objects.get(pk=subject.pk).bsn_encrypted) == TEST_BSN


def test_a_value_no_key_opens_is_reported_and_left_alone(keys: Any, cast: Cast, case: Any) -> None:
    lost = new_key()
    keys(lost)
    close_with_note(case, "Versleuteld met een verloren sleutel")
    before = raw("cases_case", "closing_note", case.pk)
    keys(new_key())
    out, err = StringIO(), StringIO()
    call_command("rotate_keys", stdout=out, stderr=err)
    assert "Case.closing_note: 1 value(s) no configured key can open" in err.getvalue()
    assert raw("cases_case", "closing_note", case.pk) == before
