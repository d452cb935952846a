"""The disclosure register records what docs/privacy.md says it does: for what is shared at a
case meeting, the meeting and who sat at the table; for a known-to answer, the organisation
that asked. A privacy officer answering "who knew what about me, and where was it said" reads
these fields."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.meetings import actions
from casusregie.meetings.models import DecisionKind
from casusregie.privacy.models import Disclosure
from casusregie.referrals import actions as referral_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_the_table(cast: Cast, case: Any) -> Any:
    meeting = actions.do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, True)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )
    actions.do_schedule_meeting(meeting, slot=meeting.slots.get(), actor=cast.process_director)
    actions.do_register_attendance(
        meeting, people=[cast.participant_a, cast.participant_b], actor=cast.process_director
    )
    return meeting


def test_a_decision_at_the_table_names_the_meeting_and_who_was_there(
    cast: Cast, at_the_table: Any
) -> None:
    item = at_the_table.agenda.get()
    decision = actions.do_record_decision(
        item, kind=DecisionKind.APPROACH, text="Gezamenlijke aanpak", actor=cast.process_director
    )
    row = Disclosure.objects.get(object_id=str(decision.pk), name="meeting.decision")
    assert row.meeting_id == at_the_table.pk
    assert row.attendees == [
        f"Arie Agent ({cast.org_a.name})",
        f"Bea Woning ({cast.org_b.name})",
    ]


def test_a_contribution_names_the_meeting_and_who_was_there(cast: Cast, at_the_table: Any) -> None:
    item = at_the_table.agenda.get()
    contribution = actions.do_add_contribution(
        item,
        text="Melding overlast",
        purpose="Beeldvorming",
        audience="all",
        actor=cast.participant_a,
    )
    row = Disclosure.objects.get(object_id=str(contribution.pk), name="meeting.contribution")
    assert row.meeting_id == at_the_table.pk
    assert f"Bea Woning ({cast.org_b.name})" in row.attendees
    assert [o.pk for o in row.recipients.all()] == [cast.org_b.pk]


def test_the_invitation_names_the_meeting(cast: Cast, at_the_table: Any) -> None:
    row = Disclosure.objects.get(object_id=str(at_the_table.pk), name="meeting.plan")
    assert row.meeting_id == at_the_table.pk
    assert row.attendees == []  # nobody sat at the table yet when the invitation went out


def test_a_known_to_answer_is_a_disclosure_to_the_asking_organisation(
    cast: Cast, case: Any
) -> None:
    (query,) = referral_actions.do_ask_known_to(
        house=cast.house,
        organisations=[cast.org_c],
        actor=cast.process_director,
        deadline=timezone.localdate() + datetime.timedelta(days=2),
        case=case,
    )
    referral_actions.do_answer_known_to(
        query, actor=cast.participant_c, answer="known", contact_person="Cor Zorg, 06-12345678"
    )
    row = Disclosure.objects.get(object_id=str(query.pk), name="known_to.answer")
    assert row.from_organisation == cast.org_c
    assert [o.pk for o in row.recipients.all()] == [cast.staff.pk]
    assert row.case_id == case.pk
    assert row.processing_activity.endswith(":bekend-bij:v1")  # the known-to activity
