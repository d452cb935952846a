"""Small look-up limits for the tests of privacy/lookups.py and its callers (the suite lifts the
limits, as it lifts the API's rate limits)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from casusregie.privacy import lookups


def set_low_limits(
    settings: Any, monkeypatch: Any, *, person: int = 3, organisation: int = 5, per_day: int = 1000
) -> datetime.datetime:
    """`person` look-ups an hour per person, `organisation` per organisation, a usage signal
    above `per_day` a day. The counters' clock stands at half past the hour, so no hour turns
    during a test and the next one is 30 minutes (Retry-After 1800) away."""
    settings.LOOKUP_PERSON_PER_HOUR = person
    settings.LOOKUP_ORGANISATION_PER_HOUR = organisation
    settings.LOOKUP_SIGNAL_PER_DAY = per_day
    moment = timezone.now().replace(minute=30, second=0, microsecond=0)
    monkeypatch.setattr(lookups, "now", lambda: moment)
    return moment
