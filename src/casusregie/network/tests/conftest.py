"""Shared data of the network tests."""

import datetime

import pytest
from django.utils import timezone

from casusregie.meetings.models import Attendance, Meeting
from casusregie.plans.models import Action, Feedback


@pytest.fixture
def activity(cast, case):
    """One case (A and B take part), one held meeting attended by A, B and C, and two actions
    due yesterday: one with feedback on time, one without."""
    now = timezone.now()
    meeting = Meeting.objects.create(
        house=cast.house,
        reference="O-1",
        title="Casusoverleg",
        chair=cast.process_director,
        created_by=cast.process_director,
        held_at=now - datetime.timedelta(days=3),
    )
    for user, org in (
        (cast.participant_a, cast.org_a),
        (cast.participant_b, cast.org_b),
        (cast.participant_c, cast.org_c),
    ):
        Attendance.objects.create(
            meeting=meeting, user=user, name=user.get_full_name(), organisation=org
        )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for number, org in ((1, cast.org_a), (2, cast.org_b)):
        action = Action.objects.create(
            case=case,
            house=cast.house,
            number=number,
            title=f"Actie {number}",
            owner_organisation=org,
            due_date=yesterday,
            created_by=cast.process_director,
            created_at=now - datetime.timedelta(days=10),
        )
        if number == 1:
            Feedback.objects.create(
                action=action,
                author=cast.participant_a,
                organisation=org,
                what_was_done="Gesprek gevoerd",
                result="Afspraak gemaakt",
                submitted_at=now - datetime.timedelta(days=2),
            )
    return meeting
