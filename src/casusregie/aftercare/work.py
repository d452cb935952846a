"""The aftercare part of "Mijn werk" and of the case page: a fixed number of queries."""

from __future__ import annotations

import datetime
from typing import Any

from casusregie.cases.actions import record_case_list
from casusregie.cases.models import Case
from casusregie.houses.models import House

from .access import is_director, open_alerts, watch_ended

LIST_SIZE = 20


def my_work_section(user: Any, house: House, today: datetime.date) -> dict[str, Any] | None:
    """Cases whose watch period ended and open relapse alerts, for a process director."""
    if not is_director(user, house):
        return None
    ended = list(watch_ended(user, house, today)[:LIST_SIZE])
    alerts = list(open_alerts(user, house).select_related("case")[:LIST_SIZE])
    case_ids = list(dict.fromkeys([c.pk for c in ended] + [a.case_id for a in alerts]))
    if case_ids:
        record_case_list(user, house, case_ids, "case.aftercare.list")
    return {"ended": ended, "alerts": alerts}


def case_section(user: Any, case: Case, today: datetime.date) -> dict[str, Any] | None:
    """On the case page, for a process director: the case's open relapse alerts (the case
    page's own read covers its persons) and whether its watch period has ended."""
    if not is_director(user, case.house):
        return None
    return {
        "alerts": list(open_alerts(user, case.house, case)),
        "watch_ended": case.phase == "aftercare"
        and case.aftercare_until is not None
        and case.aftercare_until < today,
    }
