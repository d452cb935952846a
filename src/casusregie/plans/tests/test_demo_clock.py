"""The demo clock: moving dates back makes actions overdue and the scheduler escalates them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Escalation

pytestmark = pytest.mark.django_db


def test_advance_clock_escalates_overdue_actions(cast: Cast, case: Any, settings: Any) -> None:
    (action,) = do_create_actions(
        case,
        [ActionData("Huisbezoek", cast.org_a, timezone.localdate() + datetime.timedelta(2))],
        actor=cast.process_director,
    )
    call_command("advance_clock", "--days", "6")
    action.refresh_from_db()
    assert action.due_date == timezone.localdate() - datetime.timedelta(days=4)
    assert list(Escalation.objects.values_list("level", flat=True)) == [1, 2]
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError):
        call_command("advance_clock", "--days", "6")
