""" "Already a case?": yes (house, contact) or no, in this house and, through the signed
exchange, in another house that opted in."""

from __future__ import annotations

import datetime
import json
import time
from typing import Any

import pytest
from django.test import Client

from casusregie.cases import actions as case_actions
from casusregie.cases.models import SubjectKind
from casusregie.conftest import TEST_BSN, Cast
from casusregie.privacy.models import ProcessingLogEntry
from casusregie.signals import exchange

from .helpers import BSN_1, base

pytestmark = pytest.mark.django_db

REGION_KEY = "regio-sleutel-" + "k" * 40
SECRET = "uitwissel-geheim-" + "g" * 40
PEER = "https://zvh-b.example.nl/uitwisseling/al-een-casus/"


def ask(client: Any, cast: Cast, **data: Any) -> Any:
    return client.post(f"{base(cast)}al-een-casus/", data)


def test_yes_in_this_house_with_a_contact(as_user, cast: Cast, case) -> None:
    response = ask(as_user(cast.participant_c), cast, bsn=TEST_BSN)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ja: een casus in ZVH Heuvelland-test" in text
    assert "Paula Regisseur" in text
    assert TEST_BSN not in text
    assert case.reference not in text
    assert "Testpersoon" not in text
    line = ProcessingLogEntry.objects.get(name="signal.already-a-case")
    assert line.case_id == case.pk
    assert line.operation == "read"


def test_by_name_and_date_of_birth(as_user, cast: Cast, case) -> None:
    response = ask(
        as_user(cast.participant_a),
        cast,
        first_name="Jan",
        last_name="Testpersoon",
        date_of_birth="1980-05-17",
    )
    assert "Ja: een casus" in response.content.decode()


def test_no_for_someone_else_and_for_a_closed_case(as_user, cast: Cast, case) -> None:
    client = as_user(cast.participant_a)
    assert "Nee:" in ask(client, cast, bsn=BSN_1).content.decode()
    type(case).objects.filter(pk=case.pk).update(phase="closed")
    assert "Nee:" in ask(client, cast, bsn=TEST_BSN).content.decode()
    assert ProcessingLogEntry.objects.filter(name="signal.already-a-case").count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {"bsn": "123456789"},
        {"bsn": ""},
        {"first_name": "Jan", "last_name": "X"},
        {"date_of_birth": "x"},
    ],
)
def test_bad_input(as_user, cast: Cast, data) -> None:
    response = ask(as_user(cast.participant_a), cast, **data)
    assert response.status_code == 400
    assert not ProcessingLogEntry.objects.filter(name="signal.already-a-case").exists()
    assert 'value="123456789"' not in response.content.decode()


@pytest.mark.parametrize("who", ["admin", "privacy_officer", "other_house_user"])
def test_who_may_not_ask(as_user, cast: Cast, case, who: str) -> None:
    assert ask(as_user(getattr(cast, who)), cast, bsn=TEST_BSN).status_code == 404


# --- Between deployments -----------------------------------------------------------------------


@pytest.fixture
def region(settings, cast: Cast, monkeypatch) -> Any:
    """Both houses of the cast take part, as if in two deployments: the transport posts to the
    other deployment's endpoint through the test client (same database, its own house)."""
    settings.SIGNALS_REGION_KEY = REGION_KEY
    settings.SIGNALS_EXCHANGE_SECRET = SECRET
    settings.SIGNALS_EXCHANGE_PEERS = [PEER]
    settings.SIGNALS_EXCHANGE_HOUSES = [cast.house.slug, cast.other_house.slug]
    peer = Client()
    sent: list[bytes] = []

    def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        assert url == PEER
        sent.append(body)
        response = peer.post(
            "/uitwisseling/al-een-casus/",
            body,
            content_type="application/json",
            headers={exchange.HEADER: headers[exchange.HEADER]},
        )
        return response.status_code, response.content, dict(response.headers)

    monkeypatch.setattr(exchange, "post", post)
    return sent


def case_in_other_house(cast: Cast) -> Any:
    subject = case_actions.create_subject(
        cast.other_house,
        case_actions.SubjectData(
            first_name="Bram",
            last_name="Elderssma",
            date_of_birth=datetime.date(1975, 1, 2),
            bsn=BSN_1,
        ),
    )
    return case_actions.create_case(
        cast.other_house,
        kind=SubjectKind.PERSON,
        title="Bram Elderssma",
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=None,
    )


def test_yes_in_another_house_through_the_exchange(as_user, cast: Cast, region) -> None:
    other = case_in_other_house(cast)
    assert other.case_subjects.get().subject.region_hash
    response = ask(as_user(cast.participant_a), cast, bsn=BSN_1)
    text = response.content.decode()
    assert "Ja: een casus in ZVH Duinstreek-test" in text
    assert "Elderssma" not in text
    assert other.reference not in text
    # Only the regional pseudonym went over the wire.
    (body,) = region
    assert BSN_1.encode() not in body
    assert b"Elderssma" not in body
    assert set(json.loads(body)) == {"format", "pseudonym", "asked_by", "timestamp", "nonce"}
    asked = ProcessingLogEntry.objects.get(name="signal.already-a-case")
    answered = ProcessingLogEntry.objects.get(name="signal.already-a-case.exchange")
    assert asked.house_id == cast.house.pk
    assert answered.house_id == cast.other_house.pk


def test_no_when_the_other_house_has_not_opted_in(as_user, cast: Cast, region, settings) -> None:
    case_in_other_house(cast)
    settings.SIGNALS_EXCHANGE_HOUSES = [cast.house.slug]
    assert "Nee:" in ask(as_user(cast.participant_a), cast, bsn=BSN_1).content.decode()


def test_a_house_not_taking_part_does_not_ask(as_user, cast: Cast, region, settings) -> None:
    case_in_other_house(cast)
    settings.SIGNALS_EXCHANGE_HOUSES = [cast.other_house.slug]
    assert "Nee:" in ask(as_user(cast.participant_a), cast, bsn=BSN_1).content.decode()
    assert region == []


def _signed(payload: dict[str, Any], secret: str = SECRET) -> tuple[bytes, str]:
    import hashlib
    import hmac

    body = json.dumps(payload).encode()
    return body, hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("payload", "secret"),
    [
        ({"format": exchange.FORMAT, "pseudonym": "a" * 64, "timestamp": 0}, SECRET),
        ({"format": "other", "pseudonym": "a" * 64}, SECRET),
        ({"format": exchange.FORMAT, "pseudonym": "not-hex"}, SECRET),
        ({"format": exchange.FORMAT, "pseudonym": "a" * 64}, "wrong-secret-" + "w" * 40),
    ],
)
def test_the_endpoint_refuses_what_is_not_a_fresh_signed_question(
    client, cast: Cast, region, payload, secret
) -> None:
    case_in_other_house(cast)
    payload.setdefault("timestamp", int(time.time()))
    body, signature = _signed(payload, secret)
    response = client.post(
        "/uitwisseling/al-een-casus/",
        body,
        content_type="application/json",
        headers={exchange.HEADER: signature},
    )
    assert response.status_code == 403
    assert "known" not in response.json()


def test_the_endpoint_answers_no_without_a_match_and_refuses_get(
    client, cast: Cast, region
) -> None:
    body, signature = _signed(
        {
            "format": exchange.FORMAT,
            "pseudonym": "b" * 64,
            "timestamp": int(time.time()),
            "nonce": "c" * 32,
        }
    )
    response = client.post(
        "/uitwisseling/al-een-casus/",
        body,
        content_type="application/json",
        headers={exchange.HEADER: signature},
    )
    assert response.status_code == 200
    assert response.json()["known"] is False
    assert response[exchange.HEADER] == exchange.sign(response.content)
    assert client.get("/uitwisseling/al-een-casus/").status_code == 405


def test_a_replayed_question_is_refused_and_old_nonces_are_forgotten(
    client, cast: Cast, region
) -> None:
    """Someone who captured a signed question cannot send it again to learn the answer a second
    time (or to see whether the answer changed) while its timestamp is still accepted."""
    import datetime as dt

    from django.utils import timezone

    from casusregie.signals.models import ExchangeNonce

    case_in_other_house(cast)
    question = {
        "format": exchange.FORMAT,
        "pseudonym": "b" * 64,
        "timestamp": int(time.time()),
        "nonce": "d" * 32,
    }
    body, signature = _signed(question)

    def send(body: bytes, signature: str):
        return client.post(
            "/uitwisseling/al-een-casus/",
            body,
            content_type="application/json",
            headers={exchange.HEADER: signature},
        )

    assert send(body, signature).status_code == 200
    replay = send(body, signature)
    assert replay.status_code == 403
    assert "replay" in replay.json()["error"]
    assert "known" not in replay.json()
    fresh = _signed({**question, "nonce": "e" * 32})
    assert send(*fresh).status_code == 200
    for missing in (
        {k: v for k, v in question.items() if k != "nonce"},
        {**question, "nonce": "x"},
    ):
        assert send(*_signed(missing)).status_code == 403
    # Nonces older than the accepted timestamps are forgotten by the next question.
    ExchangeNonce.objects.update(seen_at=timezone.now() - dt.timedelta(minutes=11))
    assert send(*_signed({**question, "nonce": "f" * 32})).status_code == 200
    assert set(ExchangeNonce.objects.values_list("nonce", flat=True)) == {"f" * 32}


def test_without_a_secret_nothing_is_answered(client, cast: Cast) -> None:
    body, signature = _signed({"format": exchange.FORMAT, "pseudonym": "b" * 64})
    response = client.post(
        "/uitwisseling/al-een-casus/",
        body,
        content_type="application/json",
        headers={exchange.HEADER: signature},
    )
    assert response.status_code == 403


def test_a_new_referral_is_checked_against_the_other_houses(
    cast: Cast, region, django_capture_on_commit_callbacks
) -> None:
    from casusregie.inbox.models import Notification
    from casusregie.referrals import actions as referral_actions

    case_in_other_house(cast)
    data = referral_actions.ReferralData(
        kind=SubjectKind.PERSON,
        subjects=[case_actions.SubjectData("Bram", "Elderssma", bsn=BSN_1)],
        concerns={"housing": "Overlast"},
        goal="Afstemmen",
        stuck_statement="Vastgelopen",
        subject_informed=True,
    )
    with django_capture_on_commit_callbacks(execute=True):  # the question runs after saving
        referral_actions.do_save_referral(
            cast.house, data, actor=cast.participant_a, organisation=cast.org_a, submit=True
        )
    told = Notification.objects.filter(user=cast.triage, message__contains="Duinstreek")
    assert told.count() == 1
    assert "Elderssma" not in told.get().message
    assert BSN_1 not in told.get().message
    line = ProcessingLogEntry.objects.get(name="signal.already-a-case.referral")
    assert line.house_id == cast.house.pk
    assert not Notification.objects.filter(user=cast.participant_c).exists()
