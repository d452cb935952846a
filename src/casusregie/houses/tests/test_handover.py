"""Handover (decision 0046): a role is not ended while it leaves cases, actions or meetings
without a holder; the handover page gives them to successors in one go, with a log line per
case, an audit row per item and a notification (numbers, not names) to each new holder."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, override

from casusregie.accounts.models import Membership
from casusregie.accounts.roles import Role
from casusregie.cases.actions import do_set_directors
from casusregie.conftest import Cast, make_user
from casusregie.houses import handover
from casusregie.houses.actions import do_end_membership, do_handover
from casusregie.inbox.models import Notification
from casusregie.meetings.actions import do_plan_meeting
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Action
from casusregie.privacy.models import AuditEvent, ProcessingLogEntry

pytestmark = pytest.mark.django_db


def nl(message: str) -> str:
    """A message as the (Dutch) pages show it, translated or not yet."""
    with override("nl"):
        return gettext(message)


def soon(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def colleague_a(cast: Cast) -> Any:
    """A second person of A (police), who can take over A's work."""
    return make_user(
        "a2@test.invalid", "Anne Agent", cast.house, cast.org_a, Role.PARTNER_PARTICIPANT
    )


@pytest.fixture
def second_director(cast: Cast) -> Any:
    return make_user(
        "pr2@test.invalid", "Piet Regisseur", cast.house, cast.staff, Role.PROCESS_DIRECTOR
    )


@pytest.fixture
def held(cast: Cast, case: Any) -> dict[str, Any]:
    """participant_a directs the case for A and owns two actions; the process director
    directs its process and chairs a meeting not yet held."""
    do_set_directors(
        case,
        process_director=cast.process_director,
        case_director=cast.participant_a,
        case_director_organisation=cast.org_a,
        actor=cast.process_director,
    )
    first, second = do_create_actions(
        case,
        [
            ActionData("Huisbezoek", cast.org_a, soon(), owner=cast.participant_a),
            ActionData("Gesprek", cast.org_a, soon(14), owner=cast.participant_a),
        ],
        actor=cast.process_director,
    )
    meeting = do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[case],
        invitees=[(cast.org_a, True)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )
    return {"case": case, "actions": [first, second], "meeting": meeting}


def membership(user: Any, house: Any) -> Membership:
    return Membership.objects.active().get(user=user, house=house)


def page(cast: Cast, user: Any) -> str:
    return f"/huizen/{cast.house.slug}/mensen/{user.pk}/overdracht/"


# --- Ending a role is refused while it holds work -------------------------------------------


def test_ending_a_role_is_refused_while_it_holds_work_and_names_it(
    cast: Cast, held: dict[str, Any]
) -> None:
    role = membership(cast.participant_a, cast.house)
    # The functional administrator, who reads no case numbers, is told how much.
    with pytest.raises(ValidationError) as error:
        do_end_membership(role, actor=cast.admin)
    text = " ".join(error.value.messages)
    assert held["case"].reference not in text
    assert "2" in text
    # Someone of the house staff is told which.
    with pytest.raises(ValidationError) as error:
        do_end_membership(role, actor=cast.process_director)
    text = " ".join(error.value.messages)
    assert held["case"].reference in text
    assert "A1" in text
    assert "A2" in text
    assert "Jan" not in text  # numbers, never the person of the case
    role.refresh_from_db()
    assert role.ended_at is None


def test_ending_the_process_director_is_refused_for_cases_and_meetings(
    cast: Cast, held: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as error:
        do_end_membership(
            membership(cast.process_director, cast.house), actor=cast.process_director
        )
    text = " ".join(error.value.messages)
    assert held["case"].reference in text
    assert held["meeting"].reference in text


def test_a_role_that_holds_nothing_ends(cast: Cast, held: dict[str, Any]) -> None:
    """participant_c holds nothing; a second role of participant_a in A keeps A's work."""
    do_end_membership(membership(cast.participant_c, cast.house), actor=cast.admin)
    extra = Membership.objects.create(
        user=cast.participant_a,
        house=cast.house,
        organisation=cast.org_a,
        role=Role.PARTNER_MANAGER,
    )
    do_end_membership(extra, actor=cast.admin)
    extra.refresh_from_db()
    assert extra.ended_at is not None


def test_the_page_refuses_the_end_with_a_message(as_user: Any, cast: Cast, held: Any) -> None:
    role = membership(cast.participant_a, cast.house)
    response = as_user(cast.admin).post(
        f"/huizen/{cast.house.slug}/rollen/{role.pk}/beeindigen/", {"reason": "Weg"}, follow=True
    )
    body = response.content.decode()
    assert cast.participant_a.full_name in body
    assert held["case"].reference not in body
    role.refresh_from_db()
    assert role.ended_at is None


# --- The handover ---------------------------------------------------------------------------


def test_handover_reassigns_everything_and_then_the_role_ends(
    cast: Cast, held: dict[str, Any], colleague_a: Any, second_director: Any
) -> None:
    case, (first, second), meeting = held["case"], held["actions"], held["meeting"]
    done = do_handover(
        cast.house,
        cast.participant_a,
        case_directors={case.pk: colleague_a},
        action_owners={first.pk: colleague_a, second.pk: colleague_a},
        actor=cast.admin,
        reason="Vertrekt",
    )
    assert [c.pk for c in done.director_cases] == [case.pk]
    case.refresh_from_db()
    assert case.case_director == colleague_a
    assert set(Action.objects.values_list("owner", flat=True)) == {colleague_a.pk}
    # A log line per person of the case (UPDATE), an audit row per action and a summary.
    line = ProcessingLogEntry.objects.filter(name="case.handover").get()
    assert line.operation == "update"
    assert ProcessingLogEntry.objects.filter(name="action.handover").count() == 2
    summary = AuditEvent.objects.get(action="handover")
    assert summary.reason == "Vertrekt"
    assert summary.after["actions"] == [first.pk, second.pk]
    # The new holder is told, by number.
    told = Notification.objects.get(user=colleague_a, message__contains=case.reference)
    assert "A1" in told.message
    assert "Jan" not in told.message
    # Nothing is held any more: the role ends.
    do_end_membership(membership(cast.participant_a, cast.house), actor=cast.admin)
    # The process director hands over to the second one, meeting chair included.
    do_handover(
        cast.house,
        cast.process_director,
        process_director=second_director,
        actor=cast.admin,
        reason="Met pensioen",
    )
    case.refresh_from_db()
    meeting.refresh_from_db()
    assert case.process_director == second_director
    assert meeting.chair == second_director
    assert AuditEvent.objects.filter(action="meeting.handover").count() == 1
    do_end_membership(membership(cast.process_director, cast.house), actor=cast.admin)


def test_handover_through_the_page(
    as_user: Any, cast: Cast, held: dict[str, Any], colleague_a: Any
) -> None:
    case, (first, second), _meeting = held["case"], held["actions"], held["meeting"]
    director = as_user(cast.process_director)
    response = director.get(page(cast, cast.participant_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert case.reference in body
    assert "Huisbezoek" in body
    assert ProcessingLogEntry.objects.filter(name="handover.list").exists()
    response = director.post(
        page(cast, cast.participant_a),
        {
            "reason": "Vertrekt",
            f"case_director_org_{cast.org_a.pk}": colleague_a.pk,
            f"action_{first.pk}": colleague_a.pk,
            f"owner_org_{cast.org_a.pk}": "",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert case.case_director == colleague_a
    assert first.owner == colleague_a
    assert second.owner == cast.participant_a  # not chosen: stays
    assert "A2" in director.get(page(cast, cast.participant_a)).content.decode()


def test_the_administrator_sees_counts_per_organisation_and_hands_over(
    as_user: Any, cast: Cast, held: dict[str, Any], colleague_a: Any
) -> None:
    client = as_user(cast.admin)
    body = client.get(page(cast, cast.participant_a)).content.decode()
    assert cast.org_a.name in body
    assert held["case"].reference not in body
    assert "Huisbezoek" not in body
    assert "Testpersoon" not in body
    assert f'name="case_{held["case"].pk}"' not in body  # no choice per case
    assert not ProcessingLogEntry.objects.filter(name="handover.list").exists()
    response = client.post(
        page(cast, cast.participant_a),
        {
            "reason": "Vertrekt",
            f"case_director_org_{cast.org_a.pk}": colleague_a.pk,
            f"owner_org_{cast.org_a.pk}": colleague_a.pk,
        },
        follow=True,
    )
    assert held["case"].reference not in response.content.decode()
    assert not handover.holdings(cast.house, cast.participant_a)
    do_end_membership(membership(cast.participant_a, cast.house), actor=cast.admin)


@pytest.mark.parametrize(
    "who",
    ["participant_a", "participant_b", "privacy_officer", "auditor", "triage", "other_house_user"],
)
def test_only_process_directors_and_administrators_reach_the_page(
    as_user: Any, cast: Cast, held: dict[str, Any], colleague_a: Any, who: str
) -> None:
    client = as_user(getattr(cast, who))
    assert client.get(page(cast, cast.participant_a)).status_code == 404
    response = client.post(
        page(cast, cast.participant_a), {"reason": "x", "case_director_all": colleague_a.pk}
    )
    assert response.status_code == 404
    held["case"].refresh_from_db()
    assert held["case"].case_director == cast.participant_a


def test_the_action_refuses_someone_without_the_role(
    cast: Cast, held: Any, colleague_a: Any
) -> None:
    with pytest.raises(PermissionDenied):
        do_handover(
            cast.house,
            cast.participant_a,
            case_directors={held["case"].pk: colleague_a},
            actor=cast.participant_b,
            reason="x",
        )


def bad(cast: Cast, held: dict[str, Any], **choices: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        do_handover(
            cast.house, cast.participant_a, actor=cast.admin, **{"reason": "Weg", **choices}
        )
    held["case"].refresh_from_db()
    assert held["case"].case_director == cast.participant_a
    assert set(Action.objects.values_list("owner", flat=True)) == {cast.participant_a.pk}
    assert not AuditEvent.objects.filter(action__contains="handover").exists()
    return error.value.message_dict


def test_bad_input_changes_nothing(cast: Cast, held: dict[str, Any], colleague_a: Any) -> None:
    case, (first, second) = held["case"], held["actions"]
    # Nothing chosen.
    assert "__all__" in bad(cast, held)
    # No reason.
    assert "reason" in bad(cast, held, reason=" ", case_directors={case.pk: colleague_a})
    # To oneself.
    assert f"case_{case.pk}" in bad(cast, held, case_directors={case.pk: cast.participant_a})
    # To someone of another organisation (B), with a valid choice beside it: all or nothing.
    errors = bad(
        cast,
        held,
        case_directors={case.pk: colleague_a},
        action_owners={first.pk: cast.participant_b, second.pk: colleague_a},
    )
    assert list(errors) == [f"action_{first.pk}"]
    assert cast.org_a.name in errors[f"action_{first.pk}"][0]
    # To the privacy officer (no case-working role) or someone of another house.
    assert f"case_{case.pk}" in bad(cast, held, case_directors={case.pk: cast.privacy_officer})
    assert f"case_{case.pk}" in bad(cast, held, case_directors={case.pk: cast.other_house_user})
    # A process director who is not one.
    assert "process_director" in bad(cast, held, process_director=cast.triage)
    # To someone who left.
    do_end_membership(membership(colleague_a, cast.house), actor=cast.admin)
    errors = bad(cast, held, case_directors={case.pk: colleague_a})
    assert nl("%(name)s no longer works in this house.") % {"name": colleague_a} in str(errors)
    # Something the person does not hold.
    assert f"action_{first.pk + 99}" in bad(cast, held, action_owners={first.pk + 99: colleague_a})


def test_bad_input_on_the_page(
    as_user: Any, cast: Cast, held: dict[str, Any], colleague_a: Any
) -> None:
    case = held["case"]
    for who in (cast.admin, cast.process_director):
        client = as_user(who)
        response = client.post(page(cast, cast.participant_a), {"reason": "Weg"})
        assert response.status_code == 400
        assert nl("Choose at least one person to take over.") in response.content.decode()
        # Someone of B is no choice for A's work; no reason; a pk that is no number.
        for data in (
            {"reason": "Weg", f"case_director_org_{cast.org_a.pk}": cast.participant_b.pk},
            {"reason": "", f"case_director_org_{cast.org_a.pk}": colleague_a.pk},
            {"reason": "Weg", f"owner_org_{cast.org_a.pk}": "x'; drop"},
        ):
            assert client.post(page(cast, cast.participant_a), data).status_code == 400
    response = as_user(cast.process_director).post(
        page(cast, cast.participant_a), {"reason": "Weg", f"case_{case.pk}": cast.participant_b.pk}
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.case_director == cast.participant_a
    assert not AuditEvent.objects.filter(action="handover").exists()


def test_an_error_of_the_action_reaches_the_administrators_form(
    as_user: Any, cast: Cast, held: dict[str, Any], colleague_a: Any
) -> None:
    """A successor who left between the page and the post: the message goes to the field of the
    organisation (the administrator's form has no field per case)."""
    client = as_user(cast.admin)
    client.get(page(cast, cast.participant_a))
    from casusregie.houses import views

    original = views.actions.do_handover

    def left_meanwhile(*args: Any, **kwargs: Any) -> Any:
        Membership.objects.filter(user=colleague_a).update(ended_at=timezone.now())
        return original(*args, **kwargs)

    views.actions.do_handover = left_meanwhile  # type: ignore[assignment]
    try:
        response = client.post(
            page(cast, cast.participant_a),
            {"reason": "Weg", f"case_director_org_{cast.org_a.pk}": colleague_a.pk},
        )
    finally:
        views.actions.do_handover = original  # type: ignore[assignment]
    assert response.status_code == 400
    assert (
        nl("%(name)s no longer works in this house.") % {"name": colleague_a}
        in response.content.decode()
    )
    assert held["case"].reference not in response.content.decode()


def test_someone_who_already_left_can_still_be_handed_over(
    as_user: Any, cast: Cast, held: dict[str, Any], colleague_a: Any
) -> None:
    """Roles ended before handover was checked may have left work behind."""
    Membership.objects.filter(user=cast.participant_a).update(ended_at=timezone.now())
    response = as_user(cast.admin).get(page(cast, cast.participant_a))
    assert response.status_code == 200
    do_handover(
        cast.house,
        cast.participant_a,
        case_directors={held["case"].pk: colleague_a},
        actor=cast.admin,
        reason="Al vertrokken",
    )
    assert not handover.holdings(cast.house, cast.participant_a).director_cases


@pytest.mark.parametrize("who", ["process_director", "admin"])
def test_the_page_reads_a_constant_number_of_queries(
    as_user: Any, cast: Cast, held: dict[str, Any], who: str
) -> None:
    client = as_user(getattr(cast, who))
    url = page(cast, cast.participant_a)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    do_create_actions(
        held["case"],
        [ActionData(f"Actie {n}", cast.org_a, soon(n), owner=cast.participant_a) for n in range(8)],
        actor=cast.process_director,
    )
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert ("A10" in body) == (who == "process_director")
    assert len(many) == len(few)
