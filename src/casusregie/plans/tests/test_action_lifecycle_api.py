"""The action lifecycle over the API (decision 0051): the same rules as the pages, problem
details on bad input, 403/404 for who may not."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.api.tests.helpers import PROBLEM, post, url
from casusregie.conftest import Cast
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Action, ActionChange, ActionRequest, ActionStatus

pytestmark = pytest.mark.django_db


def day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def make(cast: Cast, case: Any) -> Action:
    (action,) = do_create_actions(
        case,
        [ActionData("Huisbezoek", cast.org_a, timezone.localdate() + datetime.timedelta(days=7))],
        actor=cast.process_director,
    )
    return action


def test_add_with_goal_and_service(as_user: Any, cast: Cast, case: Any) -> None:
    from casusregie.plans.actions import do_add_goal
    from casusregie.plans.services import ServiceData, do_add_service

    goal = do_add_goal(case, domain="housing", text="Wonen", actor=cast.process_director)
    service = do_add_service(
        cast.house,
        cast.org_b,
        ServiceData(
            name="Schuldhulp", domains=["finances"], target_group="Iedereen", waiting_weeks=4
        ),
        actor=cast.participant_b,
    )
    response = post(
        as_user(cast.process_director),
        url(cast, f"cases/{case.pk}/actions"),
        {
            "actions": [
                {
                    "title": "Aanmelden schuldhulp",
                    "owner_organisation": cast.org_b.pk,
                    "due_date": day(5),
                    "goal": goal.pk,
                    "service": service.pk,
                }
            ]
        },
    )
    assert response.status_code == 201, response.content
    added = Action.objects.get()
    assert (added.goal, added.service) == (goal, service)
    unknown = post(
        as_user(cast.process_director),
        url(cast, f"cases/{case.pk}/actions"),
        {
            "actions": [
                {"title": "x", "owner_organisation": cast.org_b.pk, "due_date": day(5), "goal": 999}
            ]
        },
    )
    assert unknown.status_code == 400
    assert unknown["Content-Type"] == PROBLEM


def test_director_changes_an_action(as_user: Any, cast: Cast, case: Any) -> None:
    action = make(cast, case)
    director = as_user(cast.process_director)
    base = url(cast, f"actions/{action.pk}")
    edited = post(director, f"{base}/edit", {"title": "Huisbezoek wijkagent", "domain": "justice"})
    assert edited.status_code == 200, edited.content
    assert edited.json()["title"] == "Huisbezoek wijkagent"
    moved = post(director, f"{base}/reschedule", {"due_date": day(20), "reason": "Ziek"})
    assert moved.status_code == 200
    assert moved.json()["due_date"] == day(20)
    assert [c["kind"] for c in moved.json()["changes"]] == ["edit", "reschedule"]
    given = post(
        director, f"{base}/reassign", {"owner_organisation": cast.org_b.pk, "reason": "Beter"}
    )
    assert given.status_code == 200
    assert given.json()["owner_organisation"]["id"] == cast.org_b.pk
    cancelled = post(director, f"{base}/cancel", {"reason": "Vervallen"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == ActionStatus.CANCELLED


@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("reschedule", {"due_date": "2001-01-01", "reason": "x"}),
        ("reschedule", {"due_date": "morgen", "reason": "x"}),
        ("reschedule", {"due_date": day(9), "reason": ""}),
        ("cancel", {"reason": ""}),
        ("cancel", {"reason": "x", "onbekend": 1}),
        ("reassign", {"owner_organisation": 999999, "reason": "x"}),
        ("edit", {"title": ""}),
        ("edit", {"title": "x", "depends_on": [999999]}),
    ],
)
def test_bad_input_is_a_problem_and_saves_nothing(
    as_user: Any, cast: Cast, case: Any, suffix: str, body: dict[str, Any]
) -> None:
    action = make(cast, case)
    response = post(
        as_user(cast.process_director), url(cast, f"actions/{action.pk}/{suffix}"), body
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    action.refresh_from_db()
    assert action.version == 1
    assert not ActionChange.objects.exists()


def test_owner_asks_time_director_decides(as_user: Any, cast: Cast, case: Any) -> None:
    action = make(cast, case)
    base = url(cast, f"actions/{action.pk}")
    owner = as_user(cast.participant_a)
    assert (
        post(owner, f"{base}/more-time", {"proposed_date": day(3), "reason": "x"}).status_code
        == 400
    )
    asked = post(owner, f"{base}/more-time", {"proposed_date": day(30), "reason": "Wachtlijst"})
    assert asked.status_code == 200, asked.content
    request = ActionRequest.objects.get()
    assert asked.json()["requests"][0]["status"] == "pending"
    decide = f"{base}/requests/{request.pk}/decide"
    assert post(owner, decide, {"decision": "accept"}).status_code == 403
    director = as_user(cast.process_director)
    assert post(director, decide, {"decision": "maybe"}).status_code == 400
    done = post(director, decide, {"decision": "accept"})
    assert done.status_code == 200
    assert done.json()["due_date"] == day(30)


def test_who_may_not(as_user: Any, cast: Cast, case: Any) -> None:
    action = make(cast, case)
    base = url(cast, f"actions/{action.pk}")
    # The owner may read the action but not change the plan; B (another partner) and the
    # non-case roles cannot read it at all.
    assert post(as_user(cast.participant_a), f"{base}/cancel", {"reason": "x"}).status_code == 403
    for user in (
        cast.participant_b,
        cast.participant_c,
        cast.privacy_officer,
        cast.admin,
        cast.auditor,
        cast.other_house_user,
    ):
        for suffix, body in (("cancel", {"reason": "x"}), ("decline", {"reason": "x"})):
            response = post(as_user(user), f"{base}/{suffix}", body)
            assert response.status_code in (403, 404), (user, suffix)
    # The process director is not the owner organisation: no refusal on its behalf.
    assert (
        post(as_user(cast.process_director), f"{base}/decline", {"reason": "x"}).status_code == 403
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert not ActionRequest.objects.exists()
