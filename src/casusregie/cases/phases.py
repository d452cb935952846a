"""The phase machine of a case. Transitions are data; actions check them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TRIAGE = "triage", _("Triage")
    PREPARATION = "preparation", _("Preparation")
    MEETING = "meeting", _("Case meeting")
    PLAN = "plan", _("Plan")
    EXECUTION = "execution", _("Execution")
    AFTERCARE = "aftercare", _("Aftercare")
    CLOSED = "closed", _("Closed")

    @classmethod
    def after_meeting(cls) -> frozenset[str]:
        return frozenset({cls.PLAN, cls.EXECUTION, cls.AFTERCARE})


# Where a case may go from each phase with an ordinary transition. Closing is its own action
# (it needs an outcome), allowed from every open phase; re-opening goes from aftercare back to
# execution when the situation relapses.
TRANSITIONS: dict[str, frozenset[str]] = {
    Phase.REGISTERED: frozenset({Phase.TRIAGE}),
    Phase.TRIAGE: frozenset({Phase.PREPARATION}),
    Phase.PREPARATION: frozenset({Phase.MEETING}),
    Phase.MEETING: frozenset({Phase.PLAN, Phase.PREPARATION}),
    Phase.PLAN: frozenset({Phase.EXECUTION, Phase.MEETING}),
    Phase.EXECUTION: frozenset({Phase.AFTERCARE, Phase.MEETING}),
    Phase.AFTERCARE: frozenset({Phase.EXECUTION}),
    Phase.CLOSED: frozenset(),
}

ORDER = list(Phase)


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
