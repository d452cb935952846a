"""A real OpenID Connect provider for the single sign-on tests: the npm package oidc-provider,
started from `oidc/server.js` on a free loopback port (once per test session). Installs its
packages with `npm ci` first when `oidc/node_modules` is missing. Node.js ≥ 20 and npm are
needed; these tests are never skipped.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

OIDC_DIR = Path(__file__).resolve().parents[4] / "oidc"
CLIENT_ID = "casusregie"
CLIENT_SECRET = "casusregie-test-secret"
CALLBACK = "http://testserver/inloggen/sso/terug/"
PROVIDER_PASSWORD = "provider-wachtwoord"


@dataclass
class Provider:
    issuer: str
    config: dict[str, Any]


def _start(stderr: Any) -> tuple[subprocess.Popen[str], str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("Node.js and npm are needed for the single sign-on tests (see oidc/).")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(
            [npm, "ci", "--prefix", str(OIDC_DIR), "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    env = {**os.environ, "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET}
    env["REDIRECT_URIS"] = CALLBACK
    process = subprocess.Popen(
        [node, "server.js"], cwd=OIDC_DIR, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
    )
    assert process.stdout is not None
    ready, _w, _x = select.select([process.stdout], [], [], 30)
    line = process.stdout.readline() if ready else ""
    if not line:
        process.kill()
        stderr.seek(0)
        pytest.fail(f"The test OpenID provider did not start: {stderr.read()[-2000:]}")
    return process, json.loads(line)["issuer"]


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    with tempfile.TemporaryFile("w+") as stderr:
        process, issuer = _start(stderr)
        try:
            config = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
            yield Provider(issuer, config)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def sso(settings: Any, oidc_provider: Provider) -> Provider:
    """Single sign-on switched on, pointed at the local provider (as the environment would)."""
    config = oidc_provider.config
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = config["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = config["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = config["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = config["jwks_uri"]
    settings.OIDC_PROVIDER_NAME = "Testprovider"
    return oidc_provider


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.actions.append(dict(attrs).get("action") or "")


def _follow(browser: requests.Session, response: requests.Response, stop: str) -> Any:
    """Follow the provider's redirects until one leaves it for `stop` (returned as a URL) or a
    page is shown (returned as the response)."""
    for _hop in range(10):
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        target = urljoin(response.url, response.headers["Location"])
        if target.startswith(stop):
            return target
        response = browser.get(target, allow_redirects=False, timeout=10)
    raise AssertionError("too many redirects at the provider")


def provider_login(
    authorize_url: str,
    email: str,
    password: str = PROVIDER_PASSWORD,
    *,
    cancel: bool = False,
    stop: str = "http://testserver/",
) -> Any:
    """Act as the person's browser at the provider: open the authorization URL, fill in the
    login form (or cancel), and return where the provider sends the browser back (a URL), or
    the provider's page when it stays there (e.g. a wrong password)."""
    browser = requests.Session()
    page = _follow(browser, browser.get(authorize_url, allow_redirects=False, timeout=10), stop)
    assert not isinstance(page, str), page
    assert page.status_code == 200, page.text
    form = _Form()
    form.feed(page.text)
    login_action, abort_action = form.actions
    action = abort_action if cancel else login_action
    answer = browser.post(
        urljoin(page.url, action),
        data={} if cancel else {"email": email, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    return _follow(browser, answer, stop)


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
