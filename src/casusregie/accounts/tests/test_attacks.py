"""Security checks as an attacker would try them, over every page and API operation.

Built on the authorisation matrix's world (`privacy/tests/test_matrix.py`): a case about a
person with a marker surname and BSN, with referrals, meetings, plans and the administration
around it. Each test walks every URL pattern (or every page that takes a form) rather than a
sample, so a new page is covered the day it is added.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.accounts.middleware import TWO_FACTOR_EXEMPT
from casusregie.accounts.tests.test_login import current_code, password_login
from casusregie.conftest import Cast, verified_client
from casusregie.privacy.tests.test_matrix import (
    BSN_MARKER,
    SUBJECT_MARKER,
    World,
    build_world,
    paths,
    url_patterns,
)
from casusregie.privacy.tests.test_matrix_doors import api_path, operations

pytestmark = pytest.mark.django_db

HTML = "text/html"


@pytest.fixture
def world(cast: Cast, django_capture_on_commit_callbacks: Any) -> World:
    with django_capture_on_commit_callbacks(execute=True):
        return build_world(cast)


def page_paths(world: World) -> dict[str, str]:
    """One concrete path per named page pattern (the API is walked by its operations)."""
    return {
        p.name: next(iter(paths(world, p)))
        for p in url_patterns()
        if p.named and not p.name.startswith("api:")
    }


# --- Headers and CSP on every page ----------------------------------------------------------------


def test_every_page_carries_the_security_headers_and_no_inline_code(world: World) -> None:
    """As the process director (who reaches the most pages) and as an anonymous visitor:
    every HTML answer, whatever its status, has the strict CSP and the other headers; pages
    with personal data are not stored by the browser; no page has inline script or style."""
    problems = []
    for who, client in (
        ("process_director", verified_client(world.cast.process_director)),
        ("admin", verified_client(world.cast.admin)),
        ("anonymous", Client()),
    ):
        for name, path in page_paths(world).items():
            response = client.get(path)
            if response.status_code == 405:
                continue  # POST only: answered by the CSRF walk below
            where = f"{who} GET {path} ({name}) {response.status_code}"
            csp = response.get("Content-Security-Policy", "")
            if response.get("Content-Type", "").startswith(HTML):
                for part in ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"):
                    if part not in csp:
                        problems.append(f"{where}: CSP lacks {part}")
                if "unsafe-inline" in csp or "unsafe-eval" in csp:
                    problems.append(f"{where}: CSP allows inline or eval")
                body = response.content.decode()
                if re.search(r"<script(?![^>]*\bsrc=)", body) or re.search(r"\son[a-z]+=", body):
                    problems.append(f"{where}: inline script")
                if "<style" in body or re.search(r'\sstyle="', body):
                    problems.append(f"{where}: inline style")
            if response.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{where}: no nosniff")
            if response.get("X-Frame-Options") != "DENY":
                problems.append(f"{where}: no X-Frame-Options DENY")
            if response.get("Referrer-Policy") != "same-origin":
                problems.append(f"{where}: Referrer-Policy")
            if who != "anonymous" and "no-store" not in response.get("Cache-Control", ""):
                problems.append(f"{where}: a signed-in page the browser may store")
    assert not problems, "\n".join(problems)


def test_api_answers_are_not_stored_or_sniffed(world: World) -> None:
    client = verified_client(world.cast.process_director)
    for method, template in operations():
        if method != "get":
            continue
        response = client.get(api_path(world, template))
        assert response.get("X-Content-Type-Options") == "nosniff", template
        assert "no-store" in response.get("Cache-Control", ""), template


# --- Session fixation -----------------------------------------------------------------------------


def planted_session(client: Client) -> str:
    """An attacker's session key, planted in the victim's browser before login."""
    session = SessionStore()
    session["planted"] = True
    session.create()
    client.cookies["casusregie_session"] = str(session.session_key)
    return str(session.session_key)


def test_session_key_changes_on_login_and_again_on_the_second_factor(cast: Cast) -> None:
    client = Client()
    planted = planted_session(client)
    assert password_login(client, cast.participant_a.email).status_code == 302
    after_password = client.cookies["casusregie_session"].value
    assert after_password != planted
    assert not SessionStore().exists(planted)  # the planted key is worth nothing now

    device = TOTPDevice.objects.get(user=cast.participant_a)
    response = client.post(reverse("accounts:verify"), {"token": current_code(device)})
    assert response.status_code == 302
    after_code = client.cookies["casusregie_session"].value
    assert after_code != after_password
    assert not SessionStore().exists(after_password)
    assert client.get(reverse("web:home")).status_code == 200  # still signed in


def test_logout_ends_the_session_on_the_server(cast: Cast) -> None:
    client = verified_client(cast.participant_a)
    key = client.cookies["casusregie_session"].value
    client.post(reverse("accounts:logout"))
    assert not SessionStore().exists(key)
    stolen = Client()
    stolen.cookies["casusregie_session"] = key
    assert stolen.get(reverse("web:home")).status_code == 302


# --- CSRF -----------------------------------------------------------------------------------------


def csrf_client(user: Any) -> Client:
    """A signed-in, verified client that, like a browser, must send the CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.cookies = verified_client(user).cookies
    return client


def test_no_page_or_api_write_accepts_a_post_without_the_csrf_token(world: World) -> None:
    """A forged cross-site POST (cookie, no token) is refused on every page and every API
    write made with the session cookie, and changes nothing."""
    from casusregie.privacy.models import AuditEvent

    before = AuditEvent.objects.count()
    problems = []
    for user in (world.cast.process_director, world.cast.admin, world.cast.privacy_officer):
        client = csrf_client(user)
        for name, path in page_paths(world).items():
            response = client.post(path, {"x": "1"})
            if response.status_code not in {403, 405}:
                problems.append(f"{user.email} POST {path} ({name}): {response.status_code}")
        for method, template in operations():
            if method == "get":
                continue
            path = api_path(world, template)
            response = client.generic(method.upper(), path, b"{}", "application/json")
            if response.status_code != 403:
                problems.append(f"{user.email} {method.upper()} {path}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert AuditEvent.objects.count() == before


def test_a_post_with_the_token_from_the_form_works(cast: Cast) -> None:
    """The check above is no blanket refusal: the real form's token is accepted."""
    client = csrf_client(cast.admin)
    path = reverse("houses:organisation_add", args=[cast.house.slug])
    page = client.get(path)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token is not None
    response = client.post(path, {"csrfmiddlewaretoken": token.group(1).decode(), "name": ""})
    assert response.status_code == 400  # past CSRF, stopped by validation (the empty name)


# --- Brute force ----------------------------------------------------------------------------------


def test_lockout_holds_when_the_attacker_changes_address(cast: Cast, settings: Any) -> None:
    """Five wrong passwords lock the account, also when every try comes from another IP."""
    for number in range(settings.AXES_FAILURE_LIMIT):
        client = Client(REMOTE_ADDR=f"192.0.2.{number + 1}")
        password_login(client, cast.participant_a.email, "wrong password")
    response = password_login(Client(REMOTE_ADDR="198.51.100.7"), cast.participant_a.email)
    assert response.status_code == 429


# --- Two-factor bypass ----------------------------------------------------------------------------


def test_nothing_opens_between_password_and_code(world: World) -> None:
    """After the password, before the code: every page sends to the code page (or is one of
    the few exempt ones) and every API operation answers 401. Nothing shows the case."""
    client = Client()
    assert password_login(client, world.cast.process_director.email).status_code == 302
    verify = reverse("accounts:verify")
    problems = []
    for name, path in page_paths(world).items():
        response = client.get(path)
        body = response.content.decode(errors="replace")
        if SUBJECT_MARKER in body or BSN_MARKER in body:
            problems.append(f"GET {path} ({name}) shows the case")
        if name in TWO_FACTOR_EXEMPT or name == "surveys_public:answer":
            continue
        if response.status_code != 302 or not response["Location"].startswith(verify):
            problems.append(f"GET {path} ({name}): {response.status_code}")
    for method, template in operations():
        response = client.generic(method.upper(), api_path(world, template), b"{}")
        if response.status_code != 401:
            problems.append(f"{method.upper()} {template}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_a_new_device_cannot_be_set_up_to_skip_the_code(cast: Cast) -> None:
    """A user with a device who only knows the password cannot enrol a second device."""
    client = Client()
    password_login(client, cast.participant_a.email)
    response = client.get(reverse("accounts:setup_2fa"))
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert TOTPDevice.objects.filter(user=cast.participant_a).count() == 1


# --- Open redirects -------------------------------------------------------------------------------

EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
    " //evil.example",
    "%2F%2Fevil.example",
]


def leaves_the_site(location: str) -> bool:
    location = location.strip()
    return bool(
        re.match(r"^(?:[a-z][a-z0-9+.-]*:|[/\\]{2})", location, re.I)
        and not location.startswith("http://testserver/")
    )


@pytest.mark.parametrize("target", EVIL)
def test_next_never_leads_off_the_site(cast: Cast, target: str) -> None:
    """`next` after the password, after the code, on the working-method confirmation and
    on the language switch: each target stays on the site."""
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {
            "username": cast.participant_a.email,
            "password": "correct horse battery staple",
            "next": target,
        },
    )
    assert response.status_code == 302
    assert not leaves_the_site(response["Location"])
    device = TOTPDevice.objects.get(user=cast.participant_a)
    response = client.post(
        reverse("accounts:verify"), {"token": current_code(device), "next": target}
    )
    assert response.status_code == 302
    assert not leaves_the_site(response["Location"])
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert not leaves_the_site(response.get("Location", ""))
    response = client.get(reverse("accounts:login") + f"?next={target}")
    assert response.status_code == 302
    assert not leaves_the_site(response["Location"])
    method = client.get(reverse("privacy:method", args=[cast.house.slug]) + f"?next={target}")
    assert f'name="next" value="{escape(target)}"' not in method.content.decode()


# --- Secrets never in logs ------------------------------------------------------------------------


def test_logs_name_no_one(world: World, caplog: Any) -> None:
    """Every log record written while everyone walks every page, searches by name, BSN and
    date of birth, fails a login and sends bad input, is free of the BSNs, names and dates of
    birth of the people the cases are about, and of passwords and codes."""
    from casusregie.cases.models import Subject

    caplog.set_level(logging.DEBUG)
    people = list(Subject.objects.all())
    secrets = {BSN_MARKER, SUBJECT_MARKER, "correct horse battery staple"}
    for person in people:
        secrets |= {s for s in (person.bsn, person.last_name) if s and len(s) > 3}
    case_list = reverse("cases:list", args=[world.cast.house.slug])
    for user in world.users().values():
        client = verified_client(user) if user is not None else Client()
        for path in page_paths(world).values():
            client.get(path)
        for query in (SUBJECT_MARKER, BSN_MARKER, "14-03-1979"):
            client.get(case_list, {"q": query, "phase": "all"})
    password_login(Client(), world.cast.participant_a.email, "correct horse battery staple!")
    verified_client(world.cast.process_director).post(
        reverse("cases:list", args=[world.cast.house.slug]), {"q": BSN_MARKER}
    )
    assert len(caplog.records) > 0  # the walk logs (404s, 403s): the scan below scans something
    leaks: list[str] = []
    for record in caplog.records:
        text = record.getMessage() + " " + str(record.exc_text or "")
        leaks.extend(
            f"{record.name}: {secret!r} in {text[:200]!r}" for secret in secrets if secret in text
        )
    assert not leaks, "\n".join(leaks)


def test_the_access_log_keeps_no_query_string() -> None:
    """`casusregie serve` logs requests without their query string or Referer: a search for a
    BSN or name (`?q=`) never reaches the server's access log."""
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from casusregie.web.management.commands.serve import ACCESS_LOG_FORMAT

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/huizen/h/casussen/?q={BSN_MARKER}",
        "PATH_INFO": "/huizen/h/casussen/",
        "QUERY_STRING": f"q={BSN_MARKER}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://zvh.example/huizen/h/casussen/?q={SUBJECT_MARKER}",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = Logger(Config()).atoms(response, [], environ, datetime.timedelta(seconds=1))
    line = ACCESS_LOG_FORMAT % atoms
    assert "/huizen/h/casussen/" in line
    assert "200" in line
    assert BSN_MARKER not in line
    assert SUBJECT_MARKER not in line
