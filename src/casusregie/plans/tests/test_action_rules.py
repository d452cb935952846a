"""Recording actions: all or nothing, owners must take part, and who may read an action."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.inbox.models import Notification
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Action, PlanRevision
from casusregie.privacy import policy
from casusregie.privacy.models import Operation, ProcessingLogEntry


def soon(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def test_actions_are_recorded_with_revision_log_and_notification(cast: Cast, case) -> None:
    a1, a2 = do_create_actions(
        case,
        [
            ActionData("Huisbezoek afleggen", cast.org_a, soon(), owner=cast.participant_a),
            ActionData("Huurachterstand bespreken", cast.org_b, soon(14)),
        ],
        actor=cast.process_director,
    )
    assert (a1.number, a2.number) == (1, 2)
    assert PlanRevision.objects.get(plan__case=case).snapshot["actions"][1]["title"] == (
        "Huurachterstand bespreken"
    )
    disclosed = ProcessingLogEntry.objects.filter(name="action.create", object_id=str(a2.pk))
    assert [(e.operation, e.recipient_organisation) for e in disclosed] == [
        (Operation.DISCLOSE, cast.org_b)
    ]
    assert Notification.objects.filter(user=cast.participant_a).count() == 1
    assert Notification.objects.filter(user=cast.participant_b).count() == 1
    assert not Notification.objects.filter(user=cast.participant_c).exists()


def test_one_bad_row_saves_nothing(cast: Cast, case) -> None:
    with pytest.raises(ValidationError) as error:
        do_create_actions(
            case,
            [
                ActionData("Goed", cast.org_a, soon()),
                ActionData("Verleden", cast.org_a, timezone.localdate() - datetime.timedelta(1)),
                ActionData("Geen eigenaar", None, soon()),
                ActionData("Niet in de casus", cast.org_c, soon()),
                ActionData("Verkeerde persoon", cast.org_a, soon(), owner=cast.participant_b),
            ],
            actor=cast.process_director,
        )
    assert set(error.value.message_dict) == {
        "row-2-due_date",
        "row-3-owner_organisation",
        "row-4-owner_organisation",
        "row-5-owner",
    }
    assert not Action.objects.exists()
    assert not PlanRevision.objects.exists()


def test_a_partner_cannot_record_actions(cast: Cast, case) -> None:
    with pytest.raises(PermissionDenied):
        do_create_actions(
            case, [ActionData("Zelf iets", cast.org_a, soon())], actor=cast.participant_a
        )
    assert not Action.objects.exists()


def test_who_reads_an_action(cast: Cast, case) -> None:
    police, _housing = do_create_actions(
        case,
        [
            ActionData("Politie-actie", cast.org_a, soon()),
            ActionData("Woning-actie", cast.org_b, soon()),
        ],
        actor=cast.process_director,
    )

    def sees(user) -> set[str]:
        return set(policy.visible(user, Action).values_list("title", flat=True))

    assert sees(cast.process_director) == {"Politie-actie", "Woning-actie"}
    assert sees(cast.participant_a) == {"Politie-actie"}
    assert sees(cast.participant_b) == {"Woning-actie"}
    assert sees(cast.participant_c) == set()
    assert sees(cast.other_house_user) == set()
    assert sees(cast.admin) == set()
    # An action of B that depends on A's lets B read A's action too (only that one).
    do_create_actions(
        case,
        [ActionData("Na de politie", cast.org_b, soon(10), depends_on=[police])],
        actor=cast.process_director,
    )
    assert sees(cast.participant_b) == {"Politie-actie", "Woning-actie", "Na de politie"}
    assert sees(cast.participant_a) == {"Politie-actie"}
