"""Who sees and decides on pending role grants (four-eyes, docs/decisions/0040).

The functional administrators and the house manager of a house see its pending grants; any of
them may reject one, and any of them other than the person who asked for it and the person who
would receive it may approve it. Another house's grants, and a grant to someone who may not
decide, answer "not found".
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from casusregie.accounts.models import GrantStatus, RoleGrant
from casusregie.accounts.roles import GRANT_APPROVER_ROLES
from casusregie.privacy import policy

from .models import House


def may_decide_grants(user: Any, house: House) -> bool:
    return policy.has_role(user, house, *GRANT_APPROVER_ROLES)


def pending_grants_visible_to(user: Any, house: House) -> QuerySet[RoleGrant]:
    """The house's pending grants, oldest first, for those who decide on them."""
    if not may_decide_grants(user, house):
        return RoleGrant.objects.none()
    return (
        RoleGrant.objects.filter(house=house, status=GrantStatus.PENDING)
        .select_related("user", "organisation", "requested_by")
        .order_by("requested_at", "pk")
    )


def grants_awaiting(user: Any, house: House) -> QuerySet[RoleGrant]:
    """The pending grants this user may approve (not their own requests, not for themselves)."""
    return (
        pending_grants_visible_to(user, house)
        .exclude(requested_by_id=user.pk)
        .exclude(user_id=user.pk)
    )


def may_approve(user: Any, grant: RoleGrant) -> bool:
    return user.pk not in (grant.requested_by_id, grant.user_id) and may_decide_grants(
        user, grant.house
    )


def access_grant(user: Any, house: House, pk: int) -> RoleGrant:
    """A grant of the house, for someone who decides on grants; 404 otherwise. A grant that
    has already been decided is returned too: the action then says so."""
    if not may_decide_grants(user, house):
        raise Http404
    grant = RoleGrant.objects.filter(house=house, pk=pk).select_related("house").first()
    if grant is None:
        raise Http404
    return grant
