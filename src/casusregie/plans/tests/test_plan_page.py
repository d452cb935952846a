"""The plan page: goals per life domain with history, optimistic locking, and a PDF that holds
only what the reader may see."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from casusregie.conftest import Cast
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Goal, PlanRevision

pytestmark = pytest.mark.django_db


def url(cast: Cast, case: Any, suffix: str = "") -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/plan/{suffix}"


def test_goals_with_history_and_locking(as_user: Any, cast: Cast, case: Any) -> None:
    director = as_user(cast.process_director)
    response = director.post(
        url(cast, case, "doelen/"),
        {"domain": "housing", "text": "Huisvesting behouden", "version": 1},
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    # A second editor still holding version 1 is refused, nothing is saved.
    stale = director.post(
        url(cast, case, "doelen/"), {"domain": "finances", "text": "Schulden", "version": 1}
    )
    assert stale.status_code == 400
    assert "ondertussen gewijzigd" in stale.content.decode()
    assert Goal.objects.count() == 1
    plan = goal.plan
    plan.refresh_from_db()
    done = director.post(
        url(cast, case, f"doelen/{goal.pk}/"), {"status": "reached", "version": plan.version}
    )
    assert done.status_code == 302
    goal.refresh_from_db()
    assert goal.status == "reached"
    assert PlanRevision.objects.count() == 2
    page = as_user(cast.participant_b).get(url(cast, case)).content.decode()
    assert "Huisvesting behouden" in page
    assert "Versie 2" in page
    # A participant reads the plan but cannot change it.
    refused = as_user(cast.participant_b).post(
        url(cast, case, "doelen/"), {"domain": "housing", "text": "x", "version": plan.version}
    )
    assert refused.status_code == 404
    bad = director.post(url(cast, case, "doelen/"), {"domain": "nowhere", "text": "", "version": 3})
    assert bad.status_code == 400
    for user in (cast.participant_c, cast.other_house_user):
        assert as_user(user).get(url(cast, case)).status_code == 404


def test_pdf_holds_only_what_the_reader_may_see(as_user: Any, cast: Cast, case: Any) -> None:
    due = timezone.localdate() + datetime.timedelta(days=9)
    do_create_actions(
        case,
        [
            ActionData("Politie: huisbezoek", cast.org_a, due),
            ActionData("Woning: betalingsregeling", cast.org_b, due),
        ],
        actor=cast.process_director,
    )
    response = as_user(cast.participant_b).get(url(cast, case, "pdf/"))
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Woning: betalingsregeling" in text
    assert "Politie: huisbezoek" not in text
    assert "Politie Heuvelland-test 1" in text  # as a count per organisation


def test_plan_page_query_count_is_constant(as_user: Any, cast: Cast, case: Any) -> None:
    client = as_user(cast.process_director)
    due = timezone.localdate() + datetime.timedelta(days=9)
    do_create_actions(case, [ActionData("Eerste", cast.org_a, due)], actor=cast.process_director)
    client.get(url(cast, case))
    with CaptureQueriesContext(connection) as small:
        client.get(url(cast, case))
    do_create_actions(
        case,
        [ActionData(f"Actie {n}", cast.org_b, due) for n in range(5)],
        actor=cast.process_director,
    )
    with CaptureQueriesContext(connection) as large:
        client.get(url(cast, case))
    assert len(large) == len(small)
