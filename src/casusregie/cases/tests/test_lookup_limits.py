"""Issue 22, finding 5: searching the case list by BSN looks a person up, so it counts against
the same limits as "already a case?" (privacy/lookups.py, decision 0039). Searches by name or
date of birth, and digits that fail the eleven-test, look nobody up and are not counted."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.conftest import TEST_BSN, Cast
from casusregie.privacy import lookups
from casusregie.privacy.models import SignalKind, UsageSignal
from casusregie.privacy.tests.lookup_helpers import set_low_limits

pytestmark = pytest.mark.django_db

PERSON, ORGANISATION = 3, 5
REFUSED = (
    "Niet opgezocht: u hebt het maximum van 3 opzoekingen van personen per uur bereikt. "
    "Probeer het over 30 minuten opnieuw."
)


@pytest.fixture
def low_limits(settings: Any, monkeypatch: Any) -> Any:
    return set_low_limits(settings, monkeypatch, person=PERSON, organisation=ORGANISATION)


def search(client: Any, cast: Cast, q: str, **more: Any) -> Any:
    return client.get(f"/huizen/{cast.house.slug}/casussen/", {"q": q, **more})


def test_searching_by_bsn_in_a_row_is_limited(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    client = as_user(cast.process_director)
    answers = [search(client, cast, TEST_BSN) for _ in range(10)]
    for answer in answers[:PERSON]:
        assert answer.status_code == 200
        assert case.reference in answer.content.decode()
    for refused in answers[PERSON:]:
        assert refused.status_code == 429
        assert refused["Retry-After"] == "1800"
        text = refused.content.decode()
        assert REFUSED in text
        assert case.reference not in text  # the search was not done
        assert "Geen casussen gevonden." in text
    assert lookups.day_count(cast.process_director) == PERSON
    (signal,) = UsageSignal.objects.all()
    assert (signal.kind, signal.user) == (SignalKind.LOOKUPS, cast.process_director)
    assert signal.details["what"] == "case-search"
    # An export of the refused search is no way around it: the page, not a file.
    export = search(client, cast, TEST_BSN, formaat="csv")
    assert export.status_code == 429
    assert export["Content-Type"].startswith("text/html")


def test_other_searches_are_not_counted(
    as_user: Any, cast: Cast, case: Any, low_limits: Any
) -> None:
    client = as_user(cast.process_director)
    for q in ["testpersoon", "17-05-1980", "123456789", "Jan Testpersoon", "12345678"] * 3:
        assert search(client, cast, q).status_code == 200
    assert lookups.day_count(cast.process_director) == 0
    # "111 222 333" and "111.222.333" are the BSN: counted.
    assert case.reference in search(client, cast, "111 222 333").content.decode()
    assert case.reference in search(client, cast, "111.222.333").content.decode()
    assert lookups.day_count(cast.process_director) == 2
    assert not UsageSignal.objects.exists()


def test_spread_over_the_house_staff(as_user: Any, cast: Cast, case: Any, low_limits: Any) -> None:
    """The process director and the triage member belong to the house's own organisation:
    together they have its five look-ups an hour."""
    director, triage = as_user(cast.process_director), as_user(cast.triage)
    statuses = [search(c, cast, TEST_BSN).status_code for c in (director, triage) * 3]
    assert statuses == [200] * ORGANISATION + [429]
    (signal,) = UsageSignal.objects.all()
    assert signal.kind == SignalKind.ORGANISATION_LOOKUPS
    assert signal.details["organisation"] == "ZVH Heuvelland-test team"
    # A partner searching its own cases is counted for its own organisation.
    assert search(as_user(cast.participant_a), cast, TEST_BSN).status_code == 200
