"""Issue 22: the outside probe's attacks by the house's own staff organisation, performed as
written. The privacy officer, functional administrator and auditor are members of the staff
organisation but hold no case-working role: they read registers, logs and counts, never case
content, and they neither refer nor act on actions (docs/privacy.md, "Who sees what").

Each test failed before the policy asked for a case-working role (`policy.CASE_ROLES`)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.api.tests.helpers import family, post, url
from casusregie.cases.models import Participation
from casusregie.conftest import Cast
from casusregie.plans import actions as plan_actions
from casusregie.plans.models import Action, Feedback
from casusregie.referrals.models import Referral, ReferralStatus

pytestmark = pytest.mark.django_db

NO_CASE_ROLE = ("privacy_officer", "admin", "auditor")
TITLE = "Huisbezoek door het team van het huis"


@pytest.fixture
def staff_action(cast: Cast, case: Any) -> Action:
    """An action owned by the house's staff organisation, which takes part in the case."""
    Participation.objects.create(case=case, organisation=cast.staff, role="Team", purpose="Regie")
    (action,) = plan_actions.do_create_actions(
        case,
        [
            plan_actions.ActionData(
                title=TITLE,
                owner_organisation=cast.staff,
                due_date=timezone.localdate() + datetime.timedelta(days=14),
            )
        ],
        actor=cast.process_director,
    )
    return action


@pytest.fixture
def staff_referral(as_user: Any, cast: Cast) -> dict[str, Any]:
    """A referral the process director made on behalf of the staff organisation."""
    body = family(cast, organisation=cast.staff.pk)
    response = post(as_user(cast.process_director), url(cast, "referrals"), body)
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.parametrize("who", NO_CASE_ROLE)
def test_staff_without_a_case_role_do_not_read_the_staff_organisations_action(
    as_user: Any, cast: Cast, staff_action: Action, who: str
) -> None:
    client = as_user(cast.members()[who])
    page = client.get(f"/huizen/{cast.house.slug}/acties/{staff_action.pk}/")
    api = client.get(url(cast, f"actions/{staff_action.pk}"))
    listed = client.get(url(cast, "actions"))
    assert (page.status_code, api.status_code) == (404, 404)
    assert TITLE not in listed.content.decode()
    # The case workers of the staff organisation still do.
    director = as_user(cast.process_director)
    assert director.get(f"/huizen/{cast.house.slug}/acties/{staff_action.pk}/").status_code == 200


@pytest.mark.parametrize("who", NO_CASE_ROLE)
def test_staff_without_a_case_role_cannot_give_feedback(
    as_user: Any, cast: Cast, staff_action: Action, who: str
) -> None:
    body = {"what_was_done": "Niets", "result": "Niets"}
    client = as_user(cast.members()[who])
    response = post(client, url(cast, f"actions/{staff_action.pk}/feedback"), body)
    page = client.post(
        f"/huizen/{cast.house.slug}/acties/{staff_action.pk}/terugkoppeling/",
        {"what_was_done": "Niets", "result": "Niets"},
    )
    assert response.status_code == 404
    assert page.status_code == 404
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("who", NO_CASE_ROLE)
def test_staff_without_a_case_role_do_not_read_the_staff_organisations_referral(
    as_user: Any, cast: Cast, staff_referral: dict[str, Any], who: str
) -> None:
    client = as_user(cast.members()[who])
    pk = staff_referral["id"]
    assert client.get(url(cast, f"referrals/{pk}")).status_code == 404
    assert client.get(f"/huizen/{cast.house.slug}/meldingen/{pk}/").status_code == 404
    listed = client.get(url(cast, "referrals")).content.decode()
    assert "Gezinsman" not in listed
    assert "Gezinsman" not in client.get(f"/huizen/{cast.house.slug}/meldingen/").content.decode()


@pytest.mark.parametrize("who", NO_CASE_ROLE)
def test_staff_without_a_case_role_cannot_refer(as_user: Any, cast: Cast, who: str) -> None:
    client = as_user(cast.members()[who])
    for house in (cast.house, cast.other_house):
        body = family(cast, organisation=cast.staff.pk)
        response = post(client, f"/api/v1/houses/{house.slug}/referrals", body)
        assert response.status_code in {400, 404}, response.content
    page = client.get(f"/huizen/{cast.house.slug}/meldingen/nieuw/")
    assert page.status_code in {403, 404} or "namens" not in page.content.decode().lower()
    assert not Referral.objects.exists()


@pytest.mark.parametrize("who", NO_CASE_ROLE)
def test_staff_without_a_case_role_cannot_withdraw_the_directors_referral(
    as_user: Any, cast: Cast, staff_referral: dict[str, Any], who: str
) -> None:
    pk = staff_referral["id"]
    client = as_user(cast.members()[who])
    response = post(client, url(cast, f"referrals/{pk}/withdraw"), {"reason": "Weg ermee"})
    page = client.post(
        f"/huizen/{cast.house.slug}/meldingen/{pk}/intrekken/", {"reason": "Weg ermee"}
    )
    assert response.status_code == 404
    assert page.status_code == 404
    assert Referral.objects.get(pk=pk).status == ReferralStatus.SUBMITTED


@pytest.mark.parametrize("who", NO_CASE_ROLE)
def test_staff_without_a_case_role_do_not_read_a_meeting_their_organisation_is_invited_to(
    as_user: Any, cast: Cast, case: Any, who: str
) -> None:
    """An invitation of the staff organisation opens the meeting to its case workers only."""
    from casusregie.meetings import actions as meeting_actions

    meeting = meeting_actions.do_plan_meeting(
        cast.house,
        title="Overleg met het team",
        cases=[case],
        invitees=[(cast.staff, True)],
        slots=[timezone.now() + datetime.timedelta(days=2)],
        actor=cast.process_director,
    )
    client = as_user(cast.members()[who])
    assert client.get(f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/").status_code == 404
    assert client.get(url(cast, f"meetings/{meeting.pk}")).status_code == 404
    triage = as_user(cast.triage).get(f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/")
    assert triage.status_code == 200
