"""The method at the table (issue 24 item 6, decision 0049): picture forming → judging →
deciding. The chair writes the shared picture and scenarios per case, records what partners
say with its audience, sees the written input of absent partners where decisions are taken,
and registers guests without an account; each organisation's excerpt carries what it may read."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from pypdf import PdfReader

from casusregie.cases import actions as case_actions
from casusregie.conftest import Cast
from casusregie.meetings import actions
from casusregie.meetings.models import Attendance, Contribution, ContributionKind, Meeting
from casusregie.privacy.models import Disclosure, Operation, ProcessingLogEntry

pytestmark = pytest.mark.django_db

PICTURE = "Huurachterstand en verward gedrag; buren melden overlast"
SCENARIOS = "A: drang via de woonstichting. B: zorgmachtiging voorbereiden"


def nl(msgid: str) -> str:
    """A message as the (Dutch) interface shows it, whether or not it is translated yet."""
    with translation.override("nl"):
        return translation.gettext(msgid)


@pytest.fixture
def meeting(cast: Cast, case: Any) -> Meeting:
    """A scheduled meeting about the case (A and B take part); A, B and C are invited. B sends
    written input before the meeting."""
    meeting = actions.do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, True), (cast.org_c, False)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )
    actions.do_add_contribution(
        meeting.agenda.get(),
        text="Woonstichting: huurachterstand van vier maanden",
        purpose="Beeldvorming",
        audience="all",
        actor=cast.participant_b,
    )
    actions.do_schedule_meeting(meeting, slot=meeting.slots.get(), actor=cast.process_director)
    meeting.refresh_from_db()
    return meeting


def table(cast: Cast, meeting: Meeting) -> str:
    return f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/tafel/"


def version(meeting: Meeting) -> int:
    meeting.refresh_from_db()
    return meeting.version


def picture(client: Any, cast: Cast, meeting: Meeting, **data: Any) -> Any:
    item = meeting.agenda.get()
    body = {
        "shared_picture": PICTURE,
        "scenarios": SCENARIOS,
        "version": version(meeting),
        **data,
    }
    return client.post(table(cast, meeting) + f"{item.pk}/beeld/", body)


def said(client: Any, cast: Cast, meeting: Meeting, **data: Any) -> Any:
    item = meeting.agenda.get()
    body = {
        "organisation": cast.org_a.pk,
        "text": "",
        "purpose": "Beeldvorming",
        "audience": "all",
        "version": version(meeting),
        **data,
    }
    return client.post(table(cast, meeting) + f"{item.pk}/inbreng/", body)


def guest(client: Any, cast: Cast, meeting: Meeting, **data: Any) -> Any:
    body = {
        "name": "Wim Wijkagent",
        "organisation": cast.org_a.pk,
        "role": "wijkagent",
        "version": version(meeting),
        **data,
    }
    return client.post(table(cast, meeting) + "gast/", body)


def test_the_chair_writes_the_shared_picture_and_scenarios(
    as_user: Any, cast: Cast, case: Any, meeting: Meeting
) -> None:
    chair = as_user(cast.process_director)
    item = meeting.agenda.get()
    stale = picture(chair, cast, meeting, version=version(meeting) - 1)
    assert stale.status_code == 400
    assert "ondertussen gewijzigd" in stale.content.decode()
    too_long = picture(chair, cast, meeting, scenarios="x" * 20_001)
    assert too_long.status_code == 400
    item.refresh_from_db()
    assert item.shared_picture == ""
    assert item.scenarios == ""
    assert picture(chair, cast, meeting).status_code == 302
    item.refresh_from_db()
    assert item.shared_picture == PICTURE
    assert item.scenarios == SCENARIOS
    # Shared with every organisation taking part (like a decision), logged per person.
    row = Disclosure.objects.get(name="meeting.picture", object_id=str(item.pk))
    assert {o.pk for o in row.recipients.all()} == {cast.org_a.pk, cast.org_b.pk, cast.org_c.pk}
    assert row.meeting_id == meeting.pk
    # A disclosure line per person of the case (one) and receiving organisation (three).
    assert (
        ProcessingLogEntry.objects.filter(
            name="meeting.picture", operation=Operation.DISCLOSE
        ).count()
        == 3
    )
    # The same text again changes nothing and logs nothing.
    picture(chair, cast, meeting)
    assert Disclosure.objects.filter(name="meeting.picture").count() == 1
    page = chair.get(table(cast, meeting)).content.decode()
    assert PICTURE in page


def test_partners_and_other_roles_cannot_write_the_picture_or_record_at_the_table(
    as_user: Any, cast: Cast, meeting: Meeting
) -> None:
    for user in (
        cast.participant_a,
        cast.participant_b,
        cast.participant_c,
        cast.privacy_officer,
        cast.admin,
        cast.auditor,
        cast.triage,
        cast.other_house_user,
    ):
        client = as_user(user)
        assert picture(client, cast, meeting).status_code == 404, user
        assert said(client, cast, meeting, text="Ingefluisterd").status_code == 404, user
        assert guest(client, cast, meeting).status_code == 404, user
    item = meeting.agenda.get()
    item.refresh_from_db()
    assert item.shared_picture == ""
    assert not Contribution.objects.filter(kind=ContributionKind.AT_THE_TABLE).exists()
    assert not Attendance.objects.exists()
    # Without login: to the login page, nothing written.
    from django.test import Client

    assert picture(Client(), cast, meeting).status_code == 302
    item.refresh_from_db()
    assert item.shared_picture == ""


def test_what_is_said_at_the_table_reaches_its_audience_and_only_participants_see_the_picture(
    as_user: Any, cast: Cast, case: Any, meeting: Meeting
) -> None:
    chair = as_user(cast.process_director)
    # C stops taking part in the case (it stays invited to the meeting): from now on nothing
    # of this case reaches it.
    case_actions.do_end_participation(
        case, cast.org_c, actor=cast.process_director, reason="Geen zorgvraag"
    )
    assert (
        chair.post(
            f"{table(cast, meeting)}aanwezigheid/",
            {"people": [cast.participant_a.pk], "version": version(meeting)},
        ).status_code
        == 302
    )
    assert picture(chair, cast, meeting).status_code == 302
    for text, audience, extra in [
        ("Politie aan tafel: iedereen", "all", {}),
        ("Politie aan tafel: alleen eigen", "own", {}),
        ("Politie aan tafel: alleen regisseur", "director", {}),
    ]:
        response = said(chair, cast, meeting, text=text, audience=audience, **extra)
        assert response.status_code == 302, response.content.decode()[:3000]
    # Bad input: an organisation that no longer takes part, no text, no named organisations.
    ended = said(chair, cast, meeting, organisation=cast.org_c.pk, text="GGZ zegt iets")
    assert ended.status_code == 400
    empty = said(chair, cast, meeting, text="")
    assert empty.status_code == 400
    unnamed = said(chair, cast, meeting, text="Voor wie?", audience="organisations")
    assert unnamed.status_code == 400
    assert nl("Name the organisations that may read this.") in unnamed.content.decode()
    assert Contribution.objects.filter(kind=ContributionKind.AT_THE_TABLE).count() == 3
    recorded = next(c for c in Contribution.objects.all() if c.text.endswith("iedereen"))
    assert recorded.author == cast.process_director
    assert recorded.organisation == cast.org_a
    row = Disclosure.objects.get(name="meeting.contribution", object_id=str(recorded.pk))
    assert row.from_organisation == cast.org_a
    assert [o.pk for o in row.recipients.all()] == [cast.org_b.pk]
    assert "Arie Agent (Politie Heuvelland-test)" in row.attendees
    minutes = f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/verslag/"
    housing = as_user(cast.participant_b).get(minutes).content.decode()
    assert PICTURE in housing
    assert SCENARIOS in housing
    assert "Politie aan tafel: iedereen" in housing
    assert "alleen eigen" not in housing
    assert "alleen regisseur" not in housing
    police = as_user(cast.participant_a).get(minutes).content.decode()
    # The police reads its own words, whatever audience it gave them (as with written input).
    assert "Politie aan tafel: alleen eigen" in police
    assert "Politie aan tafel: alleen regisseur" in police
    # C is still invited to the meeting but no longer takes part: no picture, nothing said.
    care = as_user(cast.participant_c).get(minutes).content.decode()
    assert PICTURE not in care
    assert SCENARIOS not in care
    assert "Politie aan tafel" not in care
    # The chair reading B's excerpt sees what B may read, not everything the chair may.
    for_b = chair.get(minutes + f"?organisatie={cast.org_b.pk}").content.decode()
    assert "Politie aan tafel: iedereen" in for_b
    assert "alleen eigen" not in for_b
    assert "alleen regisseur" not in for_b
    pdf = as_user(cast.participant_b).get(minutes + "pdf/")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Huurachterstand" in text
    assert "zorgmachtiging" in text
    assert "alleen eigen" not in text
    for user in (cast.privacy_officer, cast.admin, cast.auditor, cast.other_house_user):
        assert as_user(user).get(minutes).status_code == 404 or PICTURE not in (
            as_user(user).get(minutes).content.decode()
        )


def test_absent_partners_input_is_shown_where_decisions_are_taken(
    as_user: Any, cast: Cast, meeting: Meeting
) -> None:
    chair = as_user(cast.process_director)
    chair.post(
        f"{table(cast, meeting)}aanwezigheid/",
        {"people": [cast.participant_a.pk], "version": version(meeting)},
    )
    page = chair.get(table(cast, meeting)).content.decode()
    absent_at = page.index(nl("Written input from absent partners"))
    decision_form = page.index("/besluit/")
    assert absent_at < decision_form
    assert "Woonstichting: huurachterstand" in page[absent_at:decision_form]
    # B and C were invited and nobody of theirs is registered present.
    absent_line = page[page.index(nl("Invited but not registered present")) :]
    assert cast.org_b.name in absent_line.split("</p>")[0]
    assert cast.org_c.name in absent_line.split("</p>")[0]
    assert cast.org_a.name not in absent_line.split("</p>")[0]
    # Once B is present its input is no longer "absent".
    chair.post(
        f"{table(cast, meeting)}aanwezigheid/",
        {"people": [cast.participant_b.pk], "version": version(meeting)},
    )
    page = chair.get(table(cast, meeting)).content.decode()
    assert nl("Written input from absent partners") not in page


def test_guests_without_an_account(as_user: Any, cast: Cast, meeting: Meeting) -> None:
    chair = as_user(cast.process_director)
    for bad, field_error in [
        ({"name": "  "}, "name"),
        ({"role": ""}, "role"),
        ({"organisation": cast.other_org.pk}, "organisation"),
        ({"organisation": ""}, "organisation"),
    ]:
        response = guest(chair, cast, meeting, **bad)
        assert response.status_code == 400, (bad, field_error)
        assert 'id="fouten"' in response.content.decode()
    assert not Attendance.objects.exists()
    assert guest(chair, cast, meeting).status_code == 302
    again = guest(chair, cast, meeting)
    assert again.status_code == 400
    assert Attendance.objects.count() == 1
    row = Attendance.objects.get()
    assert row.user is None
    assert row.role == "wijkagent"
    assert row.organisation == cast.org_a
    # The house's own team may bring a guest too (a trainee process director, say).
    assert guest(
        chair, cast, meeting, name="Sam Stagiair", organisation=cast.staff.pk
    ).status_code == (302)
    page = chair.get(table(cast, meeting)).content.decode()
    assert "Wim Wijkagent" in page
    assert "wijkagent" in page
    # Named in the disclosure register with what is shared afterwards.
    item = meeting.agenda.get()
    decision = actions.do_record_decision(
        item, kind="approach", text="Gezamenlijke aanpak", actor=cast.process_director
    )
    register = Disclosure.objects.get(name="meeting.decision", object_id=str(decision.pk))
    assert f"Wim Wijkagent ({cast.org_a.name}, wijkagent)" in register.attendees
    # No login is made for a guest.
    from casusregie.accounts.models import User

    assert not User.objects.filter(full_name="Wim Wijkagent").exists()


def test_attendance_is_ticked_per_organisation(as_user: Any, cast: Cast, meeting: Meeting) -> None:
    page = as_user(cast.process_director).get(table(cast, meeting)).content.decode()
    for org in (cast.org_a, cast.org_b, cast.org_c, cast.staff):
        assert f'<legend class="utrecht-form-fieldset__legend">{org.name}</legend>' in page
    police = page.index(f'<legend class="utrecht-form-fieldset__legend">{cast.org_a.name}')
    assert page.index(f'value="{cast.participant_a.pk}" id="aanwezig-{cast.org_a.pk}-') > police
    assert cast.other_house_user.full_name not in page
    # Nobody ticked: a clear error, nothing saved.
    response = as_user(cast.process_director).post(
        f"{table(cast, meeting)}aanwezigheid/", {"version": version(meeting)}
    )
    assert response.status_code == 400
    assert 'id="fouten"' in response.content.decode()
    assert not Attendance.objects.exists()


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context)


def test_query_counts_do_not_grow_with_what_was_said_or_who_sat_there(
    as_user: Any, cast: Cast, meeting: Meeting
) -> None:
    chair = as_user(cast.process_director)
    minutes = f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/verslag/"
    said(chair, cast, meeting, text="Eerste")
    guest(chair, cast, meeting)
    chair.get(table(cast, meeting))  # warm caches
    table_before = _queries(chair, table(cast, meeting))
    minutes_before = _queries(as_user(cast.participant_b), minutes)
    for n in range(5):
        said(
            chair,
            cast,
            meeting,
            text=f"Inbreng {n}",
            audience="organisations",
            organisations=[cast.org_b.pk],
        )
        guest(chair, cast, meeting, name=f"Gast {n}")
    assert _queries(chair, table(cast, meeting)) == table_before
    assert _queries(as_user(cast.participant_b), minutes) == minutes_before
