"""The authorisation matrix for API clients: which scopes each operation of the API needs.

For every operation of the committed OpenAPI document, the world's API client (organisation A,
approved) gets one token per scope that holds every scope *but* that one. Where the call is
refused with `insufficient-scope`, the scope is needed. The observed set must equal the checked-in
table `NEEDS` (issue 22: a token with `cases:read` alone got the case file PDF with actions,
feedback and meeting input, which /actions and /meetings refused it). A new operation without a
row fails and prints the row it observed, to be checked against docs/integrations.md.
Writes are sent with an empty body inside a rolled-back transaction, as in the doors matrix.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casusregie.conftest import Cast
from casusregie.integrations.actions import do_rotate_token
from casusregie.integrations.models import ApiClient
from casusregie.integrations.scopes import SCOPES
from casusregie.privacy.tests.test_matrix import build_world
from casusregie.privacy.tests.test_matrix_doors import api_path, operations, send

pytestmark = pytest.mark.django_db

# OpenAPI "METHOD path" → the scopes it needs ("" = none of the clients' scopes: open to every
# valid token, or closed to clients whatever their scopes).
NEEDS: dict[str, str] = {
    "GET /api/v1/houses/{slug}/actions": "actions:read",
    "GET /api/v1/houses/{slug}/actions/{id}": "actions:read",
    "POST /api/v1/houses/{slug}/actions/{id}/feedback": "actions:write",
    "POST /api/v1/houses/{slug}/actions/{id}/feedback/{feedback}/review": "actions:write",
    "POST /api/v1/houses/{slug}/actions/{id}/edit": "actions:write",
    "POST /api/v1/houses/{slug}/actions/{id}/reassign": "actions:write",
    "POST /api/v1/houses/{slug}/actions/{id}/reschedule": "actions:write",
    "POST /api/v1/houses/{slug}/actions/{id}/cancel": "actions:write",
    "POST /api/v1/houses/{slug}/actions/{id}/more-time": "actions:write",
    "POST /api/v1/houses/{slug}/actions/{id}/decline": "actions:write",
    "POST /api/v1/houses/{slug}/actions/{id}/requests/{item}/decide": "actions:write",
    "GET /api/v1/houses/{slug}/cases": "cases:read",
    "GET /api/v1/houses/{slug}/cases/{id}": "cases:read",
    "POST /api/v1/houses/{slug}/cases/{id}/actions": "actions:write",
    "POST /api/v1/houses/{slug}/cases/{id}/assessments": "cases:write",
    "POST /api/v1/houses/{slug}/cases/{id}/close": "cases:write",
    "POST /api/v1/houses/{slug}/cases/{id}/directors": "cases:write",
    "GET /api/v1/houses/{slug}/cases/{id}/journal": "journal:read",
    "POST /api/v1/houses/{slug}/cases/{id}/journal": "journal:write",
    "GET /api/v1/houses/{slug}/cases/{id}/file.pdf": (
        "actions:read cases:read journal:read meetings:read"
    ),
    "GET /api/v1/houses/{slug}/cases/{id}/known-to-queries": "known-to:read",
    "POST /api/v1/houses/{slug}/cases/{id}/known-to-queries": "known-to:write",
    "POST /api/v1/houses/{slug}/cases/{id}/participants": "cases:write",
    "GET /api/v1/houses/{slug}/cases/{id}/plan": "actions:read",
    "GET /api/v1/houses/{slug}/cases/{id}/progress": "actions:read",
    "POST /api/v1/houses/{slug}/cases/{id}/transition": "cases:write",
    "GET /api/v1/houses/{slug}/cases/{id}/documents": "cases:read",
    "POST /api/v1/houses/{slug}/cases/{id}/documents": "cases:write",
    "GET /api/v1/houses/{slug}/documents/{id}": "cases:read",
    "DELETE /api/v1/houses/{slug}/documents/{id}": "cases:write",
    "GET /api/v1/houses/{slug}/documents/{id}/content": "cases:read",
    "GET /api/v1/houses/{slug}/known-to-queries": "known-to:read",
    "GET /api/v1/houses/{slug}/known-to-queries/{id}": "known-to:read",
    "POST /api/v1/houses/{slug}/known-to-queries/{id}/answer": "known-to:write",
    "GET /api/v1/houses/{slug}/journal/{id}": "journal:read",
    "POST /api/v1/houses/{slug}/journal/{id}/corrections": "journal:write",
    "GET /api/v1/houses/{slug}/me": "",
    "GET /api/v1/houses/{slug}/meetings": "meetings:read",
    "GET /api/v1/houses/{slug}/meetings/{id}": "meetings:read",
    "POST /api/v1/houses/{slug}/meetings/{id}/agenda-items/{item}/contributions": "meetings:write",
    "POST /api/v1/houses/{slug}/meetings/{id}/availability": "meetings:write",
    "GET /api/v1/houses/{slug}/meetings/{id}/calendar.ics": "meetings:read",
    "GET /api/v1/houses/{slug}/meetings/{id}/contributions": "meetings:read",
    "GET /api/v1/houses/{slug}/privacy-requests": "",
    "POST /api/v1/houses/{slug}/privacy-requests": "",
    "GET /api/v1/houses/{slug}/privacy-requests/{id}": "",
    "GET /api/v1/houses/{slug}/referrals": "referrals:read",
    "POST /api/v1/houses/{slug}/referrals": "referrals:write",
    "GET /api/v1/houses/{slug}/referrals/{id}": "referrals:read",
    "POST /api/v1/houses/{slug}/referrals/{id}/accept": "referrals:write",
    "POST /api/v1/houses/{slug}/referrals/{id}/decline": "referrals:write",
    "POST /api/v1/houses/{slug}/referrals/{id}/forward": "referrals:write",
    "POST /api/v1/houses/{slug}/referrals/{id}/submit": "referrals:write",
    "POST /api/v1/houses/{slug}/referrals/{id}/withdraw": "referrals:write",
    "POST /api/v1/houses/{slug}/cases/{id}/aftercare/extend": "cases:write",
    "GET /api/v1/houses/{slug}/relapse-alerts": "cases:read",
    "POST /api/v1/houses/{slug}/relapse-alerts/{id}/decide": "cases:write",
    "GET /api/v1/houses/{slug}/services": "services:read",
    "POST /api/v1/houses/{slug}/services": "services:write",
    "GET /api/v1/houses/{slug}/services/{id}": "services:read",
    "PATCH /api/v1/houses/{slug}/services/{id}": "services:write",
    "GET /api/v1/houses/{slug}/signal-alerts": "signals:read",
    "POST /api/v1/houses/{slug}/signals": "signals:write",
    "POST /api/v1/houses/{slug}/signals/already-a-case": "signals:read",
    "GET /api/v1/houses/{slug}/triage-queue": "referrals:read",
    "GET /api/v1/houses/{slug}/webhook-event-types": "webhooks:manage",
    "GET /api/v1/houses/{slug}/webhooks": "webhooks:manage",
    "POST /api/v1/houses/{slug}/webhooks": "webhooks:manage",
    "GET /api/v1/houses/{slug}/webhooks/{id}": "webhooks:manage",
    "PATCH /api/v1/houses/{slug}/webhooks/{id}": "webhooks:manage",
    "DELETE /api/v1/houses/{slug}/webhooks/{id}": "webhooks:manage",
    "GET /api/v1/houses/{slug}/webhooks/{id}/deliveries": "webhooks:manage",
    "POST /api/v1/houses/{slug}/webhooks/{id}/pause": "webhooks:manage",
    "POST /api/v1/houses/{slug}/webhooks/{id}/ping": "webhooks:manage",
    "POST /api/v1/houses/{slug}/webhooks/{id}/resume": "webhooks:manage",
    "POST /api/v1/houses/{slug}/webhooks/{id}/rotate-secret": "webhooks:manage",
}


def refused_without(cast: Cast, client: ApiClient, missing: str, doors: dict[str, Any]) -> set[str]:
    """The operations refused with `insufficient-scope` when the client holds every scope but
    `missing` (scopes belong to the client; its one token is made anew for each set)."""
    client.scopes = " ".join(s for s in SCOPES if s != missing)
    client.save(update_fields=["scopes"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {do_rotate_token(client, actor=cast.admin).text}")
    refused = set()
    for key, (method, path) in doors.items():
        response = send(api, method, path)
        assert response.status_code < 500, f"{key} without {missing}: {response.status_code}"
        if response.status_code == 403 and "insufficient-scope" in response.content.decode():
            refused.add(key)
    return refused


def test_every_operation_needs_exactly_the_scopes_the_table_names(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world = build_world(cast)
    client = world.objects["api_client"]
    doors = {
        f"{method.upper()} {template}": (method, api_path(world, template))
        for method, template in operations()
    }
    observed: dict[str, list[str]] = {key: [] for key in doors}
    for scope in SCOPES:
        for key in refused_without(cast, client, scope, doors):
            observed[key].append(scope)
    missing, changed = [], []
    for key, scopes in observed.items():
        row = " ".join(sorted(scopes))
        if key not in NEEDS:
            missing.append(f'    "{key}": "{row}",')
        elif set(NEEDS[key].split()) != set(scopes):
            changed.append(f"{key}: the table says [{NEEDS[key]}], observed [{row}]")
    stale = sorted(set(NEEDS) - set(doors))
    message = []
    if changed:
        message.append("Operations whose scopes changed:\n" + "\n".join(changed))
    if missing:
        message.append("Operations without a row in NEEDS:\n" + "\n".join(missing))
    if stale:
        message.append(f"Rows for operations that are gone: {stale}")
    assert not message, "\n\n".join(message)


def test_the_case_file_needs_the_scopes_of_everything_it_shows() -> None:
    """The rows that prove the matrix would notice finding 8 coming back."""
    row = NEEDS["GET /api/v1/houses/{slug}/cases/{id}/file.pdf"].split()
    assert {"cases:read", "actions:read", "meetings:read", "journal:read"} <= set(row)
