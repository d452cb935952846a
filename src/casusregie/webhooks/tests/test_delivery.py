"""Deliveries to a real HTTP receiver: signed, CloudEvents, ids only; retried with backoff;
a dead endpoint paused and its owners told; resumed with its backlog sent or dropped."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from casusregie.conftest import TEST_BSN, Cast
from casusregie.inbox.models import Notification
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.privacy.models import AuditEvent
from casusregie.webhooks import actions, delivery, events, signing
from casusregie.webhooks.models import Attempt, Delivery, DeliveryStatus, SubscriptionStatus

from .conftest import Receiver, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_local")]


def new_action(
    cast: Cast, case: Any, capture: Any, title: str = "Huisbezoek bij Testpersoon"
) -> Any:
    with capture(execute=True):
        (action,) = do_create_actions(
            case,
            [ActionData(title, cast.org_a, timezone.localdate() + datetime.timedelta(days=7))],
            actor=cast.process_director,
        )
    return action


def test_delivery_is_signed_cloudevent_with_ids_only(
    cast: Cast,
    case: Any,
    receiver: Receiver,
    manager_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription, secret = subscribe(
        cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED], actor=manager_a
    )
    action = new_action(cast, case, django_capture_on_commit_callbacks)

    (hit,) = receiver.received
    assert hit.path == "/hook"
    assert hit.headers["content-type"].startswith("application/cloudevents+json")
    # The Standard Webhooks trio, checked the way a receiver checks it.
    assert signing.verify(
        secret,
        hit.headers["webhook-id"],
        hit.headers["webhook-timestamp"],
        hit.body,
        hit.headers["webhook-signature"],
    )
    assert not signing.verify(
        signing.new_secret(),
        hit.headers["webhook-id"],
        hit.headers["webhook-timestamp"],
        hit.body,
        hit.headers["webhook-signature"],
    )
    body = hit.json
    assert set(body) == {
        "specversion",
        "id",
        "source",
        "type",
        "subject",
        "time",
        "datacontenttype",
        "data",
    }
    assert body["specversion"] == "1.0"
    assert body["id"] == hit.headers["webhook-id"]
    assert body["type"] == "nl.casusregie.action.assigned"
    assert body["subject"] == f"actions/{action.pk}"
    assert body["source"] == f"https://casusregie.test/api/v1/houses/{cast.house.slug}"
    assert body["datacontenttype"] == "application/json"
    assert body["time"].endswith("Z")
    data = body["data"]
    assert data["action"]["id"] == action.pk
    assert data["case"] == {"id": case.pk, "reference": case.reference}
    assert (
        data["links"]["page"]
        == f"https://casusregie.test/huizen/{cast.house.slug}/acties/{action.pk}/"
    )
    assert data["links"]["api"].endswith(f"/api/v1/houses/{cast.house.slug}/actions/{action.pk}")
    # Nothing about the person: no name, no BSN, no title, no date of birth.
    text = hit.body.decode()
    for personal in ("Testpersoon", "Jan", TEST_BSN, "Huisbezoek", "1980-05-17", "Arie"):
        assert personal not in text
    row = Delivery.objects.get(subscription=subscription)
    assert row.status == DeliveryStatus.SUCCEEDED
    (attempt,) = row.attempts.all()
    assert attempt.status_code == 204
    assert attempt.succeeded


def test_emitting_waits_for_commit_and_a_rollback_sends_nothing(
    cast: Cast, case: Any, receiver: Receiver
) -> None:
    subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    do_create_actions(
        case,
        [ActionData("Iets", cast.org_a, timezone.localdate() + datetime.timedelta(days=3))],
        actor=cast.process_director,
    )
    # The test's transaction never commits: no event, no delivery, nothing received.
    assert receiver.received == []
    assert not Delivery.objects.exists()


def test_a_failing_receiver_never_breaks_the_action(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500]
    subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    action = new_action(cast, case, django_capture_on_commit_callbacks)
    assert action.pk is not None
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts.get().status_code == 500


def test_failures_are_retried_with_backoff_then_paused_and_owners_told(
    cast: Cast,
    case: Any,
    receiver: Receiver,
    manager_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.statuses = [503]
    subscription, _secret = subscribe(
        cast,
        cast.org_a,
        receiver.url,
        [events.ACTION_ASSIGNED],
        actor=manager_a,
        contact_email="ict@politie.test",
    )
    new_action(cast, case, django_capture_on_commit_callbacks)
    row = Delivery.objects.get()
    first = row.attempts.get().started_at
    waits = []
    while row.status == DeliveryStatus.PENDING:
        due = row.next_attempt_at
        assert due is not None
        waits.append((due - row.attempts.order_by("-number").first().started_at).total_seconds())
        with django_capture_on_commit_callbacks(execute=True):
            assert delivery.deliver_due(now=due) == 1
        row.refresh_from_db()
    # 1 min, 5 min, 30 min, 2 h, 6 h, 24 h, each within 20 % jitter.
    for wait, base in zip(waits, delivery.RETRY_DELAYS, strict=True):
        assert base * 0.8 <= wait <= base * 1.2
    assert row.attempts.count() == 7
    assert len(receiver.received) == 7
    # Every retry carries the same id, so the receiver can de-duplicate.
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert row.status == DeliveryStatus.HELD  # waits for the owner's choice
    last = row.attempts.order_by("-number").first().started_at
    assert last - first >= datetime.timedelta(hours=24)
    note = Notification.objects.get(
        user=manager_a, link=f"/huizen/{cast.house.slug}/webhooks/{subscription.pk}/"
    )
    assert "gepauzeerd" in note.message
    assert [m.to for m in mail.outbox if "ict@politie.test" in m.to] == [["ict@politie.test"]]
    assert AuditEvent.objects.filter(action="webhook.pause", actor__isnull=True).exists()
    # While paused, new events are held, not sent.
    new_action(cast, case, django_capture_on_commit_callbacks, title="Tweede")
    assert len(receiver.received) == 7
    assert Delivery.objects.filter(status=DeliveryStatus.HELD).count() == 2


def test_failures_within_a_day_do_not_pause(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500]
    subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    for number in range(6):
        new_action(cast, case, django_capture_on_commit_callbacks, title=f"Actie {number}")
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 6
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_a_success_resets_the_failure_count(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500, 500, 200]
    subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    for number in range(3):
        new_action(cast, case, django_capture_on_commit_callbacks, title=f"Actie {number}")
    subscription.refresh_from_db()
    assert (subscription.consecutive_failures, subscription.failing_since) == (0, None)


def test_gone_pauses_at_once(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [410]
    subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    new_action(cast, case, django_capture_on_commit_callbacks)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert "410" in subscription.pause_reason
    # Nobody manages organisation A but the functional administrator: they are told.
    assert Notification.objects.filter(user=cast.admin).exists()


@pytest.mark.parametrize("backlog", ["send", "drop"])
def test_resume_sends_or_drops_the_backlog(
    cast: Cast,
    case: Any,
    receiver: Receiver,
    backlog: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    actions.do_pause_subscription(subscription, actor=cast.admin)
    new_action(cast, case, django_capture_on_commit_callbacks, title="Een")
    new_action(cast, case, django_capture_on_commit_callbacks, title="Twee")
    assert receiver.received == []
    with django_capture_on_commit_callbacks(execute=True):
        _sub, count = actions.do_resume_subscription(
            subscription, backlog=backlog, actor=cast.admin
        )
    assert count == 2
    if backlog == "send":
        assert len(receiver.received) == 2
        assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}
    else:
        assert receiver.received == []
        assert set(Delivery.objects.values_list("status", flat=True)) == {"dropped"}
    audit = AuditEvent.objects.get(action="webhook.resume")
    assert audit.after["backlog"] == backlog


def test_rotation_signs_with_both_secrets_for_a_day(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscription, old = subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    new = actions.do_rotate_secret(subscription, actor=cast.admin)
    assert new != old
    new_action(cast, case, django_capture_on_commit_callbacks)
    (hit,) = receiver.received
    args = (hit.headers["webhook-id"], hit.headers["webhook-timestamp"], hit.body)
    assert len(hit.headers["webhook-signature"].split()) == 2
    assert signing.verify(new, *args, hit.headers["webhook-signature"])
    assert signing.verify(old, *args, hit.headers["webhook-signature"])
    subscription.refresh_from_db()
    later = timezone.now() + datetime.timedelta(hours=25)
    assert delivery.secrets_in_use(subscription, later) == [new]


def test_ping_reaches_the_receiver_once_even_when_it_fails(
    cast: Cast, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500]
    subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.CASE_CLOSED])
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.do_send_ping(subscription, actor=cast.admin)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED  # one attempt, no retries
    assert receiver.received[0].json["type"] == "nl.casusregie.ping"
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_a_delivery_never_connects_to_a_local_address_when_not_allowed(
    cast: Cast,
    case: Any,
    receiver: Receiver,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    settings.WEBHOOKS_ALLOW_LOCAL = False  # e.g. the DNS name now points inside
    new_action(cast, case, django_capture_on_commit_callbacks)
    assert receiver.received == []
    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert "lokaal" in attempt.error


def test_due_soon_is_sent_once(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    from casusregie.webhooks import schedule

    subscribe(cast, cast.org_a, receiver.url, [events.ACTION_DUE_SOON])
    action = new_action(cast, case, django_capture_on_commit_callbacks)
    far = action.due_date - datetime.timedelta(days=5)
    assert schedule.emit_due_soon(far) == 0
    near = action.due_date - datetime.timedelta(days=cast.house.reminder_days_before_deadline)
    assert schedule.emit_due_soon(near) == 1
    assert schedule.emit_due_soon(near) == 0
    assert [r.json["type"] for r in receiver.received] == ["nl.casusregie.action.due_soon"]


def test_the_scheduler_sends_due_retries(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    import io

    from django.core.management import call_command

    receiver.statuses = [500, 204]
    subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    new_action(cast, case, django_capture_on_commit_callbacks)
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    out = io.StringIO()
    call_command("run_schedule", stdout=out)
    assert "webhooks: 1" in out.getvalue()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SUCCEEDED
    out = io.StringIO()
    call_command("deliver_webhooks", stdout=out)
    assert "0 pogingen" in out.getvalue()


def test_old_history_is_forgotten_unless_still_waiting(
    cast: Cast, case: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    from casusregie.webhooks import schedule
    from casusregie.webhooks.models import Event

    subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    new_action(cast, case, django_capture_on_commit_callbacks, title="Afgeleverd")
    actions.do_pause_subscription(subscription, actor=cast.admin)
    new_action(cast, case, django_capture_on_commit_callbacks, title="Vastgehouden")
    later = timezone.now() + datetime.timedelta(days=31)
    assert schedule.purge_history(later) == 3  # the event, its delivery and its attempt
    assert Event.objects.count() == 1
    assert Delivery.objects.get().status == DeliveryStatus.HELD
