"""The webhook API: create (secret once), read, change, delete, ping and the delivery history;
problem details for bad input; another organisation's webhook is "not found"."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.api.tests.helpers import PROBLEM, fields, post, url
from casusregie.conftest import Cast
from casusregie.privacy.models import AuditEvent
from casusregie.webhooks import events, signing
from casusregie.webhooks.models import Subscription

from .conftest import Receiver, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_local")]


def body(receiver: Receiver, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"url": receiver.url, "event_types": [events.ACTION_ASSIGNED]}
    data.update(changes)
    return data


def test_manager_creates_reads_pings_and_deletes(
    cast: Cast,
    as_user: Any,
    manager_a: Any,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = as_user(manager_a)
    response = post(client, url(cast, "webhooks"), body(receiver))  # organisation: the only one
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["organisation"]["id"] == cast.org_a.pk
    assert created["secret"].startswith("whsec_")
    assert response["Location"].endswith(f"/webhooks/{created['id']}")
    one = client.get(url(cast, f"webhooks/{created['id']}"))
    assert one.status_code == 200
    assert "secret" not in one.json()
    listed = client.get(url(cast, "webhooks")).json()
    assert [w["id"] for w in listed["results"]] == [created["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        ping = post(client, url(cast, f"webhooks/{created['id']}/ping"), {})
    assert ping.status_code == 202
    (hit,) = receiver.received
    assert signing.verify(
        created["secret"],
        hit.headers["webhook-id"],
        hit.headers["webhook-timestamp"],
        hit.body,
        hit.headers["webhook-signature"],
    )
    history = client.get(url(cast, f"webhooks/{created['id']}/deliveries")).json()
    (delivery,) = history["results"]
    assert delivery["event"]["type"] == "nl.casusregie.ping"
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"][0]["status_code"] == 204
    changed = client.patch(
        url(cast, f"webhooks/{created['id']}"),
        {"event_types": [events.CASE_CLOSED, events.MEETING_PLANNED]},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["event_types"] == [events.CASE_CLOSED, events.MEETING_PLANNED]
    rotated = post(client, url(cast, f"webhooks/{created['id']}/rotate-secret"), {})
    assert rotated.json()["secret"] != created["secret"]
    paused = post(client, url(cast, f"webhooks/{created['id']}/pause"), {})
    assert paused.json()["status"] == "paused"
    resumed = post(client, url(cast, f"webhooks/{created['id']}/resume"), {"backlog": "send"})
    assert resumed.json()["webhook"]["status"] == "active"
    assert client.delete(url(cast, f"webhooks/{created['id']}")).status_code == 204
    assert not Subscription.objects.exists()
    assert AuditEvent.objects.filter(action="webhook.delete", actor=manager_a).exists()
    types = client.get(url(cast, "webhook-event-types")).json()["results"]
    assert {t["type"] for t in types} == set(events.TYPES)


def test_bad_input_answers_problem_details(
    cast: Cast, as_user: Any, receiver: Receiver, settings: Any
) -> None:
    client = as_user(cast.admin)
    target = url(cast, "webhooks")
    # The administrator manages several organisations: they must name one.
    assert fields(post(client, target, body(receiver))) == {"organisation"}
    assert fields(post(client, target, body(receiver, organisation=cast.other_org.pk))) == {
        "organisation"
    }
    assert fields(
        post(client, target, body(receiver, organisation=cast.org_a.pk, event_types=["nope"]))
    ) == {"event_types.0"}
    assert fields(
        post(client, target, body(receiver, organisation=cast.org_a.pk, event_types=[]))
    ) == {"event_types"}
    settings.WEBHOOKS_ALLOW_LOCAL = False
    insecure = post(
        client, target, body(receiver, organisation=cast.org_a.pk, url="http://hooks.example/")
    )
    assert fields(insecure) == {"url"}
    assert "https://" in insecure.json()["errors"][0]["detail"]
    local = post(
        client, target, body(receiver, organisation=cast.org_a.pk, url="https://localhost/x")
    )
    assert fields(local) == {"url"}
    assert fields(post(client, target, {"url": ["x"]})) >= {"url", "event_types"}
    assert not Subscription.objects.exists()
    settings.WEBHOOKS_ALLOW_LOCAL = True
    subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.CASE_CLOSED])
    resume = post(client, url(cast, f"webhooks/{subscription.pk}/resume"), {"backlog": "later"})
    assert fields(resume) == {"backlog"}
    not_paused = post(client, url(cast, f"webhooks/{subscription.pk}/resume"), {"backlog": "drop"})
    assert not_paused.status_code == 400
    assert not_paused["Content-Type"] == PROBLEM


def test_another_organisations_webhook_is_not_found(
    cast: Cast, as_user: Any, manager_b: Any, receiver: Receiver
) -> None:
    subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.CASE_CLOSED])
    for user in (manager_b, cast.participant_a, cast.process_director, cast.other_house_user):
        client = as_user(user)
        for method, path in (
            ("get", f"webhooks/{subscription.pk}"),
            ("get", f"webhooks/{subscription.pk}/deliveries"),
            ("post", f"webhooks/{subscription.pk}/ping"),
            ("post", f"webhooks/{subscription.pk}/rotate-secret"),
            ("delete", f"webhooks/{subscription.pk}"),
        ):
            response = getattr(client, method)(url(cast, path), content_type="application/json")
            assert response.status_code == 404, (user, path)
            assert response["Content-Type"] == PROBLEM
    listed = as_user(manager_b).get(url(cast, "webhooks")).json()
    assert listed["results"] == []
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_lists_cost_the_same_queries_whatever_their_length(
    cast: Cast, as_user: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casusregie.webhooks import actions

    subscription, _secret = subscribe(cast, cast.org_a, receiver.url, [events.CASE_CLOSED])
    client = as_user(cast.admin)
    page = f"/huizen/{cast.house.slug}/webhooks/{subscription.pk}/"

    def costs() -> tuple[int, int, int]:
        counts = []
        for path in (
            url(cast, f"webhooks/{subscription.pk}/deliveries"),
            url(cast, "webhooks"),
            page,
        ):
            client.get(path)  # the session may be refreshed on the first request
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts.append(len(queries))
        return counts[0], counts[1], counts[2]

    with django_capture_on_commit_callbacks(execute=True):
        actions.do_send_ping(subscription, actor=cast.admin)
    before = costs()
    for _ in range(4):
        subscribe(cast, cast.org_b, receiver.url, [events.CASE_CLOSED])
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_send_ping(subscription, actor=cast.admin)
    assert costs() == before
