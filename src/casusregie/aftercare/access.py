"""Who sees relapse alerts and watch-period questions: the house's process directors only
(decision 0053). Partners, the privacy officer, the functional administrator and the auditor
do not; missing and forbidden both answer "not found"."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from casusregie.accounts.roles import Role
from casusregie.cases.models import Case
from casusregie.cases.phases import Phase
from casusregie.houses.models import House
from casusregie.privacy import policy

from .models import RelapseAlert

DIRECTOR = (Role.PROCESS_DIRECTOR,)


@policy.register(RelapseAlert)
def relapse_alert_predicate(user: Any) -> Q:
    return Q(policy.staff_of(user, roles=DIRECTOR))


def is_director(user: Any, house: House) -> bool:
    return policy.has_role(user, house, Role.PROCESS_DIRECTOR)


def access_alert(user: Any, slug: str, pk: int) -> RelapseAlert:
    alert = (
        policy.visible(user, RelapseAlert)
        .filter(house__slug=slug, pk=pk)
        .select_related("house", "case", "case__process_director", "handled_by")
        .first()
    )
    if alert is None:
        raise Http404
    return alert


def open_alerts(user: Any, house: House, case: Case | None = None) -> QuerySet[RelapseAlert]:
    """The unhandled relapse alerts the user deals with: of their cases, and of cases
    without a process director. On the case page: that case's."""
    alerts = policy.visible(user, RelapseAlert).filter(house=house, handled_at__isnull=True)
    if case is not None:
        return alerts.filter(case=case).order_by("-created_at", "-id")
    return alerts.filter(
        Q(case__process_director=user) | Q(case__process_director__isnull=True)
    ).order_by("-created_at", "-id")


def watch_ended(user: Any, house: House, today: datetime.date) -> QuerySet[Case]:
    """Cases in aftercare whose watch period has passed: close or extend. Of the user's cases
    and of cases without a process director; nothing for anyone but a process director."""
    if not is_director(user, house):
        return Case.objects.none()
    return (
        Case.objects.filter(house=house, phase=Phase.AFTERCARE, aftercare_until__lt=today)
        .filter(Q(process_director=user) | Q(process_director__isnull=True))
        .order_by("aftercare_until", "id")
    )
