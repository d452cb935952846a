"""Synthetic police registration counts for the demo, recorded through the action (audited)
by a member of the police organisation taking part in each case."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db.models import Exists, OuterRef

from casusregie.accounts.models import Membership
from casusregie.cases.models import Case, Participation
from casusregie.houses.models import OrganisationKind

from .actions import after_allowed, record_police_count


def add_police_counts(progress: Callable[[str], None], seed: int) -> int:
    """Give every demo case in which the police take part a "before" count, and an "after"
    count when it was closed at least twelve months ago. Returns how many were recorded."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo numbers, repeatable on purpose
    police = Participation.objects.filter(
        case=OuterRef("pk"), ended_at__isnull=True, organisation__kind=OrganisationKind.POLICE
    )
    cases = (
        Case.objects.filter(Exists(police), police_count__isnull=True)
        .select_related("house")
        .order_by("house__slug", "id")
    )
    recorded = 0
    for case in cases:
        taking_part = Participation.objects.filter(
            case=case, ended_at__isnull=True, organisation__kind=OrganisationKind.POLICE
        ).values("organisation")
        member = (
            Membership.objects.active()
            .filter(house=case.house, organisation__in=taking_part)
            .select_related("user", "organisation")
            .order_by("id")
            .first()
        )
        if member is None:
            continue
        before = rng.choice([0, 1, 1, 2, 3, 4, 6, 9])
        after = max(0, before - rng.choice([-1, 0, 1, 2, 3])) if after_allowed(case) else None
        record_police_count(
            case, actor=member.user, organisation=member.organisation, before=before, after=after
        )
        recorded += 1
    progress(f"police registration counts: {recorded}")
    return recorded
