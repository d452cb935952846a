#!/usr/bin/env python3
"""A partner system talking to Casusregie: file a referral, learn its outcome.

What it shows a partner's developer, with nothing but the Python standard library:

1. who am I (`GET /me`): the token's organisation, needed to file a referral;
2. a webhook subscription for `nl.casusregie.referral.decided`, received on a small local HTTP
   server that checks the HMAC signature (only with --listen);
3. a referral created with an `Idempotency-Key`, then sent again with the same key, as a
   system retrying after a time-out would: the answer is the same referral, not a second one;
4. waiting for triage's decision: by the webhook when one arrives, and by polling the referral
   (the webhook is a hint to look now; polling is the safety net);
5. removing the subscription again.

    python3 examples/partner_client.py --url http://127.0.0.1:8000 --house heuvelland \\
        --token crt_... --listen 127.0.0.1:8765

The token comes from the house's functional administrator (page *Koppelingen*, or
`casusregie create_api_client`, see examples/README.md); it needs the scopes
`referrals:read referrals:write`, and `webhooks:manage` for --listen. Every error answer of the
API is RFC 9457 problem details; this client prints them.
Exit status: 0 decided, 1 error, 2 no decision before --timeout.

EUPL-1.2. Synthetic data only: the person in the referral does not exist.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DECIDED = "nl.casusregie.referral.decided"
WAITING = {"draft", "submitted"}
MAX_AGE_SECONDS = 300  # refuse webhook deliveries signed longer ago than this


class ApiError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")
        self.status = status
        self.problem = problem


class Api:
    """A minimal client: JSON in and out, the token on every call, problems as exceptions."""

    def __init__(self, url: str, house: str, token: str) -> None:
        self.base = f"{url.rstrip('/')}/api/v1/houses/{house}"
        self.token = token

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own server
            self.base + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                **({"Content-Type": "application/json"} if data is not None else {}),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
                return response.status, dict(response.headers), json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {"title": error.reason, "detail": raw[:200].decode(errors="replace")}
            raise ApiError(error.code, problem) from None


# --- Receiving webhooks ----------------------------------------------------------------------


def signature_valid(secret: str, headers: Any, body: bytes, now: float) -> bool:
    """Standard Webhooks: HMAC-SHA256 of "{id}.{timestamp}.{body}", key = base64 after whsec_."""
    try:
        sent_at = int(headers["webhook-timestamp"])
        key = base64.b64decode(secret.removeprefix("whsec_"))
        signed = f"{headers['webhook-id']}.{sent_at}.".encode() + body
    except (KeyError, ValueError):
        return False
    if abs(now - sent_at) > MAX_AGE_SECONDS:
        return False
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = headers.get("webhook-signature", "").split()
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def start_receiver(host: str, port: int, secret_box: dict[str, str], events: queue.Queue[Any]):
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not signature_valid(secret_box.get("secret", ""), self.headers, body, time.time()):
                self.send_response(401)
                self.end_headers()
                print("webhook: signature not valid, ignored", flush=True)
                return
            # Answer at once; the work happens elsewhere (the sender waits at most 5 seconds).
            self.send_response(204)
            self.end_headers()
            event = json.loads(body)
            print(f"webhook: {event['type']} {event.get('subject', '')}", flush=True)
            events.put(event)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer((host, port), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- The walk-through ------------------------------------------------------------------------


def referral_body(organisation: int) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "kind": "person",
        "subjects": [
            {
                "first_name": "Voorbeeld",
                "last_name": f"Koppeling-{uuid.uuid4().hex[:6]}",
                "date_of_birth": "1990-01-01",
                "address": "Voorbeeldstraat 1, Heuvelstad",
            }
        ],
        "concerns": {"housing": "Dreigende uithuiszetting; melding vanuit ons eigen systeem."},
        "urgency": "normal",
        "goal": "Eén gezamenlijke aanpak rond wonen en schulden",
        "subject_informed": True,
        "submit": True,
    }


def run(args: argparse.Namespace) -> int:
    api = Api(args.url, args.house, args.token)
    _status, _headers, me = api.call("GET", "/me")
    organisations = [m["organisation"] for m in me["memberships"]]
    if not organisations:
        print("This token has no organisation in this house.", file=sys.stderr)
        return 1
    organisation = organisations[0]
    print(f"acting as {me['name']} for {organisation['name']}", flush=True)

    events: queue.Queue[Any] = queue.Queue()
    subscription = None
    server = None
    if args.listen:
        host, _, port = args.listen.rpartition(":")
        secret_box: dict[str, str] = {}
        server = start_receiver(host, int(port), secret_box, events)
        _status, _headers, subscription = api.call(
            "POST",
            "/webhooks",
            {
                "url": f"http://{args.listen}/casusregie",
                "event_types": [DECIDED],
                "description": "examples/partner_client.py",
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        secret_box["secret"] = subscription["secret"]
        print(f"webhook {subscription['id']} listens on {args.listen}", flush=True)

    try:
        key = str(uuid.uuid4())
        body = referral_body(organisation["id"])
        status, _headers, referral = api.call(
            "POST", "/referrals", body, headers={"Idempotency-Key": key}
        )
        print(f"referral {referral['reference']} filed ({status})", flush=True)
        status, headers, again = api.call(
            "POST", "/referrals", body, headers={"Idempotency-Key": key}
        )
        replayed = headers.get("Idempotent-Replayed") == "true"
        same = again["id"] == referral["id"]
        print(f"retry with the same key: same referral={same}, replayed={replayed}", flush=True)
        if not same:
            print("the retry made a second referral", file=sys.stderr)
            return 1

        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            try:
                event = events.get(timeout=args.poll)
                if event["data"]["referral"]["id"] != referral["id"]:
                    continue
            except queue.Empty:
                pass  # no webhook (yet): poll anyway
            _status, _headers, current = api.call("GET", f"/referrals/{referral['id']}")
            if current["status"] not in WAITING:
                case = current.get("case") or {}
                print(
                    f"decided: {current['status']}"
                    + (f", case {case['reference']}" if case else ""),
                    flush=True,
                )
                return 0
        print("no decision before the time-out", file=sys.stderr)
        return 2
    finally:
        if subscription is not None:
            api.call("DELETE", f"/webhooks/{subscription['id']}")
        if server is not None:
            server.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--house", required=True, help="the house's slug, e.g. heuvelland")
    parser.add_argument("--token", required=True, help="the API client's token (crt_...)")
    parser.add_argument("--listen", help="host:port to receive webhooks on, e.g. 127.0.0.1:8765")
    parser.add_argument("--poll", type=float, default=5, help="seconds between polls")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for triage")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ApiError as error:
        print(f"API error: {error}", file=sys.stderr)
        for field in error.problem.get("errors", []):
            print(f"  {field.get('field')}: {field.get('detail')}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
