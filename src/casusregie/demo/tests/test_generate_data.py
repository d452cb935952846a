"""`casusregie generate-data`: a small national data set the application can show, with the
access rules intact (SQLite, bulk-insert path; the COPY path runs in the benchmarks)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.accounts.models import User
from casusregie.cases.models import Case, CaseSubject, Participation, Subject
from casusregie.conftest import verified_client
from casusregie.demo.national import house_sizes
from casusregie.houses.models import House
from casusregie.meetings.models import AgendaItem
from casusregie.plans.models import Action, Feedback
from casusregie.privacy import chain
from casusregie.privacy.models import ProcessingLogEntry
from casusregie.referrals.models import Referral
from casusregie.signals.models import Signal


@pytest.fixture
def generated(db: None, settings: Any, tmp_path: Path) -> dict:
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("generate_data", houses=3, cases=90, seed=7, stdout=out)
    info = json.loads((tmp_path / "generated.json").read_text())
    info["output"] = out.getvalue()
    return dict(info)


def login(email: str) -> Client:
    user = User.objects.get(email=email)
    TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    return verified_client(user)


def test_sizes_and_consistency(generated: dict) -> None:
    assert House.objects.count() == 3
    assert Case.objects.count() == 90
    assert [h["cases"] for h in generated["houses"]] == house_sizes(3, 90)
    # Every case: one main subject, a referral it came from, two or more organisations.
    assert CaseSubject.objects.filter(is_main=True).values("case").distinct().count() == 90
    assert Referral.objects.filter(case__isnull=False).count() == 90
    per_case = Participation.objects.values("case").annotate(n=Count("id"))
    assert min(row["n"] for row in per_case) >= 2
    # Every case past the meeting phase was on an agenda; actions and feedback exist.
    past = Case.objects.filter(phase__in=["plan", "execution", "aftercare", "closed"])
    assert AgendaItem.objects.filter(case__in=past).values("case").distinct().count() == (
        past.count()
    )
    assert Action.objects.count() >= 3 * past.count()
    assert Feedback.objects.exists()
    assert not Action.objects.exclude(house_id=F("case__house_id")).exists()
    # Concern signals before recent cases, under the pseudonym the signals app matches by.
    pseudonyms = set(Signal.objects.values_list("pseudonym", flat=True))
    assert pseudonyms
    assert pseudonyms <= set(
        Subject.objects.exclude(bsn_hash="").values_list("bsn_hash", flat=True)
    )
    assert not Signal.objects.filter(expires_on__lt=timezone.localdate()).exists()
    # About 20 processing-log lines per case, chained so verify-log accepts them.
    lines = ProcessingLogEntry.objects.count()
    assert 10 * 90 <= lines <= 30 * 90
    assert list(chain.verify()) == []
    assert "generated in" in generated["output"]
    assert "privacy_processinglogentry" in generated["output"]


def test_a_generated_case_opens_for_its_participant_and_not_for_others(generated: dict) -> None:
    house = generated["houses"][0]
    restricted = house["restricted_organisation_id"]
    theirs = Case.objects.filter(
        house_id=house["house_id"], participations__organisation_id=restricted
    ).first()
    other = Case.objects.filter(house_id=house["house_id"]).exclude(
        participations__organisation_id=restricted
    )[0]
    assert theirs is not None
    client = login(house["restricted"])
    page = client.get(f"/huizen/{house['slug']}/casussen/{theirs.pk}/")
    assert page.status_code == 200
    assert theirs.reference in page.content.decode()
    # Organisation C: a partner whose organisation does not take part in the case.
    assert client.get(f"/huizen/{house['slug']}/casussen/{other.pk}/").status_code == 404
    # A user of another house sees neither.
    stranger = login(generated["houses"][1]["restricted"])
    assert stranger.get(f"/huizen/{house['slug']}/casussen/{theirs.pk}/").status_code == 404
    # The process director sees both and the page wrote its processing-log line.
    before = ProcessingLogEntry.objects.count()
    director = login(house["director"])
    assert director.get(f"/huizen/{house['slug']}/casussen/{other.pk}/").status_code == 200
    assert ProcessingLogEntry.objects.count() > before
    assert list(chain.verify()) == []


def test_refuses_a_database_that_already_has_houses(generated: dict) -> None:
    with pytest.raises(CommandError, match="already holds houses"):
        call_command("generate_data", houses=1, cases=5)


@pytest.mark.parametrize(("houses", "cases"), [(0, 10), (3, 2)])
def test_refuses_impossible_sizes(db: None, houses: int, cases: int) -> None:
    with pytest.raises(CommandError, match="at least one"):
        call_command("generate_data", houses=houses, cases=cases)
    assert not House.objects.exists()


def test_same_seed_same_sizes() -> None:
    assert house_sizes(30, 1_000_000) == house_sizes(30, 1_000_000)
    assert sum(house_sizes(30, 1_000_000)) == 1_000_000
    sizes = house_sizes(30, 1_000_000)
    assert sizes == sorted(sizes, reverse=True)
    assert 2.5 < sizes[0] / sizes[15] < 4.5
