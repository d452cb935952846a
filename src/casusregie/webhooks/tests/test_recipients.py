"""Who receives which event, and who does not: the recipient rule of every type, confirmed by
the access policy."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.cases.actions import do_close_case
from casusregie.cases.models import Participation
from casusregie.conftest import Cast
from casusregie.houses.models import Organisation, OrganisationKind, Partnership, Ring
from casusregie.meetings.actions import do_cancel_meeting, do_plan_meeting, do_schedule_meeting
from casusregie.plans.actions import (
    ActionData,
    do_create_actions,
    do_review_feedback,
    do_submit_feedback,
)
from casusregie.referrals.actions import do_ask_known_to
from casusregie.webhooks import events
from casusregie.webhooks.models import Delivery, Subscription

from .conftest import Receiver, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_local")]


def everyone(cast: Cast, url: str, types: list[str]) -> dict[str, Subscription]:
    """A subscription for A, B, C, the house's own team and the other house's organisation."""
    subs = {
        name: subscribe(cast, org, url, types)[0]
        for name, org in (
            ("a", cast.org_a),
            ("b", cast.org_b),
            ("c", cast.org_c),
            ("staff", cast.staff),
        )
    }
    from casusregie.webhooks import actions as webhook_actions

    other_admin = _other_admin(cast)
    subs["other"], _secret = webhook_actions.do_create_subscription(
        cast.other_house,
        cast.other_org,
        webhook_actions.SubscriptionData(url=url, event_types=types),
        actor=other_admin,
    )
    return subs


def _other_admin(cast: Cast) -> Any:
    from casusregie.accounts.roles import Role
    from casusregie.conftest import make_user

    return make_user(
        "beheer-ander@test.invalid",
        "Otto Beheer",
        cast.other_house,
        cast.other_org,
        Role.FUNCTIONAL_ADMIN,
    )


def received(subs: dict[str, Subscription], event_type: str) -> set[str]:
    return {
        name
        for name, sub in subs.items()
        if Delivery.objects.filter(subscription=sub, event__type=event_type).exists()
    }


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def test_a_new_action_goes_to_its_owner_organisation_only(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subs = everyone(cast, receiver.url, [events.ACTION_ASSIGNED, events.FEEDBACK_REVIEWED])
    with django_capture_on_commit_callbacks(execute=True):
        (action,) = do_create_actions(
            case, [ActionData("Iets", cast.org_a, in_days(5))], actor=cast.process_director
        )
    assert received(subs, events.ACTION_ASSIGNED) == {"a"}
    do_submit_feedback(action, what_was_done="Gedaan", result="Goed", actor=cast.participant_a)
    with django_capture_on_commit_callbacks(execute=True):
        do_review_feedback(
            action.feedback.get(), accept=False, note="Meer graag", actor=cast.process_director
        )
    assert received(subs, events.FEEDBACK_REVIEWED) == {"a"}
    body = receiver.received[-1].json
    assert body["data"]["feedback"]["review"] == "more_requested"


def test_meeting_events_go_to_invited_organisations(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    types = [
        events.MEETING_PLANNED,
        events.MEETING_SCHEDULED,
        events.MEETING_MOVED,
        events.MEETING_CANCELLED,
    ]
    subs = everyone(cast, receiver.url, types)
    start = timezone.now() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = do_plan_meeting(
            cast.house,
            title="Overleg",
            cases=[case],
            invitees=[(cast.org_a, True), (cast.org_c, False)],
            slots=[start, start + datetime.timedelta(days=1)],
            actor=cast.process_director,
        )
    first, second = meeting.slots.order_by("starts_at")
    with django_capture_on_commit_callbacks(execute=True):
        do_schedule_meeting(meeting, first, actor=cast.process_director)
    with django_capture_on_commit_callbacks(execute=True):
        do_schedule_meeting(meeting, second, actor=cast.process_director)
    with django_capture_on_commit_callbacks(execute=True):
        do_cancel_meeting(meeting, reason="Ziek", actor=cast.process_director)
    for event_type in types:
        # C was invited (and so joined the case); B takes part in the case but is not invited.
        assert received(subs, event_type) == {"a", "c"}, event_type
    moved = next(r.json for r in receiver.received if r.json["type"].endswith("meeting.moved"))
    assert moved["data"]["meeting"]["starts_at"].startswith(second.starts_at.date().isoformat())
    assert "Overleg" not in receiver.received[0].body.decode()


def test_a_referral_decision_goes_to_the_referrer(
    cast: Cast, receiver: Receiver, as_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from casusregie.api.tests.helpers import file_referral, post, url

    subs = everyone(cast, receiver.url, [events.REFERRAL_DECIDED])
    referral = file_referral(as_user, cast)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            as_user(cast.triage),
            url(cast, f"referrals/{referral['id']}/forward"),
            {"organisation": cast.org_c.pk, "reason": "Past beter bij de GGZ"},
        )
    assert response.status_code == 200, response.content
    # The referrer (A) hears it; C, to which it was forwarded, is not the referrer.
    assert received(subs, events.REFERRAL_DECIDED) == {"a"}
    data = receiver.received[0].json["data"]
    assert data["referral"]["decision"] == "forwarded"
    assert data["referral"]["forwarded_to"] == cast.org_c.pk
    assert "Gezinsman" not in receiver.received[0].body.decode()
    assert "GGZ" not in receiver.received[0].body.decode()


def test_a_known_to_question_goes_to_the_organisation_asked(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subs = everyone(cast, receiver.url, [events.KNOWN_TO_ASKED])
    with django_capture_on_commit_callbacks(execute=True):
        do_ask_known_to(
            house=cast.house,
            organisations=[cast.org_c],
            deadline=in_days(3),
            actor=cast.process_director,
            case=case,
        )
    assert received(subs, events.KNOWN_TO_ASKED) == {"c"}
    data = receiver.received[0].json["data"]
    assert "case" not in data  # C does not take part in the case
    assert case.reference not in receiver.received[0].body.decode()


def test_a_closed_case_goes_to_the_organisations_taking_part(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subs = everyone(cast, receiver.url, [events.CASE_CLOSED])
    Participation.objects.filter(case=case, organisation=cast.org_b).update(ended_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        do_close_case(
            case,
            outcome="regular_care",
            note="Goed afgerond",
            final_scores=None,
            actor=cast.process_director,
        )
    # B's participation ended, C never took part, the other house is another house.
    assert received(subs, events.CASE_CLOSED) == {"a"}
    assert "regular_care" not in receiver.received[0].body.decode()


def test_an_organisation_without_members_who_may_see_it_receives_nothing(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    lonely = Organisation.objects.create(name="Reclassering", kind=OrganisationKind.PROBATION)
    Partnership.objects.create(house=cast.house, organisation=lonely, ring=Ring.KEY)
    Participation.objects.create(
        case=case, organisation=lonely, role="Deelnemer", purpose="Toezicht"
    )
    sub, _secret = subscribe(cast, lonely, receiver.url, [events.ACTION_ASSIGNED])
    with django_capture_on_commit_callbacks(execute=True):
        do_create_actions(
            case, [ActionData("Toezicht", lonely, in_days(5))], actor=cast.process_director
        )
    assert not Delivery.objects.filter(subscription=sub).exists()
    assert receiver.received == []


def test_no_subscription_means_no_event_rows(
    cast: Cast, case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from casusregie.webhooks.models import Event

    with django_capture_on_commit_callbacks(execute=True):
        do_create_actions(
            case, [ActionData("Iets", cast.org_a, in_days(5))], actor=cast.process_director
        )
    assert not Event.objects.exists()
