"""The services map pages: who reads it, search, who may change a service, the one-click
confirmation of the waiting time, the stale flag, the picker, and constant query counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.plans.models import SERVICE_STALE_AFTER_WEEKS, Service
from casusregie.plans.services_access import picker_choices, services_for_picker
from casusregie.privacy.models import AuditEvent, ProcessingLogEntry

from .service_helpers import cast_services, make_service

pytestmark = pytest.mark.django_db


def page(cast: Cast, path: str = "") -> str:
    return f"/huizen/{cast.house.slug}/sociale-kaart/{path}"


def good_form(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Ambulante woonbegeleiding",
        "domains": ["housing", "mental_health"],
        "target_group": "Volwassenen die zelfstandig gaan wonen",
        "description": "Begeleiding thuis, 2 tot 4 uur per week",
        "region": "Heuvelland",
        "how_to_refer": "Aanmelden via het Wmo-loket",
        "contact_name": "Aanmeldteam",
        "contact_phone": "088 111 2233",
        "contact_email": "aanmelden@example.invalid",
        "waiting_weeks": "5",
    }
    body.update(changes)
    return body


def shown_ids(response: Any) -> set[int]:
    text = response.content.decode()
    return {
        int(part.split('"', 1)[0]) for part in text.split('data-service="')[1:] if part[0].isdigit()
    }


# --- Who reads the map ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["process_director", "triage", "participant_a", "participant_c", "admin"]
)
def test_every_case_worker_and_the_administrator_reads_the_map(
    as_user: Any, cast: Cast, who: str
) -> None:
    services = cast_services(cast)
    response = as_user(getattr(cast, who)).get(page(cast))
    assert response.status_code == 200
    assert shown_ids(response) == {services["a"].pk, services["b"].pk}
    detail = as_user(getattr(cast, who)).get(page(cast, f"{services['b'].pk}/"))
    assert detail.status_code == 200
    assert "Hulp bij problematische schulden" in detail.content.decode()


@pytest.mark.parametrize("who", ["privacy_officer", "auditor", "other_house_user"])
def test_others_find_neither_the_map_nor_a_service(as_user: Any, cast: Cast, who: str) -> None:
    services = cast_services(cast)
    client = as_user(getattr(cast, who))
    assert client.get(page(cast)).status_code == 404
    assert client.get(page(cast, f"{services['a'].pk}/")).status_code == 404
    assert client.get(page(cast, "nieuw/")).status_code == 404


def test_another_houses_service_is_not_found_through_this_house(as_user: Any, cast: Cast) -> None:
    services = cast_services(cast)
    client = as_user(cast.participant_a)
    assert client.get(page(cast, f"{services['other'].pk}/")).status_code == 404
    assert client.post(page(cast, f"{services['other'].pk}/wachttijd-bevestigen/")).status_code == (
        404
    )


def test_an_anonymous_visitor_is_sent_to_login(client: Any, cast: Cast) -> None:
    response = client.get(page(cast))
    assert response.status_code == 302
    assert "/inloggen" in response["Location"]


def test_reading_the_map_writes_no_processing_log(as_user: Any, cast: Cast) -> None:
    cast_services(cast)
    before = ProcessingLogEntry.objects.count()
    as_user(cast.participant_a).get(page(cast))
    assert ProcessingLogEntry.objects.count() == before


def test_the_house_menu_shows_the_map_only_to_its_readers(as_user: Any, cast: Cast) -> None:
    link = f'href="{page(cast)}"'
    home = f"/huizen/{cast.house.slug}/mensen/"
    assert link in as_user(cast.participant_a).get(home).content.decode()
    assert link not in as_user(cast.privacy_officer).get(home).content.decode()


# --- Search -------------------------------------------------------------------------------------


def test_search_by_text_organisation_domain_target_group_and_state(
    as_user: Any, cast: Cast
) -> None:
    services = cast_services(cast)
    gone = make_service(
        cast.house, cast.org_c, "Oude dagbesteding", by=cast.participant_c, active=False
    )
    client = as_user(cast.participant_c)
    a, b = services["a"].pk, services["b"].pk
    assert shown_ids(client.get(page(cast), {"q": "schuld"})) == {b}
    assert shown_ids(client.get(page(cast), {"q": "woonstichting"})) == {b}
    assert shown_ids(client.get(page(cast), {"organisation": cast.org_a.pk})) == {a}
    assert shown_ids(client.get(page(cast), {"domain": "social_network"})) == {a}
    assert shown_ids(client.get(page(cast), {"target_group": "buren"})) == {a}
    assert shown_ids(client.get(page(cast), {"state": "stale"})) == {b}
    assert shown_ids(client.get(page(cast), {"state": "all"})) == {a, b, gone.pk}
    assert shown_ids(client.get(page(cast), {"q": "dagbesteding"})) == set()


def test_a_bad_filter_is_a_clear_error_not_a_crash(as_user: Any, cast: Cast) -> None:
    cast_services(cast)
    response = as_user(cast.participant_a).get(page(cast), {"domain": "astrology"})
    assert response.status_code == 400
    assert 'id="fouten"' in response.content.decode()
    assert shown_ids(response) == set()
    response = as_user(cast.participant_a).get(page(cast), {"organisation": "abc"})
    assert response.status_code == 400


def test_the_list_takes_the_same_number_of_queries_for_2_and_12_services(
    as_user: Any, cast: Cast
) -> None:
    cast_services(cast)
    client = as_user(cast.participant_a)
    client.get(page(cast))  # warm-up: session, sites, translations
    with CaptureQueriesContext(connection) as small:
        assert client.get(page(cast)).status_code == 200
    for number in range(10):
        make_service(
            cast.house,
            (cast.org_a, cast.org_b, cast.org_c)[number % 3],
            f"Dienst {number}",
            by=cast.admin,
            domains=("housing", "finances", "daytime")[: 1 + number % 3],
        )
    with CaptureQueriesContext(connection) as large:
        response = client.get(page(cast))
    assert len(shown_ids(response)) == 12
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


# --- The stale flag -----------------------------------------------------------------------------


def test_a_waiting_time_is_stale_after_the_set_number_of_weeks(cast: Cast) -> None:
    limit = SERVICE_STALE_AFTER_WEEKS * 7
    fresh = make_service(cast.house, cast.org_a, "Vers", by=cast.admin, confirmed_days_ago=limit)
    old = make_service(cast.house, cast.org_a, "Oud", by=cast.admin, confirmed_days_ago=limit + 1)
    never = make_service(cast.house, cast.org_a, "Nooit", by=cast.admin, confirmed_days_ago=None)
    assert not fresh.waiting_is_stale
    assert old.waiting_is_stale
    assert never.waiting_is_stale


def test_the_stale_flag_shows_in_the_list_and_on_the_service(as_user: Any, cast: Cast) -> None:
    services = cast_services(cast)
    client = as_user(cast.participant_a)
    text = client.get(page(cast)).content.decode()
    assert f'data-service="{services["b"].pk}" data-stale="true"' in text
    assert f'data-service="{services["a"].pk}">' in text
    assert 'data-stale="true"' in client.get(page(cast, f"{services['b'].pk}/")).content.decode()
    assert 'data-stale="true"' not in (
        client.get(page(cast, f"{services['a'].pk}/")).content.decode()
    )


# --- Adding --------------------------------------------------------------------------------------


def test_a_participant_adds_a_service_of_their_organisation(as_user: Any, cast: Cast) -> None:
    response = as_user(cast.participant_a).post(
        page(cast, "nieuw/"), good_form(organisation=cast.org_a.pk)
    )
    assert response.status_code == 302
    service = Service.objects.get(name="Ambulante woonbegeleiding")
    assert service.organisation == cast.org_a
    assert service.domains == ["housing", "mental_health"]
    assert service.waiting_confirmed_on == timezone.localdate()
    assert service.updated_by == cast.participant_a
    event = AuditEvent.objects.get(action="service.create", object_id=str(service.pk))
    assert event.actor == cast.participant_a
    assert event.actor_organisation == cast.org_a
    assert (event.after or {})["waiting_weeks"] == 5


def test_a_participant_cannot_add_for_another_organisation(as_user: Any, cast: Cast) -> None:
    response = as_user(cast.participant_a).post(
        page(cast, "nieuw/"), good_form(organisation=cast.org_b.pk)
    )
    assert response.status_code == 400
    assert not Service.objects.exists()


def test_the_administrator_adds_for_any_partner(as_user: Any, cast: Cast) -> None:
    response = as_user(cast.admin).post(page(cast, "nieuw/"), good_form(organisation=cast.org_c.pk))
    assert response.status_code == 302
    assert Service.objects.get().organisation == cast.org_c


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"domains": []}, "domains"),
        ({"domains": ["astrology"]}, "domains"),
        ({"target_group": ""}, "target_group"),
        ({"waiting_weeks": "-1"}, "waiting_weeks"),
        ({"waiting_weeks": "999"}, "waiting_weeks"),
        ({"waiting_weeks": "zes"}, "waiting_weeks"),
        ({"contact_email": "geen-adres"}, "contact_email"),
        ({"contact_phone": "0" * 31}, "contact_phone"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    as_user: Any, cast: Cast, changes: dict[str, Any], field: str
) -> None:
    response = as_user(cast.participant_a).post(
        page(cast, "nieuw/"), good_form(organisation=cast.org_a.pk, **changes)
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode() or (
        f'href="#id_{field}' in response.content.decode()
    )
    assert not Service.objects.exists()


def test_a_second_service_with_the_same_name_is_refused(as_user: Any, cast: Cast) -> None:
    cast_services(cast)
    response = as_user(cast.participant_a).post(
        page(cast, "nieuw/"), good_form(organisation=cast.org_a.pk, name="buurtbemiddeling")
    )
    assert response.status_code == 400
    assert Service.objects.filter(organisation=cast.org_a).count() == 1


# --- Changing ------------------------------------------------------------------------------------


def test_the_owner_changes_the_service_and_the_change_is_audited(as_user: Any, cast: Cast) -> None:
    services = cast_services(cast)
    service = services["a"]
    response = as_user(cast.participant_a).post(
        page(cast, f"{service.pk}/wijzigen/"),
        good_form(name="Buurtbemiddeling Heuvelland", domains=["justice"], waiting_weeks="3"),
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Buurtbemiddeling Heuvelland"
    assert service.domains == ["justice"]
    event = AuditEvent.objects.get(action="service.update", object_id=str(service.pk))
    before, after = event.before or {}, event.after or {}
    assert before["name"] == "Buurtbemiddeling"
    assert after["domains"] == ["justice"]
    assert "waiting_weeks" not in after  # unchanged fields are not repeated


def test_the_administrator_changes_any_service(as_user: Any, cast: Cast) -> None:
    service = cast_services(cast)["b"]
    response = as_user(cast.admin).post(
        page(cast, f"{service.pk}/wijzigen/"), good_form(name="Schuldhulp", waiting_weeks="8")
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.name, service.waiting_weeks) == ("Schuldhulp", 8)
    # A new waiting time is a confirmed one.
    assert service.waiting_confirmed_on == timezone.localdate()


@pytest.mark.parametrize(
    "who", ["participant_b", "participant_c", "process_director", "privacy_officer", "auditor"]
)
def test_who_may_not_change_a_service_of_organisation_a(as_user: Any, cast: Cast, who: str) -> None:
    service = cast_services(cast)["a"]
    client = as_user(getattr(cast, who))
    assert client.get(page(cast, f"{service.pk}/wijzigen/")).status_code == 404
    assert client.post(page(cast, f"{service.pk}/wijzigen/"), good_form()).status_code == 404
    assert client.post(page(cast, f"{service.pk}/wachttijd-bevestigen/")).status_code == 404
    assert (
        client.post(page(cast, f"{service.pk}/niet-meer-aangeboden/"), {"reason": "x"}).status_code
        == 404
    )
    service.refresh_from_db()
    assert service.name == "Buurtbemiddeling"
    assert service.active
    assert not AuditEvent.objects.filter(object_type="plans.service").exists()


def test_a_bad_change_is_refused_and_nothing_changes(as_user: Any, cast: Cast) -> None:
    service = cast_services(cast)["a"]
    response = as_user(cast.participant_a).post(
        page(cast, f"{service.pk}/wijzigen/"), good_form(domains=[], waiting_weeks="-2")
    )
    assert response.status_code == 400
    service.refresh_from_db()
    assert service.domains == ["social_network", "justice"] or set(service.domains) == {
        "justice",
        "social_network",
    }
    assert service.waiting_weeks == 3


# --- Confirming the waiting time and no longer offering -------------------------------------------


def test_the_owner_confirms_the_waiting_time_with_one_click(as_user: Any, cast: Cast) -> None:
    service = cast_services(cast)["b"]
    assert service.waiting_is_stale
    response = as_user(cast.participant_b).post(
        page(cast, f"{service.pk}/wachttijd-bevestigen/"), {"next": page(cast) + "?state=stale"}
    )
    assert response.status_code == 302
    assert response["Location"] == page(cast) + "?state=stale"
    service.refresh_from_db()
    assert service.waiting_confirmed_on == timezone.localdate()
    assert not service.waiting_is_stale
    assert service.waiting_weeks == 6
    event = AuditEvent.objects.get(action="service.confirm_waiting_time")
    assert event.after["waiting_confirmed_on"] == timezone.localdate().isoformat()


def test_a_confirmation_never_sends_the_user_elsewhere(as_user: Any, cast: Cast) -> None:
    service = cast_services(cast)["b"]
    response = as_user(cast.participant_b).post(
        page(cast, f"{service.pk}/wachttijd-bevestigen/"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == page(cast, f"{service.pk}/")


def test_no_longer_offered_needs_a_reason_and_leaves_the_default_list(
    as_user: Any, cast: Cast
) -> None:
    service = cast_services(cast)["a"]
    client = as_user(cast.participant_a)
    refused = client.post(page(cast, f"{service.pk}/niet-meer-aangeboden/"), {"reason": " "})
    assert refused.status_code == 400
    service.refresh_from_db()
    assert service.active
    done = client.post(
        page(cast, f"{service.pk}/niet-meer-aangeboden/"), {"reason": "Subsidie gestopt"}
    )
    assert done.status_code == 302
    service.refresh_from_db()
    assert not service.active
    assert AuditEvent.objects.get(action="service.retire").reason == "Subsidie gestopt"
    assert service.pk not in shown_ids(client.get(page(cast)))
    assert service.pk in shown_ids(client.get(page(cast), {"state": "all"}))
    assert service not in services_for_picker(cast.house)


# --- The picker for the action form ---------------------------------------------------------------


def test_the_picker_offers_active_services_with_their_waiting_time(cast: Cast) -> None:
    services = cast_services(cast)
    make_service(cast.house, cast.org_c, "Gestopt", by=cast.admin, active=False)
    offered = services_for_picker(cast.house)
    assert [s.name for s in offered] == ["Buurtbemiddeling", "Schuldhulpverlening"]
    assert [s.name for s in services_for_picker(cast.house, domain="finances")] == [
        "Schuldhulpverlening"
    ]
    stale = next(s for s in offered if s.pk == services["b"].pk)
    assert stale.waiting_is_stale
    confirmed = (timezone.localdate() - datetime.timedelta(days=70)).strftime("%d-%m-%Y")
    label = stale.picker_label()
    assert label.startswith("Schuldhulpverlening — Woonstichting Heuvelland-test — 6 ")
    assert confirmed in label
    choices = picker_choices(offered)
    assert choices[0][0] == ""
    assert choices[2] == (str(stale.pk), label)


def test_the_picker_include_renders_a_select(cast: Cast) -> None:
    services = cast_services(cast)
    html = render_to_string(
        "plans/services/_picker.html",
        {
            "picker_services": services_for_picker(cast.house),
            "picker_selected": services["a"].pk,
        },
    )
    assert '<select name="service" id="id_service"' in html
    assert f'<option value="{services["a"].pk}" selected>' in html
    assert f'<option value="{services["b"].pk}" data-stale="true">' in html
    assert "Buurtbemiddeling — Politie Heuvelland-test — 3 " in html


def test_the_picker_takes_two_queries_whatever_the_number_of_services(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    cast_services(cast)
    for number in range(8):
        make_service(cast.house, cast.org_c, f"Dienst {number}", by=cast.admin)
    with django_assert_num_queries(2):
        offered = services_for_picker(cast.house)
        [s.picker_label() for s in offered]


def test_the_demo_clock_ages_the_waiting_times(cast: Cast) -> None:
    service = make_service(cast.house, cast.org_a, "Vers", by=cast.admin, confirmed_days_ago=0)
    call_command("advance_clock", "--days", str(SERVICE_STALE_AFTER_WEEKS * 7 + 1))
    service.refresh_from_db()
    assert service.waiting_is_stale


def test_a_service_no_longer_offered_can_be_offered_again(as_user: Any, cast: Cast) -> None:
    service = make_service(cast.house, cast.org_a, "Gestopt", by=cast.admin, active=False)
    client = as_user(cast.participant_a)
    kept = client.post(page(cast, f"{service.pk}/wijzigen/"), good_form(name="Gestopt"))
    assert kept.status_code == 302
    service.refresh_from_db()
    assert not service.active
    again = client.post(
        page(cast, f"{service.pk}/wijzigen/"), good_form(name="Gestopt", offer_again="on")
    )
    assert again.status_code == 302
    service.refresh_from_db()
    assert service.active
    event = AuditEvent.objects.filter(action="service.update").latest("pk")
    assert (event.after or {})["active"] is True
