"""Shared steps of the API tests: URLs, JSON posts and a filed referral."""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client
from django.utils import timezone

from casusregie.conftest import TEST_BSN, Cast

PROBLEM = "application/problem+json"


def url(cast: Cast, path: str) -> str:
    return f"/api/v1/houses/{cast.house.slug}/{path}"


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")


def family(cast: Cast, **changes: Any) -> dict[str, Any]:
    """A complete family referral by organisation A, submitted at once."""
    body: dict[str, Any] = {
        "kind": "family",
        "organisation": cast.org_a.pk,
        "subjects": [
            {
                "first_name": "Piet",
                "last_name": "Gezinsman",
                "date_of_birth": "1985-03-02",
                "bsn": TEST_BSN,
                "address": "Dorpsstraat 1, Heuvelstad",
            },
            {
                "first_name": "Kees",
                "last_name": "Gezinsman",
                "date_of_birth": "2012-07-01",
                "relation_to_main": "child",
            },
        ],
        "concerns": {"housing": "Dreigende uithuiszetting", "finances": "Schulden"},
        "urgency": "high",
        "goal": "Eén plan voor het gezin",
        "subject_informed": True,
        "proposed_invitees": [cast.org_b.pk],
        "submit": True,
    }
    body.update(changes)
    return body


def file_referral(as_user: Any, cast: Cast, **changes: Any) -> dict[str, Any]:
    response = post(as_user(cast.participant_a), url(cast, "referrals"), family(cast, **changes))
    assert response.status_code == 201, response.json()
    return response.json()


def accept(as_user: Any, cast: Cast, referral_id: int) -> dict[str, Any]:
    response = post(
        as_user(cast.triage),
        url(cast, f"referrals/{referral_id}/accept"),
        {"criteria": ["multiple_domains", "cross_chain", "system"]},
    )
    assert response.status_code == 201, response.json()
    return response.json()


def in_a_week() -> str:
    return (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


def fields(response: Any) -> set[str | None]:
    """The fields a 400 problem names."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    return {error["field"] for error in response.json()["errors"]}
