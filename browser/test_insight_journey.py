"""Insight in a real browser (issue 6): the house manager reads the outcome report with its
charts, creates a survey from the satisfaction template, sees the results stay hidden below the
minimum number of responses, reads the network diagnosis of the house and opens the page for
learning between houses. axe-core checks every page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.conftest import Cast, make_user
from casusregie.surveys import actions as survey_actions
from casusregie.surveys.models import Group, Survey

pytestmark = pytest.mark.django_db(transaction=True)


def test_insight_journey(journey: Any, cast: Cast, case: Any) -> None:
    manager = make_user(
        "km@test.invalid", "Karin Manager", cast.house, cast.staff, Role.HOUSE_MANAGER
    )
    house = f"/huizen/{cast.house.slug}"
    me = journey("ketenmanager")
    me.login(manager)

    # The outcome report: figures with a chart and a data table next to it.
    page = me.go(f"{house}/rapportages/")
    assert page.get_by_role("heading", name="Resultaatrapportage", level=1).is_visible()
    assert page.locator("table").count() >= 5
    me.check("rapportage")

    # A survey from the satisfaction template.
    page = me.go(f"{house}/enquetes/")
    page.get_by_label("Partnertevredenheidsonderzoek").check()
    closes = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_label("Sluit op").fill(closes.isoformat())
    me.check("enquete-nieuw")
    page.get_by_role("button", name="Enquête aanmaken").click()
    page.wait_for_load_state()
    survey = Survey.objects.get(house=cast.house)
    assert survey.items.filter(key="trust_agreements_kept").exists()
    me.check("enquete-aangemaakt")

    # Three participants answer (gathered elsewhere): below the minimum of 5, nothing shows.
    items = list(survey.items.all())
    for _ in range(3):
        survey_actions.store_imported(
            survey,
            Group.PARTICIPANT,
            {i.key: 8 if i.kind == "grade" else "agree" for i in items if i.kind != "open"},
        )
    page = me.go(f"{house}/enquetes/{survey.pk}/")
    assert page.get_by_text("Nog te weinig antwoorden").first.is_visible()
    assert page.get_by_text("gemiddeld cijfer").count() == 0
    me.check("enquete-verborgen")

    # The network diagnosis of the house, with its graph and reasons.
    page = me.go(f"{house}/netwerk/")
    assert page.get_by_role("heading", name="Netwerkdiagnose", level=1).is_visible()
    assert page.locator("svg[role=img]").count() == 1
    assert page.get_by_text("gebruikte vorm").first.is_visible()
    me.check("netwerkdiagnose")

    page.get_by_role("link", name="Leren tussen huizen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Leren tussen huizen", level=1).is_visible()
    page.get_by_label("Les", exact=True).fill("Vaste voorzitter per wijk werkt goed.")
    page.get_by_role("button", name="Les toevoegen").click()
    page.wait_for_load_state()
    assert page.get_by_text("Vaste voorzitter per wijk werkt goed.").first.is_visible()
    me.check("leren")
