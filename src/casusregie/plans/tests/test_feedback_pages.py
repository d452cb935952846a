"""The action page: the owner gives feedback, the case director reviews it, and nobody else
reads the action, its feedback or its escalations."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.cases.actions import do_set_directors
from casusregie.conftest import Cast, make_user
from casusregie.inbox.models import Notification
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Action, ActionStatus, Escalation, Feedback
from casusregie.plans.schedule import run_escalations, run_reminders
from casusregie.privacy.models import AuditEvent, ProcessingLogEntry

pytestmark = pytest.mark.django_db


def soon(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def actions(cast: Cast, case: Any) -> tuple[Action, Action]:
    police, housing = do_create_actions(
        case,
        [
            ActionData("Politie: huisbezoek", cast.org_a, soon(), owner=cast.participant_a),
            ActionData("Woning: betalingsregeling", cast.org_b, soon(40)),
        ],
        actor=cast.process_director,
    )
    return police, housing


def page(cast: Cast, action: Action, suffix: str = "") -> str:
    return f"/huizen/{cast.house.slug}/acties/{action.pk}/{suffix}"


def test_owner_gives_feedback_and_case_director_accepts(
    as_user: Any, cast: Cast, actions: tuple[Action, Action]
) -> None:
    police, _housing = actions
    do_set_directors(
        police.case,
        process_director=cast.process_director,
        case_director=cast.participant_b,
        case_director_organisation=cast.org_b,
        actor=cast.process_director,
    )
    owner = as_user(cast.participant_a)
    assert "Terugkoppeling geven" in owner.get(page(cast, police)).content.decode()
    response = owner.post(
        page(cast, police, "terugkoppeling/"),
        {"what_was_done": "Huisbezoek afgelegd op dinsdag", "result": "Contact hersteld"},
    )
    assert response.status_code == 302
    police.refresh_from_db()
    assert police.status == ActionStatus.FEEDBACK_GIVEN
    assert ProcessingLogEntry.objects.filter(name="action.feedback").exists()
    # The case director (housing corporation) reviews it and is told so.
    assert Notification.objects.filter(
        user=cast.participant_b, message__contains="wacht op je beoordeling"
    ).exists()
    director = as_user(cast.participant_b)
    assert "Contact hersteld" in director.get(page(cast, police)).content.decode()
    response = director.post(page(cast, police, "beoordeling/"), {"decision": "accept"})
    assert response.status_code == 302
    police.refresh_from_db()
    assert police.status == ActionStatus.DONE
    assert police.done_at is not None
    assert Feedback.objects.get().review_status == "accepted"


def test_asking_for_more_needs_a_note_and_reopens(
    as_user: Any, cast: Cast, actions: tuple[Action, Action]
) -> None:
    police, _housing = actions
    as_user(cast.participant_a).post(
        page(cast, police, "terugkoppeling/"), {"what_was_done": "Gebeld", "result": "Geen"}
    )
    director = as_user(cast.process_director)
    refused = director.post(page(cast, police, "beoordeling/"), {"decision": "more", "note": ""})
    assert refused.status_code == 400
    assert "Zeg wat er nog nodig is" in refused.content.decode()
    police.refresh_from_db()
    assert police.status == ActionStatus.FEEDBACK_GIVEN
    director.post(
        page(cast, police, "beoordeling/"), {"decision": "more", "note": "Graag een huisbezoek"}
    )
    police.refresh_from_db()
    assert police.status == ActionStatus.OPEN
    assert Notification.objects.filter(
        user=cast.participant_a, message__contains="aanvulling"
    ).exists()


def test_empty_feedback_is_refused(
    as_user: Any, cast: Cast, actions: tuple[Action, Action]
) -> None:
    police, _housing = actions
    response = as_user(cast.participant_a).post(
        page(cast, police, "terugkoppeling/"), {"what_was_done": " ", "result": ""}
    )
    assert response.status_code == 400
    assert "Dit veld is vereist" in response.content.decode()
    assert not Feedback.objects.exists()


def test_others_cannot_read_or_answer_an_action(
    as_user: Any, cast: Cast, actions: tuple[Action, Action]
) -> None:
    police, housing = actions
    # The housing corporation takes part but does not read the police action (not found) ...
    reader = as_user(cast.participant_b)
    assert reader.get(page(cast, police)).status_code == 404
    response = reader.post(
        page(cast, police, "terugkoppeling/"), {"what_was_done": "x", "result": "y"}
    )
    assert response.status_code == 404
    # ... and the police cannot give feedback on the housing corporation's action.
    response = as_user(cast.participant_a).post(
        page(cast, housing, "terugkoppeling/"), {"what_was_done": "x", "result": "y"}
    )
    assert response.status_code == 404
    for user in (cast.participant_c, cast.other_house_user, cast.admin):
        assert as_user(user).get(page(cast, police)).status_code == 404
    assert not Feedback.objects.exists()
    # The case page shows the housing corporation the police's progress as a count only.
    case_page = reader.get(f"/huizen/{cast.house.slug}/casussen/{police.case_id}/").content
    assert "Politie Heuvelland-test" in case_page.decode()
    assert "Politie: huisbezoek" not in case_page.decode()
    assert "Woning: betalingsregeling" in case_page.decode()


def test_reminders_and_escalation_ladder(
    as_user: Any, cast: Cast, actions: tuple[Action, Action]
) -> None:
    police, _housing = actions
    house_manager = make_user(
        "keten@test.invalid", "Ketty Manager", cast.house, cast.staff, Role.HOUSE_MANAGER
    )
    police_manager = make_user(
        "chef@test.invalid", "Chef Politie", cast.house, cast.org_a, Role.PARTNER_MANAGER
    )
    housing_manager = make_user(
        "chefb@test.invalid", "Chef Woning", cast.house, cast.org_b, Role.PARTNER_MANAGER
    )
    due = police.due_date
    Notification.objects.all().delete()
    # Two days before the due date the owner is reminded, once.
    assert run_reminders(due - datetime.timedelta(days=2)) == 1
    assert run_reminders(due - datetime.timedelta(days=2)) == 0
    assert Notification.objects.filter(user=cast.participant_a).count() == 1
    # Fifteen days late: levels 1-4 of the default ladder (0, 3, 7, 14 days) are reached.
    late = due + datetime.timedelta(days=15)
    assert run_escalations(late) == 4
    assert run_escalations(late) == 0  # idempotent
    assert list(Escalation.objects.values_list("level", flat=True)) == [1, 2, 3, 4]
    told = set(
        Notification.objects.filter(message__contains="Escalatie").values_list(
            "user__email", flat=True
        )
    )
    assert told == {
        cast.participant_a.email,
        cast.process_director.email,
        house_manager.email,
        police_manager.email,
    }
    assert housing_manager.email not in told
    # Escalations are private: the housing corporation does not see them.
    assert (
        "Escalaties"
        not in as_user(cast.participant_b)
        .get(f"/huizen/{cast.house.slug}/casussen/{police.case_id}/")
        .content.decode()
    )
    assert "Escalaties" in as_user(cast.participant_a).get(page(cast, police)).content.decode()
    # Feedback resolves the open escalations.
    as_user(cast.participant_a).post(
        page(cast, police, "terugkoppeling/"), {"what_was_done": "Gedaan", "result": "Goed"}
    )
    assert not Escalation.objects.filter(resolved_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="action.escalate").count() == 4


def test_run_schedule_command(
    cast: Cast, actions: tuple[Action, Action], django_capture_on_commit_callbacks: Any
) -> None:
    police, _housing = actions
    late = police.due_date + datetime.timedelta(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_schedule", "--today", late.isoformat())
    police.refresh_from_db()
    assert police.escalation_level == 2
    assert police.reminded_overdue_at is not None
    assert len(mail.outbox) > 0
    assert all("Testpersoon" not in m.body for m in mail.outbox)
