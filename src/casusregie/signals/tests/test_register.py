"""Giving a signal through the page: only a pseudonym is kept, bad input stores nothing, and
the fixed cast's denials."""

from __future__ import annotations

import datetime

import pytest

from casusregie.conftest import Cast
from casusregie.privacy.bsn import lookup_hash as bsn_lookup_hash
from casusregie.privacy.models import AuditEvent, ProcessingLogEntry
from casusregie.signals.models import Signal

from .helpers import BORN, BSN_1, FIRST, LAST, base, signal_post, today

pytestmark = pytest.mark.django_db


def test_partner_gives_a_signal_and_only_the_pseudonym_is_kept(as_user, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    page = client.get(base(cast))
    assert page.status_code == 200
    assert "Zorgsignalen" in page.content.decode()
    response = signal_post(client, cast, cast.org_a, bsn="1234.56.782")
    assert response.status_code == 302
    signal = Signal.objects.get()
    assert signal.pseudonym == bsn_lookup_hash(BSN_1)
    assert (signal.organisation, signal.contact, signal.id_kind) == (
        cast.org_a,
        cast.participant_a,
        "bsn",
    )
    assert signal.expires_on == today() + datetime.timedelta(days=cast.house.retention_signal_days)
    line = ProcessingLogEntry.objects.get(name="signal.create")
    assert line.operation == "create"
    assert line.data_subject_id_type == "bsn"
    assert BSN_1 not in line.data_subject_id
    listing = client.get(base(cast)).content.decode()
    assert f"Z-{signal.pk}" in listing
    assert BSN_1 not in listing


def test_a_signal_by_name_and_date_of_birth(as_user, cast: Cast) -> None:
    client = as_user(cast.participant_b)
    response = signal_post(
        client,
        cast,
        cast.org_b,
        bsn="",
        first_name=FIRST,
        last_name=LAST,
        date_of_birth=BORN,
        category="housing",
    )
    assert response.status_code == 302
    signal = Signal.objects.get()
    assert signal.id_kind == "name"
    assert len(signal.pseudonym) == 64
    # Accents, case and spaces do not make another person.
    signal_post(
        client,
        cast,
        cast.org_b,
        bsn="",
        first_name="  fénna ",
        last_name="FICTIEFSMA",
        date_of_birth=BORN,
        category="housing",
    )
    assert Signal.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"bsn": "123456789"}, "bsn"),  # fails the eleven-test
        ({"bsn": "12ab"}, "bsn"),
        ({"observed_on": "2999-01-01"}, "observed_on"),
        ({"observed_on": "31-02-2024"}, "observed_on"),
        ({"category": "gossip"}, "category"),
        ({"bsn": "", "first_name": FIRST, "last_name": LAST}, "date_of_birth"),
        (
            {"bsn": "", "first_name": FIRST, "last_name": LAST, "date_of_birth": "2999-01-01"},
            "date_of_birth",
        ),
        ({"bsn": "", "date_of_birth": BORN}, "last_name"),
        ({"organisation": "999999"}, "organisation"),
    ],
)
def test_bad_input_is_refused_and_not_shown_back(as_user, cast: Cast, fields, error_field) -> None:
    client = as_user(cast.participant_a)
    response = signal_post(client, cast, cast.org_a, **fields)
    assert response.status_code == 400
    assert error_field in response.context["form"].errors
    assert Signal.objects.count() == 0
    page = response.content.decode()
    for value in ("123456789", "12ab", FIRST, LAST):
        assert f'value="{value}"' not in page


def test_the_organisation_must_be_ones_own(as_user, cast: Cast) -> None:
    response = signal_post(as_user(cast.participant_a), cast, cast.org_b)
    assert response.status_code == 400
    assert Signal.objects.count() == 0


def test_a_duplicate_signal_is_refused(as_user, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    assert signal_post(client, cast, cast.org_a).status_code == 302
    again = signal_post(client, cast, cast.org_a)
    assert again.status_code == 400
    assert "al gegeven" in again.content.decode()
    assert Signal.objects.count() == 1


def test_a_malformed_bsn_gets_a_dutch_message(as_user, cast: Cast) -> None:
    response = signal_post(as_user(cast.participant_a), cast, cast.org_a, bsn="123456789")
    assert "elfproef" in response.content.decode()


@pytest.mark.parametrize("who", ["admin", "privacy_officer", "other_house_user"])
def test_who_may_not_give_signals(as_user, cast: Cast, who: str) -> None:
    client = as_user(getattr(cast, who))
    assert client.get(base(cast)).status_code == 404
    assert signal_post(client, cast, cast.org_a).status_code == 404
    assert Signal.objects.count() == 0


def test_anonymous_visitor_is_sent_to_login(client, cast: Cast) -> None:
    response = client.get(base(cast))
    assert response.status_code == 302
    assert "inloggen" in response["Location"]


def test_signals_are_seen_only_by_their_organisation(as_user, cast: Cast) -> None:
    signal_post(as_user(cast.participant_a), cast, cast.org_a)
    signal = Signal.objects.get()
    for who in (cast.participant_b, cast.participant_c, cast.process_director):
        page = as_user(who).get(base(cast)).content.decode()
        assert f"Z-{signal.pk}" not in page


def test_audit_rows_hold_no_identity(as_user, cast: Cast) -> None:
    signal_post(as_user(cast.participant_a), cast, cast.org_a)
    for event in AuditEvent.objects.all():
        assert BSN_1 not in str(event.__dict__)


def test_signals_expire_with_the_house_retention(as_user, cast: Cast) -> None:
    from io import StringIO

    from django.core.management import call_command

    signal_post(as_user(cast.participant_a), cast, cast.org_a)
    signal = Signal.objects.get()
    out = StringIO()
    call_command("run_schedule", today=signal.expires_on.isoformat(), stdout=out)
    assert Signal.objects.count() == 1
    later = signal.expires_on + datetime.timedelta(days=1)
    call_command("run_schedule", today=later.isoformat(), stdout=out)
    assert not Signal.objects.exists()
    assert "verlopen zorgsignalen / expired signals: 1" in out.getvalue()
    assert AuditEvent.objects.filter(action="signal.expire").exists()


@pytest.mark.parametrize(
    "written",
    [
        BSN_1,
        f" {BSN_1[:3]}.{BSN_1[3:6]}.{BSN_1[6:]} ",
        f"{BSN_1[:4]} {BSN_1[4:]}",
        "１２３４５６７８２",  # full-width digits, as some forms paste them
    ],
)
def test_a_bulk_row_and_a_form_give_one_person_one_pseudonym(written: str) -> None:
    """Bulk intake takes a short cut for rows with a BSN (pseudonym.bsn_pseudonym): it must
    land on the same pseudonym as a signal given on the form, however the BSN is written."""
    from casusregie.signals.pseudonym import bsn_pseudonym, identify, local_pseudonym

    assert bsn_pseudonym(written) == local_pseudonym(identify(bsn=written))
    assert bsn_pseudonym(written) == bsn_lookup_hash(BSN_1)


@pytest.mark.parametrize(
    "written", ["123456789", "12345678", "000000000", "１２３４５６７８９", "abc²"]
)
def test_the_bulk_short_cut_refuses_what_the_form_refuses(written: str) -> None:
    from django.core.exceptions import ValidationError

    from casusregie.signals.pseudonym import bsn_pseudonym, identify

    assert bsn_pseudonym(written) is None
    with pytest.raises(ValidationError):
        identify(bsn=written)
