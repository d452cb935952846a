"""Who may see which referral and known-to query.

- A draft: only the user writing it.
- A submitted referral: the house's staff (triage), colleagues of the referrer's organisation,
  and the organisation it was routed (care form) or forwarded to. A care form routed to
  Veilig Thuis is not shown to house staff until Veilig Thuis accepts it into the house.
- A known-to query: the house's process directors and the organisation that is asked (the
  answers, and the absence of answers, are for the process director only).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.houses.models import House
from casusregie.privacy import policy, providers
from casusregie.privacy.retention import add_months

from .models import KnownToQuery, Referral, ReferralStatus, ReferralSubject


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


# --- What the privacy officer's work reads of referrals (privacy/providers.py) ---------------


def referrals_due(house: House, today: datetime.date) -> Any:
    """Declined, withdrawn or forwarded referrals that became no case, older than the house's
    period for them."""
    zone = timezone.get_current_timezone()
    cutoff = datetime.datetime.combine(
        add_months(today, -house.retention_declined_referral_months), datetime.time.min, zone
    )
    return Referral.objects.filter(
        house=house,
        case__isnull=True,
        status__in=[ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN, ReferralStatus.FORWARDED],
    ).filter(Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, created_at__lt=cutoff))


def describe_referral(referral: Referral) -> tuple[str, dict[str, Any]]:
    decided = referral.decided_at.date().isoformat() if referral.decided_at else None
    return f"M-{referral.pk}", {
        "kind": referral.kind,
        "status": referral.status,
        "created": referral.created_at.date().isoformat(),
        "decided": decided,
    }


def referral_people(referral: Referral) -> list[Any]:
    return [link.subject for link in referral.subjects.select_related("subject")]


def people_of_case_referrals(case: Any) -> list[Any]:
    links = ReferralSubject.objects.filter(referral__case=case).select_related("subject")
    return [link.subject for link in links.order_by("referral_id", "id")]


def referrals_held_about(subjects: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """The access answer's referrals: when, by which organisation, what became of it."""
    referrals = (
        Referral.objects.filter(subjects__subject__in=subjects)
        .select_related("referrer_organisation")
        .distinct()
        .order_by("created_at")
    )
    return {
        "referrals": [
            {
                "date": timezone.localtime(r.created_at).strftime("%d-%m-%Y"),
                "by": r.referrer_organisation.name if r.referrer_organisation else "",
                "status": str(r.get_status_display()),
            }
            for r in referrals
        ]
    }


providers.keep(
    providers.Kept(
        kind="referral",
        due=referrals_due,
        describe=describe_referral,
        get=lambda house, pk: Referral.objects.filter(
            pk=pk, house=house, case__isnull=True
        ).first(),
        people=referral_people,
    )
)
providers.also_people("case", people_of_case_referrals)
providers.remove_with("case", lambda case: Referral.objects.filter(case=case).delete())
providers.still_named_by(
    lambda ids: set(
        ReferralSubject.objects.filter(subject_id__in=ids).values_list("subject_id", flat=True)
    )
)
providers.answer_part(referrals_held_about)
