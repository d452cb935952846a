"""Settings come from the environment, fail loudly, and are documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from casusregie.conf.env import ConfigurationError, Env
from casusregie.web.management.commands.config_docs import DEFAULT_PATH, current_text

STRONG_KEY = "k3Jd9-Qx_7vLm2Pz8RtY4wNc6HsB1fGa0eUiOo5KjXyZqWvTrSdA"
# Production also needs the BSN encryption key and the keyed-hash key.
PRODUCTION_KEYS = {
    "CASUSREGIE_FIELD_KEYS": "bCTVZJR1gBnx3o3W0bJl2B9GvWzq3Qm0oE7L2Y5cX7Q=",
    "CASUSREGIE_HASH_KEY": "hash-key-for-tests-only-0123456789abcdef",
    "CASUSREGIE_LOG_CHAIN_KEY": "chain-key-for-tests-only-0123456789abcdef",
}


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `casusregie check` in a clean process with exactly these variables."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASUSREGIE_", "DJANGO_", "DATABASE_URL", "SECRET_KEY", "DEBUG"))
    }
    if env.get("SECRET_KEY") == STRONG_KEY:
        clean.update(PRODUCTION_KEYS)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "casusregie", "check"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    result = start({"CASUSREGIE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "verplicht" in result.stderr


@pytest.mark.parametrize(
    "key", ["django-insecure-abc", "x" * 60, "changeme-" + STRONG_KEY, "short-but-random-Q7x"]
)
def test_production_refuses_an_insecure_key(tmp_path: Path, key: str) -> None:
    result = start({"SECRET_KEY": key, "CASUSREGIE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "onveilig" in result.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    result = start(
        {"SECRET_KEY": STRONG_KEY, "DEBUG": "true", "CASUSREGIE_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_production_refuses_switching_off_2fa(tmp_path: Path) -> None:
    result = start(
        {
            "SECRET_KEY": STRONG_KEY,
            "CASUSREGIE_REQUIRE_2FA": "false",
            "CASUSREGIE_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode != 0
    assert "CASUSREGIE_REQUIRE_2FA" in result.stderr


def test_production_starts_with_a_strong_key(tmp_path: Path) -> None:
    result = start({"SECRET_KEY": STRONG_KEY, "CASUSREGIE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DEBUG", "perhaps", "geen ja/nee-waarde"),
        ("CASUSREGIE_SESSION_IDLE_MINUTES", "half an hour", "geen geheel getal"),
        ("CASUSREGIE_SESSION_IDLE_MINUTES", "0", "minstens 1"),
        ("CASUSREGIE_ENV", "staging", "geen geldige keuze"),
    ],
)
def test_malformed_values_are_named(tmp_path: Path, name: str, value: str, expected: str) -> None:
    result = start(
        {"CASUSREGIE_ENV": "development", "CASUSREGIE_DATA_DIR": str(tmp_path), name: value}
    )
    assert result.returncode != 0
    assert name in result.stderr
    assert expected in result.stderr


def test_env_reader_messages_are_bilingual() -> None:
    env = Env({"X": "nope"})
    with pytest.raises(ConfigurationError) as error:
        env.integer("X", 1, help="test")
    assert "geen geheel getal" in str(error.value)
    assert "not a whole number" in str(error.value)


def test_every_variable_has_help_text() -> None:
    from casusregie.conf import settings as module

    assert module.env.declared
    for variable in module.env.declared.values():
        assert len(variable.help) > 10, variable.name


def test_configuration_doc_is_current() -> None:
    assert DEFAULT_PATH.read_text() == current_text(), (
        "docs/configuration.md is out of date: run "
        "`CASUSREGIE_ENV=test python3 dev.py casusregie config_docs`"
    )


PRODUCTION_PROBE = """
import django, os
django.setup()
from django.test import Client
response = Client().get("/inloggen/", secure=True)
print("STATUS", response.status_code)
print("HSTS", response.headers.get("Strict-Transport-Security"))
cookie = response.cookies.get("__Host-casusregie_csrf")
print("SECURE", bool(cookie and cookie["secure"]))
print("COOKIES", sorted(response.cookies))
print("PATH", cookie and cookie["path"], "DOMAIN", cookie and repr(cookie["domain"]))
from django.conf import settings
print("SESSION", settings.SESSION_COOKIE_NAME)
"""


def test_production_sends_hsts_and_secure_cookies(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASUSREGIE_", "DJANGO_", "DATABASE_URL", "SECRET_KEY", "DEBUG"))
    }
    env.update(
        {
            "SECRET_KEY": STRONG_KEY,
            "CASUSREGIE_DATA_DIR": str(tmp_path),
            "ALLOWED_HOSTS": "testserver",
            "DJANGO_SETTINGS_MODULE": "casusregie.conf.settings",
            "CASUSREGIE_STATIC_ROOT": str(tmp_path / "static"),
            **PRODUCTION_KEYS,
        }
    )
    subprocess.run(
        [sys.executable, "-m", "casusregie", "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
        timeout=120,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "STATUS 200" in result.stdout, result.stderr
    assert "HSTS max-age=31536000; includeSubDomains" in result.stdout
    assert "SECURE True" in result.stdout
    # ASVS 3.4.4: the browser keeps a __Host- cookie only if it is Secure, Path=/, no Domain.
    assert "COOKIES ['__Host-casusregie_csrf']" in result.stdout
    assert "PATH / DOMAIN ''" in result.stdout
    assert "SESSION __Host-casusregie_session" in result.stdout


@pytest.mark.django_db
def test_development_over_http_keeps_plain_cookie_names(client: Any) -> None:
    """A __Host- cookie without Secure would be dropped by the browser: no login over http."""
    response = client.get("/inloggen/")
    assert response.status_code == 200
    cookie = response.cookies["casusregie_csrf"]
    assert not cookie["secure"]
    assert not any(name.startswith("__Host-") for name in response.cookies)


def test_production_requires_the_encryption_keys(tmp_path: Path) -> None:
    result = start(
        {
            "SECRET_KEY": STRONG_KEY,
            "CASUSREGIE_DATA_DIR": str(tmp_path),
            "CASUSREGIE_FIELD_KEYS": "",
        }
    )
    assert result.returncode != 0
    assert "CASUSREGIE_FIELD_KEYS" in result.stderr


def test_malformed_field_key_is_named(tmp_path: Path) -> None:
    result = start(
        {
            "SECRET_KEY": STRONG_KEY,
            "CASUSREGIE_DATA_DIR": str(tmp_path),
            "CASUSREGIE_FIELD_KEYS": "not-a-key",
        }
    )
    assert result.returncode != 0
    assert "32 bytes" in result.stderr
