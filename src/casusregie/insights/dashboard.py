"""The collaboration dashboard: the key figures of the outcome report and the privacy
officer's counts for one period, on one page for the house manager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.houses.models import House
from casusregie.privacy.models import Disclosure, GlassBreak, RequestStatus, SubjectRequest

from .report import Figure, Period, suppress


@dataclass
class KeyFigure:
    label: str
    value: Any
    detail: str = ""


def _figure(figures: list[Figure], key: str) -> Figure:
    return next(f for f in figures if f.key == key)


def _share(part: int, whole: int) -> str:
    if whole == 0:
        return "—"
    return f"{round(100 * part / whole)}%"


def key_figures(figures: list[Figure]) -> list[KeyFigure]:
    referrals = sum(r[1] for r in _figure(figures, "per_organisation").rows)
    triage = _figure(figures, "triage").rows
    decided = sum(r[1] for r in triage)
    accepted = triage[0][1]
    lead = _figure(figures, "lead_times").rows[0]
    actions = _figure(figures, "actions").rows
    due = sum(sum(r[1:]) for r in actions)
    on_time = sum(r[1] for r in actions)
    feedback = _figure(figures, "feedback").rows[0]
    escalations = sum(r[1] for r in _figure(figures, "escalations").rows)
    closed = sum(r[1] for r in _figure(figures, "outcomes").rows)
    no_director = _figure(figures, "no_director").rows[0][0]
    police = {row[0]: row[1] for row in _figure(figures, "police").rows}
    difference_key = _("Mean difference (after − before)")
    result = [
        KeyFigure(_("Referrals"), suppress(referrals)),
        KeyFigure(
            _("Accepted at triage"),
            _share(accepted, decided) if decided >= 5 else "—",
            _("of %(n)s decisions") % {"n": suppress(decided)},
        ),
        KeyFigure(
            _("Median days referral → triage decision"),
            lead[1] if lead[1] is not None else "—",
        ),
        KeyFigure(
            _("Actions done on time"),
            _share(on_time, due) if due >= 5 else "—",
            _("of %(n)s actions due") % {"n": suppress(due)},
        ),
        KeyFigure(_("Feedback rate"), f"{feedback[2]}%" if feedback[2] is not None else "—"),
        KeyFigure(_("Escalations"), suppress(escalations)),
        KeyFigure(_("Cases closed"), suppress(closed)),
        KeyFigure(_("Open cases without a case director"), suppress(no_director)),
        KeyFigure(
            _("Police registrations, mean change per case"),
            police.get(difference_key, "—"),
            _("after closure compared with before intake"),
        ),
    ]
    return result


def privacy_figures(house: House, period: Period) -> list[KeyFigure]:
    """The privacy officer's counts: disclosures and emergency accesses in the period, and the
    data-subject requests open today (three aggregate queries)."""
    today = timezone.localdate()
    disclosures = Disclosure.objects.filter(period.within("occurred_at"), house=house).count()
    glass = GlassBreak.objects.filter(period.within("opened_at"), house=house).count()
    requests = SubjectRequest.objects.filter(house=house, status=RequestStatus.OPEN).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))
    )
    return [
        KeyFigure(_("Disclosures to partners"), suppress(disclosures)),
        KeyFigure(_("Emergency accesses (break the glass)"), suppress(glass)),
        KeyFigure(
            _("Open data-subject requests (today)"),
            suppress(requests["open"]),
            _("of which %(n)s past their due date") % {"n": suppress(requests["overdue"])},
        ),
    ]
