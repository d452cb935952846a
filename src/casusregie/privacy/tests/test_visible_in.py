"""`policy.visible_in` gives every member of the fixed cast exactly the rows `policy.visible`
gives within the house: the staff shortcut (no per-row predicate for the house's own staff,
issue 10) must never show a row the predicate would hide, nor hide one it would show."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.cases import actions as case_actions
from casusregie.cases.models import Case, SubjectKind
from casusregie.conftest import Cast
from casusregie.meetings.models import AgendaItem, Meeting
from casusregie.plans.models import Action, Feedback, Plan
from casusregie.privacy import policy

MODELS: list[type[Model]] = [Case, Action, Feedback, Plan, Meeting, AgendaItem]


def _case_in(house: Any, actor: User, orgs: list[Any], title: str) -> Case:
    subject = case_actions.create_subject(
        house, case_actions.SubjectData(first_name="Piet", last_name=title)
    )
    return case_actions.create_case(
        house,
        kind=SubjectKind.PERSON,
        title=title,
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=actor,
        process_director=actor,
        participants=[(org, "Deelnemer", "Synthetisch") for org in orgs],
    )


@pytest.fixture
def rows(cast: Cast, case: Case) -> dict[str, Any]:
    """In `house`: the fixture case (A and B take part) and a case of B and C only; in the
    other house a case of its own. Each gets a plan, an action per organisation with
    feedback, and a place on a meeting's agenda."""
    now = timezone.now()
    other_director = User.objects.create_user(email="pr2@test.invalid", full_name="Pim Ander")
    Membership.objects.create(
        user=other_director,
        house=cast.other_house,
        organisation=cast.other_org,
        role=Role.PROCESS_DIRECTOR,
    )
    second = _case_in(cast.house, cast.process_director, [cast.org_b, cast.org_c], "Tweede")
    elsewhere = _case_in(cast.other_house, other_director, [cast.other_org], "Elders")
    plans = [(case, [cast.org_a, cast.org_b]), (second, [cast.org_b, cast.org_c])]
    plans.append((elsewhere, [cast.other_org]))
    for each, orgs in plans:
        director = each.process_director
        assert director is not None
        Plan.objects.create(case=each, updated_at=now, last_progress_at=now)
        meeting = Meeting.objects.create(
            house=each.house,
            reference=f"O-{each.pk}",
            title="Casusoverleg",
            chair=director,
            created_by=director,
            starts_at=now + datetime.timedelta(days=3),
        )
        AgendaItem.objects.create(meeting=meeting, case=each, position=1)
        for number, org in enumerate(orgs, start=1):
            action = Action.objects.create(
                case=each,
                house=each.house,
                number=number,
                title=f"Actie {number}",
                owner_organisation=org,
                due_date=timezone.localdate() + datetime.timedelta(days=7),
                created_by=director,
                created_at=now,
            )
            author = User.objects.filter(memberships__organisation=org).first()
            assert author is not None
            Feedback.objects.create(
                action=action,
                author=author,
                organisation=org,
                what_was_done="Gesprek gevoerd",
                result="Afspraak gemaakt",
                submitted_at=now,
            )
    return {"second": second, "elsewhere": elsewhere, "other_director": other_director}


def _ids(queryset: Any) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_cast_member_gets_what_the_predicate_gives(
    cast: Cast, rows: dict[str, Any], model: type[Model]
) -> None:
    path = policy._STAFF_SEE_ALL[model]
    people = {**cast.members(), "other_director": rows["other_director"]}
    for name, user in people.items():
        user = User.objects.get(pk=user.pk)  # a fresh object, as in a request
        expected = _ids(policy.visible(user, model).filter(**{path: cast.house}))
        assert _ids(policy.visible_in(user, model, cast.house)) == expected, name
    everything = _ids(model._default_manager.filter(**{path: cast.house}))
    assert everything  # the fixture made rows of every kind in the house
    director = User.objects.get(pk=cast.process_director.pk)
    assert _ids(policy.visible_in(director, model, cast.house)) == everything
    # Another house's process director sees nothing of this house, and a partner less than all.
    other = User.objects.get(pk=rows["other_director"].pk)
    assert not _ids(policy.visible_in(other, model, cast.house))
    partner = User.objects.get(pk=cast.participant_c.pk)
    assert _ids(policy.visible_in(partner, model, cast.house)) < everything


def test_staff_who_left_see_nothing(cast: Cast, rows: dict[str, Any]) -> None:
    Membership.objects.filter(user=cast.process_director).update(ended_at=timezone.now())
    director = User.objects.get(pk=cast.process_director.pk)
    assert not _ids(policy.visible_in(director, Case, cast.house))


def test_an_inactive_account_sees_nothing(cast: Cast, rows: dict[str, Any]) -> None:
    User.objects.filter(pk=cast.process_director.pk).update(is_active=False)
    director = User.objects.get(pk=cast.process_director.pk)
    assert not _ids(policy.visible_in(director, Action, cast.house))


def test_the_staff_query_carries_no_per_row_predicate(cast: Cast, rows: dict[str, Any]) -> None:
    from django.db import connection

    director = User.objects.get(pk=cast.process_director.pk)
    policy.house_roles(director, cast.house)  # the roles, read once per request
    with CaptureQueriesContext(connection) as queries:
        list(policy.visible_in(director, Action, cast.house))
    assert len(queries) == 1
    assert "EXISTS" not in queries[0]["sql"].upper()


def test_unregistered_models_are_refused(cast: Cast) -> None:
    from casusregie.referrals.models import Referral

    with pytest.raises(LookupError):
        policy.visible_in(cast.process_director, Referral, cast.house)
