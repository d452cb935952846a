"""Meeting e-mails with the calendar invitation, sent as a task after the change commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from . import ics
from .models import Meeting, MeetingStatus


def recipients(meeting: Meeting) -> list[str]:
    """Active members of the invited organisations in the house, and the chair; not the
    system accounts of API clients (they cannot read mail: their systems get webhooks)."""
    from casusregie.accounts.models import User

    emails = set(
        User.objects.filter(
            is_active=True,
            memberships__house=meeting.house_id,
            memberships__ended_at__isnull=True,
            memberships__organisation__in=meeting.invitations.values("organisation"),
            api_client__isnull=True,
        ).values_list("email", flat=True)
    )
    emails.add(meeting.chair.email)
    return sorted(emails)


@task()
def send_meeting_mail(meeting_id: int) -> int:
    """Send the invitation (or its update or cancellation) as the meeting now stands."""
    meeting = Meeting.objects.select_related("house", "chair").get(pk=meeting_id)
    cancel = meeting.status == MeetingStatus.CANCELLED
    with translation.override(settings.LANGUAGE_CODE):
        subject = (
            _("Cancelled: case meeting %(ref)s") if cancel else _("Case meeting %(ref)s")
        ) % {"ref": meeting.reference}
        body = _("%(what)s\n\nAgenda and written input: %(link)s\n") % {
            "what": subject,
            "link": ics.meeting_url(meeting),
        }
    method = "CANCEL" if cancel else "REQUEST"
    messages = []
    for address in recipients(meeting):
        message = EmailMessage(subject, body, None, [address])
        message.attach(
            "casusoverleg.ics",
            ics.invitation(meeting, cancel=cancel).decode(),
            f"text/calendar; method={method}",
        )
        messages.append(message)
    # Queued in the outbox (decision 0032): a mail server that is down delays, never drops.
    return get_connection().send_messages(messages) or 0
