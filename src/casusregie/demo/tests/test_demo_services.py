"""The demo's services map: both houses have one, with some waiting times out of date."""

from __future__ import annotations

import pytest

from casusregie.demo import data
from casusregie.demo.services import load_demo_services
from casusregie.houses.models import House
from casusregie.plans.models import Service
from casusregie.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_both_demo_houses_have_a_services_map() -> None:
    # The full demo loads them with its cases; a load without cases writes no audit rows.
    data.load(progress=lambda line: None, cases_per_house=0)
    assert not Service.objects.exists()
    load_demo_services(lambda line: None)
    for house in House.objects.filter(slug__in=["duinstreek", "heuvelland"]):
        offered = list(Service.objects.filter(house=house).prefetch_related("domain_rows"))
        assert len(offered) >= 15
        names = {s.name for s in offered}
        assert {"Schuldhulpverlening", "Ambulante woonbegeleiding", "Verslavingszorg ambulant"} <= (
            names
        )
        assert all(s.domains for s in offered)
        stale = [s for s in offered if s.waiting_is_stale]
        assert 0 < len(stale) < len(offered)
    assert AuditEvent.objects.filter(action="service.create").count() == Service.objects.count()
