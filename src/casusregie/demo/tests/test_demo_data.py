"""The demo houses: two configurations, realistic sizes, every role, working logins."""

from __future__ import annotations

import pytest
from django.test import Client

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.demo import data
from casusregie.houses.models import House, Organisation, Partnership, Ring


@pytest.fixture
def demo(db: None) -> dict:
    lines: list[str] = []
    logins = data.load(progress=lines.append, cases_per_house=0)
    return {"logins": logins, "progress": lines}


def test_two_houses_with_their_own_way_of_working(demo: dict) -> None:
    nhn = House.objects.get(slug="duinstreek")
    mb = House.objects.get(slug="heuvelland")
    assert nhn.governance_form == "nao"
    assert nhn.referral_rights == "stuck_covenant_partners"
    assert nhn.invitee_choice == "referrer"
    assert not nhn.may_take_cases
    assert mb.governance_form == "lead"
    assert mb.referral_rights == "any_partner"
    assert mb.has_triage_team
    assert mb.may_take_cases
    assert nhn.care_form_recipient.kind == "veilig_thuis"


def test_sizes_and_rings(demo: dict) -> None:
    for house in House.objects.all():
        partnerships = Partnership.objects.filter(house=house)
        assert 22 <= partnerships.count() <= 28
        assert {p.ring for p in partnerships} == set(Ring.values)
        people = User.objects.filter(memberships__house=house).distinct().count()
        assert 70 <= people <= 95
        assert set(Membership.objects.filter(house=house).values_list("role", flat=True)) == set(
            Role.values
        )
    # Regional organisations take part in both houses.
    shared = Organisation.objects.filter(partnerships__house__slug="duinstreek").filter(
        partnerships__house__slug="heuvelland"
    )
    assert shared.count() >= 3


def test_progress_is_reported(demo: dict) -> None:
    assert len(demo["progress"]) >= 4
    assert any("organisaties" in line for line in demo["progress"])


def test_printed_logins_work(demo: dict) -> None:
    for rows in demo["logins"].values():
        for _label, email in rows:
            assert User.objects.filter(email=email).exists(), email
    email = demo["logins"]["Zorg- en Veiligheidshuis Heuvelland"][0][1]
    client = Client()
    response = client.post("/inloggen/", {"username": email, "password": data.DEMO_PASSWORD})
    assert response.status_code == 302


def test_all_addresses_are_reserved_fake_domains(demo: dict) -> None:
    assert not User.objects.exclude(email__endswith=".demo.invalid").exists()


def test_loading_is_deterministic(db: None) -> None:
    data.load(progress=lambda _line: None, cases_per_house=0)
    first = sorted(User.objects.values_list("full_name", flat=True))
    from casusregie.privacy.models import Confirmation, ProcessingActivity, WorkingMethod

    Confirmation.objects.all().delete()
    WorkingMethod.objects.all().delete()
    ProcessingActivity.objects.all().delete()
    Membership.objects.all().delete()
    Partnership.objects.all().delete()
    House.objects.all().delete()
    User.objects.all().delete()
    Organisation.objects.all().delete()
    data.load(progress=lambda _line: None, cases_per_house=0)
    assert sorted(User.objects.values_list("full_name", flat=True)) == first


def test_the_full_demo_loads(db: None) -> None:
    """What `python3 dev.py demo` loads, at full size and with its own seed: the stories are
    planned per seed, so a smaller test load does not prove the demo command works."""
    from casusregie.cases.models import Case
    from casusregie.cases.phases import Phase

    data.load(progress=lambda _line: None)
    for house in House.objects.all():
        phases = set(Case.objects.filter(house=house).values_list("phase", flat=True))
        assert Case.objects.filter(house=house).count() >= 100
        assert phases >= {Phase.PREPARATION, Phase.EXECUTION, Phase.AFTERCARE, Phase.CLOSED}
    _privacy_story_is_there()


def _privacy_story_is_there() -> None:
    """The privacy officer's walk-through (README) has something on every list, the log chain
    is intact and the access answer names organisations and disclosures."""
    from casusregie.privacy import chain, rights
    from casusregie.privacy.models import (
        DestructionList,
        GlassBreak,
        SignalKind,
        SubjectRequest,
        UsageSignal,
    )

    for house in House.objects.all():
        assert GlassBreak.objects.filter(house=house).exists()
        kinds = set(UsageSignal.objects.filter(house=house).values_list("kind", flat=True))
        assert kinds >= {SignalKind.BREAK_GLASS, SignalKind.MANY_CASES, SignalKind.OFF_HOURS}
        proposal = DestructionList.objects.get(house=house)
        assert proposal.items.exists()
        assert proposal.approvals.count() == 1
        answer = rights.report(SubjectRequest.objects.get(house=house))
        assert len(answer.organisations) >= 2
        assert answer.disclosures
    _role_waiting_for_approval_is_there()
    assert list(chain.verify()) == []


def _role_waiting_for_approval_is_there() -> None:
    """Four-eyes for role grants (decision 0040): the administrator's request waits for the
    house manager, who sees it on the People page."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casusregie.accounts.models import RoleGrant
    from casusregie.conftest import verified_client

    grant = RoleGrant.objects.get()
    assert grant.house.slug == "heuvelland"
    assert grant.status == "pending"
    assert grant.role == Role.TRIAGE_MEMBER
    assert grant.requested_by.email == "beheerder@heuvelland.demo.invalid"
    assert not Membership.objects.filter(
        user=grant.user, house=grant.house, role=Role.TRIAGE_MEMBER
    ).exists()
    manager = User.objects.get(email="ketenmanager@heuvelland.demo.invalid")
    TOTPDevice.objects.create(user=manager, name="test", confirmed=True)
    page = verified_client(manager).get("/huizen/heuvelland/mensen/").content.decode()
    assert f"/huizen/heuvelland/rollen/verzoeken/{grant.pk}/goedkeuren/" in page
