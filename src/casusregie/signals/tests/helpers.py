"""Builders for signal tests: clearly synthetic people, a form post, a CSV."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from casusregie.conftest import Cast

# Valid synthetic BSNs (they pass the eleven-test) and a fake person by name.
BSN_1 = "123456782"
BSN_2 = "232262536"
FIRST, LAST, BORN = "Fenna", "Fictiefsma", "1991-04-12"


def base(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/signalen/"


def today() -> datetime.date:
    return timezone.localdate()


def signal_post(
    client: Any, cast: Cast, org: Any, *, bsn: str = BSN_1, category: str = "nuisance", **more: Any
) -> Any:
    data = {
        "bsn": bsn,
        "category": category,
        "observed_on": today().isoformat(),
        "organisation": org.pk,
        **more,
    }
    return client.post(base(cast), data)


def signal_from_b(cast: Cast, *, bsn: str = BSN_1, category: str = "housing") -> Any:
    """Organisation B gives a signal today about the person with this BSN."""
    from casusregie.signals import actions
    from casusregie.signals.pseudonym import identify

    return actions.do_register_signal(
        cast.house,
        identify(bsn=bsn),
        category=category,
        observed_on=today(),
        organisation=cast.org_b,
        actor=cast.participant_b,
    )
