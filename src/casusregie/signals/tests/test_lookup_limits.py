"""Issue 22, finding 5: "already a case?" is no unlimited oracle.

The outside probe asked 43 times on the page in 2.7 s and 50 times over the API in 0.8 s, all
answered, and the privacy officer saw nothing. Here the same attack meets the limits per person
and per organisation (privacy/lookups.py, decision 0039): the look-up over a limit is refused
(page: a message; API: 429 with Retry-After and a problem), it is not done and not counted, and
the privacy officer gets one usage signal, not one per request. Bad input is still a 400.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.conftest import TEST_BSN, Cast, make_user
from casusregie.integrations.tests.helpers import PROBLEM, api, make_client
from casusregie.privacy import lookups
from casusregie.privacy.models import LookUpCount, ProcessingLogEntry, SignalKind, UsageSignal
from casusregie.privacy.tests.lookup_helpers import set_low_limits

from .helpers import BSN_1, base

pytestmark = pytest.mark.django_db

PERSON, ORGANISATION = 3, 5
API = "signals/already-a-case"


@pytest.fixture
def low_limits(settings: Any, monkeypatch: Any) -> datetime.datetime:
    """Three look-ups an hour per person, five per organisation, at half past the hour."""
    return set_low_limits(settings, monkeypatch, person=PERSON, organisation=ORGANISATION)


def ask_page(client: Any, cast: Cast, **data: Any) -> Any:
    return client.post(f"{base(cast)}al-een-casus/", data)


def ask_api(client: Any, cast: Cast, **data: Any) -> Any:
    return client.post(
        f"/api/v1/houses/{cast.house.slug}/{API}", data, content_type="application/json"
    )


def looked_up() -> int:
    """Look-ups actually done: each writes its processing-log line."""
    return ProcessingLogEntry.objects.filter(name="signal.already-a-case").count()


def colleagues(cast: Cast, count: int) -> list[Any]:
    """More people of organisation A (police) who may ask "already a case?"."""
    return [
        make_user(
            f"agent{n}@test.invalid",
            f"Agent {n}",
            cast.house,
            cast.org_a,
            Role.PARTNER_PARTICIPANT,
        )
        for n in range(2, 2 + count)
    ]


PERSON_MESSAGE = (
    "Niet opgezocht: u hebt het maximum van 3 opzoekingen van personen per uur bereikt. "
    "Probeer het over 30 minuten opnieuw."
)
ORGANISATION_MESSAGE = (
    "Niet opgezocht: uw organisatie heeft het maximum van 5 opzoekingen van personen per uur "
    "bereikt. Probeer het over 30 minuten opnieuw."
)


def test_43_page_look_ups_in_a_row_as_one_person(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    client = as_user(cast.participant_c)  # organisation C does not take part in the case
    answers = [ask_page(client, cast, bsn=TEST_BSN) for _ in range(43)]

    for answer in answers[:PERSON]:
        assert answer.status_code == 200
        assert "Ja: een casus in ZVH Heuvelland-test" in answer.content.decode()
    for refused in answers[PERSON:]:
        assert refused.status_code == 429
        assert refused["Retry-After"] == "1800"
        text = refused.content.decode()
        assert PERSON_MESSAGE in text
        assert "Ja: een casus" not in text
        assert "Paula Regisseur" not in text  # no answer: the look-up was not done
        assert TEST_BSN not in text
    # Refused look-ups are neither done nor counted.
    assert looked_up() == PERSON
    assert lookups.day_count(cast.participant_c) == PERSON
    # One usage signal for the privacy officer, not forty.
    (signal,) = UsageSignal.objects.all()
    assert (signal.house, signal.kind, signal.user) == (
        cast.house,
        SignalKind.LOOKUPS,
        cast.participant_c,
    )
    assert signal.day == timezone.localdate(low_limits)
    assert signal.count == PERSON
    assert signal.details["rule"] == "limit"
    assert signal.details["limit"] == PERSON
    assert signal.details["what"] == "already-a-case"


def test_the_privacy_officer_reviews_the_one_signal(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    client = as_user(cast.participant_c)
    for _ in range(10):
        ask_page(client, cast, bsn=TEST_BSN)
    officer = as_user(cast.privacy_officer)
    # The nightly rules, run now by the officer, add nothing to it.
    officer.post(reverse("privacy:detect_now", args=[cast.house.slug]))
    (signal,) = UsageSignal.objects.filter(kind=SignalKind.LOOKUPS)
    assert UsageSignal.objects.filter(user=cast.participant_c).count() == 1
    overview = officer.get(reverse("privacy:overview", args=[cast.house.slug])).content.decode()
    assert "Veel personen opgezocht" in overview
    assert "Cor Zorg" in overview
    detail = officer.get(reverse("privacy:signal", args=[cast.house.slug, signal.pk]))
    text = detail.content.decode()
    assert "Maximum per uur" in text
    assert f"<dd>{PERSON}</dd>" in text
    # Still once per person per day when they go on being refused.
    for _ in range(5):
        ask_page(client, cast, bsn=BSN_1)
    assert UsageSignal.objects.filter(kind=SignalKind.LOOKUPS).count() == 1


def test_50_api_look_ups_in_a_row_as_one_person(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    client = as_user(cast.participant_c)
    answers = [ask_api(client, cast, bsn=TEST_BSN) for _ in range(50)]

    for answer in answers[:PERSON]:
        assert answer.status_code == 200
        assert answer.json()["known"] is True
    for refused in answers[PERSON:]:
        assert refused.status_code == 429
        assert refused["Content-Type"] == PROBLEM
        assert refused["Retry-After"] == "1800"
        problem = refused.json()
        assert problem["type"] == "urn:casusregie:problem:throttled"
        assert problem["status"] == 429
        assert problem["title"] == "Te veel verzoeken"
        assert problem["detail"] == PERSON_MESSAGE
        assert "known" not in problem
        assert "contact" not in problem
    assert looked_up() == PERSON
    (signal,) = UsageSignal.objects.all()
    assert (signal.kind, signal.user) == (SignalKind.LOOKUPS, cast.participant_c)


def test_page_and_api_share_the_persons_limit(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    client = as_user(cast.participant_c)
    assert ask_page(client, cast, bsn=TEST_BSN).status_code == 200
    assert ask_api(client, cast, bsn=TEST_BSN).status_code == 200
    assert ask_page(client, cast, bsn=BSN_1).status_code == 200
    assert ask_api(client, cast, bsn=BSN_1).status_code == 429
    assert ask_page(client, cast, bsn=BSN_1).status_code == 429
    # Another person of another organisation goes on.
    assert ask_page(as_user(cast.participant_b), cast, bsn=TEST_BSN).status_code == 200


def test_spread_over_several_people_of_one_organisation(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    """Four police officers ask two times each: none reaches their own limit of three, but
    the organisation's five are used up, whoever asks next."""
    people = [cast.participant_a, *colleagues(cast, 3)]
    statuses = []
    for person in people:
        client = as_user(person)
        for _ in range(2):
            answer = ask_page(client, cast, bsn=TEST_BSN)
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                assert ORGANISATION_MESSAGE in answer.content.decode()
                assert answer["Retry-After"] == "1800"
                assert "Paula Regisseur" not in answer.content.decode()
    assert statuses == [200] * ORGANISATION + [429] * 3
    assert looked_up() == ORGANISATION
    # The API of the same organisation is refused too, with the organisation's reason.
    refused = ask_api(as_user(people[-1]), cast, bsn=TEST_BSN)
    assert refused.status_code == 429
    assert refused.json()["detail"] == ORGANISATION_MESSAGE
    # One signal, for the organisation, on the first person refused.
    (signal,) = UsageSignal.objects.all()
    assert signal.kind == SignalKind.ORGANISATION_LOOKUPS
    assert signal.user == people[2]
    assert signal.details["organisation"] == "Politie Heuvelland-test"
    assert signal.details["limit"] == ORGANISATION
    # Nobody's own counter holds a refused look-up.
    assert [lookups.day_count(p) for p in people] == [2, 2, 1, 0]
    # Other organisations are not held up by the police's limit.
    assert ask_page(as_user(cast.participant_b), cast, bsn=TEST_BSN).status_code == 200
    officer = as_user(cast.privacy_officer)
    overview = officer.get(reverse("privacy:overview", args=[cast.house.slug])).content.decode()
    assert "Organisatie aan haar maximum voor opzoeken (Politie Heuvelland-test)" in overview


def test_an_api_client_counts_as_a_person_of_its_organisation(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    _client, token = make_client(cast, scopes="signals:read", name="Politiesysteem")
    system = api(token)
    assert [ask_api(system, cast, bsn=TEST_BSN).status_code for _ in range(4)] == [200] * 3 + [429]
    # Its three look-ups count for the police too: two more and the organisation is full.
    officer = as_user(cast.participant_a)
    assert [ask_page(officer, cast, bsn=BSN_1).status_code for _ in range(3)] == [200, 200, 429]
    assert ORGANISATION_MESSAGE in ask_page(officer, cast, bsn=BSN_1).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"bsn": "123456789"},
        {"bsn": "12"},
        {"bsn": ""},
        {"first_name": "Jan", "last_name": "X"},
    ],
)
def test_bad_input_is_a_400_not_counted_even_over_the_limit(
    as_user: Any, cast: Cast, case: Any, low_limits: Any, data: dict[str, str]
) -> None:
    client = as_user(cast.participant_c)
    page = ask_page(client, cast, **data)
    assert page.status_code == 400
    assert "Niet opgezocht" not in page.content.decode()
    assert "Verbeter het volgende:" in page.content.decode()
    problem = ask_api(client, cast, **data)
    assert problem.status_code == 400
    assert problem.json()["type"] == "urn:casusregie:problem:invalid"
    assert problem.json()["errors"]
    assert not LookUpCount.objects.exists()
    # Over the limit, bad input still gets its own clear answer, not 429.
    for _ in range(PERSON):
        assert ask_page(client, cast, bsn=TEST_BSN).status_code == 200
    assert ask_page(client, cast, **data).status_code == 400
    assert ask_api(client, cast, **data).status_code == 400
    assert ask_page(client, cast, bsn=TEST_BSN).status_code == 429
    assert lookups.day_count(cast.participant_c) == PERSON


def test_a_malformed_bsn_gets_its_validation_message(
    as_user: Any, cast: Cast, low_limits: Any
) -> None:
    client = as_user(cast.participant_a)
    page = ask_page(client, cast, bsn="123456789").content.decode()
    assert "elfproef" in page
    problem = ask_api(client, cast, bsn="123456789").json()
    assert problem["errors"][0]["field"] == "bsn"
    assert "elfproef" in problem["errors"][0]["detail"]


def test_unusually_many_look_ups_in_a_day_signal_once(
    as_user: Any, cast: Cast, settings: Any, low_limits: Any
) -> None:
    """Below the hourly limit, more than the day's number still reaches the privacy officer."""
    settings.LOOKUP_PERSON_PER_HOUR = settings.LOOKUP_ORGANISATION_PER_HOUR = 100
    settings.LOOKUP_SIGNAL_PER_DAY = 4
    client = as_user(cast.participant_a)
    for _ in range(4):
        assert ask_page(client, cast, bsn=BSN_1).status_code == 200
    assert not UsageSignal.objects.exists()
    for _ in range(6):
        assert ask_api(client, cast, bsn=BSN_1).status_code == 200
    (signal,) = UsageSignal.objects.all()
    assert (signal.kind, signal.user, signal.count) == (SignalKind.LOOKUPS, cast.participant_a, 5)
    assert signal.details["rule"] == "day"
    assert signal.details["threshold"] == 4


def test_the_next_hour_opens_again(
    as_user: Any, cast: Cast, case: Any, low_limits: Any, monkeypatch: Any
) -> None:
    client = as_user(cast.participant_c)
    for _ in range(PERSON):
        ask_page(client, cast, bsn=TEST_BSN)
    assert ask_page(client, cast, bsn=TEST_BSN).status_code == 429
    later = low_limits + datetime.timedelta(minutes=30)
    monkeypatch.setattr(lookups, "now", lambda: later)
    assert ask_page(client, cast, bsn=TEST_BSN).status_code == 200
    assert UsageSignal.objects.count() == 1
