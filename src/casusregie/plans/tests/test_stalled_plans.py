"""Stalled plans (issue 24 item 3, decision 0052): the daily check marks them with why and
tells the process director once; the list asks an explicit decision per plan."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.cases.models import Case
from casusregie.cases.phases import Phase
from casusregie.conftest import Cast
from casusregie.inbox.models import Notification
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Plan, StallDecision
from casusregie.plans.schedule import run_stalled_plans
from casusregie.plans.views import describe_stall
from casusregie.privacy.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


def stall(cast: Cast, case: Any) -> Plan:
    """A plan with an overdue action and no progress for longer than the stall period."""
    (action,) = do_create_actions(
        case,
        [ActionData("Huisbezoek", cast.org_a, timezone.localdate() + datetime.timedelta(days=1))],
        actor=cast.process_director,
    )
    Case.objects.filter(pk=case.pk).update(phase=Phase.EXECUTION)
    long_ago = timezone.now() - datetime.timedelta(weeks=cast.house.plan_stall_weeks + 1)
    type(action).objects.filter(pk=action.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=10)
    )
    Plan.objects.filter(case=case).update(last_progress_at=long_ago)
    return Plan.objects.get(case=case)


def list_url(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/vastgelopen-plannen/"


def test_daily_check_marks_once_with_why(cast: Cast, case: Any) -> None:
    plan = stall(cast, case)
    today = timezone.localdate()
    assert run_stalled_plans(today) == 1
    assert run_stalled_plans(today) == 0  # once per stall
    plan.refresh_from_db()
    assert plan.stalled_at is not None
    codes = [r["code"] for r in plan.stall_reasons]
    assert codes == ["no_feedback", "overdue"]
    lines = describe_stall(plan.stall_reasons)
    assert len(lines) == 2
    told = Notification.objects.filter(user=cast.process_director, link=list_url(cast))
    assert told.count() == 1
    assert ProcessingLogEntry.objects.filter(name="plan.stalled").exists()


def test_owner_left_is_a_reason(cast: Cast, case: Any) -> None:
    plan = stall(cast, case)
    from casusregie.plans.models import Action

    Action.objects.filter(case=case).update(owner=cast.participant_b)  # B does not work for A
    run_stalled_plans(timezone.localdate())
    plan.refresh_from_db()
    assert {"code": "owner_left", "actions": [1]} in plan.stall_reasons


def test_run_schedule_runs_the_check(cast: Cast, case: Any) -> None:
    stall(cast, case)
    call_command("run_schedule", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Plan.objects.get(case=case).stalled_at is not None


def test_director_decides_and_the_plan_leaves_the_list(as_user: Any, cast: Cast, case: Any) -> None:
    plan = stall(cast, case)
    run_stalled_plans(timezone.localdate())
    director = as_user(cast.process_director)
    page = director.get(list_url(cast)).content.decode()
    assert case.reference in page
    decide = f"{list_url(cast)}{case.pk}/besluit/"
    prefix = f"p{plan.pk}-"
    bad = director.post(decide, {f"{prefix}kind": "accept", f"{prefix}reason": ""})
    assert bad.status_code == 400
    assert not StallDecision.objects.exists()
    assert director.post(decide, {f"{prefix}kind": "nonsense"}).status_code == 400
    done = director.post(decide, {f"{prefix}kind": "accept", f"{prefix}reason": "Wachtlijst GGZ"})
    assert done.status_code == 302
    decision = StallDecision.objects.get()
    assert decision.kind == "accept"
    assert decision.reasons
    plan.refresh_from_db()
    assert plan.stalled_at is None
    assert case.reference not in director.get(list_url(cast)).content.decode()
    assert ProcessingLogEntry.objects.filter(name="plan.stall.decide").exists()
    # Decided once: a second decision finds nothing.
    assert director.post(decide, {f"{prefix}kind": "escalate"}).status_code == 404


def test_escalating_tells_the_house_manager(as_user: Any, cast: Cast, case: Any) -> None:
    plan = stall(cast, case)
    run_stalled_plans(timezone.localdate())
    response = as_user(cast.process_director).post(
        f"{list_url(cast)}{case.pk}/besluit/", {f"p{plan.pk}-kind": "escalate"}
    )
    assert response.status_code == 302
    assert StallDecision.objects.get().kind == "escalate"


def test_who_may_not_see_or_decide(as_user: Any, cast: Cast, case: Any) -> None:
    plan = stall(cast, case)
    run_stalled_plans(timezone.localdate())
    for user in (
        cast.participant_a,
        cast.participant_b,
        cast.participant_c,
        cast.triage,
        cast.privacy_officer,
        cast.admin,
        cast.auditor,
        cast.other_house_user,
    ):
        client = as_user(user)
        assert client.get(list_url(cast)).status_code == 404, user
        response = client.post(
            f"{list_url(cast)}{case.pk}/besluit/",
            {f"p{plan.pk}-kind": "accept", f"p{plan.pk}-reason": "x"},
        )
        assert response.status_code == 404, user
    assert not StallDecision.objects.exists()


def test_progress_takes_a_plan_off_the_list(cast: Cast, case: Any) -> None:
    from casusregie.plans.actions import touch_progress

    plan = stall(cast, case)
    run_stalled_plans(timezone.localdate())
    touch_progress(case.pk)
    plan.refresh_from_db()
    assert plan.stalled_at is None


def test_list_queries_do_not_grow(as_user: Any, cast: Cast, case: Any) -> None:
    stall(cast, case)
    run_stalled_plans(timezone.localdate())
    director = as_user(cast.process_director)
    director.get(list_url(cast))
    with CaptureQueriesContext(connection) as one:
        director.get(list_url(cast))
    for _n in range(3):
        from casusregie.cases import actions as case_actions
        from casusregie.cases.models import SubjectKind

        other = case_actions.create_case(
            cast.house,
            kind=SubjectKind.PERSON,
            title="Ander",
            urgency="normal",
            subjects=[],
            actor=cast.process_director,
            process_director=cast.process_director,
            participants=[(cast.org_a, "Deelnemer", "")],
        )
        stall(cast, other)
    run_stalled_plans(timezone.localdate())
    assert Plan.objects.filter(stalled_at__isnull=False).count() == 4
    with CaptureQueriesContext(connection) as many:
        director.get(list_url(cast))
    assert len(many) == len(one)
