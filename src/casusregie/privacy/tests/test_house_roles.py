"""The user's memberships (and so roles) in a house are read once per request, by the house
gate, for the page and all menus, and a change shows on the next request."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.accounts.models import Membership
from casusregie.conftest import Cast

pytestmark = pytest.mark.django_db


def membership_reads(queries: CaptureQueriesContext) -> list[str]:
    """Queries that read the membership rows themselves (not as part of a predicate)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "accounts_membership".')
    ]


def test_menus_read_the_roles_once_and_a_lost_role_shows_next_request(
    as_user: Any, cast: Cast, case: Any
) -> None:
    client = as_user(cast.process_director)
    url = f"/huizen/{cast.house.slug}/mijn-werk/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert len(membership_reads(queries)) == 1
    assert f"/huizen/{cast.house.slug}/rapportages/" in page  # directors see the reports
    Membership.objects.filter(user=cast.process_director, house=cast.house).update(
        ended_at=timezone.now()
    )
    assert client.get(url).status_code == 404  # no longer a member: not even the page
    assert as_user(cast.participant_c).get(url).status_code == 200
    other = as_user(cast.participant_c).get(url).content.decode()
    assert f"/huizen/{cast.house.slug}/rapportages/" not in other
