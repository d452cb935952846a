"""Who sees what of concern signals (docs/signals.md):

- a signal: only the members of the organisation that gave it (their own work);
- an alert: the house's process directors, and the members of the organisations the alert
  names. An organisation not named never learns of another organisation's signal;
- an intake (CSV upload): the user who uploaded it.

Missing and forbidden both answer 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404

from casusregie.accounts.models import Membership
from casusregie.accounts.roles import Role
from casusregie.houses.models import House, Organisation
from casusregie.privacy import policy

from .models import Alert, Intake, Signal

# Who may give signals and ask "already a case?": partners and the house's case staff.
SIGNAL_ROLES = (
    Role.PARTNER_PARTICIPANT,
    Role.PARTNER_MANAGER,
    Role.PROCESS_DIRECTOR,
    Role.TRIAGE_MEMBER,
)
DIRECTOR = (Role.PROCESS_DIRECTOR,)


@policy.register(Signal)
def signal_predicate(user: Any) -> Q:
    return Q(policy.member_of(user, "organisation"))


@policy.register(Alert)
def alert_predicate(user: Any) -> Q:
    named = Alert.organisations.through.objects.filter(
        alert=OuterRef("pk"),
        organisation__in=policy.case_memberships(user)
        .filter(house=OuterRef(OuterRef("house")))
        .values("organisation"),
    )
    return Q(policy.staff_of(user, "house", DIRECTOR)) | Q(Exists(named))


@policy.register(Intake)
def intake_predicate(user: Any) -> Q:
    return Q(created_by=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])


def signal_house(user: Any, slug: str) -> House:
    return policy.access_house(user, slug, roles=SIGNAL_ROLES)


def director_house(user: Any, slug: str) -> House:
    return policy.access_house(user, slug, roles=DIRECTOR)


def signalling_organisations(user: Any, house: House) -> QuerySet[Organisation]:
    """The organisations on whose behalf the user may give signals in this house."""
    return Organisation.objects.filter(
        Exists(
            Membership.objects.active().filter(
                user=user, house=house, role__in=SIGNAL_ROLES, organisation=OuterRef("pk")
            )
        )
    ).order_by("name")


def alerts_of(user: Any, house: House) -> QuerySet[Alert]:
    return policy.visible(user, Alert).filter(house=house)


def access_alert(user: Any, house: House, pk: int) -> Alert:
    alert = alerts_of(user, house).filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


def access_intake(user: Any, house: House, pk: int) -> Intake:
    intake = policy.visible(user, Intake).filter(house=house, pk=pk).first()
    if intake is None:
        raise Http404
    return intake


def signals_of(user: Any, house: House) -> QuerySet[Signal]:
    return policy.visible(user, Signal).filter(house=house)


def category_counts(house: House, start: datetime.date) -> dict[tuple[str, str], int]:
    """Counts of the house's signals per (month "YYYY-MM", category) since `start`, for the
    process director's overview: aggregates only, no signal leaves this function (the caller
    checked the role and suppresses small counts)."""
    rows = (
        Signal.objects.filter(house=house, observed_on__gte=start)
        .annotate(month=TruncMonth("observed_on"))
        .values("month", "category")
        .annotate(n=Count("id"))
    )
    return {(r["month"].strftime("%Y-%m"), r["category"]): r["n"] for r in rows}
