"""Stand-ins during absence (decision 0046): who may be one, that the stand-in receives the
absent person's notifications and may do their case-director and owner work while the
arrangement is in force (recorded on behalf of them), and that those powers end on the last
day or when the arrangement is ended early."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, override

from casusregie.accounts.actions import do_end_stand_in, do_set_stand_in
from casusregie.accounts.models import StandIn
from casusregie.accounts.roles import Role
from casusregie.cases.access import is_case_director
from casusregie.cases.actions import do_set_directors
from casusregie.conftest import Cast, make_user
from casusregie.inbox.actions import notify
from casusregie.inbox.models import Notification
from casusregie.plans.access import may_edit_plan, may_review
from casusregie.plans.actions import (
    ActionData,
    do_add_goal,
    do_create_actions,
    do_review_feedback,
    do_submit_feedback,
)
from casusregie.plans.models import Action, Feedback
from casusregie.privacy import policy
from casusregie.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def nl(message: str) -> str:
    with override("nl"):
        return gettext(message)


@pytest.fixture
def colleague_a(cast: Cast) -> Any:
    return make_user(
        "a2@test.invalid", "Anne Agent", cast.house, cast.org_a, Role.PARTNER_PARTICIPANT
    )


@pytest.fixture
def directed(cast: Cast, case: Any) -> dict[str, Any]:
    """participant_a (A) is the case director; B owns an action only the case director and B
    read in full; A owns an action of participant_a's with feedback waiting for review."""
    do_set_directors(
        case,
        process_director=cast.process_director,
        case_director=cast.participant_a,
        case_director_organisation=cast.org_a,
        actor=cast.process_director,
    )
    own, housing = do_create_actions(
        case,
        [
            ActionData("Huisbezoek", cast.org_a, days(7), owner=cast.participant_a),
            ActionData("Betalingsregeling-Wielewaal", cast.org_b, days(9)),
        ],
        actor=cast.process_director,
    )
    feedback = do_submit_feedback(
        housing, what_was_done="Gesprek", result="Regeling", actor=cast.participant_b
    )
    return {"case": case, "own": own, "housing": housing, "feedback": feedback}


def arrange(cast: Cast, stand_in: Any, *, absent: Any = None, actor: Any = None, **kw: Any) -> Any:
    absent = absent or cast.participant_a
    return do_set_stand_in(
        cast.house,
        absent=absent,
        stand_in=stand_in,
        starts_on=kw.pop("starts_on", TODAY()),
        ends_on=kw.pop("ends_on", days(7)),
        reason=kw.pop("reason", "Vakantie"),
        actor=actor or absent,
    )


def page(cast: Cast, user: Any) -> str:
    return f"/huizen/{cast.house.slug}/mensen/{user.pk}/vervanging/"


# --- Arranging ------------------------------------------------------------------------------


def test_a_person_arranges_their_own_stand_in_on_the_page(
    as_user: Any, cast: Cast, colleague_a: Any
) -> None:
    client = as_user(cast.participant_a)
    assert client.get(page(cast, cast.participant_a)).status_code == 200
    response = client.post(
        page(cast, cast.participant_a),
        {
            "stand_in": colleague_a.pk,
            "starts_on": TODAY().isoformat(),
            "ends_on": days(5).isoformat(),
            "reason": "Vakantie",
        },
    )
    assert response.status_code == 302
    arrangement = StandIn.objects.get()
    assert (arrangement.absent, arrangement.stand_in) == (cast.participant_a, colleague_a)
    assert AuditEvent.objects.get(action="stand_in.set").after["ends_on"] == days(5).isoformat()
    told = Notification.objects.get(user=colleague_a)
    assert days(5).strftime("%d-%m-%Y") in told.message
    body = client.get(page(cast, cast.participant_a)).content.decode()
    assert "Anne Agent" in body
    assert days(5).strftime("%d-%m-%Y") in body


@pytest.mark.parametrize("who", ["process_director", "admin"])
def test_the_process_director_or_administrator_arranges_one(
    as_user: Any, cast: Cast, colleague_a: Any, who: str
) -> None:
    response = as_user(getattr(cast, who)).post(
        page(cast, cast.participant_a),
        {"stand_in": colleague_a.pk, "starts_on": days(1), "ends_on": days(3)},
    )
    assert response.status_code == 302
    assert StandIn.objects.get().created_by == getattr(cast, who)
    # Both are told: the stand-in and the absent person.
    assert Notification.objects.filter(user__in=[colleague_a, cast.participant_a]).count() == 2


@pytest.mark.parametrize(
    "who", ["participant_b", "privacy_officer", "auditor", "triage", "other_house_user"]
)
def test_others_neither_see_nor_arrange_someones_stand_ins(
    as_user: Any, cast: Cast, colleague_a: Any, who: str
) -> None:
    client = as_user(getattr(cast, who))
    assert client.get(page(cast, cast.participant_a)).status_code == 404
    response = client.post(
        page(cast, cast.participant_a),
        {"stand_in": colleague_a.pk, "starts_on": TODAY(), "ends_on": days(3)},
    )
    assert response.status_code == 404
    assert not StandIn.objects.exists()
    with pytest.raises(PermissionDenied):
        arrange(cast, colleague_a, actor=getattr(cast, who))


def refused(cast: Cast, stand_in: Any, **kw: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        arrange(cast, stand_in, **kw)
    assert not StandIn.objects.filter(stand_in=stand_in).exists() or kw.get("keep")
    return error.value.message_dict


def test_who_cannot_be_a_stand_in(cast: Cast, colleague_a: Any) -> None:
    # Oneself.
    assert "stand_in" in refused(cast, cast.participant_a)
    # A partner of another organisation.
    errors = refused(cast, cast.participant_b)
    assert errors["stand_in"] == [
        nl("The stand-in must work on cases for the same organisation as %(name)s.")
        % {"name": cast.participant_a}
    ]
    # Someone of another house.
    assert "stand_in" in refused(cast, cast.other_house_user)
    # The privacy officer, administrator and auditor do no case work, not even for their own
    # (staff) organisation; a process director's stand-in is a process director.
    for nobody in (cast.privacy_officer, cast.admin, cast.auditor):
        assert "stand_in" in refused(cast, nobody, absent=cast.triage)
        assert "stand_in" in refused(cast, nobody, absent=cast.process_director)
    assert "stand_in" in refused(cast, cast.triage, absent=cast.process_director)
    # Someone who does no case work has no one to stand in for them.
    assert "absent" in refused(cast, cast.triage, absent=cast.privacy_officer, actor=cast.admin)


def test_bad_periods_are_refused(cast: Cast, colleague_a: Any) -> None:
    assert "starts_on" in refused(cast, colleague_a, starts_on=days(-1))
    assert "ends_on" in refused(cast, colleague_a, starts_on=days(3), ends_on=days(2))
    assert "ends_on" in refused(cast, colleague_a, ends_on=days(400))
    arrange(cast, colleague_a, starts_on=days(1), ends_on=days(10))
    with pytest.raises(ValidationError) as error:
        arrange(cast, colleague_a, starts_on=days(10), ends_on=days(12))
    assert "starts_on" in error.value.message_dict
    assert StandIn.objects.count() == 1
    # Right after the first period: allowed.
    arrange(cast, colleague_a, starts_on=days(11), ends_on=days(12))


def test_bad_input_on_the_page(as_user: Any, cast: Cast, colleague_a: Any) -> None:
    client = as_user(cast.participant_a)
    for data in (
        {"reason": ""},
        {"stand_in": cast.participant_b.pk, "starts_on": TODAY(), "ends_on": days(2)},
        {"stand_in": colleague_a.pk, "starts_on": "morgen", "ends_on": days(2)},
        {"stand_in": colleague_a.pk, "starts_on": days(5), "ends_on": days(2)},
        {"stand_in": "1 or 1=1", "starts_on": TODAY(), "ends_on": days(2)},
    ):
        response = client.post(page(cast, cast.participant_a), data)
        assert response.status_code == 400, data
    assert not StandIn.objects.exists()


# --- Powers while in force ------------------------------------------------------------------


def test_the_stand_in_does_the_case_directors_work_on_behalf_of_them(
    cast: Cast, directed: dict[str, Any], colleague_a: Any
) -> None:
    case, housing, feedback = directed["case"], directed["housing"], directed["feedback"]
    case.refresh_from_db()
    assert not may_review(colleague_a, housing)
    assert not policy.visible(colleague_a, Action).filter(pk=housing.pk).exists()
    arrange(cast, colleague_a)
    assert is_case_director(colleague_a, case)
    assert may_edit_plan(colleague_a, case)
    assert policy.visible(colleague_a, Action).filter(pk=housing.pk).exists()
    assert policy.visible(colleague_a, Feedback).filter(pk=feedback.pk).exists()
    do_review_feedback(feedback, accept=True, actor=colleague_a)
    review = AuditEvent.objects.get(action="action.review")
    assert review.actor == colleague_a
    assert review.after["on_behalf_of"] == cast.participant_a.pk
    do_add_goal(case, domain="housing", text="Woning behouden", actor=colleague_a)
    assert AuditEvent.objects.get(action="plan.goal.add").after["on_behalf_of"] == (
        cast.participant_a.pk
    )
    # The case director acting themselves is not "on behalf of" anyone.
    do_add_goal(case, domain="finances", text="Schulden", actor=cast.participant_a)
    assert "on_behalf_of" not in AuditEvent.objects.filter(action="plan.goal.add").last().after


def test_feedback_by_the_stand_in_is_on_behalf_of_the_owner(
    cast: Cast, directed: dict[str, Any], colleague_a: Any
) -> None:
    arrange(cast, colleague_a)
    do_submit_feedback(directed["own"], what_was_done="Bezoek", result="Goed", actor=colleague_a)
    row = AuditEvent.objects.filter(action="action.feedback").last()
    assert row.actor == colleague_a
    assert row.after["on_behalf_of"] == cast.participant_a.pk


def test_powers_end_on_the_last_day(cast: Cast, directed: dict[str, Any], colleague_a: Any) -> None:
    housing = directed["housing"]
    arrangement = arrange(cast, colleague_a, starts_on=TODAY(), ends_on=days(3))
    assert may_review(colleague_a, housing)
    # Time travel: the last day is today, then yesterday.
    StandIn.objects.filter(pk=arrangement.pk).update(ends_on=TODAY())
    assert may_review(colleague_a, housing)
    StandIn.objects.filter(pk=arrangement.pk).update(starts_on=days(-5), ends_on=days(-1))
    assert not may_review(colleague_a, housing)
    assert not may_edit_plan(colleague_a, directed["case"])
    assert not policy.visible(colleague_a, Action).filter(pk=housing.pk).exists()
    with pytest.raises(PermissionDenied):
        do_review_feedback(directed["feedback"], accept=True, actor=colleague_a)


def test_no_powers_before_the_first_day(
    cast: Cast, directed: dict[str, Any], colleague_a: Any
) -> None:
    arrange(cast, colleague_a, starts_on=days(1), ends_on=days(3))
    assert not may_review(colleague_a, directed["housing"])
    notify([cast.participant_a], house=cast.house, message="Casus 2026-0001")
    assert not Notification.objects.filter(user=colleague_a, message__contains="2026-0001").exists()


def test_powers_end_with_the_stand_ins_role(
    cast: Cast, directed: dict[str, Any], colleague_a: Any
) -> None:
    arrange(cast, colleague_a)
    colleague_a.memberships.update(ended_at=timezone.now())
    colleague_a = type(colleague_a).objects.get(pk=colleague_a.pk)
    assert not may_review(colleague_a, directed["housing"])
    assert not policy.visible(colleague_a, Action).filter(pk=directed["housing"].pk).exists()


# --- Notifications --------------------------------------------------------------------------


def test_notifications_go_to_the_stand_in_too(cast: Cast, colleague_a: Any) -> None:
    arrange(cast, colleague_a)
    Notification.objects.all().delete()
    notify([cast.participant_a], house=cast.house, message="Actie A1 van casus 2026-0001")
    assert Notification.objects.get(user=cast.participant_a).message == (
        "Actie A1 van casus 2026-0001"
    )
    copy = Notification.objects.get(user=colleague_a)
    assert "2026-0001" in copy.message
    assert cast.participant_a.full_name in copy.message
    # Not in another house.
    notify([cast.participant_a], house=cast.other_house, message="Elders")
    assert not Notification.objects.filter(user=colleague_a, message__contains="Elders").exists()


def test_notify_costs_the_same_with_more_stand_ins(cast: Cast, colleague_a: Any) -> None:
    with CaptureQueriesContext(connection) as none:
        notify([cast.participant_a, cast.participant_b], house=cast.house, message="x")
    arrange(cast, colleague_a)
    with CaptureQueriesContext(connection) as one:
        notify([cast.participant_a, cast.participant_b], house=cast.house, message="y")
    assert len(one) == len(none)


# --- Ending early ---------------------------------------------------------------------------


def test_ending_early_ends_the_powers_and_the_copies(
    as_user: Any, cast: Cast, directed: dict[str, Any], colleague_a: Any
) -> None:
    arrangement = arrange(cast, colleague_a)
    response = as_user(colleague_a).post(
        f"/huizen/{cast.house.slug}/vervangingen/{arrangement.pk}/beeindigen/",
        {"reason": "Terug"},
    )
    assert response.status_code == 302
    arrangement.refresh_from_db()
    assert arrangement.ended_at is not None
    assert arrangement.ended_by == colleague_a
    assert AuditEvent.objects.get(action="stand_in.end").reason == "Terug"
    assert not may_review(colleague_a, directed["housing"])
    Notification.objects.all().delete()
    notify([cast.participant_a], house=cast.house, message="Casus 2026-0002")
    assert not Notification.objects.filter(user=colleague_a).exists()
    # Twice: a message, nothing changes.
    with pytest.raises(ValidationError):
        do_end_stand_in(arrangement, actor=cast.participant_a)
    response = as_user(cast.participant_a).post(
        f"/huizen/{cast.house.slug}/vervangingen/{arrangement.pk}/beeindigen/", follow=True
    )
    assert nl("This stand-in has already ended.") in response.content.decode()


@pytest.mark.parametrize("who", ["participant_b", "privacy_officer", "other_house_user"])
def test_others_cannot_end_a_stand_in(as_user: Any, cast: Cast, colleague_a: Any, who: str) -> None:
    arrangement = arrange(cast, colleague_a)
    response = as_user(getattr(cast, who)).post(
        f"/huizen/{cast.house.slug}/vervangingen/{arrangement.pk}/beeindigen/"
    )
    assert response.status_code == 404
    arrangement.refresh_from_db()
    assert arrangement.ended_at is None
    with pytest.raises(PermissionDenied):
        do_end_stand_in(arrangement, actor=getattr(cast, who))


# --- Mijn werk ------------------------------------------------------------------------------


def test_my_work_shows_what_the_stand_in_holds(
    as_user: Any, cast: Cast, directed: dict[str, Any], colleague_a: Any
) -> None:
    url = f"/huizen/{cast.house.slug}/mijn-werk/"
    client = as_user(colleague_a)
    assert cast.participant_a.full_name not in client.get(url).content.decode()
    arrange(cast, colleague_a, ends_on=days(6))
    body = client.get(url).content.decode()
    assert cast.participant_a.full_name in body
    assert days(6).strftime("%d-%m-%Y") in body
    assert "Huisbezoek" in body
    assert directed["case"].reference in body
    # Constant queries with more actions of the absent person.
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    do_create_actions(
        directed["case"],
        [
            ActionData(f"Actie {n}", cast.org_a, days(n + 1), owner=cast.participant_a)
            for n in range(6)
        ],
        actor=cast.process_director,
    )
    with CaptureQueriesContext(connection) as many:
        assert "Actie 5" in client.get(url).content.decode()
    assert len(many) == len(few)
    # Over: the section is gone.
    StandIn.objects.update(starts_on=days(-3), ends_on=days(-1))
    assert "Huisbezoek" not in client.get(url).content.decode()
