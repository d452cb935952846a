"""A case in which A, B and C take part, and helpers to write in its journal."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.cases.actions import do_add_participation
from casusregie.conftest import Cast
from casusregie.journal.actions import do_write_entry
from casusregie.journal.models import JournalEntry


@pytest.fixture
def abc_case(cast: Cast, case: Any) -> Any:
    """The shared case (A and B take part) with C taking part too."""
    do_add_participation(
        case, cast.org_c, role="Deelnemer", purpose="Zorg", actor=cast.process_director
    )
    return case


def write(case: Any, actor: Any, text: str = "Huisbezoek afgelegd", **changes: Any) -> JournalEntry:
    data: dict[str, Any] = {
        "kind": "home_visit",
        "text": text,
        "occurred_on": timezone.localdate() - datetime.timedelta(days=1),
        "purpose": "Zicht op de thuissituatie",
        "audience": "all",
        **changes,
    }
    return do_write_entry(case, actor=actor, **data)


def timeline_url(cast: Cast, case: Any) -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/logboek/"


def entry_url(cast: Cast, case: Any, entry: Any, tail: str = "") -> str:
    return f"{timeline_url(cast, case)}{entry.pk}/{tail}"


def api(cast: Cast, path: str) -> str:
    return f"/api/v1/houses/{cast.house.slug}/{path}"


def nl(message: str) -> str:
    """A message as the (Dutch) interface shows it, translated or not yet."""
    from django.utils import translation

    with translation.override("nl"):
        return translation.gettext(message)


def form_body(cast: Cast, **changes: Any) -> dict[str, Any]:
    """A complete entry as the page's form posts it."""
    return {
        "kind": "phone_call",
        "occurred_on": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "text": "Gebeld met de zus",
        "audience": "all",
        "purpose": "Afstemming",
        **changes,
    }
