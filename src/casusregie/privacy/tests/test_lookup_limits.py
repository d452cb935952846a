"""The look-up limits of the privacy kernel (lookups.py, decision 0039): counters per person and
per organisation per clock hour in the database, nothing counted when refused, the privacy
officer's own search by BSN limited too, old counters forgotten, and on PostgreSQL concurrent
look-ups that cannot pass the limit together."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection

from casusregie.conftest import TEST_BSN, Cast, build_cast
from casusregie.privacy import lookups
from casusregie.privacy.models import LookUpCount, SignalKind, UsageSignal
from casusregie.privacy.tasks import detect_usage_signals

from .lookup_helpers import set_low_limits


@pytest.fixture
def low_limits(settings: Any, monkeypatch: Any) -> datetime.datetime:
    return set_low_limits(settings, monkeypatch, person=3, organisation=5)


def refusals(actor: Any, house: Any, organisation: Any, times: int) -> list[bool]:
    """For each of `times` look-ups: was it refused?"""
    found = []
    for _ in range(times):
        try:
            lookups.admit(actor, house, organisation, what="test")
        except lookups.LookUpRefused:
            found.append(True)
        else:
            found.append(False)
    return found


@pytest.mark.django_db
def test_a_refusal_counts_nothing_and_says_how_long(cast: Cast, low_limits: Any) -> None:
    assert refusals(cast.participant_a, cast.house, cast.org_a, 5) == [False] * 3 + [True] * 2
    counters = dict(LookUpCount.objects.values_list("key", "count"))
    assert counters == {
        f"person:{cast.participant_a.pk}": 3,
        f"organisation:{cast.house.pk}:{cast.org_a.pk}": 3,
    }
    with pytest.raises(lookups.LookUpRefused) as refused:
        lookups.admit(cast.participant_a, cast.house, cast.org_a, what="test")
    assert refused.value.wait == 1800
    assert refused.value.minutes == 30
    assert not refused.value.by_organisation


@pytest.mark.django_db
def test_a_full_organisation_keeps_the_persons_counter_unchanged(
    cast: Cast, low_limits: Any
) -> None:
    """The person had room, the organisation had not: the person's count is rolled back."""
    LookUpCount.objects.create(
        key=lookups.organisation_key(cast.house, cast.org_a),
        hour=lookups.now().replace(minute=0),
        count=5,
    )
    with pytest.raises(lookups.LookUpRefused) as refused:
        lookups.admit(cast.participant_a, cast.house, cast.org_a, what="test")
    assert refused.value.by_organisation
    assert lookups.day_count(cast.participant_a) == 0
    # The organisation counts per house: in another house the same organisation goes on.
    assert refusals(cast.participant_a, cast.other_house, cast.org_a, 1) == [False]


@pytest.mark.django_db
def test_without_an_organisation_given_the_persons_own_counts(cast: Cast, low_limits: Any) -> None:
    lookups.admit(cast.triage, cast.house, what="test")
    assert LookUpCount.objects.filter(
        key=lookups.organisation_key(cast.house, cast.staff), count=1
    ).exists()


@pytest.mark.django_db
def test_the_officers_search_by_bsn_is_limited_too(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    client = as_user(cast.privacy_officer)
    url = f"/huizen/{cast.house.slug}/privacy/verstrekkingen/"
    for _ in range(3):
        assert client.get(url, {"bsn": TEST_BSN}).status_code == 200
    refused = client.get(url, {"bsn": TEST_BSN})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1800"
    assert "Niet opgezocht: u hebt het maximum van 3 opzoekingen" in refused.content.decode()
    assert client.get(url, {"bsn": TEST_BSN, "formaat": "csv"}).status_code == 429
    # By case number nobody is looked up by BSN: not counted, not refused.
    assert client.get(url, {"case": case.reference}).status_code == 200
    # A malformed BSN still gets its validation message.
    bad = client.get(url, {"bsn": "123456789"})
    assert bad.status_code == 400
    assert "elfproef" in bad.content.decode()
    (signal,) = UsageSignal.objects.all()
    assert (signal.kind, signal.user) == (SignalKind.LOOKUPS, cast.privacy_officer)
    assert signal.details["what"] == "disclosure-search"


@pytest.mark.django_db
def test_old_counters_are_forgotten_by_the_nightly_run(cast: Cast) -> None:
    key = lookups.person_key(cast.participant_a)
    now = lookups.now()
    LookUpCount.objects.create(key=key, hour=now - datetime.timedelta(days=3), count=9)
    LookUpCount.objects.create(key=key, hour=now - datetime.timedelta(hours=1), count=2)
    detect_usage_signals.call()
    assert list(LookUpCount.objects.values_list("count", flat=True)) == [2]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent transactions need PostgreSQL; .ci/run runs this on it",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_look_ups_cannot_pass_the_limit_together(
    settings: Any, monkeypatch: Any
) -> None:
    """Twelve look-ups at once by one person, each on its own connection: exactly the limit
    is let through, and one signal is written."""
    from django.db import connections

    set_low_limits(settings, monkeypatch, person=4, organisation=100)
    cast = build_cast()
    start = threading.Barrier(12)
    results: list[bool] = []
    lock = threading.Lock()

    def ask() -> None:
        try:
            start.wait()
            try:
                lookups.admit(cast.participant_a, cast.house, cast.org_a, what="test")
                refused = False
            except lookups.LookUpRefused:
                refused = True
            with lock:
                results.append(refused)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 4 + [True] * 8
    assert lookups.day_count(cast.participant_a) == 4
    assert UsageSignal.objects.filter(kind=SignalKind.LOOKUPS).count() == 1


@pytest.mark.django_db
def test_registering_a_subject_request_by_bsn_is_limited_too(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    """Registering a request by BSN finds a person: a look-up like a search (page and API)."""
    from casusregie.privacy.models import SubjectRequest

    client = as_user(cast.privacy_officer)
    url = f"/huizen/{cast.house.slug}/privacy/verzoeken/"
    body = {
        "kind": "access",
        "requester": "De betrokkene zelf, legitimatie gezien",
        "question": "Wat weet u over mij?",
        "received_on": "01-12-2026",
        "bsn": TEST_BSN,
    }
    for _ in range(3):
        assert client.post(url, body).status_code == 302
    refused = client.post(url, body)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1800"
    assert "Niet opgezocht" in refused.content.decode()
    api = client.post(
        f"/api/v1/houses/{cast.house.slug}/privacy-requests",
        {**body, "received_on": "2026-12-01"},
        content_type="application/json",
    )
    assert api.status_code == 429
    assert api["Retry-After"] == "1800"
    assert SubjectRequest.objects.count() == 3  # the refused ones recorded nothing
    # By surname and date of birth nobody is looked up by BSN: not counted, not refused.
    by_name = {**body, "bsn": "", "last_name": "Testpersoon", "born": "17-05-1980"}
    assert client.post(url, by_name).status_code == 302
