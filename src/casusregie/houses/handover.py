"""What a person holds in a house: the open cases whose process or content they direct, the
open actions they own and the meetings not yet held that they chair (docs/handover.md,
decision 0046). Ending a role is refused while it leaves any of these without a holder; the
handover page lists them and hands them over in bulk (`actions.do_handover`).

This module reads the case, plan and meeting tables for the houses app: numbers and who holds
what, never case content. The page shows case titles only to those who may read the cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casusregie.accounts.models import Membership
from casusregie.accounts.roles import Role
from casusregie.cases.models import Case
from casusregie.cases.phases import Phase
from casusregie.meetings.models import Meeting, MeetingStatus
from casusregie.plans.models import Action, ActionStatus
from casusregie.privacy import policy

from .models import House, Organisation

OPEN_ACTION = (ActionStatus.OPEN, ActionStatus.FEEDBACK_GIVEN)
MEETING_NOT_HELD = (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)


@dataclass
class Holdings:
    process_cases: list[Case] = field(default_factory=list)
    director_cases: list[Case] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.process_cases or self.director_cases or self.actions or self.meetings)

    def case_ids(self) -> list[int]:
        return sorted({c.pk for c in self.process_cases + self.director_cases})

    def summary(self, *, numbers: bool) -> str:
        """What is held, by number ('case director of cases 2026-0001, …') for those who may
        read the cases, else by count ('case director of 2 cases'): the functional
        administrator sees no case numbers. Never names."""
        if numbers:
            return self._by_number()
        parts = []
        if self.process_cases:
            parts.append(
                ngettext(
                    "process director of %(count)s case",
                    "process director of %(count)s cases",
                    len(self.process_cases),
                )
                % {"count": len(self.process_cases)}
            )
        if self.director_cases:
            parts.append(
                ngettext(
                    "case director of %(count)s case",
                    "case director of %(count)s cases",
                    len(self.director_cases),
                )
                % {"count": len(self.director_cases)}
            )
        if self.actions:
            parts.append(
                ngettext(
                    "owner of %(count)s open action",
                    "owner of %(count)s open actions",
                    len(self.actions),
                )
                % {"count": len(self.actions)}
            )
        if self.meetings:
            parts.append(
                ngettext(
                    "chair of %(count)s meeting",
                    "chair of %(count)s meetings",
                    len(self.meetings),
                )
                % {"count": len(self.meetings)}
            )
        return "; ".join(parts)

    def _by_number(self) -> str:
        parts = []
        if self.process_cases:
            parts.append(
                _("process director of cases %(refs)s")
                % {"refs": ", ".join(c.reference for c in self.process_cases)}
            )
        if self.director_cases:
            parts.append(
                _("case director of cases %(refs)s")
                % {"refs": ", ".join(c.reference for c in self.director_cases)}
            )
        if self.actions:
            parts.append(
                _("owner of actions %(refs)s")
                % {"refs": ", ".join(f"A{a.number} ({a.case.reference})" for a in self.actions)}
            )
        if self.meetings:
            parts.append(
                _("chair of meetings %(refs)s")
                % {"refs": ", ".join(m.reference for m in self.meetings)}
            )
        return "; ".join(parts)

    def by_organisation(self) -> dict[str, list[tuple[Organisation, int]]]:
        """How many cases and actions per organisation: what the functional administrator
        sees, and what the "for every case / action of this organisation" choices cover."""
        cases: dict[int, tuple[Organisation, int]] = {}
        for case in self.director_cases:
            org = case.case_director_organisation
            if org is not None:
                cases[org.pk] = (org, cases.get(org.pk, (org, 0))[1] + 1)
        actions: dict[int, tuple[Organisation, int]] = {}
        for action in self.actions:
            org = action.owner_organisation
            actions[org.pk] = (org, actions.get(org.pk, (org, 0))[1] + 1)
        return {
            "cases": sorted(cases.values(), key=lambda pair: pair[0].name),
            "actions": sorted(actions.values(), key=lambda pair: pair[0].name),
        }


def holdings(house: House, user: Any, *, ending: Membership | None = None) -> Holdings:
    """What `user` holds in `house`. With `ending`, only what ending that role would leave
    without a holder: process work needs a process-director role among the roles that stay,
    a case director's and an owner's work a case-working role for the same organisation."""
    open_cases = Case.objects.filter(house=house).exclude(phase=Phase.CLOSED)
    process_cases = open_cases.filter(process_director=user)
    director_cases = open_cases.filter(case_director=user).select_related(
        "case_director_organisation"
    )
    actions = Action.objects.filter(house=house, owner=user, status__in=OPEN_ACTION)
    meetings = Meeting.objects.filter(house=house, chair=user, status__in=MEETING_NOT_HELD)
    if ending is not None:
        staying = list(
            Membership.objects.active()
            .filter(user=user, house=house)
            .exclude(pk=ending.pk)
            .values_list("organisation_id", "role")
        )
        keeps_director = any(role == Role.PROCESS_DIRECTOR for _org, role in staying)
        keeps_orgs = {org for org, role in staying if role in policy.CASE_ROLES}
        if keeps_director:
            process_cases = process_cases.none()
            meetings = meetings.none()
        director_cases = director_cases.exclude(case_director_organisation__in=keeps_orgs)
        actions = actions.exclude(owner_organisation__in=keeps_orgs)
    return Holdings(
        process_cases=list(process_cases.order_by("reference")),
        director_cases=list(director_cases.order_by("reference")),
        actions=list(
            actions.select_related("case", "owner_organisation").order_by(
                "case__reference", "number"
            )
        ),
        meetings=list(meetings.order_by("starts_at", "reference")),
    )
