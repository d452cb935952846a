"""From plan to closure in a real browser (issue 9): the process director records the starting
self-sufficiency, moves the case through its phases, sees an overdue action climb the
escalation ladder on Mijn werk, puts the case in aftercare and closes it with the final
assessment; the chart has its table alternative. Also: the referral form can be completed
with the keyboard only, with a visible focus on every control it passes."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.cases.models import Case
from casusregie.conftest import TEST_BSN, Cast
from casusregie.plans import actions as plan_actions
from casusregie.plans import schedule
from casusregie.plans.models import Action
from casusregie.referrals.models import Referral

pytestmark = pytest.mark.django_db(transaction=True)


# The radio buttons the keyboard journey selects with Space: (field, value).
RADIOS = {("kind", "person"), ("subject_informed", "yes")}


def move(page: Any, phase: str) -> None:
    page.get_by_role("link", name=f"Naar “{phase}”").click()
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()


def test_plan_to_closure(journey: Any, cast: Cast, case: Any) -> None:
    house = f"/huizen/{cast.house.slug}"
    chair = journey("regisseur")
    chair.login(cast.process_director)
    page = chair.go(f"{house}/casussen/{case.pk}/")
    page.get_by_role("link", name="Zelfredzaamheid vastleggen").click()
    page.get_by_label("Huisvesting").select_option("2")
    page.get_by_label("Financiën").select_option("1")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    for phase in ("Casusoverleg", "Plan van aanpak", "Uitvoering"):
        move(page, phase)
    assert Case.objects.get(pk=case.pk).phase == "execution"
    chair.check("uitvoering")

    # An action agreed two weeks ago is now a week overdue without feedback: it escalates.
    plan_actions.do_create_actions(
        case,
        [
            plan_actions.ActionData(
                title="Schuldhulp aanvragen",
                owner_organisation=cast.org_b,
                owner=cast.participant_b,
                due_date=timezone.localdate() + datetime.timedelta(days=1),
            )
        ],
        actor=cast.process_director,
    )
    Action.objects.filter(case=case).update(
        due_date=timezone.localdate() - datetime.timedelta(days=8)
    )
    assert schedule.run_escalations(timezone.localdate()) >= 1
    page = chair.go("/berichten/")
    assert page.get_by_text(f"voor actie A1 van casus {case.reference}").first.is_visible()
    chair.check("escalatie")

    page = chair.go(f"{house}/casussen/{case.pk}/")
    move(page, "Nazorg")
    page.get_by_role("link", name="De casus afsluiten").click()
    page.get_by_label("Beheersbare situatie").check()
    page.get_by_label("Afsluitende notitie").fill("Woning behouden, betalingsregeling loopt.")
    page.get_by_label("Huisvesting").select_option("4")
    page.get_by_label("Financiën").select_option("3")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    closed = Case.objects.get(pk=case.pk)
    assert closed.phase == "closed"
    assert closed.retention_until is not None
    chart = page.locator("figure.app-chart")
    assert chart.locator("svg[role=img] title").count() == 1
    alternative = page.locator("figure.app-chart ~ table").first
    housing = alternative.locator("tr", has=page.locator("td", has_text="Huisvesting"))
    assert housing.locator("td").all_inner_texts() == ["Huisvesting", "2", "4", "+2"]
    chair.check("afgesloten")


def test_referral_form_by_keyboard_with_visible_focus(journey: Any, cast: Cast) -> None:
    police = journey("toetsenbord")
    police.login(cast.participant_a)
    page = police.go(f"/huizen/{cast.house.slug}/meldingen/nieuw/")
    values = {
        "persoon-0-first_name": "Toos",
        "persoon-0-last_name": "Toetsenbord",
        "persoon-0-bsn": TEST_BSN,
        "concern_housing": "Dreigende uithuiszetting",
        "goal": "Eén aanpak",
    }
    unfocused_visibly: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const el = document.activeElement; const s = getComputedStyle(el);"
            " return {name: el.name || '', type: el.type || '', tag: el.tagName,"
            " value: el.value || '', keyboard: el.matches(':focus-visible'),"
            " visible: (s.outlineStyle !== 'none' &&"
            " parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'}; }"
        )
        # A date field's own calendar button holds focus inside the field (not :focus-visible
        # on the field itself); everything the browser shows as keyboard focus must be visible.
        if focused["keyboard"] and not focused["visible"]:
            unfocused_visibly.append(focused["name"] or focused["tag"])
        if focused["name"] in values:
            page.keyboard.type(values.pop(focused["name"]))
        elif (focused["name"], focused["value"]) in RADIOS:
            page.keyboard.press("Space")
        elif focused["name"] == "action" and focused["value"] == "submit" and not values:
            break
    assert not values, f"not reached by Tab: {sorted(values)}"
    police.check("toetsenbord-formulier")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Referral.objects.filter(status="submitted").count() == 1
    assert unfocused_visibly == [], f"no visible focus on {unfocused_visibly}"
    police.check("toetsenbord-ingediend")
