"""A case meeting from planning to minutes, as the fixed cast would do it, with calendar
invitations read back from a real SMTP server."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from casusregie.conftest import Cast
from casusregie.meetings.models import Attendance, Decision, Meeting, MeetingStatus
from casusregie.plans.models import Action
from casusregie.privacy.models import Operation, ProcessingLogEntry

pytestmark = pytest.mark.django_db


def base(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/overleggen/"


def slot(days: int, hour: int = 10) -> str:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return f"{day:%d-%m-%Y} {hour:02d}:00"


def plan(as_user: Any, cast: Cast, case: Any, **changes: Any) -> Any:
    data = {
        "title": "Casusoverleg december",
        "cases": [case.pk],
        "invitees": [cast.org_a.pk, cast.org_b.pk, cast.org_c.pk],
        "optional": [cast.org_c.pk],
        "slots": f"{slot(5)}\n{slot(6)}",
        "duration_minutes": 90,
        "location": "Zaal 2",
    }
    data.update(changes)
    return as_user(cast.process_director).post(base(cast) + "nieuw/", data)


def calendars(messages: list[Any]) -> list[Calendar]:
    found = []
    for message in messages:
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                found.append(Calendar.from_ical(part.get_payload(decode=True)))
    return found


def answer(client: Any, cast: Cast, meeting: Meeting, values: list[str]) -> Any:
    slots = list(meeting.slots.all())
    return client.post(
        f"{base(cast)}{meeting.pk}/beschikbaarheid/",
        {f"slot_{s.pk}": v for s, v in zip(slots, values, strict=True)},
    )


def test_plan_answer_schedule_and_calendar(
    as_user: Any, cast: Cast, case: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert plan(as_user, cast, case).status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.reference == "O-1"
    # C (mental health) was invited, so it now takes part in the case: a logged disclosure.
    assert case.participations.filter(organisation=cast.org_c).exists()
    assert ProcessingLogEntry.objects.filter(
        name="meeting.plan", operation=Operation.DISCLOSE, recipient_organisation=cast.org_c
    ).exists()
    # The police officer works nights at the first slot and the housing corporation cannot
    # come at the second: no slot seats both required organisations.
    assert (
        answer(as_user(cast.participant_a), cast, meeting, ["night_shift", "yes"]).status_code
        == 302
    )
    assert answer(as_user(cast.participant_b), cast, meeting, ["yes", "no"]).status_code == 302
    page = as_user(cast.process_director).get(f"{base(cast)}{meeting.pk}/").content.decode()
    assert "Nachtdienst / niet beschikbaar" in page
    assert "Nog geen voorgesteld tijdstip" in page
    # Housing corporation changes its mind: slot 2 works; the system suggests it.
    answer(as_user(cast.participant_b), cast, meeting, ["yes", "maybe"])
    second = meeting.slots.order_by("starts_at")[1]
    assert (
        "Voorgesteld (★)"
        in as_user(cast.process_director).get(f"{base(cast)}{meeting.pk}/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(cast.process_director).post(
            f"{base(cast)}{meeting.pk}/inplannen/",
            {"slot": second.pk, "version": meeting.version + 0},
        )
    assert response.status_code == 302, response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    received = smtp_server.wait_for(4)
    invites = calendars(received)
    assert invites, "every recipient gets an ICS invitation"
    event = invites[0].walk("VEVENT")[0]
    assert str(invites[0]["METHOD"]) == "REQUEST"
    assert str(event["UID"]).startswith(str(meeting.ics_uid))
    assert event.decoded("DTSTART") == second.starts_at
    assert all("Testpersoon" not in m.as_string() for m in received)
    addressed = {m["To"] for m in received}
    assert cast.participant_c.email in addressed
    assert cast.other_house_user.email not in addressed
    # Cancelling sends a CANCEL for the same UID with a higher sequence.
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        as_user(cast.process_director).post(
            f"{base(cast)}{meeting.pk}/annuleren/", {"reason": "Casus opgeschaald naar crisis"}
        )
    cancel = calendars(smtp_server.wait_for(1))[0]
    assert str(cancel["METHOD"]) == "CANCEL"
    assert int(cancel.walk("VEVENT")[0]["SEQUENCE"]) == 1
    # A cancelled meeting cannot be scheduled again (no ICS for a cancelled meeting).
    meeting.refresh_from_db()
    refused = as_user(cast.process_director).post(
        f"{base(cast)}{meeting.pk}/inplannen/", {"slot": second.pk, "version": meeting.version}
    )
    assert refused.status_code == 400
    assert "geannuleerd" in refused.content.decode()


def test_bad_planning_input(as_user: Any, cast: Cast, case: Any) -> None:
    past = plan(as_user, cast, case, slots=slot(-1))
    assert past.status_code == 400
    assert "kan niet in het verleden liggen" in past.content.decode()
    garbled = plan(as_user, cast, case, slots="morgen om tien")
    assert garbled.status_code == 400
    assert not Meeting.objects.exists()
    assert not case.participations.filter(organisation=cast.org_c).exists()
    # Partners cannot plan meetings at all.
    assert as_user(cast.participant_a).get(base(cast) + "nieuw/").status_code == 404


def test_uninvited_cannot_answer_or_see(as_user: Any, cast: Cast, case: Any) -> None:
    plan(as_user, cast, case, invitees=[cast.org_a.pk], optional=[])
    meeting = Meeting.objects.get()
    assert answer(as_user(cast.participant_b), cast, meeting, ["yes", "yes"]).status_code == 404
    assert as_user(cast.participant_c).get(f"{base(cast)}{meeting.pk}/").status_code == 404
    assert as_user(cast.other_house_user).get(f"{base(cast)}{meeting.pk}/").status_code == 404


@pytest.fixture
def scheduled(as_user: Any, cast: Cast, case: Any) -> Meeting:
    plan(as_user, cast, case)
    meeting = Meeting.objects.get()
    first = meeting.slots.order_by("starts_at").first()
    as_user(cast.process_director).post(
        f"{base(cast)}{meeting.pk}/inplannen/", {"slot": first.pk, "version": meeting.version}
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    return meeting


def grid(cast: Cast, version: int, rows: list[tuple[str, Any, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {"version": version}
    for number, (title, org, due) in enumerate(rows, start=1):
        data[f"row-{number}-title"] = title
        data[f"row-{number}-owner_organisation"] = org.pk if org else ""
        data[f"row-{number}-due_date"] = due
    return data


def test_table_mode_and_excerpts(as_user: Any, cast: Cast, case: Any, scheduled: Meeting) -> None:
    chair = as_user(cast.process_director)
    table = f"{base(cast)}{scheduled.pk}/tafel/"
    item = scheduled.agenda.get()
    assert chair.get(table).status_code == 200
    for user in (cast.participant_a, cast.participant_b, cast.participant_c):
        assert as_user(user).get(table).status_code == 404
    response = chair.post(
        table + "aanwezigheid/",
        {"people": [cast.participant_a.pk, cast.participant_b.pk], "version": scheduled.version},
    )
    assert response.status_code == 302
    assert Attendance.objects.count() == 2
    scheduled.refresh_from_db()
    # A form made before the attendance was saved is out of date.
    stale = chair.post(
        table + f"{item.pk}/besluit/", {"kind": "approach", "text": "x", "version": 1}
    )
    assert stale.status_code == 400
    assert "ondertussen gewijzigd" in stale.content.decode()
    response = chair.post(
        table + f"{item.pk}/besluit/",
        {
            "kind": "case_director",
            "text": "",
            "case_director": cast.participant_b.pk,
            "version": scheduled.version,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.case_director == cast.participant_b
    scheduled.refresh_from_db()
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    bad = chair.post(
        table + f"{item.pk}/acties/",
        grid(cast, scheduled.version, [("Goed", cast.org_a, due), ("Zonder eigenaar", None, due)]),
    )
    assert bad.status_code == 400
    assert "Elke actie heeft een eigenaar-organisatie nodig" in bad.content.decode()
    assert not Action.objects.exists()
    five = [
        ("Politie: huisbezoek", cast.org_a, due),
        ("Politie: buurtonderzoek", cast.org_a, due),
        ("Woning: betalingsregeling", cast.org_b, due),
        ("Woning: gesprek huurder", cast.org_b, due),
        ("GGZ: intake", cast.org_c, due),
    ]
    response = chair.post(table + f"{item.pk}/acties/", grid(cast, scheduled.version, five))
    assert response.status_code == 302
    assert Action.objects.filter(meeting=scheduled).count() == 5
    # Submitting the same form again is refused: it was made from an older version.
    again = chair.post(table + f"{item.pk}/acties/", grid(cast, scheduled.version, five))
    assert again.status_code == 400
    assert Action.objects.count() == 5
    assert chair.post(table + "afsluiten/").status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.status == MeetingStatus.HELD
    assert Decision.objects.count() == 1
    # The housing corporation's excerpt: the decision, its own actions, not the police's.
    minutes = as_user(cast.participant_b).get(f"{base(cast)}{scheduled.pk}/verslag/")
    text = minutes.content.decode()
    assert "Woning: betalingsregeling" in text
    assert "Politie: huisbezoek" not in text
    assert "Bea Woning" in text  # the case director decision is shared
    pdf = as_user(cast.participant_b).get(f"{base(cast)}{scheduled.pk}/verslag/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Woning: gesprek huurder" in pdf_text
    assert "Politie" not in pdf_text.replace("Politie Heuvelland", "")
    police = (
        as_user(cast.participant_a).get(f"{base(cast)}{scheduled.pk}/verslag/").content.decode()
    )
    assert "Politie: buurtonderzoek" in police
    assert "Woning: betalingsregeling" not in police
    assert (
        as_user(cast.other_house_user).get(f"{base(cast)}{scheduled.pk}/verslag/").status_code
        == 404
    )
    assert ProcessingLogEntry.objects.filter(name="meeting.minutes.read").exists()


def test_a_grid_with_an_impossible_date_keeps_what_was_typed(
    as_user: Any, cast: Cast, case: Any, scheduled: Meeting
) -> None:
    """Chromium 156 sent `22026-02-11` for a Dutch-ordered date typed into an English date field
    (issue 21): the page refuses it at that row's date field, keeps every typed title, saves
    nothing, and every date field now caps the year at four digits (`max`)."""
    chair = as_user(cast.process_director)
    table = f"{base(cast)}{scheduled.pk}/tafel/"
    item = scheduled.agenda.get()
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    rows = [("Afspraak 1", cast.org_a, due), ("Afspraak 2", cast.org_b, "22026-02-11")]
    response = chair.post(table + f"{item.pk}/acties/", grid(cast, scheduled.version, rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Afspraak 1"' in page
    assert 'value="Afspraak 2"' in page
    assert page.count("Voer een geldige datum in.") == 1
    error_at = page.index("Voer een geldige datum in.")
    assert page.rfind('name="row-2-title"', 0, error_at) > page.rfind('name="row-1-due_date"')
    assert not Action.objects.exists()
    assert 'type="date"' in page
    assert page.count('type="date"') == page.count('max="9999-12-31"')
