"""The insight reports of the full demo.

The network diagnosis reads as the thesis (chapter 6, §7.1.1): Duinstreek (NHN-style) is an NAO
that fits; Heuvelland (MB-style) leans to a lead organisation, and the thesis saw no reason to
change it because the size of the network rules out a shared form. The police effect has a real
before/after difference, from archived cases closed more than a year ago.

Both depend on the whole demo history, so this module plays the full demo once (about a minute)
and rolls it back afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.accounts.models import User
from casusregie.conftest import verified_client
from casusregie.demo import data
from casusregie.houses.models import House
from casusregie.insights.models import PoliceCount
from casusregie.insights.report import Period, default_period, police_effect
from casusregie.privacy.models import ProcessingLogEntry

# Both regions: high trust, tens of organisations, high goal consensus, high need for
# network-level competencies (§7.1.1, factors 1-4).
THESIS_LEVELS = {
    "trust": "high",
    "participants": "high",
    "goal_consensus": "high",
    "competencies": "high",
}


@pytest.fixture(scope="module")
def full_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        data.load(progress=lambda _line: None)
        yield
        transaction.set_rollback(True)


def _diagnose(slug: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    call_command("diagnose_network", house=slug, format="json")
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


@pytest.mark.usefixtures("full_demo")
def test_duinstreek_is_an_nao_that_fits_as_the_thesis_finds_for_nhn(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = _diagnose("duinstreek", capsys)
    levels = {k: v["level"] for k, v in verdict["answers"]["contingencies"].items()}
    assert levels == THESIS_LEVELS
    assert verdict["form_in_use"] == "nao"
    assert verdict["favoured"] == ["nao"]
    assert verdict["fits"] is True
    assert not verdict["mixed"]
    nl = verdict["reasons"]["nl"]
    assert "zonder zelf casussen op te pakken" in nl[0]
    assert any("past een gedeelde vorm niet" in line for line in nl)
    assert nl[-1].endswith("de gebruikte vorm past.")
    # Agreements are not always kept (§7.1.1): the behavioural signal is lower than the survey.
    trust = verdict["answers"]["contingencies"]["trust"]["evidence"]
    assert trust["feedback_on_time_percent"] < trust["survey_trust_score"]
    participants = verdict["answers"]["contingencies"]["participants"]["evidence"]
    assert participants["organisations"] >= 16


@pytest.mark.usefixtures("full_demo")
def test_heuvelland_leans_to_a_lead_organisation_which_the_thesis_does_not_question(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = _diagnose("heuvelland", capsys)
    levels = {k: v["level"] for k, v in verdict["answers"]["contingencies"].items()}
    assert levels == THESIS_LEVELS
    assert verdict["form_in_use"] == "lead"
    assert verdict["mixed"] is True
    assert verdict["favoured"] == ["nao"]
    assert verdict["fits"] is True
    assert "shared" not in verdict["favoured"]
    nl = verdict["reasons"]["nl"]
    assert "neigt naar leidersorganisatie" in nl[0]
    assert any("past een gedeelde vorm niet" in line for line in nl)
    assert "uitzondering" in nl[-1]
    assert "bespreek" not in " ".join(nl)


@pytest.mark.usefixtures("full_demo")
def test_the_house_manager_reads_the_verdict_on_the_page(db: None) -> None:
    user = User.objects.get(email="ketenmanager@heuvelland.demo.invalid")
    TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    response = verified_client(user).get("/huizen/heuvelland/netwerk/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "neigt naar leidersorganisatie" in page
    assert "houd het zelf oppakken van casussen de uitzondering" in page


@pytest.mark.usefixtures("full_demo")
def test_the_police_effect_shows_a_real_before_and_after_with_its_interval(db: None) -> None:
    """Archived cases closed more than a year ago carry "after" counts, so the report has a
    before/after difference; the counts were recorded by the police taking part (audited)."""
    for slug in ("duinstreek", "heuvelland"):
        counts = PoliceCount.objects.filter(house__slug=slug, after__isnull=False)
        assert counts.count() >= 30
        assert all(c.case.closed_at is not None for c in counts.select_related("case"))
        assert (
            ProcessingLogEntry.objects.filter(house__slug=slug, name="police_count.record").count()
            >= counts.count()
        )
        user = User.objects.get(email=f"ketenmanager@{slug}.demo.invalid")
        TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
        page = verified_client(user).get(f"/huizen/{slug}/rapportages/").content.decode()
        assert "Gemiddeld verschil (na − vóór)" in page
        assert "95%-interval, ondergrens" in page
        # The figure shows numbers, not "fewer than 5 cases: no figure".
        with translation.override("en"):
            figure = police_effect(House.objects.get(slug=slug), Period(*default_period()))
            labels = {str(row[0]): row[1] for row in figure.rows}
        assert labels["Number of cases"] >= 30
        assert labels["95% interval, upper bound"] < 0  # fewer registrations after closure
