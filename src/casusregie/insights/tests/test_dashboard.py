"""The collaboration dashboard: only the house manager; key figures and privacy counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.conftest import make_user, verified_client
from casusregie.privacy.models import Disclosure, GlassBreak, SubjectRequest

from .test_report import make_case

URL = "/huizen/heuvelland-test/rapportages/samenwerking/"


@pytest.fixture
def manager(cast: Any) -> Any:
    return make_user("km@test.invalid", "Karin Manager", cast.house, cast.staff, Role.HOUSE_MANAGER)


def test_manager_sees_key_figures_and_privacy_counts(cast: Any, manager: Any) -> None:
    for _ in range(6):
        case = make_case(cast)
    now = timezone.now()
    for _ in range(7):
        Disclosure.objects.create(
            house=cast.house,
            case_id=case.pk,
            occurred_at=now,
            trace_id="t",
            span_id="s",
            name="x",
            purpose="x",
            legal_basis="x",
            processing_activity="x",
            object_type="x",
            object_id="1",
        )
    GlassBreak.objects.create(
        house=cast.house,
        case=case,
        user=cast.participant_c,
        organisation=cast.org_c,
        reason="nood",
        expires_at=now,
    )
    today = timezone.localdate()
    for due in (today - datetime.timedelta(days=1), today + datetime.timedelta(days=20)):
        SubjectRequest.objects.create(
            house=cast.house,
            kind="access",
            requester="x",
            question="x",
            received_on=today,
            due_on=due,
            handled_by=cast.privacy_officer,
        )

    response = verified_client(manager).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Samenwerkingsdashboard" in page
    assert "<strong>6</strong> Meldingen" in page
    assert "<strong>7</strong> Verstrekkingen aan partners" in page
    assert "<strong>&lt; 5</strong> Noodtoegang (break the glass)" in page
    assert "Open verzoeken van betrokkenen (vandaag)" in page


@pytest.mark.parametrize(
    "who", ["process_director", "participant_a", "privacy_officer", "admin", "other_house_user"]
)
def test_others_do_not_find_the_dashboard(cast: Any, who: str) -> None:
    assert verified_client(getattr(cast, who)).get(URL).status_code == 404


def test_bad_period_on_the_dashboard(cast: Any, manager: Any) -> None:
    response = verified_client(manager).get(f"{URL}?van=2026-06-01&tot=2026-01-01")
    assert response.status_code == 400
    assert "Het einde van de periode ligt vóór het begin." in response.content.decode()


def test_report_links_the_dashboard_for_the_manager_only(cast: Any, manager: Any) -> None:
    report = "/huizen/heuvelland-test/rapportages/"
    assert URL in verified_client(manager).get(report).content.decode()
    assert URL not in verified_client(cast.process_director).get(report).content.decode()
