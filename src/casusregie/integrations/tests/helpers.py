"""Shared steps of the integration tests: a client with a token, and calls made with it."""

from __future__ import annotations

from typing import Any

from django.test import Client

from casusregie.conftest import Cast
from casusregie.houses.models import Organisation
from casusregie.integrations import actions
from casusregie.integrations.models import ApiClient

PROBLEM = "application/problem+json"


def make_client(
    cast: Cast,
    organisation: Organisation | None = None,
    scopes: str = "cases:read referrals:read",
    name: str = "Partnersysteem",
    **extra: Any,
) -> tuple[ApiClient, str]:
    client, new = actions.do_create_api_client(
        cast.house,
        name=name,
        organisation=organisation or cast.org_a,
        scopes=scopes.split(),
        actor=cast.admin,
        **extra,
    )
    return client, new.text


def api(token: str) -> Client:
    """A test client that sends the token with every call (and no session, no CSRF token)."""
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")


def house_api(cast: Cast, path: str = "") -> str:
    return f"/api/v1/houses/{cast.house.slug}/{path}"
