"""Shared steps of the integration tests: a client with a token, and calls made with it."""

from __future__ import annotations

from typing import Any

from django.test import Client

from casusregie.accounts.models import GrantStatus, Membership, RoleGrant, User
from casusregie.accounts.roles import Role
from casusregie.conftest import Cast
from casusregie.houses.actions import do_approve_role_grant
from casusregie.houses.models import House, Organisation
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
    client, new = create_approved(
        cast.house,
        name=name,
        organisation=organisation or cast.org_a,
        scopes=scopes.split(),
        actor=cast.admin,
        **extra,
    )
    return client, new.text


def create_approved(house: House, **kwargs: Any) -> tuple[ApiClient, actions.NewToken]:
    """An API client whose access a second administrator has approved (decision 0040)."""
    client, new = actions.do_create_api_client(house, **kwargs)
    approve_access(client)
    return client, new


def approve_access(client: ApiClient) -> None:
    grant = RoleGrant.objects.get(user=client.user, status=GrantStatus.PENDING)
    do_approve_role_grant(grant, actor=second_admin(client.house))


def second_admin(house: House) -> User:
    """Another functional administrator of the house, who approves what the first asked for."""
    user, created = User.objects.get_or_create(
        email=f"beheer2-{house.slug}@test.invalid", defaults={"full_name": "Bo Tweede Beheerder"}
    )
    if created:
        staff = Membership.objects.filter(house=house, role=Role.FUNCTIONAL_ADMIN).first()
        assert staff is not None, "the house needs a functional administrator"
        Membership.objects.create(
            user=user, house=house, organisation=staff.organisation, role=Role.FUNCTIONAL_ADMIN
        )
    return user


def api(token: str) -> Client:
    """A test client that sends the token with every call (and no session, no CSRF token)."""
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")


def house_api(cast: Cast, path: str = "") -> str:
    return f"/api/v1/houses/{cast.house.slug}/{path}"
