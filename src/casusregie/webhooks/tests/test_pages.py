"""The webhook pages: a partner manager subscribes, sees the secret once, changes, pauses,
resumes and deletes; everyone else gets "not found"; bad input shows Dutch messages."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.conftest import Cast
from casusregie.privacy.models import AuditEvent
from casusregie.webhooks import events
from casusregie.webhooks.models import Subscription, SubscriptionStatus

from .conftest import Receiver, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_local")]


def base(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/webhooks/"


def form(receiver: Receiver, cast: Cast, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organisation": cast.org_a.pk,
        "url": receiver.url,
        "event_types": [events.ACTION_ASSIGNED, events.CASE_CLOSED],
        "description": "Ons zaaksysteem",
        "contact_email": "ict@politie.test",
    }
    data.update(changes)
    return data


def test_partner_manager_subscribes_and_sees_the_secret_once(
    cast: Cast, as_user: Any, manager_a: Any, receiver: Receiver
) -> None:
    client = as_user(manager_a)
    page = client.get(base(cast) + "nieuw/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Een nieuwe actie voor onze organisatie" in html
    # A manager of A can only choose A.
    assert cast.org_b.name not in html
    response = client.post(base(cast) + "nieuw/", form(receiver, cast))
    subscription = Subscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == base(cast) + f"{subscription.pk}/"
    first = client.get(response["Location"]).content.decode()
    assert subscription.secret in first
    assert "Ondertekeningsgeheim" in first
    again = client.get(response["Location"]).content.decode()
    assert subscription.secret not in again
    audit = AuditEvent.objects.get(action="webhook.create")
    assert audit.actor == manager_a
    assert audit.after["url"] == receiver.url
    assert "secret" not in str(audit.after)


def test_bad_input_shows_dutch_messages_and_saves_nothing(
    cast: Cast, as_user: Any, manager_a: Any, receiver: Receiver, settings: Any
) -> None:
    client = as_user(manager_a)
    settings.WEBHOOKS_ALLOW_LOCAL = False
    response = client.post(
        base(cast) + "nieuw/", form(receiver, cast, url="http://hooks.example/x")
    )
    assert response.status_code == 400
    assert "https://" in response.content.decode()
    response = client.post(base(cast) + "nieuw/", form(receiver, cast, url="https://127.0.0.1/x"))
    assert response.status_code == 400
    assert "lokaal of privé-adres" in response.content.decode()
    settings.WEBHOOKS_ALLOW_LOCAL = True
    response = client.post(
        base(cast) + "nieuw/", form(receiver, cast, event_types=["nl.casusregie.unknown"])
    )
    assert response.status_code == 400
    assert "geen beschikbare keuze" in response.content.decode()
    response = client.post(base(cast) + "nieuw/", form(receiver, cast, event_types=[]))
    assert "Kies ten minste één soort gebeurtenis." in response.content.decode()
    # Someone else's organisation is not a choice.
    response = client.post(base(cast) + "nieuw/", form(receiver, cast, organisation=cast.org_b.pk))
    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_only_managers_of_the_organisation_and_the_admin_see_it(
    cast: Cast, as_user: Any, manager_a: Any, manager_b: Any, receiver: Receiver, client: Any
) -> None:
    subscription, secret = subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    detail = base(cast) + f"{subscription.pk}/"
    assert as_user(cast.admin).get(detail).status_code == 200
    assert as_user(manager_a).get(detail).status_code == 200
    for user in (
        manager_b,
        cast.participant_a,  # of A, but not its manager
        cast.process_director,
        cast.privacy_officer,
        cast.other_house_user,
    ):
        viewer = as_user(user)
        assert viewer.get(detail).status_code == 404, user
        assert viewer.post(detail + "nieuw-geheim/").status_code == 404, user
        assert viewer.post(detail + "verwijderen/").status_code == 404, user
    assert as_user(manager_b).get(base(cast)).content.decode().count(receiver.url) == 0
    assert as_user(cast.participant_a).get(base(cast)).status_code == 404
    assert client.get(detail).status_code == 302  # anonymous: to the login page
    subscription.refresh_from_db()
    assert subscription.secret == secret


def test_change_pause_resume_rotate_and_delete(
    cast: Cast,
    as_user: Any,
    manager_a: Any,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription, secret = subscribe(cast, cast.org_a, receiver.url, [events.ACTION_ASSIGNED])
    client = as_user(manager_a)
    detail = base(cast) + f"{subscription.pk}/"
    response = client.post(
        detail + "wijzigen/",
        {"url": receiver.url + "/v2", "event_types": [events.CASE_CLOSED], "description": ""},
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.event_types == [events.CASE_CLOSED]
    change = AuditEvent.objects.get(action="webhook.update")
    assert change.before["url"] == receiver.url
    assert change.after["url"].endswith("/v2")
    bad = client.post(detail + "wijzigen/", {"url": "nee", "event_types": [events.CASE_CLOSED]})
    assert bad.status_code == 400
    client.post(detail + "pauzeren/")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert "Hervatten" in client.get(detail).content.decode()
    assert client.post(detail + "hervatten/", {"backlog": "misschien"}).status_code == 400
    client.post(detail + "hervatten/", {"backlog": "drop"})
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    response = client.post(detail + "nieuw-geheim/")
    subscription.refresh_from_db()
    assert subscription.secret != secret
    assert subscription.secret in client.get(response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail + "testbericht/")
    history = client.get(detail).content.decode()
    assert "Testbericht" in history
    assert "HTTP 204" in history
    assert "Webhook verwijderen" in client.get(detail + "verwijderen/").content.decode()
    assert client.post(detail + "verwijderen/").status_code == 302
    assert not Subscription.objects.exists()
    assert AuditEvent.objects.filter(action="webhook.delete").exists()
    assert {e.action for e in AuditEvent.objects.filter(object_type="webhooks.subscription")} >= {
        "webhook.create",
        "webhook.update",
        "webhook.pause",
        "webhook.resume",
        "webhook.rotate_secret",
        "webhook.ping",
        "webhook.delete",
    }
