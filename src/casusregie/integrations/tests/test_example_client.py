"""The example client in examples/ runs against a real server: it files a referral with an
Idempotency-Key (and a retry that must not make a second one), subscribes a webhook, and hears
triage's decision by its signed webhook and by polling. Run as a separate process over HTTP,
as a partner's developer would run it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from casusregie.conftest import Cast
from casusregie.referrals.actions import do_accept_referral
from casusregie.referrals.models import Referral, ReferralStatus
from casusregie.webhooks.models import Subscription

CLIENT = Path(__file__).resolve().parents[4] / "examples" / "partner_client.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_the_example_client_files_a_referral_and_hears_the_decision(
    cast: Cast, live_server: Any, settings: Any, capsys: Any
) -> None:
    settings.WEBHOOKS_ALLOW_LOCAL = True
    call_command(
        "create_api_client",
        house=cast.house.slug,
        organisation=cast.org_a.name,
        name="Voorbeeldsysteem",
        scopes="referrals:read referrals:write webhooks:manage",
        actor=cast.admin.email,
    )
    token = capsys.readouterr().out.strip()
    assert token.startswith("crt_")

    listen = f"127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [
            sys.executable,
            str(CLIENT),
            "--url",
            live_server.url,
            "--house",
            cast.house.slug,
            "--token",
            token,
            "--listen",
            listen,
            "--poll",
            "0.5",
            "--timeout",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Triage waits for the referral to arrive, then accepts it.
        deadline = time.monotonic() + 60
        referral = None
        while referral is None and time.monotonic() < deadline:
            referral = Referral.objects.filter(
                house=cast.house, status=ReferralStatus.SUBMITTED
            ).first()
            time.sleep(0.2)
        assert referral is not None, process.communicate(timeout=5)[0]
        time.sleep(1)  # let the client's retry with the same key arrive first
        do_accept_referral(
            referral,
            actor=cast.triage,
            criteria=["multiple_domains", "cross_chain", "system"],
        )
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "retry with the same key: same referral=True, replayed=True" in output
    assert "webhook: nl.casusregie.referral.decided" in output
    assert "decided: accepted, case" in output
    # One referral, although the client sent it twice; the webhook was removed again.
    assert Referral.objects.filter(house=cast.house).count() == 1
    assert not Subscription.objects.filter(organisation=cast.org_a).exists()


def test_the_example_client_reports_a_bad_token_as_a_problem(live_server: Any) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(CLIENT),
            "--url",
            live_server.url,
            "--house",
            "heuvelland",
            "--token",
            "crt_not-a-real-token",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "API error: 401" in result.stderr
