"""A real HTTP receiver on loopback, a partner manager for organisation A, and subscriptions
made through the project's own actions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.conftest import Cast, make_user
from casusregie.houses.models import Organisation
from casusregie.webhooks import actions
from casusregie.webhooks.models import Subscription


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers every POST with the next status of `statuses` (the last one repeats)."""

    port: int
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=lambda: [204])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            target = state["receiver"]
            target.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            status = target.answer()
            self.send_response(status)
            reply = b'{"ok": true}' if status < 300 else b"receiver says no"
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def allow_local(settings: Any) -> None:
    """The tests' receiver is on loopback over http: allowed only by this setting."""
    settings.WEBHOOKS_ALLOW_LOCAL = True
    settings.WEBHOOKS_TIMEOUT = 2
    settings.BASE_URL = "https://casusregie.test"


@pytest.fixture
def manager_a(cast: Cast) -> User:
    return make_user(
        "manager-a@test.invalid", "Mia Manager", cast.house, cast.org_a, Role.PARTNER_MANAGER
    )


@pytest.fixture
def manager_b(cast: Cast) -> User:
    return make_user(
        "manager-b@test.invalid", "Bram Manager", cast.house, cast.org_b, Role.PARTNER_MANAGER
    )


def subscribe(
    cast: Cast,
    organisation: Organisation,
    url: str,
    types: list[str],
    *,
    actor: Any = None,
    contact_email: str = "",
) -> tuple[Subscription, str]:
    return actions.do_create_subscription(
        cast.house,
        organisation,
        actions.SubscriptionData(url=url, event_types=types, contact_email=contact_email),
        actor=actor or cast.admin,
    )
