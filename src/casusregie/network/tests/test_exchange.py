"""Learning between houses: signed exports, small counts suppressed, unknown signatures refused."""

import json

import pytest
from django.core.management import CommandError, call_command

from casusregie.network import exchange

KEY = "geheim-heuvelland"
LESSONS = [
    {"kind": "goes_well", "theme": "case_meeting", "text": "Vaste voorzitter per wijk."},
    {"kind": "goes_wrong", "theme": "actions_and_feedback", "text": "Terugkoppeling blijft uit."},
]


@pytest.fixture
def keys(settings):
    settings.NETWORK_EXCHANGE_KEY = KEY
    settings.NETWORK_EXCHANGE_KEYS = {"heuvelland-test": KEY}
    return settings


def _export(tmp_path, capsys, lessons=LESSONS):
    lessons_file = tmp_path / "lessen.json"
    lessons_file.write_text(json.dumps(lessons))
    call_command(
        "exchange_network", "export", "--house", "heuvelland-test", "--lessons", str(lessons_file)
    )
    return json.loads(capsys.readouterr().out)


def test_an_export_is_signed_and_suppresses_small_counts(cast, activity, keys, tmp_path, capsys):
    data = _export(tmp_path, capsys)
    assert data["signature"]["alg"] == "HMAC-SHA256"
    indicators = data["indicators"]
    # 3 organisations, 3 people and 2 actions are below 5: suppressed, and so is the share.
    assert indicators["organisations"] is None
    assert indicators["people"] is None
    assert indicators["actions_due"] is None
    assert indicators["feedback_on_time_percent"] is None
    assert indicators["form_in_use"] == "nao"
    assert data["lessons"][1]["theme"] == "actions_and_feedback"
    assert exchange.verify(data)["house"] == "heuvelland-test"


def test_a_lower_threshold_publishes_the_counts(cast, activity, keys, tmp_path, capsys):
    keys.NETWORK_EXCHANGE_SUPPRESS_BELOW = 2
    indicators = _export(tmp_path, capsys)["indicators"]
    assert indicators["organisations"] == 3
    assert indicators["actions_due"] == 2
    assert indicators["feedback_on_time_percent"] == 50


def test_compare_prints_verified_exports_side_by_side(cast, activity, keys, tmp_path, capsys):
    file = tmp_path / "heuvelland.json"
    file.write_text(json.dumps(_export(tmp_path, capsys)))
    call_command("exchange_network", "compare", str(file))
    out = capsys.readouterr().out
    assert "indicator\theuvelland-test" in out
    assert "organisations\t—" in out
    assert "[goes_wrong/actions_and_feedback] Terugkoppeling blijft uit." in out


def test_a_tampered_or_unknown_export_is_refused(cast, activity, keys, tmp_path, capsys):
    data = _export(tmp_path, capsys)
    tampered = json.loads(json.dumps(data))
    tampered["indicators"]["fits"] = not tampered["indicators"]["fits"]
    with pytest.raises(exchange.ExchangeError, match="does not match"):
        exchange.verify(tampered)
    keys.NETWORK_EXCHANGE_KEYS = {}
    with pytest.raises(exchange.ExchangeError, match="unknown house"):
        exchange.verify(data)
    file = tmp_path / "x.json"
    file.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="unknown house"):
        call_command("exchange_network", "compare", str(file))
    with pytest.raises(exchange.ExchangeError, match="not an export"):
        exchange.verify({"format": "iets anders"})


def test_no_export_without_a_signing_key(cast, activity, settings, tmp_path, capsys):
    settings.NETWORK_EXCHANGE_KEY = ""
    with pytest.raises(CommandError, match="NETWORK_EXCHANGE_KEY"):
        _export(tmp_path, capsys)


@pytest.mark.parametrize(
    ("lessons", "message"),
    [
        ({"kind": "goes_well"}, "must be a list"),
        ([{"kind": "fine", "theme": "other", "text": "x"}], r"lessons\[0\].kind"),
        ([{"kind": "goes_well", "theme": "weather", "text": "x"}], r"lessons\[0\].theme"),
        ([{"kind": "goes_well", "theme": "other", "text": "  "}], r"lessons\[0\].text"),
    ],
)
def test_bad_lessons_are_refused(cast, activity, keys, tmp_path, capsys, lessons, message):
    with pytest.raises(CommandError, match=message):
        _export(tmp_path, capsys, lessons)


def test_a_house_without_data_cannot_export(cast, keys):
    with pytest.raises(CommandError, match="no cases or meetings"):
        call_command("exchange_network", "export", "--house", "heuvelland-test")
