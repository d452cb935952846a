"""Limits on looking people up (issue 22, decision 0039; ASVS 11.1.4 and 11.1.7).

"Already a case?" and every search by BSN answer whether the system knows a person: without a
limit they are an oracle. Each look-up counts, per clock hour, for

- the person who asks (an API client's system account is a person here), in all houses
  together: `LOOKUP_PERSON_PER_HOUR`;
- their organisation in the house where they ask: `LOOKUP_ORGANISATION_PER_HOUR`.

`admit` is called by the feature's action *before* it looks anything up, after the input was
checked. Over either limit it raises `LookUpRefused` (with the seconds until the next hour) and
counts nothing: the person's counter is only kept when the organisation's counter also had
room. Reaching a limit, or more than `LOOKUP_SIGNAL_PER_DAY` look-ups by one person on one day,
puts a usage signal on the privacy officer's review list at once (usage.py): one per person per
day, and one per organisation per day.

The counters are rows in the database (`LookUpCount`), not Django's cache: the cache is memory
of each gunicorn worker, and a limit of a few dozen look-ups an hour must hold across workers
and servers. A counter row is raised with one conditional UPDATE (`count < limit`), so
concurrent look-ups cannot pass the limit together. The kernel knows no feature: feature apps
call `admit` with a name for what was looked up.
"""

from __future__ import annotations

import datetime
import logging
import math
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import ngettext

from casusregie.houses.models import House, Organisation

from . import policy, usage
from .models import LookUpCount

logger = logging.getLogger(__name__)

HOUR = 3600
KEEP = datetime.timedelta(days=2)


class LookUpRefused(Exception):
    """A look-up over a limit: nothing was looked up and nothing was counted."""

    def __init__(self, *, wait: int, limit: int, by_organisation: bool) -> None:
        super().__init__(f"look-up limit of {limit} an hour reached")
        self.wait = wait
        self.limit = limit
        self.by_organisation = by_organisation

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.wait / 60))

    def message(self) -> str:
        """What the person is told, in their language: whose limit, and when to try again."""
        if self.by_organisation:
            text = ngettext(
                "Not looked up: your organisation has reached its limit of %(limit)s look-ups "
                "of people per hour. Try again in %(minutes)s minute.",
                "Not looked up: your organisation has reached its limit of %(limit)s look-ups "
                "of people per hour. Try again in %(minutes)s minutes.",
                self.minutes,
            )
        else:
            text = ngettext(
                "Not looked up: you have reached the limit of %(limit)s look-ups of people per "
                "hour. Try again in %(minutes)s minute.",
                "Not looked up: you have reached the limit of %(limit)s look-ups of people per "
                "hour. Try again in %(minutes)s minutes.",
                self.minutes,
            )
        return text % {"limit": self.limit, "minutes": self.minutes}


class _Full(Exception):
    pass


def _hour_of(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def now() -> datetime.datetime:
    """The moment a look-up counts at (tests fix it, so an hour cannot turn mid-test)."""
    return timezone.now()


def _clock(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def person_key(user: Any) -> str:
    return f"person:{user.pk}"


def organisation_key(house: House, organisation: Organisation) -> str:
    return f"organisation:{house.pk}:{organisation.pk}"


def organisation_of(user: Any, house: House) -> Organisation | None:
    """The organisation a look-up counts for when the feature names none: the user's first
    membership in the house (read once per request by the house gate)."""
    held = sorted(policy.house_memberships(user, house), key=lambda m: m.pk)
    return held[0].organisation if held else None


def _take(key: str, hour: datetime.datetime, limit: int) -> bool:
    """Count one look-up on the counter if it has room; False (and nothing counted) if full."""
    room = LookUpCount.objects.filter(key=key, hour=hour, count__lt=limit)
    if room.update(count=F("count") + 1):
        return True
    if LookUpCount.objects.filter(key=key, hour=hour).exists():
        return False
    try:
        with transaction.atomic():
            LookUpCount.objects.create(key=key, hour=hour, count=1)
        return True
    except IntegrityError:  # a concurrent look-up made the row first
        return bool(room.update(count=F("count") + 1))


def admit(actor: Any, house: House, organisation: Organisation | None = None, *, what: str) -> None:
    """Count one look-up by `actor` in `house` (for `organisation`, else the actor's own in the
    house), or raise `LookUpRefused` without counting it. `what` names the look-up in the
    signal's details ("already-a-case", "case-search", ...).

    Call it outside a transaction that a refusal rolls back: the usage signal it writes on a
    refusal must stay."""
    organisation = organisation or organisation_of(actor, house)
    moment = now()
    hour = _hour_of(moment)
    wanted = [(person_key(actor), int(settings.LOOKUP_PERSON_PER_HOUR))]
    if organisation is not None:
        wanted.append(
            (organisation_key(house, organisation), int(settings.LOOKUP_ORGANISATION_PER_HOUR))
        )
    full: tuple[str, int] | None = None
    try:
        with transaction.atomic():
            for key, limit in wanted:
                if not _take(key, hour, limit):
                    full = (key, limit)
                    raise _Full
    except _Full:
        pass
    if full is not None:
        _refuse(actor, house, organisation, full, at=moment, what=what)
    _watch_day(actor, house, at=moment, what=what)


def _refuse(
    actor: Any,
    house: House,
    organisation: Organisation | None,
    full: tuple[str, int],
    *,
    at: datetime.datetime,
    what: str,
) -> None:
    key, limit = full
    by_organisation = key != person_key(actor)
    wait = max(1, math.ceil((_hour_of(at) + datetime.timedelta(hours=1) - at).total_seconds()))
    # Ids only: the technical log never holds personal data (alert on this line, ASVS 11.1.8).
    logger.warning(
        "look-up limit reached: %s, user %s, house %s, %s", key, actor.pk, house.pk, what
    )
    day = timezone.localdate(at)
    details = {"rule": "limit", "limit": limit, "what": what, "at": _clock(at)}
    if by_organisation and organisation is not None:
        usage.flag_organisation_lookups(
            house,
            organisation,
            actor,
            day=day,
            count=limit,
            details={**details, "organisation": organisation.name},
        )
    else:
        usage.flag_lookups(house, actor, day=day, count=day_count(actor, at), details=details)
    raise LookUpRefused(wait=wait, limit=limit, by_organisation=by_organisation)


def day_count(user: Any, at: datetime.datetime | None = None) -> int:
    """The person's look-ups on the (local) day of `at` (default: now), counted ones only."""
    midnight = timezone.localtime(at or now()).replace(hour=0, minute=0, second=0, microsecond=0)
    total = LookUpCount.objects.filter(key=person_key(user), hour__gte=midnight).aggregate(
        n=Sum("count")
    )["n"]
    return int(total or 0)


def _watch_day(actor: Any, house: House, *, at: datetime.datetime, what: str) -> None:
    threshold = int(settings.LOOKUP_SIGNAL_PER_DAY)
    count = day_count(actor, at)
    if count > threshold:
        usage.flag_lookups(
            house,
            actor,
            day=timezone.localdate(at),
            count=count,
            details={
                "rule": "day",
                "threshold": threshold,
                "what": what,
                "at": _clock(at),
            },
        )


def purge(at: datetime.datetime | None = None) -> int:
    """Forget counters of hours long past (run nightly with the usage signals)."""
    cutoff = (at or now()) - KEEP
    return LookUpCount.objects.filter(hour__lt=cutoff).delete()[0]
