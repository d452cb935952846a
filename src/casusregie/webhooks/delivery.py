"""Sending one delivery: the CloudEvents body, the signature, one HTTP POST with a short
timeout, the attempt stored, and what follows (done, retry later, give up, pause).

No database transaction is open during the HTTP request: the delivery is taken with a short
lease (an UPDATE that only one worker wins), sent, and the outcome written afterwards.

Retries: after 1 minute, 5 minutes, 30 minutes, 2 hours, 6 hours and 24 hours, each with up to
20 % random jitter so a recovering receiver is not hit by every house at once; then the
delivery has failed. A subscription whose last `WEBHOOKS_PAUSE_AFTER_FAILURES` (5) attempts
failed, over at least `WEBHOOKS_PAUSE_AFTER_HOURS` (24), is paused and its owners told.
An answer `410 Gone` pauses it at once.
"""

from __future__ import annotations

import datetime
import json
import logging
import random
import time
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import endpoints, signing
from .models import Attempt, Delivery, DeliveryStatus, Event, Subscription, SubscriptionStatus

logger = logging.getLogger(__name__)

RETRY_DELAYS = (60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600, 24 * 3600)  # seconds
JITTER = 0.2
LEASE = datetime.timedelta(minutes=2)
EXCERPT = 500
USER_AGENT = "Casusregie-Webhooks/1"


def timeout() -> float:
    return float(getattr(settings, "WEBHOOKS_TIMEOUT", 5))


def pause_after_failures() -> int:
    return int(getattr(settings, "WEBHOOKS_PAUSE_AFTER_FAILURES", 5))


def pause_after() -> datetime.timedelta:
    return datetime.timedelta(hours=float(getattr(settings, "WEBHOOKS_PAUSE_AFTER_HOURS", 24)))


def envelope(event: Event) -> dict[str, Any]:
    """The CloudEvents 1.0 structured-mode JSON of an event."""
    base = str(getattr(settings, "BASE_URL", "")).rstrip("/")
    slug = event.data.get("house", "") if isinstance(event.data, dict) else ""
    return {
        "specversion": "1.0",
        "id": str(event.id),
        "source": f"{base}/api/v1/houses/{slug}",
        "type": event.type,
        "subject": event.subject,
        "time": event.time.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": event.data,
    }


def body_of(event: Event) -> bytes:
    return json.dumps(envelope(event), cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def secrets_in_use(subscription: Subscription, now: datetime.datetime) -> list[str]:
    found = [subscription.secret]
    if (
        subscription.previous_secret
        and subscription.previous_secret_until
        and subscription.previous_secret_until > now
    ):
        found.append(subscription.previous_secret)
    return found


def next_delay(tries: int) -> datetime.timedelta | None:
    """The wait after the `tries`-th failed attempt, with jitter; None when it was the last."""
    if tries > len(RETRY_DELAYS):
        return None
    base = RETRY_DELAYS[tries - 1]
    return datetime.timedelta(seconds=base * (1 + random.uniform(-JITTER, JITTER)))  # noqa: S311


def queue(delivery_id: int, at: datetime.datetime | None = None) -> None:
    """Hand the delivery to the task queue (at a time, when the backend can wait). A backend
    that cannot (inline, in development and tests) leaves retries to `deliver_due`."""
    from django_tasks import default_task_backend

    from .tasks import deliver_webhook

    try:
        if at is None:
            deliver_webhook.enqueue(delivery_id)
        elif default_task_backend.supports_defer:
            deliver_webhook.using(run_after=at).enqueue(delivery_id)
    except Exception:  # a queue problem must never break the caller; the sweep picks it up
        logger.exception("could not queue webhook delivery %s", delivery_id)


def take(delivery_id: int, now: datetime.datetime, *, force: bool = False) -> bool:
    """Lease the delivery if it is due and nobody else holds it."""
    rows = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    if not force:
        rows = rows.filter(next_attempt_at__lte=now)
    return rows.update(lease_until=now + LEASE) == 1


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST to the endpoint, connected to a checked address; the status and the start of the
    answer. Raises endpoints.Refused or urllib3 errors."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = endpoints.addresses(host, port)[0]
    limits = urllib3.Timeout(connect=timeout(), read=timeout())
    pool: urllib3.HTTPConnectionPool
    if https:
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=limits,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=host,
            assert_hostname=host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=limits, retries=False)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent_headers = {
        **headers,
        "Host": parts.netloc.rsplit("@", 1)[-1],
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        "User-Agent": USER_AGENT,
    }
    try:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers=sent_headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            excerpt = response.read(EXCERPT, decode_content=True)
        finally:
            response.release_conn()
        return response.status, excerpt.decode("utf-8", "replace")
    finally:
        pool.close()


def attempt(delivery_id: int, now: datetime.datetime | None = None, *, force: bool = False) -> str:
    """Try one delivery once. Returns its status afterwards (unchanged if not taken)."""
    now = now or timezone.now()
    if not take(delivery_id, now, force=force):
        return "skipped"
    delivery = Delivery.objects.select_related("subscription", "event").get(pk=delivery_id)
    subscription, event = delivery.subscription, delivery.event
    body = body_of(event)
    stamp = int(now.timestamp())
    headers = signing.headers(secrets_in_use(subscription, now), str(event.id), stamp, body)
    started = time.monotonic()
    status_code: int | None = None
    excerpt = error = ""
    try:
        status_code, excerpt = post(subscription.url, body, headers)
    except endpoints.Refused as refused:
        error = str(refused)
    except urllib3.exceptions.HTTPError as problem:
        error = _describe(problem)
    except OSError as problem:
        error = type(problem).__name__
    duration = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    if status_code is not None and not ok and not error:
        error = f"HTTP {status_code}"
    return record(
        delivery,
        now=now,
        ok=ok,
        status_code=status_code,
        duration_ms=duration,
        error=error,
        excerpt=excerpt,
    )


def _describe(problem: Exception) -> str:
    if isinstance(problem, urllib3.exceptions.TimeoutError):
        return "Timeout"
    if isinstance(problem, urllib3.exceptions.SSLError):
        return "TLS error"
    if isinstance(problem, urllib3.exceptions.NewConnectionError):
        return "Connection refused or unreachable"
    return type(problem).__name__


def record(
    delivery: Delivery,
    *,
    now: datetime.datetime,
    ok: bool,
    status_code: int | None,
    duration_ms: int,
    error: str,
    excerpt: str,
) -> str:
    """Store the attempt and decide what comes next, in one short transaction."""
    from . import actions

    is_ping = delivery.event.type.endswith(".ping")
    retry_at: datetime.datetime | None = None
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        subscription = Subscription.objects.select_for_update().get(pk=delivery.subscription_id)
        number = delivery.attempts.count() + 1
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=now,
            duration_ms=duration_ms,
            status_code=status_code,
            succeeded=ok,
            error=error[:300],
            response_excerpt=excerpt[:EXCERPT],
        )
        delivery.tries += 1
        delivery.lease_until = None
        if ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.finished_at = now
            delivery.next_attempt_at = None
        else:
            delay = None if is_ping else next_delay(delivery.tries)
            if not is_ping and subscription.status != SubscriptionStatus.ACTIVE:
                # Paused while this attempt was under way: it joins the backlog.
                delivery.status = DeliveryStatus.HELD
                delivery.next_attempt_at = None
            elif delay is None:
                delivery.status = DeliveryStatus.FAILED
                delivery.finished_at = now
                delivery.next_attempt_at = None
            else:
                retry_at = delivery.next_attempt_at = now + delay
        delivery.save(
            update_fields=["tries", "lease_until", "status", "finished_at", "next_attempt_at"]
        )
        if not is_ping and subscription.status == SubscriptionStatus.ACTIVE:
            if ok:
                if subscription.consecutive_failures or subscription.failing_since:
                    subscription.consecutive_failures = 0
                    subscription.failing_since = None
                    subscription.save(update_fields=["consecutive_failures", "failing_since"])
            else:
                subscription.consecutive_failures += 1
                subscription.failing_since = subscription.failing_since or now
                subscription.save(update_fields=["consecutive_failures", "failing_since"])
                gone = status_code == 410
                tired = (
                    subscription.consecutive_failures >= pause_after_failures()
                    and now - subscription.failing_since >= pause_after()
                )
                if gone or tired:
                    actions.pause_for_failures(subscription, now=now, gone=gone)
                    retry_at = None
        status = Delivery.objects.values_list("status", flat=True).get(pk=delivery.pk)
    if retry_at is not None and status == DeliveryStatus.PENDING:
        queue(delivery.pk, at=retry_at)
    return str(status)


def deliver_due(now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Send every pending delivery whose time has come (retries, and anything a lost task
    left behind). Run by the scheduler; returns the number attempted."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for delivery_id in due:
        if attempt(delivery_id, now) != "skipped":
            done += 1
    return done
