"""The diagnosis engine: the fit table of Provan & Kenis, hand-made examples and bad answers."""

import itertools
import json

import pytest
from django.core.management import CommandError, call_command

from casusregie.network import engine

PROFILES = {
    "shared": ("high", "low", "high", "low"),
    "lead": ("low", "moderate", "low", "moderate"),
    "nao": ("moderate", "high", "high", "high"),
}


def answers(entity, takes, trust_level, size, consensus, competencies, **evidence):
    return {
        "form": {"administrative_entity": entity, "entity_takes_cases": takes},
        "contingencies": {
            "trust": {"level": trust_level, "evidence": evidence.get("trust", {})},
            "participants": {"level": size, "evidence": evidence.get("participants", {})},
            "goal_consensus": consensus,
            "competencies": competencies,
        },
    }


# The table written out by hand, independent of engine.FIT_TABLE.
SUITS = {
    ("trust", "low"): {"lead"},
    ("trust", "moderate"): {"nao"},
    ("trust", "high"): {"shared"},
    ("participants", "low"): {"shared"},
    ("participants", "moderate"): {"lead", "nao"},
    ("participants", "high"): {"nao"},
    ("goal_consensus", "low"): {"lead"},
    ("goal_consensus", "moderate"): {"lead", "nao"},
    ("goal_consensus", "high"): {"shared", "nao"},
    ("competencies", "low"): {"shared"},
    ("competencies", "moderate"): {"lead"},
    ("competencies", "high"): {"nao"},
}


@pytest.mark.parametrize("levels", list(itertools.product(engine.LEVELS, repeat=4)))
def test_every_combination_of_levels_favours_the_forms_that_suit_most(levels):
    named = dict(zip(engine.CONTINGENCIES, levels, strict=True))
    expected = dict.fromkeys(engine.FORMS, 0)
    for name, level in named.items():
        for form in SUITS[(name, level)]:
            expected[form] += 1
    best = max(expected.values())
    assert engine.scores(named) == expected
    assert set(engine.favoured_forms(named)) == {f for f, s in expected.items() if s == best}
    for entity, takes in itertools.product((False, True), repeat=2):
        verdict = engine.diagnose(engine.parse_answers(answers(entity, takes, *levels)))
        favoured = set(verdict.favoured)
        # A mixed form (an entity that supports and takes cases) also fits where NAO is favoured.
        expected_fit = verdict.form_in_use in favoured or (entity and takes and "nao" in favoured)
        assert verdict.fits == expected_fit
        assert verdict.mixed == (entity and takes)


@pytest.mark.parametrize("form", engine.FORMS)
def test_the_pure_profile_of_each_form_favours_that_form_alone(form):
    named = dict(zip(engine.CONTINGENCIES, PROFILES[form], strict=True))
    assert engine.favoured_forms(named) == (form,)
    assert engine.scores(named)[form] == 4


def test_form_in_use_from_the_two_indicators():
    assert engine.form_in_use(False, False) == "shared"
    assert engine.form_in_use(True, False) == "nao"
    assert engine.form_in_use(True, True) == "lead"
    # A member that leads without a separate entity is a lead organisation too.
    assert engine.form_in_use(False, True) == "lead"


NHN_LIKE = answers(
    True,
    False,
    "high",
    "high",
    "high",
    "high",
    participants={"organisations": 50, "people": 600},
)


def test_an_nhn_like_house_is_an_nao_that_fits():
    """Noord-Holland Noord: purely supportive staff, independent chairs, ~50 organisations."""
    verdict = engine.diagnose(engine.parse_answers(NHN_LIKE))
    assert verdict.form_in_use == "nao"
    assert verdict.favoured == ("nao",)
    assert verdict.fits
    assert verdict.scores["shared"] < verdict.scores["nao"]
    assert "netwerkadministratieve organisatie (NAO)" in verdict.reasons_nl[0]
    assert any("organisations 50" in line for line in verdict.reasons_en)
    assert any("organisaties 50" in line for line in verdict.reasons_nl)
    assert "past" in verdict.reasons_nl[-1]


def test_an_mb_like_house_leans_to_lead_organisation_and_the_thesis_sees_no_reason_to_change():
    """Midden-Brabant supports the network and takes cases itself; its contingencies are those
    of NHN. The thesis (§7.1.1) found no argument to question the form, mainly because the size
    of the network rules out a shared form."""
    mb = json.loads(json.dumps(NHN_LIKE))
    mb["form"]["entity_takes_cases"] = True
    verdict = engine.diagnose(engine.parse_answers(mb))
    assert verdict.form_in_use == "lead"
    assert verdict.mixed
    assert verdict.favoured == ("nao",)
    assert verdict.fits
    assert "neigt" in verdict.reasons_nl[0]
    assert "shared" not in verdict.favoured
    assert any("past een gedeelde vorm niet" in line for line in verdict.reasons_nl)
    assert "uitzondering" in verdict.reasons_nl[-1]


def test_a_lead_member_without_an_entity_does_not_fit_where_the_nao_is_favoured():
    lead = json.loads(json.dumps(NHN_LIKE))
    lead["form"] = {"administrative_entity": False, "entity_takes_cases": True}
    verdict = engine.diagnose(engine.parse_answers(lead))
    assert verdict.form_in_use == "lead"
    assert not verdict.mixed
    assert not verdict.fits
    assert "bespreek" in verdict.reasons_nl[-1]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ([], "$"),
        ({}, "form"),
        (
            {"form": {"administrative_entity": "yes", "entity_takes_cases": False}},
            "form.administrative_entity",
        ),
        (answers(True, False, "very high", "high", "high", "high"), "contingencies.trust.level"),
        (
            answers(True, False, "high", "high", "high", "high", trust={"x": -1}),
            "contingencies.trust.evidence.x",
        ),
        (
            answers(True, False, "high", "high", "high", "high", trust={"x": "7"}),
            "contingencies.trust.evidence.x",
        ),
        (
            {
                "form": {"administrative_entity": True, "entity_takes_cases": False},
                "contingencies": {"trust": "high"},
            },
            "contingencies.participants",
        ),
    ],
)
def test_bad_answers_name_the_field(data, path):
    with pytest.raises(engine.AnswersError) as caught:
        engine.parse_answers(data)
    assert path in caught.value.errors


def test_the_command_prints_the_verdict_as_text_and_json(tmp_path, capsys):
    file = tmp_path / "nhn.json"
    file.write_text(json.dumps(NHN_LIKE))
    call_command("diagnose_network", answers=str(file), format="json")
    out = json.loads(capsys.readouterr().out)
    assert out["form_in_use"] == "nao"
    assert out["fits"] is True
    assert out["reasons"]["en"][0].startswith("A separate administrative entity")
    call_command("diagnose_network", answers=str(file))
    assert "vertrouwen" in capsys.readouterr().out.lower()


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), (json.dumps({"form": {}}), "form.administrative_entity")],
)
def test_the_command_explains_bad_files(tmp_path, content, message):
    file = tmp_path / "bad.json"
    file.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("diagnose_network", answers=str(file))


def test_the_command_explains_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("diagnose_network", answers=str(tmp_path / "missing.json"))
