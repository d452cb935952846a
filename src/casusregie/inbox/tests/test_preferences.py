"""E-mail per notification, a daily digest, or none: sent through a real SMTP server."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.inbox.actions import notify
from casusregie.inbox.models import Notification, Preference
from casusregie.inbox.tasks import send_digests
from casusregie.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/berichten/instellingen/"


def test_choosing_a_preference(as_user: Any, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    assert "Eén dagelijkse samenvatting" in client.get(URL).content.decode()
    assert client.post(URL, {"email": "daily"}).status_code == 302
    assert Preference.objects.get(user=cast.participant_a).email == "daily"
    assert AuditEvent.objects.filter(action="update_notification_preference").exists()
    bad = client.post(URL, {"email": "weekly"})
    assert bad.status_code == 400
    assert Preference.objects.get(user=cast.participant_a).email == "daily"


def test_mail_follows_the_preference(
    cast: Cast, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    Preference.objects.create(user=cast.participant_b, email="daily")
    Preference.objects.create(user=cast.participant_c, email="off")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [cast.participant_a, cast.participant_b, cast.participant_c],
            house=cast.house,
            message="Nieuwe actie in casus 2026-0001",
            link="/huizen/heuvelland-test/casussen/1/",
        )
    # Everyone sees it in the app; only A (immediately) gets an e-mail now.
    assert Notification.objects.count() == 3
    received = smtp_server.wait_for(1)
    assert [m["To"] for m in received] == [cast.participant_a.email]
    assert "2026-0001" in received[0]["Subject"]
    # The digest goes to B only, once.
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert send_digests(later) == 1
    assert send_digests(later + datetime.timedelta(hours=1)) == 0
    digest = smtp_server.wait_for(2)[1]
    assert digest["To"] == cast.participant_b.email
    assert "1 nieuw bericht" in digest["Subject"]
    assert "2026-0001" in digest.get_content()
    assert len(smtp_server.messages) == 2
