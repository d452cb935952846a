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

from casusregie.accounts.models import GrantStatus, Membership, RoleGrant, StandIn, User
from casusregie.accounts.roles import GRANT_APPROVER_ROLES, Role
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


# --- Handover and stand-ins (decision 0046) -------------------------------------------------

HANDOVER_ROLES = (Role.PROCESS_DIRECTOR, Role.FUNCTIONAL_ADMIN)


def may_hand_over(user: Any, house: House) -> bool:
    """The house's process directors and functional administrators hand work over."""
    return policy.has_role(user, house, *HANDOVER_ROLES)


def person_for_handover(user: Any, house: House, pk: int) -> User:
    """A person who holds or held a role in the house, for those who hand work over: someone
    who already left may still hold work (roles ended before handover was checked)."""
    if not may_hand_over(user, house):
        raise Http404
    person = User.objects.filter(pk=pk, memberships__house=house).distinct().first()
    if person is None:
        raise Http404
    return person


def _case_workers(house: House) -> list[Membership]:
    return list(
        Membership.objects.active()
        .filter(house=house, role__in=policy.CASE_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def handover_candidates(house: House, person: Any) -> dict[str, Any]:
    """Who may take over from `person`, read in one query: the process directors, and per
    organisation those who work on cases for it. Never the person themselves."""
    people: dict[int, User] = {}
    directors: dict[int, User] = {}
    per_organisation: dict[int, dict[int, User]] = {}
    for membership in _case_workers(house):
        if membership.user_id == person.pk:
            continue
        people[membership.user_id] = membership.user
        if membership.role == Role.PROCESS_DIRECTOR:
            directors[membership.user_id] = membership.user
        per_organisation.setdefault(membership.organisation_id, {})[membership.user_id] = (
            membership.user
        )
    return {
        "people": people,
        "process_directors": list(directors.values()),
        "per_organisation": {org: list(users.values()) for org, users in per_organisation.items()},
    }


def stand_in_candidates(house: House, absent: Any) -> list[User]:
    """Who may stand in for `absent`: for a process director the other process directors,
    otherwise those who work on cases for one of the absent person's organisations."""
    memberships = _case_workers(house)
    own = [m for m in memberships if m.user_id == absent.pk]
    if any(m.role == Role.PROCESS_DIRECTOR for m in own):
        chosen = [m.user for m in memberships if m.role == Role.PROCESS_DIRECTOR]
    else:
        orgs = {m.organisation_id for m in own}
        chosen = [m.user for m in memberships if m.organisation_id in orgs]
    return list({u.pk: u for u in chosen if u.pk != absent.pk}.values())


def may_see_stand_ins(user: Any, house: House, person: Any) -> bool:
    """The person themselves, a process director or a functional administrator."""
    return getattr(user, "pk", None) == person.pk or may_hand_over(user, house)


def stand_ins_for(house: House, person: Any) -> QuerySet[StandIn]:
    """The arrangements for `person`'s absence that are not over, first the earliest."""
    return (
        StandIn.objects.current_or_coming()
        .filter(house=house, absent=person)
        .select_related("stand_in")
        .order_by("starts_on", "pk")
    )


def standing_in(house: House, person: Any) -> QuerySet[StandIn]:
    """The arrangements in which `person` stands in for someone, not over yet."""
    return (
        StandIn.objects.current_or_coming()
        .filter(house=house, stand_in=person)
        .select_related("absent")
        .order_by("starts_on", "pk")
    )


def access_stand_in(user: Any, house: House, pk: int) -> StandIn:
    """An arrangement of the house, for the absent person, the stand-in, a process director or
    a functional administrator; "not found" otherwise."""
    arrangement = (
        StandIn.objects.filter(house=house, pk=pk).select_related("house", "absent").first()
    )
    if arrangement is None or not (
        getattr(user, "pk", None) in (arrangement.absent_id, arrangement.stand_in_id)
        or may_hand_over(user, house)
    ):
        raise Http404
    return arrangement
