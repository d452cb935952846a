"""The outbox: mail is stored with the action that sends it and delivered afterwards, retried
while the mail server is down, given up after OUTBOX_MAX_ATTEMPTS (then shown to the house's
functional administrators only), and forgotten after OUTBOX_KEEP_DAYS.

The rest of the suite keeps Django's locmem backend as EMAIL_BACKEND (settings_test.py), so
tests that read `mail.outbox` see mail at once; these tests switch the outbox on (decision 0032).
"""

from __future__ import annotations

import datetime
import os
import smtplib
import threading
from email.mime.text import MIMEText
from typing import Any

import pytest
from django.core.mail import EmailMessage, send_mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from casusregie.conf.tests.test_settings import start
from casusregie.conftest import Cast
from casusregie.inbox.actions import notify
from casusregie.inbox.models import Preference
from casusregie.inbox.tasks import send_digests
from casusregie.outbox import delivery
from casusregie.outbox.backend import to_message, to_row
from casusregie.outbox.models import MailStatus, QueuedMail

from .backends import Server

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def outbox(settings: Any) -> Any:
    settings.EMAIL_BACKEND = "casusregie.outbox.backend.OutboxBackend"
    settings.OUTBOX_DELIVERY_BACKEND = "casusregie.outbox.tests.backends.SwitchableBackend"
    Server.reset()
    yield Server
    Server.reset()


def queue(to: str = "a@test.invalid", subject: str = "Casus 2026-0001") -> None:
    send_mail(subject, "Open Casusregie: https://casusregie.test/huizen/", None, [to])


def test_mail_of_a_rolled_back_action_is_never_sent(outbox: Any) -> None:
    def failing_action() -> None:
        with transaction.atomic():
            queue()
            assert QueuedMail.objects.count() == 1
            raise RuntimeError("the action fails after composing its mail")

    with pytest.raises(RuntimeError):
        failing_action()
    assert not QueuedMail.objects.exists()
    assert delivery.deliver_due(timezone.now() + MINUTE).sent == 0
    assert outbox.received == []


def test_committed_mail_is_delivered_right_after_the_commit(
    outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        queue()
        # Nothing leaves before the commit.
        assert outbox.received == []
    row = QueuedMail.objects.get()
    assert row.status == MailStatus.SENT
    assert row.attempts == 1
    assert [m.to for m in outbox.received] == [["a@test.invalid"]]
    # The Message-ID fixed at queueing is the one the server gets.
    assert outbox.received[0].message()["Message-ID"] == row.message_id
    # A second run (the scheduler tick) finds nothing to do.
    assert delivery.deliver_due(timezone.now() + MINUTE).sent == 0
    assert len(outbox.received) == 1


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("down", ConnectionRefusedError(111, "Connection refused")),
        ("refuse", smtplib.SMTPException("451 try again later")),
    ],
)
def test_mail_waits_while_the_server_is_down_and_is_sent_once_when_it_is_back(
    outbox: Any, where: str, error: BaseException
) -> None:
    setattr(outbox, where, error)
    queue("a@test.invalid")
    queue("b@test.invalid")
    now = timezone.now()
    result = delivery.deliver_due(now)
    assert (result.sent, result.retried, result.failed) == (0, 2, 0)
    for row in QueuedMail.objects.all():
        assert row.status == MailStatus.QUEUED
        assert row.attempts == 1
        assert row.next_attempt_at == now + MINUTE
        assert row.last_error.startswith(type(error).__name__)
        assert "Open Casusregie" not in row.last_error  # never the mail itself
    # Not due yet: nothing is tried.
    assert delivery.deliver_due(now + datetime.timedelta(seconds=30)).retried == 0
    # Still down at the next attempt: the wait grows (1, 5, 15, 60 minutes).
    delivery.deliver_due(now + MINUTE)
    assert {r.next_attempt_at for r in QueuedMail.objects.all()} == {now + 6 * MINUTE}
    assert {r.attempts for r in QueuedMail.objects.all()} == {2}
    # The server is back: each mail arrives exactly once.
    setattr(outbox, where, None)
    assert delivery.deliver_due(now + 6 * MINUTE).sent == 2
    assert delivery.deliver_due(now + 60 * MINUTE).sent == 0
    assert sorted(m.to[0] for m in outbox.received) == ["a@test.invalid", "b@test.invalid"]
    assert set(QueuedMail.objects.values_list("status", "attempts", "last_error")) == {
        (MailStatus.SENT, 3, "")
    }


def test_a_refused_message_does_not_hold_up_the_others(outbox: Any) -> None:
    queue("a@test.invalid")
    queue("b@test.invalid")
    refused = QueuedMail.objects.order_by("pk").first()
    assert refused is not None

    def refuse_first() -> None:
        if not outbox.received and outbox.calls == 0:
            outbox.calls = 1
            raise smtplib.SMTPRecipientsRefused({"a@test.invalid": (550, b"no such user")})

    outbox.calls = 0
    outbox.during_send = refuse_first
    result = delivery.deliver_due(timezone.now())
    assert (result.sent, result.retried) == (1, 1)
    assert [m.to for m in outbox.received] == [["b@test.invalid"]]
    refused.refresh_from_db()
    assert refused.status == MailStatus.QUEUED
    assert refused.last_error.startswith("SMTPRecipientsRefused")


def test_failed_after_the_last_attempt_and_shown_to_the_administrator_only(
    outbox: Any, settings: Any, as_user: Any, cast: Cast
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 3
    outbox.down = ConnectionRefusedError(111, "Connection refused")
    queue(cast.participant_a.email, subject="Casus 2026-0042")
    queue("buiten@elders.invalid", subject="Casus 2026-0043")  # nobody of this house
    now = timezone.now()
    for minutes in (0, 1, 6):
        delivery.deliver_due(now + minutes * MINUTE)
    rows = list(QueuedMail.objects.all())
    assert {(r.status, r.attempts, r.next_attempt_at) for r in rows} == {
        (MailStatus.FAILED, 3, None)
    }
    # Failed mail is not tried again, even when the server is back.
    outbox.down = None
    assert delivery.deliver_due(now + datetime.timedelta(days=1)).sent == 0
    assert outbox.received == []

    page = f"/huizen/{cast.house.slug}/instellingen/"
    response = as_user(cast.admin).get(page)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Niet bezorgde e-mail" in text
    assert "1 e-mail aan mensen van dit huis kon niet worden bezorgd" in text
    assert cast.participant_a.email in text
    assert "ConnectionRefusedError" in text
    # Not the subject (it may belong to another house's work), not others' addresses.
    assert "2026-0042" not in text
    assert "buiten@elders.invalid" not in text
    for member in (cast.participant_a, cast.process_director, cast.other_house_user):
        refused = as_user(member).get(page)
        assert refused.status_code == 404
        assert cast.participant_a.email not in refused.content.decode()


def test_the_administrator_sees_no_failures_when_there_are_none(
    outbox: Any, as_user: Any, cast: Cast
) -> None:
    queue(cast.participant_a.email)
    delivery.deliver_due(timezone.now())
    response = as_user(cast.admin).get(f"/huizen/{cast.house.slug}/instellingen/")
    assert "Alle e-mail aan mensen van dit huis is bezorgd" in response.content.decode()


def test_retention_forgets_old_sent_and_failed_mail_never_queued_mail(
    outbox: Any, settings: Any
) -> None:
    settings.OUTBOX_KEEP_DAYS = 30
    now = timezone.now()
    day = datetime.timedelta(days=1)
    for subject, status, age in [
        ("old sent", MailStatus.SENT, 31),
        ("recent sent", MailStatus.SENT, 29),
        ("old failed", MailStatus.FAILED, 31),
        ("old queued", MailStatus.QUEUED, 60),
    ]:
        queue(subject=subject)
        QueuedMail.objects.filter(subject=subject).update(
            status=status,
            created_at=now - age * day,
            sent_at=now - age * day if status == MailStatus.SENT else None,
        )
    assert delivery.purge(now) == 2
    assert sorted(QueuedMail.objects.values_list("subject", flat=True)) == [
        "old queued",
        "recent sent",
    ]


def test_the_scheduler_tick_delivers_due_mail_and_purges(outbox: Any) -> None:
    queue()
    QueuedMail.objects.create(
        message_id="<old@test>",
        from_email="x@test.invalid",
        to=["old@test.invalid"],
        subject="old",
        created_at=timezone.now() - datetime.timedelta(days=40),
        status=MailStatus.SENT,
        sent_at=timezone.now() - datetime.timedelta(days=40),
    )
    call_command("run_schedule", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert list(QueuedMail.objects.values_list("status", flat=True)) == [MailStatus.SENT]
    assert len(outbox.received) == 1


def test_the_digest_is_queued_once_when_the_tick_runs_twice(outbox: Any, cast: Cast) -> None:
    Preference.objects.create(user=cast.participant_b, email="daily")
    notify([cast.participant_b], house=cast.house, message="Nieuwe actie in casus 2026-0001")
    later = timezone.now() + 5 * MINUTE
    outbox.down = ConnectionRefusedError(111, "Connection refused")
    assert send_digests(later) == 1
    # The server is down, but the digest is safely queued and its time recorded with it.
    delivery.deliver_due(later)
    assert send_digests(later) == 0
    assert send_digests(later + datetime.timedelta(hours=1)) == 0
    digests = QueuedMail.objects.filter(to=[cast.participant_b.email])
    assert digests.count() == 1
    outbox.down = None
    delivery.deliver_due(later + datetime.timedelta(hours=1))
    assert [m.subject for m in outbox.received] == ["Casusregie: 1 nieuw bericht"]


def test_a_digest_whose_transaction_rolls_back_is_tried_again(outbox: Any, cast: Cast) -> None:
    Preference.objects.create(user=cast.participant_b, email="daily")
    notify([cast.participant_b], house=cast.house, message="Nieuwe actie in casus 2026-0001")
    later = timezone.now() + 5 * MINUTE

    def dying_tick() -> None:
        with transaction.atomic():
            send_digests(later)
            raise RuntimeError("the tick dies")

    with pytest.raises(RuntimeError):
        dying_tick()
    assert Preference.objects.get(user=cast.participant_b).last_digest_at is None
    assert send_digests(later) == 1
    assert QueuedMail.objects.count() == 1


def test_attachments_and_headers_survive_the_queue(outbox: Any) -> None:
    message = EmailMessage("Casusoverleg", "Agenda", None, ["a@test.invalid"], cc=["c@t.invalid"])
    message.attach("casusoverleg.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    message.attach("bijlage.bin", b"\x00\x01binary", "application/octet-stream")
    message.attach(MIMEText("kant-en-klaar", "plain"))
    row = to_row(message)
    row.save()
    again = to_message(QueuedMail.objects.get(pk=row.pk))
    parsed = again.message()
    assert parsed["Message-ID"] == row.message_id
    assert again.cc == ["c@t.invalid"]
    assert again.recipients() == ["a@test.invalid", "c@t.invalid"]
    names = [a[0] for a in again.attachments[:2]]
    assert names == ["casusoverleg.ics", "bijlage.bin"]
    assert again.attachments[1][1] == b"\x00\x01binary"
    assert again.attachments[2].get_payload() == "kant-en-klaar"
    parts = [p.get_content_type() for p in parsed.walk()]
    assert parts.count("text/calendar") == 1
    assert "kant-en-klaar" in parsed.as_string()


def test_notification_mail_goes_through_the_outbox_to_a_real_smtp_server(
    settings: Any, smtp_server: Any, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "casusregie.outbox.backend.OutboxBackend"
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify([cast.participant_a], house=cast.house, message="Nieuwe actie in casus 2026-0001")
    received = smtp_server.wait_for(1)
    row = QueuedMail.objects.get()
    assert [(m["To"], m["Message-ID"]) for m in received] == [
        (cast.participant_a.email, row.message_id)
    ]
    assert row.status == MailStatus.SENT


def test_smtp_port_without_a_server_keeps_the_mail(
    settings: Any, cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    import socket

    with socket.socket() as probe:  # a free port: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "casusregie.outbox.backend.OutboxBackend"
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify([cast.participant_a], house=cast.house, message="Nieuwe actie in casus 2026-0001")
    row = QueuedMail.objects.get()
    assert (row.status, row.attempts) == (MailStatus.QUEUED, 1)
    assert row.last_error.startswith("ConnectionRefusedError")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CASUSREGIE_OUTBOX_MAX_ATTEMPTS", "0", "minstens 1"),
        ("CASUSREGIE_OUTBOX_MAX_ATTEMPTS", "vaak", "geen geheel getal"),
        ("CASUSREGIE_OUTBOX_KEEP_DAYS", "-3", "minstens 1"),
    ],
)
def test_bad_outbox_settings_stop_the_start_with_a_clear_message(
    tmp_path: Any, name: str, value: str, says: str
) -> None:
    result = start(
        {"CASUSREGIE_ENV": "development", "CASUSREGIE_DATA_DIR": str(tmp_path), name: value}
    )
    assert result.returncode != 0
    assert name in result.stderr
    assert says in result.stderr


@pytest.mark.django_db(transaction=True)
def test_two_delivery_runs_at_once_never_send_a_mail_twice(outbox: Any) -> None:
    """While one run holds its rows (mid-send), a second run skips them (PostgreSQL's
    SKIP LOCKED); on SQLite the second run waits for the first and then finds them sent."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises the runs")
    other: list[delivery.Outcome] = []

    def second_run() -> None:
        from django.db import connection as thread_connection

        try:
            other.append(delivery.deliver_due(timezone.now()))
        except Exception as error:  # shown by the assertion below
            other.append(error)  # type: ignore[arg-type]
        finally:
            thread_connection.close()

    started: list[bool] = []

    def during_send() -> None:
        if not started:
            started.append(True)
            thread = threading.Thread(target=second_run)
            thread.start()
            thread.join(timeout=30)

    outbox.during_send = during_send
    # The commit starts the first run (the delivery task, inline in the tests); while it
    # sends, the second run starts in another thread with its own database connection.
    with transaction.atomic():
        for n in range(3):
            queue(f"p{n}@test.invalid")
    assert other, "the second run did not finish"
    assert isinstance(other[0], delivery.Outcome), other
    assert other[0].sent == 0
    assert delivery.deliver_due(timezone.now()).sent == 0
    assert sorted(m.to[0] for m in outbox.received) == [
        "p0@test.invalid",
        "p1@test.invalid",
        "p2@test.invalid",
    ]
    assert QueuedMail.objects.filter(status=MailStatus.SENT).count() == 3
