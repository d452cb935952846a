"""Who sees API clients: the functional administrators of the client's house, nobody else."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from casusregie.accounts.models import GrantStatus, RoleGrant
from casusregie.accounts.roles import Role
from casusregie.houses.models import House
from casusregie.privacy import policy

from .models import ApiClient


def clients_visible_to(user: Any, house: House) -> QuerySet[ApiClient]:
    if not policy.has_role(user, house, Role.FUNCTIONAL_ADMIN):
        return ApiClient.objects.none()
    return ApiClient.objects.filter(house=house).select_related("organisation")


def access_client(user: Any, house: House, pk: int) -> ApiClient:
    client = clients_visible_to(user, house).select_related("user", "house").filter(pk=pk).first()
    if client is None:
        raise Http404
    return client


def awaiting_approval(client: ApiClient) -> bool:
    """Whether the client's access to its organisation still waits for a second person."""
    return RoleGrant.objects.filter(
        user=client.user_id, house=client.house_id, status=GrantStatus.PENDING
    ).exists()
