"""Who may see which referral and known-to query.

- A draft: only the user writing it.
- A submitted referral: the house's staff (triage), colleagues of the referrer's organisation,
  and the organisation it was routed (care form) or forwarded to. A care form routed to
  Veilig Thuis is not shown to house staff until Veilig Thuis accepts it into the house.
- A known-to query: the house's process directors and the organisation that is asked (the
  answers, and the absence of answers, are for the process director only).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.houses.models import House
from casusregie.privacy import policy

from .models import KnownToQuery, Referral, ReferralStatus


@policy.register(Referral)
def referral_predicate(user: Any) -> Q:
    draft = Q(status=ReferralStatus.DRAFT)
    staff = Q(policy.staff_of(user)) & (Q(routed_to__isnull=True) | Q(case__isnull=False))
    involved = (
        staff
        | Q(policy.member_of(user, "referrer_organisation"))
        | Q(policy.member_of(user, "routed_to"))
        | Q(policy.member_of(user, "forwarded_to"))
    )
    return (draft & Q(referrer=user)) | (~draft & involved)


@policy.register(KnownToQuery)
def known_to_predicate(user: Any) -> Q:
    directors = policy.staff_of(user, roles=(Role.PROCESS_DIRECTOR,))
    return Q(directors) | Q(policy.member_of(user, "organisation"))


def access_referral(user: Any, house: House, pk: int) -> Referral:
    """The one gate of a referral (pages and API): the referral if the user may see it, in
    the house the URL names; missing and forbidden both 404."""
    referral = (
        policy.visible(user, Referral)
        .filter(house=house, pk=pk)
        .select_related(
            "house",
            "referrer",
            "referrer_organisation",
            "routed_to",
            "forwarded_to",
            "decided_by",
            "case",
        )
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def deciders(referral: Referral) -> list[User]:
    """Who judges this referral: the organisation a care form is routed to, else the triage
    team (or the process directors in a house without one)."""
    house = referral.house
    if referral.routed_to_id is not None:
        return list(policy.case_workers(house, referral.routed_to))
    role = Role.TRIAGE_MEMBER if house.has_triage_team else Role.PROCESS_DIRECTOR
    return list(policy.case_workers(house, roles=(role,)))


def may_decide(user: User, referral: Referral) -> bool:
    return any(u.pk == user.pk for u in deciders(referral))
