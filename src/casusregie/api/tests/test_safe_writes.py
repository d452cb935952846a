"""Safe writes: Idempotency-Key on creates, If-Match/ETag on changes, Change-Reason in the
audit trail, and a body that is too large (decision 0020)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from casusregie.api.models import IdempotentRequest, purge_expired
from casusregie.cases.models import Case, Phase
from casusregie.conftest import Cast
from casusregie.privacy.models import AuditEvent
from casusregie.referrals.models import Referral

from .helpers import PROBLEM, accept, family, file_referral, post, url

pytestmark = pytest.mark.django_db


def post_with(client: Any, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def test_a_retried_create_with_the_same_key_returns_the_first_answer(
    as_user: Any, cast: Cast
) -> None:
    client = as_user(cast.participant_a)
    body = family(cast)
    first = post_with(client, url(cast, "referrals"), body, **{"Idempotency-Key": "k-1"})
    again = post_with(client, url(cast, "referrals"), body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1
    # The kept answer names people: it is encrypted at rest.
    kept = IdempotentRequest.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM api_idempotentrequest")
        (raw,) = cursor.fetchone()
    assert "Gezinsman" in kept.body
    assert "Gezinsman" not in raw

    # A new key is a new referral.
    other = post_with(client, url(cast, "referrals"), body, **{"Idempotency-Key": "k-2"})
    assert other.status_code == 201
    assert Referral.objects.count() == 2


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(
    as_user: Any, cast: Cast
) -> None:
    client = as_user(cast.participant_a)
    post_with(client, url(cast, "referrals"), family(cast), **{"Idempotency-Key": "k-1"})
    changed = family(cast, goal="Een ander doel")
    response = post_with(client, url(cast, "referrals"), changed, **{"Idempotency-Key": "k-1"})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == "urn:casusregie:problem:idempotency-key-reused"
    assert Referral.objects.count() == 1


def test_keys_belong_to_one_user(as_user: Any, cast: Cast) -> None:
    """Another person's key never replays someone else's answer."""
    a = post_with(
        as_user(cast.participant_a),
        url(cast, "referrals"),
        family(cast),
        **{"Idempotency-Key": "shared"},
    )
    b = post_with(
        as_user(cast.participant_b),
        url(cast, "referrals"),
        family(cast, organisation=cast.org_b.pk),
        **{"Idempotency-Key": "shared"},
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert "Idempotent-Replayed" not in b


def test_a_failed_create_frees_its_key_for_the_corrected_retry(as_user: Any, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    bad = family(cast)
    bad["subjects"][0]["bsn"] = "123456789"  # fails the eleven-test
    failed = post_with(client, url(cast, "referrals"), bad, **{"Idempotency-Key": "k-1"})
    assert failed.status_code == 400
    assert not IdempotentRequest.objects.exists()
    # The client fixes the body; with a fresh key of its own choosing or the same one.
    fixed = post_with(client, url(cast, "referrals"), family(cast), **{"Idempotency-Key": "k-1"})
    assert fixed.status_code == 201


def test_malformed_key_is_a_problem_naming_the_header(as_user: Any, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    response = post_with(client, url(cast, "referrals"), family(cast), **{"Idempotency-Key": ""})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Referral.objects.exists()


def test_kept_answers_are_purged_after_a_day(as_user: Any, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    post_with(client, url(cast, "referrals"), family(cast), **{"Idempotency-Key": "old"})
    IdempotentRequest.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert purge_expired() == 1
    assert not IdempotentRequest.objects.exists()


def test_stale_if_match_is_refused_with_412_and_changes_nothing(as_user: Any, cast: Cast) -> None:
    case = accept(as_user, cast, file_referral(as_user, cast)["id"])
    director = as_user(cast.process_director)
    read = director.get(url(cast, f"cases/{case['id']}"))
    tag = read["ETag"]
    assert tag.startswith('"')

    # Someone else changes the case in between...
    post(
        as_user(cast.process_director),
        url(cast, f"cases/{case['id']}/transition"),
        {"target": Phase.MEETING, "reason": "Start"},
    )
    # ...so the director's change based on the old read is refused.
    stale = post_with(
        director,
        url(cast, f"cases/{case['id']}/transition"),
        {"target": Phase.PREPARATION, "reason": "Terug"},
        **{"If-Match": tag},
    )
    assert stale.status_code == 412
    assert stale["Content-Type"] == PROBLEM
    assert Case.objects.get(pk=case["id"]).phase == Phase.MEETING

    fresh = director.get(url(cast, f"cases/{case['id']}"))
    assert fresh["ETag"] != tag
    ok = post_with(
        director,
        url(cast, f"cases/{case['id']}/transition"),
        {"target": Phase.PREPARATION, "reason": "Terug"},
        **{"If-Match": fresh["ETag"]},
    )
    assert ok.status_code == 200, ok.json()


def test_if_match_on_a_case_one_may_not_see_is_404_not_412(as_user: Any, cast: Cast) -> None:
    case = accept(as_user, cast, file_referral(as_user, cast)["id"])
    response = post_with(
        as_user(cast.participant_c),
        url(cast, f"cases/{case['id']}/transition"),
        {"target": Phase.MEETING},
        **{"If-Match": '"anything"'},
    )
    assert response.status_code == 404


def test_if_none_match_answers_304_without_a_body(as_user: Any, cast: Cast) -> None:
    referral = file_referral(as_user, cast)
    client = as_user(cast.participant_a)
    first = client.get(url(cast, f"referrals/{referral['id']}"))
    again = client.get(
        url(cast, f"referrals/{referral['id']}"), headers={"If-None-Match": first["ETag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


def test_change_reason_header_lands_in_the_audit_trail(as_user: Any, cast: Cast) -> None:
    case = accept(as_user, cast, file_referral(as_user, cast)["id"])
    reason = "Afspraak uit het casusoverleg van 3 maart"
    response = post_with(
        as_user(cast.process_director),
        url(cast, f"cases/{case['id']}/participants"),
        {"organisation": cast.org_c.pk, "role": "Schuldhulp", "purpose": "Schulden"},
        **{"Change-Reason": quote(reason)},
    )
    assert response.status_code == 201, response.json()
    event = AuditEvent.objects.filter(object_type="cases.participation").latest("pk")
    assert event.reason == reason


@pytest.mark.parametrize("reason", ["   ", "x" * 501, "%0Aregel"])
def test_a_bad_change_reason_is_refused_before_anything_changes(
    as_user: Any, cast: Cast, reason: str
) -> None:
    case = accept(as_user, cast, file_referral(as_user, cast)["id"])
    response = post_with(
        as_user(cast.process_director),
        url(cast, f"cases/{case['id']}/participants"),
        {"organisation": cast.org_c.pk, "role": "Schuldhulp", "purpose": ""},
        **{"Change-Reason": reason},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Change-Reason"
    assert (
        not Case.objects.get(pk=case["id"]).participations.filter(organisation=cast.org_c).exists()
    )


def test_an_oversized_body_is_413_and_stores_nothing(
    as_user: Any, cast: Cast, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = family(cast, goal="x" * 20_000)
    response = post(as_user(cast.participant_a), url(cast, "referrals"), body)
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert not Referral.objects.exists()
