"""Encryption at rest (decision 0015): special-category free text and the BSN are ciphertext in
the database and plain text on the page, the field refuses searches it cannot answer, and
`rotate_keys` moves every value to a new key without ever overwriting one it cannot open."""

from __future__ import annotations

import base64
import datetime
import os
from io import StringIO
from typing import Any

import pytest
from django import forms
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from casusregie.cases.models import Case, Subject
from casusregie.conftest import TEST_BSN, Cast
from casusregie.meetings.actions import do_plan_meeting
from casusregie.meetings.models import Contribution
from casusregie.privacy import crypto
from casusregie.privacy.fields import EncryptedTextField, Unreadable

pytestmark = pytest.mark.django_db

NOTE = "Behandeling bij de GGZ gestart; strafzaak geseponeerd"


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def raw(table: str, column: str, pk: int) -> str:
    """The column as stored, past the model field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def keys(settings: Any) -> Any:
    """Set CASUSREGIE_FIELD_KEYS for a test, with the cached Fernet cleared around it."""

    def use(*values: str) -> None:
        settings.FIELD_KEYS = list(values)
        crypto._fernet.cache_clear()

    crypto._fernet.cache_clear()
    yield use
    crypto._fernet.cache_clear()


def close_with_note(case: Any, note: str) -> None:
    Case.objects.filter(pk=case.pk).update(
        closing_note=note, phase="closed", closed_at=timezone.now(), outcome="improved"
    )


@pytest.fixture
def meeting(cast: Cast, case: Any) -> Any:
    return do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, True)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )


def test_closing_note_is_ciphertext_in_the_database_and_plain_on_the_case_page(
    as_user: Any, cast: Cast, case: Any
) -> None:
    close_with_note(case, NOTE)
    stored = raw("cases_case", "closing_note", case.pk)
    assert "GGZ" not in stored
    assert stored.startswith("gAAAAA")
    assert Case.objects.get(pk=case.pk).closing_note == NOTE
    page = as_user(cast.process_director).get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/")
    assert NOTE in page.content.decode()


def test_a_contribution_posted_through_the_form_is_stored_encrypted_and_shown_plain(
    as_user: Any, cast: Cast, meeting: Any
) -> None:
    item = meeting.agenda.get()
    text = "Detentie tot maart; verslaving in behandeling"
    url = f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}"
    response = as_user(cast.participant_a).post(
        f"{url}/inbreng/{item.pk}/", {"text": text, "purpose": "Risicotaxatie", "audience": "all"}
    )
    assert response.status_code == 302, response.content.decode()
    contribution = Contribution.objects.get(agenda_item=item)
    assert contribution.text == text
    assert "Detentie" not in raw("meetings_contribution", "text", contribution.pk)
    assert text in as_user(cast.participant_b).get(f"{url}/").content.decode()


def test_empty_stays_empty_and_is_the_only_text_the_database_can_compare(case: Any) -> None:
    assert raw("cases_case", "closing_note", case.pk) == ""
    assert Case.objects.get(pk=case.pk).closing_note == ""
    assert Case.objects.filter(pk=case.pk, closing_note="").exists()
    close_with_note(case, NOTE)
    assert not Case.objects.filter(pk=case.pk, closing_note="").exists()
    assert Case.objects.exclude(closing_note="").filter(pk=case.pk).exists()
    assert Case.objects.filter(closing_note__isnull=False, pk=case.pk).exists()
    for lookup in [{"closing_note": NOTE}, {"closing_note__icontains": "GGZ"}]:
        with pytest.raises(FieldError, match=r"encrypted at rest|Unsupported lookup"):
            list(Case.objects.filter(**lookup))


def test_the_field_is_a_text_field_for_forms_and_migrations() -> None:
    field = Case._meta.get_field("closing_note")
    formfield = field.formfield()
    assert isinstance(formfield, forms.CharField)
    assert isinstance(formfield.widget, forms.Textarea)
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "casusregie.privacy.fields.EncryptedTextField"
    assert set(kwargs) == {"blank", "verbose_name"}
    assert isinstance(EncryptedTextField(**kwargs), EncryptedTextField)


def test_bsn_is_ciphertext_and_found_by_keyed_hash(cast: Cast, case: Any) -> None:
    subject = Subject.objects.get(case_links__case=case)
    assert TEST_BSN not in raw("cases_subject", "bsn_encrypted", subject.pk)
    assert TEST_BSN not in subject.bsn_hash
    assert crypto.decrypt(subject.bsn_encrypted) == TEST_BSN


@pytest.mark.parametrize("key", ["", "k", "x" * 32, "y" * 64, "z" * 65, "é" * 100])
def test_a_keyed_hash_is_the_standard_hmac_whatever_the_hash_key(settings: Any, key: str) -> None:
    """Pseudonyms are stored (BSN look-ups, signals, log subjects): the cheaper computation
    (crypto.hmac_sha256) must give exactly HMAC-SHA256(key, "purpose:value"), for the derived
    key, short, block-long and long keys, else stored pseudonyms would no longer match."""
    import hashlib
    import hmac

    settings.HASH_KEY = key
    crypto._hash_key.cache_clear()
    crypto._keyed.cache_clear()
    try:
        used = crypto._hash_key()
        for value in ("", "123456782", "jan jansen|1980-01-01", "é" * 70):
            expected = hmac.new(used, f"bsn-lookup:{value}".encode(), hashlib.sha256).hexdigest()
            assert crypto.keyed_hash(value, purpose="bsn-lookup") == expected
        assert crypto.keyed_hash("1", purpose="a") != crypto.keyed_hash("1", purpose="b")
    finally:
        crypto._hash_key.cache_clear()
        crypto._keyed.cache_clear()


def test_rotation_moves_every_value_to_the_new_key(
    keys: Any, cast: Cast, case: Any, meeting: Any
) -> None:
    old, new = new_key(), new_key()
    keys(old)
    close_with_note(case, NOTE)
    subject = Subject.objects.get(case_links__case=case)
    Subject.objects.filter(pk=subject.pk).update(bsn_encrypted=crypto.encrypt(TEST_BSN))
    item = meeting.agenda.get()
    contribution = Contribution.objects.create(
        agenda_item=item,
        kind="written_input",
        author=cast.participant_a,
        organisation=cast.org_a,
        text="Proeftijd",
        purpose="Risicotaxatie",
    )
    keys(new, old)
    out = StringIO()
    call_command("rotate_keys", stdout=out, stderr=StringIO())
    assert "Case: 1/1" in out.getvalue()
    assert "Subject: 1/1" in out.getvalue()
    assert "Contribution: 1/1" in out.getvalue()
    assert out.getvalue().strip().endswith("OK")
    rotated = raw("cases_case", "closing_note", case.pk)

    keys(new)  # the old key is gone: everything must still open
    assert Case.objects.get(pk=case.pk).closing_note == NOTE
    assert crypto.decrypt(Subject.objects.get(pk=subject.pk).bsn_encrypted) == TEST_BSN
    assert Contribution.objects.get(pk=contribution.pk).text == "Proeftijd"

    call_command("rotate_keys", stdout=StringIO(), stderr=StringIO())  # again: no harm
    assert raw("cases_case", "closing_note", case.pk) != rotated
    assert Case.objects.get(pk=case.pk).closing_note == NOTE


def test_a_value_no_key_opens_is_reported_and_left_alone(keys: Any, cast: Cast, case: Any) -> None:
    keys(new_key())
    close_with_note(case, "Versleuteld met een sleutel die verloren ging")
    before = raw("cases_case", "closing_note", case.pk)
    keys(new_key())
    subject = Subject.objects.get(case_links__case=case)
    Subject.objects.filter(pk=subject.pk).update(bsn_encrypted=crypto.encrypt(TEST_BSN))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 value"):
        call_command("rotate_keys", stdout=out, stderr=err, batch=2)
    assert "Case: 1 value(s) no configured key can open" in err.getvalue()
    assert "Subject: 1/1" in out.getvalue()  # the BSN under the current key still rotated
    assert raw("cases_case", "closing_note", case.pk) == before

    # Saving the case meanwhile shows the note as empty but keeps its ciphertext.
    loaded = Case.objects.get(pk=case.pk)
    assert isinstance(loaded.closing_note, Unreadable)
    assert loaded.closing_note == ""
    loaded.save()
    assert raw("cases_case", "closing_note", case.pk) == before
