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

from casusregie.accounts.roles import Role
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
