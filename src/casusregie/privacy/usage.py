"""Usage signals for the privacy officer: transparent, fixed rules over the audit trail.

No scoring and nothing self-learning (the WGS forbids it): each rule is one sentence a user can
read on the review list, with the numbers it counted. Run daily by `run_schedule`; running it
twice for the same day adds nothing (one signal per rule, user and day); a later run updates
the count of a signal that is still open (the officer's "check today now" runs before the day
is over).

- many cases: a user read more than `house.signal_case_threshold` different cases on one day
  in which neither they (as process director or case director) nor their organisation take part;
- off hours: a user read personal data outside the house's working hours or at the weekend;
- exports: a user downloaded personal data (PDF, export file, access-request report);
- break-the-glass: written at the moment of access (privacy.actions.do_break_glass);
- look-ups of people ("already a case?", searches by BSN; lookups.py), written at the moment:
  a person reached their hourly limit or looked people up more than `LOOKUP_SIGNAL_PER_DAY`
  times in a day (one signal per person and day, whichever came first); an organisation reached
  its hourly limit in the house (one signal per organisation and day, naming the first person
  refused).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from casusregie.accounts.models import Membership
from casusregie.houses.models import House, Organisation

from . import providers
from .models import AuditEvent, SignalDecision, SignalKind, UsageSignal

EXPORT_SUFFIXES = (".pdf", ".export")


def _is_read(action: str) -> bool:
    return action.endswith(".read") or ".read." in action or action == "case.break_glass"


def detect(day: datetime.date, houses: Any = None) -> int:
    """Write the signals of one (local) day; returns how many new signals were written."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, zone)
    end = start + datetime.timedelta(days=1)
    written = 0
    for house in houses if houses is not None else House.objects.all():
        events: list[dict[str, Any]] = [
            dict(row)
            for row in AuditEvent.objects.filter(
                house=house, occurred_at__gte=start, occurred_at__lt=end, actor__isnull=False
            ).values("actor_id", "action", "object_type", "object_id", "occurred_at")
        ]
        new = [
            *_many_cases(house, day, events),
            *_off_hours(house, day, events),
            *_exports(house, day, events),
        ]
        with transaction.atomic():
            existing = {
                (s.kind, s.user_id, s.key): s
                for s in UsageSignal.objects.select_for_update().filter(house=house, day=day)
            }
            changed = []
            for signal in new:
                found = existing.get((signal.kind, signal.user_id, signal.key))
                if found is None:
                    continue
                if found.count != signal.count and found.decision == SignalDecision.OPEN:
                    found.count, found.details = signal.count, signal.details
                    changed.append(found)
            fresh = [s for s in new if (s.kind, s.user_id, s.key) not in existing]
            UsageSignal.objects.bulk_create(fresh)
            UsageSignal.objects.bulk_update(changed, ["count", "details"])
            written += len(fresh)
    return written


def _many_cases(
    house: House, day: datetime.date, events: list[dict[str, Any]]
) -> list[UsageSignal]:
    read: dict[int, set[int]] = defaultdict(set)
    for e in events:
        if e["object_type"] == "cases.case" and _is_read(e["action"]):
            read[e["actor_id"]].add(int(e["object_id"]))
    if not read:
        return []
    case_ids = {pk for ids in read.values() for pk in ids}
    entitled = providers.oversight().entitled(case_ids)
    orgs: dict[int, set[int]] = defaultdict(set)
    for user_id, org_id in Membership.objects.filter(house=house, user_id__in=read).values_list(
        "user_id", "organisation_id"
    ):
        orgs[user_id].add(org_id)
    signals = []
    for user_id, cases in read.items():
        outside = sorted(
            pk
            for pk in cases
            if user_id not in entitled.get(pk, (set(), set()))[0]
            and not (orgs[user_id] & entitled.get(pk, (set(), set()))[1])
        )
        if len(outside) > house.signal_case_threshold:
            signals.append(
                UsageSignal(
                    house=house,
                    kind=SignalKind.MANY_CASES,
                    user_id=user_id,
                    day=day,
                    count=len(outside),
                    details={"threshold": house.signal_case_threshold, "cases": outside[:50]},
                )
            )
    return signals


def _off_hours(house: House, day: datetime.date, events: list[dict[str, Any]]) -> list[UsageSignal]:
    weekend = day.weekday() >= 5
    counts: dict[int, int] = defaultdict(int)
    for e in events:
        if not _is_read(e["action"]):
            continue
        hour = timezone.localtime(e["occurred_at"]).hour
        if weekend or not house.working_hours_start <= hour < house.working_hours_end:
            counts[e["actor_id"]] += 1
    return [
        UsageSignal(
            house=house,
            kind=SignalKind.OFF_HOURS,
            user_id=user_id,
            day=day,
            count=count,
            details={
                "hours": f"{house.working_hours_start:02d}:00–{house.working_hours_end:02d}:00",
                "weekend": weekend,
            },
        )
        for user_id, count in counts.items()
    ]


def _exports(house: House, day: datetime.date, events: list[dict[str, Any]]) -> list[UsageSignal]:
    found: dict[int, list[str]] = defaultdict(list)
    for e in events:
        if e["action"].endswith(EXPORT_SUFFIXES):
            found[e["actor_id"]].append(e["action"])
    return [
        UsageSignal(
            house=house,
            kind=SignalKind.EXPORT,
            user_id=user_id,
            day=day,
            count=len(actions),
            details={"what": sorted(set(actions))},
        )
        for user_id, actions in found.items()
    ]


def flag_lookups(
    house: House, user: Any, *, day: datetime.date, count: int, details: dict[str, Any]
) -> bool:
    """A person looked people up unusually often (lookups.py): one signal per person and day,
    whichever rule came first; later look-ups that day add nothing. True if written now."""
    _signal, created = UsageSignal.objects.get_or_create(
        house=house,
        kind=SignalKind.LOOKUPS,
        user=user,
        day=day,
        key="",
        defaults={"count": count, "details": details},
    )
    return created


def flag_organisation_lookups(
    house: House,
    organisation: Organisation,
    user: Any,
    *,
    day: datetime.date,
    count: int,
    details: dict[str, Any],
) -> bool:
    """An organisation reached its hourly look-up limit in the house: one signal per
    organisation and day, on the first person refused. True if written now."""
    key = f"organisation-{organisation.pk}"
    same = UsageSignal.objects.filter(
        house=house, kind=SignalKind.ORGANISATION_LOOKUPS, day=day, key=key
    )
    if same.exists():
        return False
    with transaction.atomic():
        # One writer per organisation at a time, so two people refused together make one signal.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        if same.exists():
            return False
        UsageSignal.objects.create(
            house=house,
            kind=SignalKind.ORGANISATION_LOOKUPS,
            user=user,
            day=day,
            key=key,
            count=count,
            details=details,
        )
    return True
