"""The house menu offers the administration pages to those who may use them, and only them."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.conftest import Cast

pytestmark = pytest.mark.django_db


def menu(as_user: Any, cast: Cast, user: Any) -> str:
    return as_user(user).get(f"/huizen/{cast.house.slug}/casussen/").content.decode()


def test_functional_administrator_finds_imports_api_clients_and_webhooks(
    as_user: Any, cast: Cast
) -> None:
    page = menu(as_user, cast, cast.admin)
    for path in ("importeren/", "koppelingen/", "webhooks/"):
        assert f"/huizen/{cast.house.slug}/{path}" in page


@pytest.mark.parametrize("who", ["participant_a", "process_director", "privacy_officer"])
def test_others_are_not_offered_them(as_user: Any, cast: Cast, who: str) -> None:
    page = menu(as_user, cast, getattr(cast, who))
    for path in ("importeren/", "koppelingen/", "webhooks/"):
        assert f"/huizen/{cast.house.slug}/{path}" not in page
