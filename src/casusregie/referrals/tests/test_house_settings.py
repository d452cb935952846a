"""House settings do what they say (issue 24 item 5, decision 0050): a test per value of
`may_take_cases` and of `invitee_choice` that proves it changes what triage and planning do."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from casusregie.api.tests.helpers import fields, file_referral, post, url
from casusregie.cases.models import Case
from casusregie.conftest import Cast
from casusregie.houses.models import InviteeChoice
from casusregie.inbox.models import Notification
from casusregie.meetings.models import ChosenInvitee, Meeting
from casusregie.privacy.models import Operation, ProcessingLogEntry
from casusregie.referrals.models import Referral, ReferralStatus
from casusregie.referrals.tests.test_referral_pages import ACCEPT, base, submit

pytestmark = pytest.mark.django_db


def nl(msgid: str, **params: Any) -> str:
    """A message as the (Dutch) interface shows it, whether or not it is translated yet."""
    with translation.override("nl"):
        return translation.gettext(msgid) % params if params else translation.gettext(msgid)


def accept_page(as_user: Any, cast: Cast, referral: Referral, **data: Any) -> Any:
    return as_user(cast.triage).post(
        f"{base(cast)}/meldingen/{referral.pk}/accepteren/",
        {**ACCEPT, "process_director": cast.process_director.pk, **data},
    )


# --- may_take_cases ---------------------------------------------------------------------------


def test_a_house_that_does_not_take_cases_cannot_place_one_with_its_own_team(
    as_user: Any, cast: Cast
) -> None:
    assert cast.house.may_take_cases is False  # the default
    referral = submit(as_user, cast)
    page = as_user(cast.triage).get(f"{base(cast)}/meldingen/{referral.pk}/accepteren/")
    assert cast.staff.name not in page.content.decode()
    assert nl("This house does not take cases itself: choose a partner.") in page.content.decode()
    refused = accept_page(as_user, cast, referral, placing_organisation=cast.staff.pk)
    assert refused.status_code == 400
    assert not Case.objects.exists()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED
    # The API says why, and nothing is saved either.
    api_referral = file_referral(
        as_user, cast, kind="person", subjects=[{"first_name": "Anna", "last_name": "Bos"}]
    )
    response = post(
        as_user(cast.triage),
        url(cast, f"referrals/{api_referral['id']}/accept"),
        {**ACCEPT, "placing_organisation": cast.staff.pk},
    )
    assert fields(response) == {"placing_organisation"}
    assert response.json()["errors"][0]["detail"] == nl(
        "This house does not take cases itself: place the case with a partner organisation."
    )
    assert not Case.objects.exists()
    # A partner is still a fine choice.
    assert accept_page(as_user, cast, referral, placing_organisation=cast.org_b.pk).status_code == (
        302
    )
    assert Case.objects.get().placing_organisation == cast.org_b


def test_a_house_that_takes_cases_places_one_with_its_own_team(as_user: Any, cast: Cast) -> None:
    cast.house.may_take_cases = True
    cast.house.save(update_fields=["may_take_cases"])
    referral = submit(as_user, cast)
    page = as_user(cast.triage).get(f"{base(cast)}/meldingen/{referral.pk}/accepteren/")
    assert cast.staff.name in page.content.decode()
    response = accept_page(as_user, cast, referral, placing_organisation=cast.staff.pk)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.placing_organisation == cast.staff
    assert case.participations.filter(organisation=cast.staff).exists()


# --- invitee_choice ---------------------------------------------------------------------------


def set_choice(cast: Cast, value: str) -> None:
    cast.house.invitee_choice = value
    cast.house.save(update_fields=["invitee_choice"])


def accepted_case(as_user: Any, cast: Cast, **data: Any) -> Case:
    """A referral by A that proposes C (not B, the placing default here) as invitee."""
    referral = submit(as_user, cast, proposed_invitees=[cast.org_c.pk])
    response = accept_page(as_user, cast, referral, **data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.get()


def planning_form(as_user: Any, cast: Cast, case: Case) -> str:
    response = as_user(cast.process_director).get(f"{base(cast)}/overleggen/nieuw/?casus={case.pk}")
    assert response.status_code == 200
    return response.content.decode()


def ticked(page: str, organisation: Any) -> bool:
    """Whether the invitee checkbox of the organisation is ticked on the planning form."""
    marker = f'name="invitees" value="{organisation.pk}"'
    start = page.index(marker)
    return "checked" in page[start : page.index(">", start)]


def test_referrer_chooses_the_proposals_are_ticked(as_user: Any, cast: Cast) -> None:
    set_choice(cast, InviteeChoice.REFERRER)
    case = accepted_case(as_user, cast)
    page = planning_form(as_user, cast, case)
    assert ticked(page, cast.org_c)  # proposed by the referrer
    assert ticked(page, cast.org_a)  # the referrer takes part
    assert not ticked(page, cast.org_b)
    assert (
        nl(
            "In this house the referrer proposes whom to invite: ticked are the organisations "
            "taking part and the referrer's proposals."
        ).replace("'", "&#x27;")
        in page
    )


def test_process_director_chooses_the_proposals_are_not_ticked(as_user: Any, cast: Cast) -> None:
    set_choice(cast, InviteeChoice.PROCESS_DIRECTOR)
    case = accepted_case(as_user, cast)
    page = planning_form(as_user, cast, case)
    assert ticked(page, cast.org_a)
    assert not ticked(page, cast.org_c)  # only a suggestion of the referrer
    # Nobody outside the house staff is asked to choose.
    assert not Notification.objects.filter(link__contains="/genodigden/").exists()


def test_placing_organisation_chooses_and_the_planning_form_starts_from_its_choice(
    as_user: Any, cast: Cast
) -> None:
    set_choice(cast, InviteeChoice.PLACING_ORGANISATION)
    case = accepted_case(as_user, cast, placing_organisation=cast.org_b.pk)
    # B's case workers are asked to choose; until then the referrer's proposals are ticked.
    asked = Notification.objects.get(user=cast.participant_b, message__contains=case.reference)
    choose = f"{base(cast)}/overleggen/genodigden/{case.pk}/"
    assert asked.link == choose
    before = planning_form(as_user, cast, case)
    assert ticked(before, cast.org_c)
    assert (
        nl(
            "The organisation the case is placed with has not chosen the invitees yet; ticked "
            "are the referrer's proposals."
        )
        in before
    )
    # Only the placing organisation may choose: the referrer, C, the staff roles without a case
    # role and another house get "not found".
    for user in (
        cast.participant_a,
        cast.participant_c,
        cast.privacy_officer,
        cast.admin,
        cast.auditor,
        cast.other_house_user,
    ):
        assert as_user(user).get(choose).status_code == 404, user
        assert as_user(user).post(choose, {"organisations": [cast.org_a.pk]}).status_code == 404
    assert not ChosenInvitee.objects.exists()
    # Bad input: nothing chosen, or an organisation that is no partner.
    housing = as_user(cast.participant_b)
    empty = housing.post(choose, {})
    assert empty.status_code == 400
    assert 'id="fouten"' in empty.content.decode()  # the error summary
    alien = housing.post(choose, {"organisations": [cast.other_org.pk]})
    assert alien.status_code == 400
    assert 'id="fouten"' in alien.content.decode()
    assert not ChosenInvitee.objects.exists()
    page = housing.get(choose).content.decode()
    assert f'value="{cast.org_c.pk}" id="id_organisations_' in page
    response = housing.post(choose, {"organisations": [cast.org_a.pk, cast.org_b.pk]})
    assert response.status_code == 302
    assert set(case.chosen_invitees.values_list("organisation", flat=True)) == {
        cast.org_a.pk,
        cast.org_b.pk,
    }
    assert ProcessingLogEntry.objects.filter(
        name="case.choose_invitees", operation=Operation.UPDATE, case_id=case.pk
    ).exists()
    assert Notification.objects.filter(
        user=cast.process_director, message__contains=case.reference
    ).exists()
    after = planning_form(as_user, cast, case)
    assert ticked(after, cast.org_b)
    assert ticked(after, cast.org_a)
    assert not ticked(after, cast.org_c)  # the placing organisation left C out
    assert cast.org_b.name in after.split('name="invitees"')[0]  # "B chose the invitees on ..."
    # Planned with that choice, the invitation still shows what the referrer proposed.
    chair = as_user(cast.process_director)
    from casusregie.meetings.tests.test_meeting_flow import slot

    planned = chair.post(
        f"{base(cast)}/overleggen/nieuw/",
        {
            "title": "Overleg",
            "cases": [case.pk],
            "invitees": [cast.org_a.pk, cast.org_b.pk, cast.org_c.pk],
            "slots": slot(5),
            "duration_minutes": 90,
        },
    )
    assert planned.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.invitations.get(organisation=cast.org_c).proposed_by_referrer
    assert not meeting.invitations.get(organisation=cast.org_b).proposed_by_referrer


def test_without_placing_choice_the_page_is_not_there(as_user: Any, cast: Cast) -> None:
    """In a house where the referrer or director chooses, the placing organisation cannot."""
    set_choice(cast, InviteeChoice.REFERRER)
    case = accepted_case(as_user, cast, placing_organisation=cast.org_b.pk)
    choose = f"{base(cast)}/overleggen/genodigden/{case.pk}/"
    assert as_user(cast.participant_b).get(choose).status_code == 404
    assert not Notification.objects.filter(user=cast.participant_b, link=choose).exists()


def test_planning_starts_by_choosing_cases(as_user: Any, cast: Cast, case: Case) -> None:
    """Without cases chosen the planning page asks for them first (a GET form), so the invitees
    can be suggested in the second step."""
    page = as_user(cast.process_director).get(f"{base(cast)}/overleggen/nieuw/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'method="get"' in body
    assert 'name="casus"' in body
    assert 'name="invitees"' not in body
