"""When the database cannot serve (restarting, full, read-only), pages answer a clear 503 page
and the API a problem document, both with `Retry-After`; other errors stay a 500.

The failure is raised where every read path goes (`policy.visible`), as the database driver
raises it: psycopg's error for the SQLSTATE wrapped in Django's database error. The real thing
(a PostgreSQL restart under load) is `reliability/faults.py` (docs/reliability.md).
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django import db
from django.test import Client
from django.urls import reverse

from casusregie.conftest import Cast, verified_client
from casusregie.privacy import policy

pytestmark = pytest.mark.django_db


def failing(django_error: type[Exception], sqlstate: str, message: str) -> Any:
    def visible(*args: Any, **kwargs: Any) -> Any:
        cause = psycopg.errors.lookup(sqlstate)(message)
        raise django_error(message) from cause

    return visible


def client_for(cast: Cast) -> Client:
    client = verified_client(cast.process_director)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("django_error", "sqlstate", "message"),
    [
        (db.OperationalError, "57P01", "terminating connection due to administrator command"),
        (db.OperationalError, "53100", "could not extend file: No space left on device"),
        (db.InternalError, "25006", "cannot execute INSERT in a read-only transaction"),
    ],
)
def test_an_unavailable_database_is_a_503_with_a_retry_hint(
    cast: Cast, monkeypatch: Any, django_error: type[Exception], sqlstate: str, message: str
) -> None:
    monkeypatch.setattr(policy, "visible", failing(django_error, sqlstate, message))
    monkeypatch.setattr(policy, "visible_in", failing(django_error, sqlstate, message))
    client = client_for(cast)

    page = client.get(reverse("cases:list", args=[cast.house.slug]))
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    body = page.content.decode()
    assert "Even niet beschikbaar" in body
    assert "helemaal opgeslagen of helemaal niet" in body
    assert message not in body  # no internals

    api = client.get(f"/api/v1/houses/{cast.house.slug}/cases")
    assert api.status_code == 503
    assert api["Retry-After"] == "5"
    assert api["Content-Type"] == "application/problem+json"
    assert api.json()["status"] == 503
    assert message not in api.content.decode()


def test_a_programming_error_stays_a_500(cast: Cast, monkeypatch: Any) -> None:
    for name in ("visible", "visible_in"):
        monkeypatch.setattr(
            policy, name, failing(db.ProgrammingError, "42703", 'column "x" does not exist')
        )
    page = client_for(cast).get(reverse("cases:list", args=[cast.house.slug]))
    assert page.status_code == 500
    assert "Retry-After" not in page
    assert "Er ging iets mis" in page.content.decode()


def test_the_health_check_tells_load_balancers_when_to_retry(monkeypatch: Any) -> None:
    from casusregie.web import views

    class Down:
        def cursor(self) -> Any:
            raise db.OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Down())
    response = Client().get(reverse("web:health"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"status": "unavailable"}
