"""Shared steps of the services map tests: services of the cast's organisations."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from casusregie.accounts.models import User
from casusregie.conftest import Cast
from casusregie.houses.models import House, Organisation
from casusregie.plans.models import Service, ServiceDomain


def make_service(
    house: House,
    organisation: Organisation,
    name: str,
    *,
    by: User,
    domains: tuple[str, ...] = ("finances",),
    weeks: int = 4,
    confirmed_days_ago: int | None = 0,
    active: bool = True,
    **extra: Any,
) -> Service:
    """A service written directly (the actions are tested through the pages and the API)."""
    today = timezone.localdate()
    service = Service.objects.create(
        house=house,
        organisation=organisation,
        name=name,
        target_group=extra.pop("target_group", "Volwassenen"),
        waiting_weeks=weeks,
        waiting_confirmed_on=(
            None
            if confirmed_days_ago is None
            else today - datetime.timedelta(days=confirmed_days_ago)
        ),
        active=active,
        updated_at=timezone.now(),
        updated_by=by,
        **extra,
    )
    ServiceDomain.objects.bulk_create(ServiceDomain(service=service, domain=d) for d in domains)
    return service


def cast_services(cast: Cast) -> dict[str, Service]:
    """Police (A) and housing (B) each offer one service in the house; the other house has its
    own."""
    return {
        "a": make_service(
            cast.house,
            cast.org_a,
            "Buurtbemiddeling",
            by=cast.participant_a,
            domains=("justice", "social_network"),
            weeks=3,
            target_group="Buren met een conflict",
        ),
        "b": make_service(
            cast.house,
            cast.org_b,
            "Schuldhulpverlening",
            by=cast.participant_b,
            domains=("finances",),
            weeks=6,
            confirmed_days_ago=70,
            description="Hulp bij problematische schulden",
            target_group="Huurders met betalingsachterstand",
        ),
        "other": make_service(
            cast.other_house,
            cast.other_org,
            "Verslavingszorg ambulant",
            by=cast.other_house_user,
            domains=("addiction",),
        ),
    }
