"""Meetings, written input, feedback on actions, the plan and requests of data subjects over
the API: the same rules as the pages, including who may not see or do."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import TEST_BSN, Cast
from casusregie.meetings.actions import do_plan_meeting, do_schedule_meeting
from casusregie.meetings.models import Availability, Contribution
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Action, ActionStatus
from casusregie.privacy.models import Operation, ProcessingLogEntry, SubjectRequest

from .helpers import PROBLEM, fields, post, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(cast: Cast, case: Any) -> Any:
    return do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, False)],
        slots=[
            timezone.now() + datetime.timedelta(days=3),
            timezone.now() + datetime.timedelta(days=4),
        ],
        actor=cast.process_director,
    )


def test_meetings_are_listed_for_the_invited_and_not_for_others(
    as_user: Any, cast: Cast, meeting: Any
) -> None:
    mine = as_user(cast.participant_a).get(url(cast, "meetings")).json()["results"]
    assert [m["reference"] for m in mine] == [meeting.reference]
    assert as_user(cast.participant_c).get(url(cast, "meetings")).json()["results"] == []
    assert as_user(cast.participant_c).get(url(cast, f"meetings/{meeting.pk}")).status_code == 404
    other = as_user(cast.other_house_user).get(url(cast, f"meetings/{meeting.pk}"))
    assert other.status_code == 404


def test_answering_availability_for_every_slot(as_user: Any, cast: Cast, meeting: Any) -> None:
    client = as_user(cast.participant_a)
    detail = client.get(url(cast, f"meetings/{meeting.pk}")).json()
    slots = [s["id"] for s in detail["slots"]]
    invited = {i["organisation"]["id"]: i["required"] for i in detail["invitations"]}
    assert invited == {cast.org_a.pk: True, cast.org_b.pk: False}

    # Only some of the slots: refused, nothing saved.
    partial = post(
        client,
        url(cast, f"meetings/{meeting.pk}/availability"),
        {"answers": [{"slot": slots[0], "answer": "yes"}]},
    )
    assert partial.status_code == 400
    assert not Availability.objects.exists()

    answered = post(
        client,
        url(cast, f"meetings/{meeting.pk}/availability"),
        {
            "answers": [
                {"slot": slots[0], "answer": "yes"},
                {"slot": slots[1], "answer": "night_shift"},
            ]
        },
    )
    assert answered.status_code == 200, answered.json()
    assert {a["answer"] for a in answered.json()["availability"]} == {"yes", "night_shift"}

    # An unknown answer is a problem naming the field.
    bad = post(
        client,
        url(cast, f"meetings/{meeting.pk}/availability"),
        {"answers": [{"slot": slots[0], "answer": "misschien"}]},
    )
    assert fields(bad) == {"answers.0.answer"}


def test_an_organisation_not_invited_cannot_answer(as_user: Any, cast: Cast, meeting: Any) -> None:
    """The director sees the meeting but is not invited: 403, not a silent success."""
    slots = [s.pk for s in meeting.slots.all()]
    response = post(
        as_user(cast.process_director),
        url(cast, f"meetings/{meeting.pk}/availability"),
        {"answers": [{"slot": s, "answer": "yes"} for s in slots]},
    )
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_written_input_reaches_its_audience_only_and_reading_it_is_logged(
    as_user: Any, cast: Cast, meeting: Any
) -> None:
    item = meeting.agenda.get()
    path = url(cast, f"meetings/{meeting.pk}/agenda-items/{item.pk}/contributions")
    police = as_user(cast.participant_a)
    for text, audience in [("Voor iedereen", "all"), ("Alleen regisseur", "director")]:
        shared = post(
            police, path, {"text": text, "purpose": "Risicotaxatie", "audience": audience}
        )
        assert shared.status_code == 201, shared.json()

    read = as_user(cast.participant_b).get(url(cast, f"meetings/{meeting.pk}/contributions"))
    assert [c["text"] for c in read.json()] == ["Voor iedereen"]
    assert ProcessingLogEntry.objects.filter(
        name="meeting.contributions.read", operation=Operation.READ, case_id=item.case_id
    ).exists()
    director = as_user(cast.process_director).get(url(cast, f"meetings/{meeting.pk}/contributions"))
    assert {c["text"] for c in director.json()} == {"Voor iedereen", "Alleen regisseur"}

    # Input without a purpose, or for an organisation outside the case: nothing is stored.
    before = Contribution.objects.count()
    assert fields(post(police, path, {"text": "x", "purpose": ""})) == {"purpose"}
    outsider = post(
        police,
        path,
        {
            "text": "x",
            "purpose": "y",
            "audience": "organisations",
            "organisations": [cast.org_c.pk],
        },
    )
    assert fields(outsider) == {"organisations"}
    assert Contribution.objects.count() == before


def test_calendar_invitation_once_the_time_is_chosen(
    as_user: Any, cast: Cast, meeting: Any
) -> None:
    client = as_user(cast.participant_a)
    early = client.get(url(cast, f"meetings/{meeting.pk}/calendar.ics"))
    assert early.status_code == 404
    assert early["Content-Type"] == PROBLEM
    do_schedule_meeting(meeting, slot=meeting.slots.first(), actor=cast.process_director)
    ics = client.get(url(cast, f"meetings/{meeting.pk}/calendar.ics"))
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content
    assert meeting.reference.encode() in ics.content


@pytest.fixture
def action(cast: Cast, case: Any) -> Action:
    (created,) = do_create_actions(
        case,
        [
            ActionData(
                title="Huisbezoek",
                owner_organisation=cast.org_a,
                owner=None,
                due_date=timezone.localdate() + datetime.timedelta(days=7),
                domain="",
                depends_on=[],
            )
        ],
        actor=cast.process_director,
    )
    return created


def test_feedback_by_the_owner_then_review_by_the_director(
    as_user: Any, cast: Cast, action: Action
) -> None:
    path = url(cast, f"actions/{action.pk}/feedback")
    body = {"what_was_done": "Huisbezoek afgelegd", "result": "Afspraak met schuldhulp"}
    # Organisation B takes part in the case but may not read A's action: not found.
    assert post(as_user(cast.participant_b), path, body).status_code == 404
    # Empty fields: named, nothing stored.
    assert fields(post(as_user(cast.participant_a), path, {"what_was_done": ""})) == {
        "what_was_done",
        "result",
    }
    given = post(as_user(cast.participant_a), path, body)
    assert given.status_code == 201, given.json()
    assert given.json()["status"] == ActionStatus.FEEDBACK_GIVEN
    feedback_id = given.json()["feedback"][0]["id"]

    review = url(cast, f"actions/{action.pk}/feedback/{feedback_id}/review")
    assert post(as_user(cast.participant_a), review, {"accept": True}).status_code == 403
    assert fields(post(as_user(cast.process_director), review, {"accept": False})) == {"note"}
    done = post(as_user(cast.process_director), review, {"accept": True})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == ActionStatus.DONE
    assert Action.objects.get(pk=action.pk).status == ActionStatus.DONE


def test_feedback_with_a_stale_etag_is_refused(as_user: Any, cast: Cast, action: Action) -> None:
    client = as_user(cast.participant_a)
    tag = client.get(url(cast, f"actions/{action.pk}"))["ETag"]
    Action.objects.filter(pk=action.pk).update(title="Huisbezoek (gewijzigd)")
    response = client.post(
        url(cast, f"actions/{action.pk}/feedback"),
        {"what_was_done": "a", "result": "b"},
        content_type="application/json",
        headers={"If-Match": tag},
    )
    assert response.status_code == 412
    assert Action.objects.get(pk=action.pk).status == ActionStatus.OPEN


def test_the_plan_shows_goals_to_participants_only(as_user: Any, cast: Cast, case: Any) -> None:
    from casusregie.plans.actions import do_add_goal

    do_add_goal(case, domain="housing", text="Woning behouden", actor=cast.process_director)
    plan = as_user(cast.participant_b).get(url(cast, f"cases/{case.pk}/plan")).json()
    assert [g["text"] for g in plan["goals"]] == ["Woning behouden"]
    assert as_user(cast.participant_c).get(url(cast, f"cases/{case.pk}/plan")).status_code == 404


def test_requests_of_data_subjects_are_for_the_privacy_officer_only(
    as_user: Any, cast: Cast, case: Any
) -> None:
    path = url(cast, "privacy-requests")
    body = {
        "kind": "access",
        "requester": "Jan Testpersoon",
        "question": "Welke gegevens heeft u over mij?",
        "received_on": timezone.localdate().isoformat(),
        "bsn": TEST_BSN,
    }
    for outsider in (cast.process_director, cast.participant_a, cast.admin):
        assert post(as_user(outsider), path, body).status_code == 404
        assert as_user(outsider).get(path).status_code == 404
    officer = as_user(cast.privacy_officer)
    created = post(officer, path, body)
    assert created.status_code == 201, created.json()
    assert created.json()["people"] == 1
    detail = officer.get(url(cast, f"privacy-requests/{created.json()['id']}"))
    assert detail.json()["requester"] == "Jan Testpersoon"
    assert ProcessingLogEntry.objects.filter(name="subject_request.read").exists()

    # A person the house knows nothing about: refused, nothing recorded.
    unknown = post(officer, path, {**body, "bsn": "123456782"})
    assert fields(unknown) == {"bsn"}
    future = post(officer, path, {**body, "received_on": "2999-01-01"})
    assert fields(future) == {"received_on"}
    assert SubjectRequest.objects.count() == 1


def test_the_meeting_page_links_its_calendar_file_once_scheduled(
    as_user: Any, cast: Cast, meeting: Any
) -> None:
    page = f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/"
    link = f"/api/v1/houses/{cast.house.slug}/meetings/{meeting.pk}/calendar.ics"
    assert link not in as_user(cast.participant_a).get(page).content.decode()
    do_schedule_meeting(meeting, slot=meeting.slots.first(), actor=cast.process_director)
    assert link in as_user(cast.participant_a).get(page).content.decode()
