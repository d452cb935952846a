"""The example client in examples/ runs against a real server: `casusregie serve` (gunicorn) in
its own process on its own SQLite database, as a partner's developer would meet it. The client
files a referral with an Idempotency-Key (and a retry that must not make a second one),
subscribes a webhook, and hears triage's decision by its signed webhook and by polling.

Server, client and the triage step are separate processes, so nothing shares a database
connection with the test (a live server inside the test process would, on in-memory SQLite).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[4]
CLIENT = ROOT / "examples" / "partner_client.py"
CASUSREGIE = [sys.executable, "-m", "casusregie"]

SETUP = """
from casusregie.conftest import build_cast
from casusregie.integrations.actions import do_create_api_client
from casusregie.integrations.tests.helpers import approve_access
cast = build_cast()
_client, token = do_create_api_client(
    cast.house, name="Voorbeeldsysteem", organisation=cast.org_a,
    scopes=["referrals:read", "referrals:write", "webhooks:manage"], actor=cast.admin,
)
approve_access(_client)  # a second administrator approves the client's access (decision 0040)
print(token.text)
"""

DECIDE = """
from casusregie.accounts.models import User
from casusregie.referrals.actions import do_accept_referral
from casusregie.referrals.models import Referral
referral = Referral.objects.get(status="submitted")
do_accept_referral(referral, actor=User.objects.get(email="toegang@test.invalid"),
                   criteria=["multiple_domains", "cross_chain", "system"])
print(Referral.objects.count(), referral.reference)
"""

CHECK = """
from casusregie.referrals.models import Referral
from casusregie.webhooks.models import Subscription
print(Referral.objects.count(), Subscription.objects.count())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[dict[str, Any]]:
    """A migrated database with the test cast and an API client, and gunicorn serving it."""
    folder = tmp_path_factory.mktemp("server")
    port = free_port()
    env = {
        **os.environ,
        "CASUSREGIE_ENV": "test",
        "DATABASE_URL": f"sqlite:///{folder / 'server.sqlite3'}",
        "CASUSREGIE_DATA_DIR": str(folder),
        "CASUSREGIE_WEBHOOKS_ALLOW_LOCAL": "true",
        "CASUSREGIE_BASE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(*args: str, script: str = "") -> str:
        extra = ["--no-imports", "-c", script] if script else []
        done = subprocess.run(
            [*CASUSREGIE, *args, *extra], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    manage("migrate", "--verbosity", "0")
    token = manage("shell", script=SETUP).strip().splitlines()[-1]
    process = subprocess.Popen(
        [*CASUSREGIE, "serve", "--bind", f"127.0.0.1:{port}", "--no-collectstatic"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v1/schema", timeout=2)  # noqa: S310
            break
        except OSError:
            time.sleep(0.3)
    try:
        yield {"url": url, "token": token, "manage": manage}
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_client(server: dict[str, Any], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CLIENT), "--url", server["url"], "--house", "heuvelland-test", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_example_client_files_a_referral_and_hears_the_decision(
    server: dict[str, Any],
) -> None:
    listen = f"127.0.0.1:{free_port()}"
    # Polling is the client's safety net; with a long interval the webhook (delivered within
    # seconds) is what wakes it, however busy the machine is — a 1 s poll raced the webhook.
    client = run_client(
        server, "--token", server["token"], "--listen", listen, "--poll", "30", "--timeout", "90"
    )
    try:
        # Wait until the client has filed (and re-sent) its referral; then triage decides.
        assert client.stdout is not None
        seen = []
        for line in client.stdout:
            seen.append(line)
            if line.startswith("retry with the same key"):
                break
        assert seen, "the client printed nothing"
        assert seen[-1].startswith("retry"), "".join(seen)
        server["manage"]("shell", script=DECIDE)
        rest, _ = client.communicate(timeout=90)
    finally:
        client.kill()
    output = "".join(seen) + rest
    assert client.returncode == 0, output
    assert "retry with the same key: same referral=True, replayed=True" in output
    assert "webhook: nl.casusregie.referral.decided" in output
    assert "decided: accepted, case" in output
    # One referral although the client sent it twice; its webhook was removed again.
    assert server["manage"]("shell", script=CHECK).split()[-2:] == ["1", "0"]


def test_the_example_client_reports_a_bad_token_as_a_problem(server: dict[str, Any]) -> None:
    client = run_client(server, "--token", "crt_not-a-real-token")
    output, _ = client.communicate(timeout=60)
    assert client.returncode == 1
    assert "API error: 401" in output
