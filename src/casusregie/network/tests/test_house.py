"""The diagnosis from a house's data: the page, the command, who may not see it, no data."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from casusregie.conftest import verified_client
from casusregie.network import house_data
from casusregie.plans.models import Action

URL = "/huizen/heuvelland-test/netwerk/"


def test_the_answers_follow_from_the_house_data(cast, activity):
    today = timezone.localdate()
    found = house_data.collect(cast.house, today - datetime.timedelta(days=30), today)
    assert found is not None
    answers = found.answers
    # The house has its own staff organisation, which owns no actions: an NAO in practice.
    assert answers["form"] == {"administrative_entity": True, "entity_takes_cases": False}
    participants = answers["contingencies"]["participants"]
    assert participants["level"] == "low"
    assert participants["evidence"]["organisations"] == 3
    assert participants["evidence"]["people_per_case_table"] == 3
    trust = answers["contingencies"]["trust"]
    assert trust["evidence"]["feedback_on_time_percent"] == 50
    assert trust["level"] == "moderate"
    assert answers["contingencies"]["goal_consensus"]["level"] is None
    graph = found.graph
    # A-B share the case and the meeting; A-C and B-C only the meeting.
    assert ("Politie Heuvelland-test", "Woonstichting Heuvelland-test", 2) in graph["edges"]
    assert graph["density"] == 1.0
    assert graph["centralisation"] == 0.0


def test_staff_owning_actions_makes_it_a_lead_organisation(cast, activity):
    Action.objects.filter(number=2).update(owner_organisation=cast.staff)
    today = timezone.localdate()
    found = house_data.collect(cast.house, today - datetime.timedelta(days=30), today)
    assert found.answers["form"]["entity_takes_cases"] is True


def test_a_house_configured_to_take_cases_is_a_lead_organisation(cast, activity):
    cast.house.may_take_cases = True
    cast.house.save()
    today = timezone.localdate()
    found = house_data.collect(cast.house, today - datetime.timedelta(days=30), today)
    assert found.answers["form"]["entity_takes_cases"] is True


def test_a_house_without_data_in_the_period_gets_no_verdict(cast, activity):
    client = verified_client(cast.process_director)
    response = client.get(URL, {"van": "2020-01-01", "tot": "2020-12-31"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "geen casussen of overleggen in deze periode" in text
    assert "Oordeel" not in text
    with pytest.raises(CommandError, match="nothing to diagnose"):
        call_command(
            "diagnose_network", house="heuvelland-test", start="2020-01-01", end="2020-12-31"
        )


def test_the_process_director_sees_the_verdict_and_the_graph(cast, activity):
    response = verified_client(cast.process_director).get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Oordeel" in text
    assert 'role="img"' in text
    assert "<desc" in text
    assert "Geen enquêtegegevens" in text
    assert "Politie Heuvelland-test" in text
    # Counts only: no names of people or of the case.
    assert "Arie Agent" not in text
    assert "Jan Testpersoon" not in text


@pytest.mark.parametrize("who", ["participant_a", "admin", "triage", "other_house_user"])
def test_partners_staff_without_the_role_and_other_houses_get_404(cast, activity, who):
    response = verified_client(getattr(cast, who)).get(URL)
    assert response.status_code == 404


def test_another_house_is_404_for_the_process_director(cast):
    response = verified_client(cast.process_director).get("/huizen/duinstreek-test/netwerk/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"van": "gisteren"}, "Voer een datum in"),
        ({"van": "2026-02-01", "tot": "2026-01-01"}, "mag niet na het einde"),
    ],
)
def test_bad_periods_are_explained(cast, query, message):
    response = verified_client(cast.process_director).get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_command_diagnoses_a_house(cast, activity, capsys):
    call_command("diagnose_network", house="heuvelland-test", format="json")
    out = json.loads(capsys.readouterr().out)
    assert out["form_in_use"] == "nao"
    assert out["answers"]["contingencies"]["participants"]["evidence"]["organisations"] == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"house": "onbekend"}, "no house"),
        ({"house": "heuvelland-test", "start": "morgen"}, "not a date"),
        ({}, "either --answers"),
    ],
)
def test_the_command_explains_bad_house_options(cast, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("diagnose_network", **options)


def test_the_house_menu_links_the_page_for_process_directors_only(cast):
    menu = verified_client(cast.process_director).get("/huizen/heuvelland-test/casussen/")
    assert URL in menu.content.decode()
    menu = verified_client(cast.participant_a).get("/huizen/heuvelland-test/casussen/")
    assert URL not in menu.content.decode()


def test_survey_items_join_trust_and_measure_goal_consensus(cast, activity, monkeypatch):
    scores = {"trust_": [90.0], "goal_consensus_": [80.0, 70.0]}
    monkeypatch.setattr(house_data, "_survey", lambda house, prefix, since: scores[prefix])
    today = timezone.localdate()
    found = house_data.collect(cast.house, today - datetime.timedelta(days=30), today)
    trust = found.answers["contingencies"]["trust"]
    # (50 from feedback on time + 90 from the survey) / 2 = 70: high.
    assert trust["level"] == "high"
    assert trust["evidence"]["survey_trust_score"] == 90
    consensus = found.answers["contingencies"]["goal_consensus"]
    assert consensus == {"level": "high", "evidence": {"survey_goal_consensus_score": 75}}
    assert found.survey_data
