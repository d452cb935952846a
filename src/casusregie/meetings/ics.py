"""Calendar invitations (ICS, RFC 5545) for a case meeting.

The invitation names the meeting by its number and links to it; it never holds the names of
the people the cases are about or case titles: calendars are synchronised to many devices.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from .models import Meeting


def meeting_url(meeting: Meeting) -> str:
    return settings.BASE_URL + reverse(
        "meetings:detail", kwargs={"slug": meeting.house.slug, "pk": meeting.pk}
    )


def invitation(meeting: Meeting, *, cancel: bool = False) -> bytes:
    if meeting.starts_at is None:
        raise ValueError("a meeting without a time has no calendar invitation")
    calendar = Calendar()
    calendar.add("prodid", "-//Casusregie//casusoverleg//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", f"{meeting.ics_uid}@casusregie")
    event.add("sequence", meeting.ics_sequence)
    event.add("dtstamp", datetime.datetime.now(tz=datetime.UTC))
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + datetime.timedelta(minutes=meeting.duration_minutes))
    event.add("summary", f"Casusoverleg {meeting.reference}")
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    if meeting.location:
        event.add("location", meeting.location)
    event.add("url", meeting_url(meeting))
    event.add("description", f"Agenda en inbreng: {meeting_url(meeting)}")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
