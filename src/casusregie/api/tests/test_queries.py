"""API lists keep a constant number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casusregie.cases import actions as case_actions
from casusregie.cases.models import SubjectKind
from casusregie.conftest import Cast

from .helpers import file_referral, url

pytestmark = pytest.mark.django_db


def add_cases(cast: Cast, number: int) -> None:
    for index in range(number):
        subject = case_actions.create_subject(
            cast.house,
            case_actions.SubjectData(
                first_name="Test",
                last_name=f"Persoon{index}",
                date_of_birth=datetime.date(1990, 1, 1) + datetime.timedelta(days=index),
            ),
        )
        case_actions.create_case(
            cast.house,
            kind=SubjectKind.PERSON,
            title=f"Persoon {index}",
            urgency="normal",
            subjects=[(subject, True, "", False)],
            actor=cast.process_director,
            process_director=cast.process_director,
            participants=[(cast.org_a, "Melder", "Verwees de casus")],
        )


def count(client: Any, path: str, expected_rows: int) -> int:
    client.get(path)  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected_rows
    return len(queries)


@pytest.mark.parametrize("user", ["process_director", "participant_a"])
def test_case_list_queries_do_not_grow(as_user: Any, cast: Cast, user: str) -> None:
    client = as_user(getattr(cast, user))
    add_cases(cast, 3)
    few = count(client, url(cast, "cases"), 3)
    add_cases(cast, 27)
    assert count(client, url(cast, "cases"), 30) == few


def test_referral_lists_queries_do_not_grow(as_user: Any, cast: Cast) -> None:
    client = as_user(cast.triage)
    for _ in range(2):
        file_referral(as_user, cast)
    few = (count(client, url(cast, "referrals"), 2), count(client, url(cast, "triage-queue"), 2))
    for _ in range(8):
        file_referral(as_user, cast)
    assert (
        count(client, url(cast, "referrals"), 10),
        count(client, url(cast, "triage-queue"), 10),
    ) == few


def test_keyset_pages(as_user: Any, cast: Cast) -> None:
    add_cases(cast, 5)
    client = as_user(cast.process_director)
    first = client.get(url(cast, "cases?limit=2")).json()
    ids = [c["id"] for c in first["results"]]
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    ids += [c["id"] for c in second["results"]] + [c["id"] for c in third["results"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 5
    assert third["next"] is None


def test_triage_queue_pages_most_urgent_first(as_user: Any, cast: Cast) -> None:
    normal = file_referral(as_user, cast, urgency="normal")["id"]
    crisis = file_referral(as_user, cast, urgency="crisis")["id"]
    high = file_referral(as_user, cast, urgency="high")["id"]
    client = as_user(cast.triage)
    first = client.get(url(cast, "triage-queue?limit=2")).json()
    second = client.get(first["next"]).json()
    order = [r["id"] for r in first["results"] + second["results"]]
    assert order == [crisis, high, normal]
    assert second["next"] is None
