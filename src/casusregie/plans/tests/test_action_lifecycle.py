"""The action lifecycle on the plan and action pages (issue 24, decision 0051): add, edit,
reassign, reschedule, cancel; the owner asks for more time or declines and the director
decides. Every change is kept, logged and told; who may not gets "not found"."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.inbox.models import Notification
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import (
    Action,
    ActionChange,
    ActionRequest,
    ActionStatus,
    Escalation,
    PlanRevision,
    RequestStatus,
)
from casusregie.privacy.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


def soon(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def plan_url(cast: Cast, case: Any, suffix: str = "") -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/plan/{suffix}"


def action_url(cast: Cast, action: Action, suffix: str = "") -> str:
    return f"/huizen/{cast.house.slug}/acties/{action.pk}/{suffix}"


def two_actions(cast: Cast, case: Any) -> tuple[Action, Action]:
    first, second = do_create_actions(
        case,
        [
            ActionData("Huisbezoek", cast.org_a, soon(7), owner=cast.participant_a),
            ActionData("Betalingsregeling", cast.org_b, soon(14)),
        ],
        actor=cast.process_director,
    )
    second.depends_on.set([first])
    return first, second


def outsiders(cast: Cast) -> list[Any]:
    return [
        cast.participant_c,
        cast.privacy_officer,
        cast.admin,
        cast.auditor,
        cast.other_house_user,
    ]


def test_director_adds_an_action_on_the_plan_page(as_user: Any, cast: Cast, case: Any) -> None:
    first, _second = two_actions(cast, case)
    director = as_user(cast.process_director)
    page = director.get(plan_url(cast, case)).content.decode()
    assert "Actie toevoegen" in page or "Add action" in page
    response = director.post(
        plan_url(cast, case, "acties/"),
        {
            "title": "Schuldhulp aanvragen",
            "domain": "finances",
            "owner_organisation": cast.org_b.pk,
            "owner": cast.participant_b.pk,
            "due_date": soon(10).isoformat(),
            "depends_on": [first.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    added = Action.objects.get(title="Schuldhulp aanvragen")
    assert added.owner == cast.participant_b
    assert list(added.depends_on.all()) == [first]
    assert Notification.objects.filter(user=cast.participant_b).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"owner_organisation": "999999"}, "owner_organisation"),
        ({"due_date": "2001-01-01"}, "due_date"),
        ({"due_date": "morgen"}, "due_date"),
    ],
)
def test_adding_with_bad_input_saves_nothing(
    as_user: Any, cast: Cast, case: Any, changes: dict[str, str], field: str
) -> None:
    body = {
        "title": "Iets",
        "owner_organisation": str(cast.org_a.pk),
        "due_date": soon().isoformat(),
        **changes,
    }
    response = as_user(cast.process_director).post(plan_url(cast, case, "acties/"), body)
    assert response.status_code == 400
    assert f'id="id_{field}"' in response.content.decode()
    assert not Action.objects.exists()


def test_an_organisation_not_taking_part_cannot_own(as_user: Any, cast: Cast, case: Any) -> None:
    response = as_user(cast.process_director).post(
        plan_url(cast, case, "acties/"),
        {"title": "Iets", "owner_organisation": cast.org_c.pk, "due_date": soon().isoformat()},
    )
    assert response.status_code == 400
    assert not Action.objects.exists()


def test_who_may_not_add(as_user: Any, cast: Cast, case: Any) -> None:
    body = {"title": "X", "owner_organisation": cast.org_a.pk, "due_date": soon().isoformat()}
    for user in [cast.participant_a, cast.participant_b, *outsiders(cast)]:
        assert as_user(user).post(plan_url(cast, case, "acties/"), body).status_code == 404
    assert not Action.objects.exists()


def test_edit_reschedule_reassign_cancel_keep_history(as_user: Any, cast: Cast, case: Any) -> None:
    first, second = two_actions(cast, case)
    director = as_user(cast.process_director)
    revisions = PlanRevision.objects.count()
    edited = director.post(
        action_url(cast, first, "wijzigen/"),
        {"title": "Huisbezoek met wijkagent", "domain": "justice", "version": first.version},
    )
    assert edited.status_code == 302
    first.refresh_from_db()
    assert first.title == "Huisbezoek met wijkagent"
    moved = director.post(
        action_url(cast, first, "verplaatsen/"),
        {"due_date": soon(21).isoformat(), "reason": "Vakantie", "version": first.version},
    )
    assert moved.status_code == 302
    first.refresh_from_db()
    assert first.due_date == soon(21)
    # The owner of the action that waits for it is told about the new date.
    assert Notification.objects.filter(
        user=cast.participant_b, message__contains=f"A{first.number}"
    ).exists()
    given = director.post(
        action_url(cast, second, "overdragen/"),
        {"owner_organisation": cast.org_a.pk, "reason": "Past beter", "version": second.version},
    )
    assert given.status_code == 302
    second.refresh_from_db()
    assert second.owner_organisation == cast.org_a
    assert (
        Notification.objects.filter(user=cast.participant_a, message__contains="nu van u").exists()
        or Notification.objects.filter(user=cast.participant_a).count() >= 2
    )
    cancelled = director.post(
        action_url(cast, first, "annuleren/"),
        {"reason": "Niet meer nodig", "version": first.version},
    )
    assert cancelled.status_code == 302
    first.refresh_from_db()
    assert first.status == ActionStatus.CANCELLED
    kinds = list(ActionChange.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["edit", "reschedule", "reassign", "cancel"]
    assert PlanRevision.objects.count() == revisions + 4
    assert ProcessingLogEntry.objects.filter(name="action.cancel").exists()
    page = director.get(action_url(cast, first)).content.decode()
    assert "Niet meer nodig" in page
    # A cancelled action is no longer changed.
    again = director.post(
        action_url(cast, first, "verplaatsen/"),
        {"due_date": soon(30).isoformat(), "reason": "x", "version": first.version},
    )
    assert again.status_code == 400


def test_bad_lifecycle_input_saves_nothing(as_user: Any, cast: Cast, case: Any) -> None:
    first, second = two_actions(cast, case)
    director = as_user(cast.process_director)
    cases = [
        ("verplaatsen/", {"due_date": soon(9).isoformat(), "reason": "", "version": 1}),
        ("verplaatsen/", {"due_date": "2001-01-01", "reason": "x", "version": 1}),
        ("annuleren/", {"reason": "", "version": 1}),
        ("overdragen/", {"owner_organisation": cast.org_c.pk, "reason": "x", "version": 1}),
        ("wijzigen/", {"title": "", "version": 1}),
        ("wijzigen/", {"title": "Stale", "version": 99}),
    ]
    for suffix, body in cases:
        response = director.post(action_url(cast, first, suffix), body)
        assert response.status_code == 400, (suffix, body)
    # A circle of dependencies is refused: A2 waits for A1 already.
    circle = director.post(
        action_url(cast, first, "wijzigen/"),
        {"title": first.title, "depends_on": [second.pk], "version": 1},
    )
    assert circle.status_code == 400
    first.refresh_from_db()
    assert (first.title, first.due_date, first.status, first.version) == (
        "Huisbezoek",
        soon(7),
        ActionStatus.OPEN,
        1,
    )
    assert not ActionChange.objects.exists()


def test_who_may_not_change(as_user: Any, cast: Cast, case: Any) -> None:
    first, _second = two_actions(cast, case)
    body = {"reason": "x", "version": 1, "due_date": soon(30).isoformat()}
    for user in [cast.participant_a, cast.participant_b, *outsiders(cast)]:
        for suffix in ("verplaatsen/", "annuleren/", "wijzigen/", "overdragen/"):
            response = as_user(user).post(action_url(cast, first, suffix), body)
            assert response.status_code == 404, (user, suffix)
    first.refresh_from_db()
    assert first.status == ActionStatus.OPEN
    assert first.due_date == soon(7)


def test_owner_asks_more_time_and_director_accepts(as_user: Any, cast: Cast, case: Any) -> None:
    first, _second = two_actions(cast, case)
    owner = as_user(cast.participant_a)
    assert (
        action_url(cast, first, "meer-tijd/") in owner.get(action_url(cast, first)).content.decode()
    )
    bad = owner.post(
        action_url(cast, first, "meer-tijd/"), {"proposed_date": soon(3), "reason": ""}
    )
    assert bad.status_code == 400
    assert not ActionRequest.objects.exists()
    asked = owner.post(
        action_url(cast, first, "meer-tijd/"),
        {"proposed_date": soon(28).isoformat(), "reason": "Wachtlijst"},
    )
    assert asked.status_code == 302
    request = ActionRequest.objects.get()
    assert Notification.objects.filter(user=cast.process_director).exists()
    # A second request while one waits is refused.
    twice = owner.post(action_url(cast, first, "weigeren/"), {"reason": "Toch niet"})
    assert twice.status_code == 400
    director = as_user(cast.process_director)
    assert "Wachtlijst" in director.get(plan_url(cast, case)).content.decode()
    decide = action_url(cast, first, f"verzoeken/{request.pk}/besluit/")
    for user in [cast.participant_a, cast.participant_b, *outsiders(cast)]:
        assert as_user(user).post(decide, {"decision": "accept"}).status_code == 404
    assert director.post(decide, {"decision": "escalate", "note": ""}).status_code == 400
    assert director.post(decide, {"decision": "accept"}).status_code == 302
    first.refresh_from_db()
    request.refresh_from_db()
    assert first.due_date == soon(28)
    assert request.status == RequestStatus.ACCEPTED
    assert Notification.objects.filter(user=cast.participant_a, message__contains="A1").exists()


def test_owner_declines_and_director_escalates_or_reassigns(
    as_user: Any, cast: Cast, case: Any
) -> None:
    first, second = two_actions(cast, case)
    owner_b = as_user(cast.participant_b)
    # Only the owner organisation declines.
    assert (
        as_user(cast.participant_a)
        .post(action_url(cast, second, "weigeren/"), {"reason": "Niet ons werk"})
        .status_code
        == 404
    )
    for user in outsiders(cast):
        assert (
            as_user(user).post(action_url(cast, second, "weigeren/"), {"reason": "x"}).status_code
            == 404
        )
    assert owner_b.post(action_url(cast, second, "weigeren/"), {"reason": ""}).status_code == 400
    assert (
        owner_b.post(action_url(cast, second, "weigeren/"), {"reason": "Niet ons werk"}).status_code
        == 302
    )
    request = ActionRequest.objects.get()
    director = as_user(cast.process_director)
    decide = action_url(cast, second, f"verzoeken/{request.pk}/besluit/")
    assert (
        director.post(decide, {"decision": "escalate", "note": "Afspraak is afspraak"}).status_code
        == 302
    )
    assert Escalation.objects.filter(action=second, level=0, resolved_at__isnull=True).exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.ESCALATED
    # Declined again; this time the director gives it to organisation A.
    owner_b.post(action_url(cast, second, "weigeren/"), {"reason": "Echt niet"})
    again = ActionRequest.objects.get(status=RequestStatus.PENDING)
    response = director.post(
        action_url(cast, second, f"verzoeken/{again.pk}/besluit/"),
        {"decision": "accept", "owner_organisation": cast.org_a.pk},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.owner_organisation == cast.org_a
    # Accepting a refusal without a new owner cancels the action.
    as_user(cast.participant_a).post(action_url(cast, first, "weigeren/"), {"reason": "Kan niet"})
    last = ActionRequest.objects.get(status=RequestStatus.PENDING)
    director.post(action_url(cast, first, f"verzoeken/{last.pk}/besluit/"), {"decision": "accept"})
    first.refresh_from_db()
    assert first.status == ActionStatus.CANCELLED


def test_action_page_queries_do_not_grow(as_user: Any, cast: Cast, case: Any) -> None:
    first, _second = two_actions(cast, case)
    director = as_user(cast.process_director)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert director.get(action_url(cast, first)).status_code == 200
            assert director.get(plan_url(cast, case)).status_code == 200
        return len(queries)

    director.get(action_url(cast, first))
    before = count()
    for n in range(4):
        director.post(
            action_url(cast, first, "verplaatsen/"),
            {"due_date": soon(20 + n).isoformat(), "reason": f"r{n}", "version": 2 + n - 1},
        )
    do_create_actions(
        case,
        [ActionData(f"Extra {n}", cast.org_b, soon(9)) for n in range(4)],
        actor=cast.process_director,
    )
    assert ActionChange.objects.count() == 4
    assert count() == before


def test_the_service_choice_shows_its_waiting_time(as_user: Any, cast: Cast, case: Any) -> None:
    from casusregie.plans.services import ServiceData, do_add_service

    do_add_service(
        cast.house,
        cast.org_b,
        ServiceData(
            name="Schuldhulp", domains=["finances"], target_group="Iedereen", waiting_weeks=6
        ),
        actor=cast.participant_b,
    )
    page = as_user(cast.process_director).get(plan_url(cast, case)).content.decode()
    assert "Schuldhulp" in page
    assert "6 weken" in page


def test_my_work_flags_requests_and_links_stalled_plans(
    as_user: Any, cast: Cast, case: Any
) -> None:
    first, _second = two_actions(cast, case)
    as_user(cast.participant_a).post(action_url(cast, first, "weigeren/"), {"reason": "Geen tijd"})
    my_work = reverse("work:my_work", args=[cast.house.slug])
    html = as_user(cast.process_director).get(my_work).content.decode()
    assert action_url(cast, first) in html
    assert reverse("plans:stalled", args=[cast.house.slug]) in html
    partner = as_user(cast.participant_b).get(my_work).content.decode()
    assert "vastgelopen-plannen" not in partner
