"""The outcome report of a house: aggregate figures over a period, with filters.

Every figure is a handful of aggregate queries (COUNT/AVG with GROUP BY); the number of queries
does not grow with the number of cases. Lead times need medians and percentiles, which SQLite
cannot compute: one query fetches the stage timestamps of the cases (values only, no model
instances) and the percentiles are computed from that flat list (docs/insights.md).

Small counts are suppressed: a count from 1 up to `SUPPRESS_BELOW - 1` is shown as "< 5", so a
report cannot single out a person (docs/decisions/0021-outcome-reports.md).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.cases.models import (
    AftercareOutcome,
    AssessmentMoment,
    AssessmentScore,
    Case,
    CaseSubject,
    SubjectKind,
)
from casusregie.cases.phases import Phase
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation
from casusregie.plans.models import Action, ActionStatus, Escalation, Feedback
from casusregie.referrals.models import (
    Referral,
    ReferralConcern,
    ReferralStatus,
    ReferralSubject,
)

# Counts from 1 to SUPPRESS_BELOW - 1 are shown as "< SUPPRESS_BELOW".
SUPPRESS_BELOW = 5
DECIDED = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.DECLINED,
    ReferralStatus.FORWARDED,
    ReferralStatus.WITHDRAWN,
)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive
    kind: str = ""
    organisation: Organisation | None = None
    domain: str = ""

    @property
    def since(self) -> datetime.datetime:
        return _aware(self.start)

    @property
    def until(self) -> datetime.datetime:
        """The first moment after the period."""
        return _aware(self.end + datetime.timedelta(days=1))

    def within(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.since, f"{field_name}__lt": self.until})


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve months up to and including today."""
    today = today or timezone.localdate()
    try:
        start = today.replace(year=today.year - 1) + datetime.timedelta(days=1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28) + datetime.timedelta(days=1)
    return start, today


@dataclass
class Figure:
    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    chart_column: int | None = 1  # the column drawn as bars; None: no chart
    note: str = ""
    shown: list[list[Any]] = field(default_factory=list)

    def bars(self) -> list[dict[str, Any]]:
        """Bar lengths (0–100) of the chart column; suppressed values get no bar."""
        if self.chart_column is None:
            return []
        values = [r[self.chart_column] for r in self.rows]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        top = max(numbers, default=0) or 1
        bars = []
        for row, value in zip(self.shown, values, strict=True):
            hidden = _is_small(value)
            length = 0 if hidden or not isinstance(value, int | float) else 100 * value / top
            shown = row[self.chart_column]
            bars.append(
                {"label": row[0], "shown": "—" if shown is None else shown, "length": length}
            )
        return bars


def _is_small(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < SUPPRESS_BELOW


def suppress(value: Any) -> Any:
    """A count as it may be shown: small counts become "< 5"."""
    if _is_small(value):
        return f"< {SUPPRESS_BELOW}"
    return value


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` percentile (0–1) with linear interpolation between closest ranks
    (the default of numpy and of Excel's PERCENTILE.INC)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _case_filter(period: Period, prefix: str = "") -> Q:
    """The filters as a predicate on Case rows (through `prefix`, e.g. "case__")."""
    q = Q()
    if period.kind:
        q &= Q(**{f"{prefix}kind": period.kind})
    if period.organisation is not None:
        q &= Q(**{f"{prefix}referrals__referrer_organisation": period.organisation})
    if period.domain:
        q &= Q(**{f"{prefix}referrals__concerns__domain": period.domain})
    return q


def _referral_filter(period: Period) -> Q:
    q = Q()
    if period.kind:
        q &= Q(kind=period.kind)
    if period.organisation is not None:
        q &= Q(referrer_organisation=period.organisation)
    if period.domain:
        q &= Q(
            Exists(ReferralConcern.objects.filter(referral=OuterRef("pk"), domain=period.domain))
        )
    return q


def _cases(house: House, period: Period) -> Any:
    cases = Case.objects.filter(house=house)
    if period.organisation is not None or period.domain:
        matching = Case.objects.filter(_case_filter(period), house=house).values("pk")
        return cases.filter(pk__in=matching, **({"kind": period.kind} if period.kind else {}))
    return cases.filter(_case_filter(period))


def _referrals(house: House, period: Period) -> Any:
    return Referral.objects.filter(_referral_filter(period), house=house)


def figure_steps() -> list[Callable[[House, Period], Figure]]:
    """The figure functions of the report, in reading order (a background task runs them one
    by one to report progress)."""
    return [
        referrals_per_organisation,
        referrals_per_domain,
        triage_outcomes,
        lead_times,
        actions_per_organisation,
        feedback_rate,
        escalations_per_level,
        without_case_director,
        re_registrations,
        domain_change,
        closure_outcomes,
        police_effect,
        meeting_time,
    ]


def finish(figure: Figure) -> Figure:
    """Fill the suppressed copy of the rows that the page and the downloads show."""
    figure.shown = [[row[0], *[suppress(v) for v in row[1:]]] for row in figure.rows]
    return figure


def build(house: House, period: Period) -> list[Figure]:
    """Every figure of the report, in reading order."""
    return [finish(step(house, period)) for step in figure_steps()]


def referrals_per_organisation(house: House, period: Period) -> Figure:
    rows = (
        _referrals(house, period)
        .filter(period.within("submitted_at"))
        .values("referrer_organisation__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "referrer_organisation__name")
    )
    return Figure(
        "per_organisation",
        _("Referrals per referring organisation"),
        [_("Organisation"), _("Referrals")],
        [[r["referrer_organisation__name"] or _("Unknown"), r["n"]] for r in rows],
    )


def referrals_per_domain(house: House, period: Period) -> Figure:
    referrals = _referrals(house, period).filter(period.within("submitted_at"))
    rows = dict(
        ReferralConcern.objects.filter(referral__in=referrals.values("pk"))
        .values("domain")
        .annotate(n=Count("pk"))
        .values_list("domain", "n")
    )
    return Figure(
        "per_domain",
        _("Referrals per life domain of concern"),
        [_("Life domain"), _("Referrals")],
        [[str(label), rows[code]] for code, label in LifeDomain.choices if code in rows],
        note=_("A referral can name concerns on several life domains."),
    )


def triage_outcomes(house: House, period: Period) -> Figure:
    counts = dict(
        _referrals(house, period)
        .filter(period.within("decided_at"), status__in=DECIDED)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    labels = dict(ReferralStatus.choices)
    return Figure(
        "triage",
        _("Triage outcomes"),
        [_("Outcome"), _("Referrals")],
        [[str(labels[s]), counts.get(s, 0)] for s in DECIDED],
    )


STAGES = ("submitted", "decided", "meeting", "plan", "aftercare", "closed")


def _stage_labels() -> dict[str, str]:
    return {
        "submitted": _("Referral"),
        "decided": _("Triage decision"),
        "meeting": _("First case meeting"),
        "plan": _("Plan"),
        "aftercare": _("Aftercare"),
        "closed": _("Closure"),
    }


def lead_times(house: House, period: Period) -> Figure:
    """Days between consecutive stages; a step counts in the period in which it ended."""

    def reached(phase: str) -> Min:
        return Min("phase_changes__changed_at", filter=Q(phase_changes__to_phase=phase))

    stamps = (
        _cases(house, period)
        .filter(created_at__lt=period.until)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=period.since))
        .annotate(
            at_submitted=Min("referrals__submitted_at"),
            at_decided=Min("referrals__decided_at"),
            at_meeting=reached(Phase.MEETING),
            at_plan=reached(Phase.PLAN),
            at_aftercare=reached(Phase.AFTERCARE),
        )
        .values_list(*(f"at_{s}" for s in STAGES[:-1]), "closed_at")
    )
    steps: dict[int, list[float]] = {i: [] for i in range(len(STAGES) - 1)}
    for row in stamps:
        for i in range(len(STAGES) - 1):
            begin, end = row[i], row[i + 1]
            if begin and end and period.since <= end < period.until and end >= begin:
                steps[i].append((end - begin).total_seconds() / 86400)
    labels = _stage_labels()
    rows = []
    for i, days in steps.items():
        n = len(days)
        small = n < SUPPRESS_BELOW
        median = percentile(days, 0.5)
        p80 = percentile(days, 0.8)
        rows.append(
            [
                f"{labels[STAGES[i]]} → {labels[STAGES[i + 1]]}",
                None if small or median is None else round(median, 1),
                None if small or p80 is None else round(p80, 1),
                n,
            ]
        )
    return Figure(
        "lead_times",
        _("Lead times (days)"),
        [_("Step"), _("Median"), _("80th percentile"), _("Number of cases")],
        rows,
        note=_("A step counts in the period in which it ended. Fewer than 5 cases: no figure."),
    )


def actions_per_organisation(house: House, period: Period) -> Figure:
    today = timezone.localdate()
    done = Q(status=ActionStatus.DONE)
    rows = (
        Action.objects.filter(
            house=house,
            case__in=_cases(house, period).values("pk"),
            due_date__gte=period.start,
            due_date__lte=period.end,
        )
        .exclude(status=ActionStatus.CANCELLED)
        .values("owner_organisation__name")
        .annotate(
            on_time=Count("pk", filter=done & Q(done_at__date__lte=F("due_date"))),
            late=Count("pk", filter=done & Q(done_at__date__gt=F("due_date"))),
            overdue=Count("pk", filter=~done & Q(due_date__lt=today)),
            open=Count("pk", filter=~done & Q(due_date__gte=today)),
        )
        .order_by("owner_organisation__name")
    )
    return Figure(
        "actions",
        _("Actions per organisation (due in the period)"),
        [_("Organisation"), _("Done on time"), _("Done late"), _("Open, overdue"), _("Open")],
        [
            [r["owner_organisation__name"], r["on_time"], r["late"], r["overdue"], r["open"]]
            for r in rows
        ],
    )


def feedback_rate(house: House, period: Period) -> Figure:
    actions = Action.objects.filter(
        house=house,
        case__in=_cases(house, period).values("pk"),
        due_date__gte=period.start,
        due_date__lte=period.end,
    ).exclude(status=ActionStatus.CANCELLED)
    totals = actions.aggregate(
        n=Count("pk"),
        answered=Count("pk", filter=Q(Exists(Feedback.objects.filter(action=OuterRef("pk"))))),
    )
    n, answered = totals["n"], totals["answered"]
    share = None if n < SUPPRESS_BELOW else round(100 * answered / n)
    return Figure(
        "feedback",
        _("Feedback rate"),
        [_("Actions due"), _("With feedback"), _("Share (%)")],
        [[n, answered, share]],
        chart_column=None,
    )


def escalations_per_level(house: House, period: Period) -> Figure:
    counts = dict(
        Escalation.objects.filter(
            period.within("reached_at"),
            house=house,
            action__case__in=_cases(house, period).values("pk"),
        )
        .values("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    levels = sorted(set(counts) | {1, 2, 3})
    return Figure(
        "escalations",
        _("Escalations per level"),
        [_("Level"), _("Escalations")],
        [[_("Level %(level)s") % {"level": level}, counts.get(level, 0)] for level in levels],
    )


def without_case_director(house: House, period: Period) -> Figure:
    n = (
        _cases(house, period)
        .filter(phase__in=Phase.after_meeting(), case_director__isnull=True)
        .count()
    )
    return Figure(
        "no_director",
        _("Open cases without a case director (now)"),
        [_("Cases")],
        [[n]],
        chart_column=None,
        note=_("Cases past their first meeting that have no case director today."),
    )


def re_registrations(house: House, period: Period) -> Figure:
    """Cases closed in the period whose subjects were referred again within 12 or 24 months."""

    def again(months: int) -> Exists:
        limit = ExpressionWrapper(
            OuterRef(OuterRef("closed_at")) + datetime.timedelta(days=365 * months // 12),
            output_field=DateTimeField(),
        )
        subjects = CaseSubject.objects.filter(case=OuterRef("pk")).filter(
            Exists(
                ReferralSubject.objects.filter(
                    subject=OuterRef("subject"),
                    referral__house=house,
                    referral__submitted_at__gt=OuterRef(OuterRef("closed_at")),
                    referral__submitted_at__lte=limit,
                )
            )
        )
        return Exists(subjects)

    totals = (
        _cases(house, period)
        .filter(period.within("closed_at"))
        .aggregate(
            n=Count("pk"),
            within_12=Count("pk", filter=Q(again(12))),
            within_24=Count("pk", filter=Q(again(24))),
        )
    )
    return Figure(
        "re_registrations",
        _("Re-registrations after closure"),
        [_("Cases closed"), _("Referred again within 12 months"), _("Within 24 months")],
        [[totals["n"], totals["within_12"], totals["within_24"]]],
        chart_column=None,
        note=_("Recent closures cannot have been followed for 24 months yet."),
    )


def domain_change(house: House, period: Period) -> Figure:
    closed = _cases(house, period).filter(period.within("closed_at")).values("pk")
    rows = (
        AssessmentScore.objects.filter(
            assessment__case__in=closed,
            assessment__moment__in=(AssessmentMoment.INTAKE, AssessmentMoment.CLOSURE),
        )
        .values("domain", "assessment__moment")
        .annotate(mean=Avg("score"), n=Count("assessment__case", distinct=True))
    )
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
        table.setdefault(r["domain"], {})[r["assessment__moment"]] = (r["mean"], r["n"])
    result = []
    for code, label in LifeDomain.choices:
        if code not in table:
            continue
        intake = table[code].get(AssessmentMoment.INTAKE, (None, 0))
        closure = table[code].get(AssessmentMoment.CLOSURE, (None, 0))
        n = min(intake[1], closure[1])
        enough = n >= SUPPRESS_BELOW

        def shown(value: float | None, ok: bool = enough) -> float | None:
            return round(value, 1) if ok and value is not None else None

        change = (
            round(closure[0] - intake[0], 1)
            if enough and intake[0] is not None and closure[0] is not None
            else None
        )
        result.append([str(label), shown(intake[0]), shown(closure[0]), change, n])
    return Figure(
        "domain_change",
        _("Self-sufficiency per life domain, intake and closure (1–5)"),
        [_("Life domain"), _("Mean at intake"), _("Mean at closure"), _("Change"), _("Cases")],
        result,
        chart_column=None,
        note=_("Cases closed in the period. Fewer than 5 cases: no figure."),
    )


def closure_outcomes(house: House, period: Period) -> Figure:
    counts = dict(
        _cases(house, period)
        .filter(period.within("closed_at"))
        .values("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    return Figure(
        "outcomes",
        _("Closure outcomes"),
        [_("Outcome"), _("Cases")],
        [[str(label), counts.get(code, 0)] for code, label in AftercareOutcome.choices]
        + ([[_("Not recorded"), counts[""]]] if counts.get("") else []),
    )


def kinds() -> list[tuple[str, str]]:
    return [(k, str(label)) for k, label in SubjectKind.choices]


def police_effect(house: House, period: Period) -> Figure:
    """Police registrations before intake and after closure, for the cases whose twelve
    months after closure ended in the period (docs/insights.md)."""
    from .models import PoliceCount
    from .stats import effect

    year = datetime.timedelta(days=365)
    rows_found = PoliceCount.objects.filter(
        house=house,
        after__isnull=False,
        case__in=_cases(house, period).values("pk"),
        case__closed_at__gte=period.since - year,
        case__closed_at__lt=period.until - year,
    ).values_list("before", "after")
    pairs = [(before, after) for before, after in rows_found if after is not None]
    n = len(pairs)
    found = effect(pairs) if n >= SUPPRESS_BELOW else None
    rows: list[list[Any]] = [[_("Number of cases"), n, None]]
    if found is not None:

        def share(count: int) -> float:
            return round(100 * count / n)

        rows += [
            [_("Mean before intake"), round(found.mean_before, 2), None],
            [_("Mean after closure"), round(found.mean_after, 2), None],
            [_("Mean difference (after − before)"), round(found.mean_difference, 2), None],
            [_("95% interval, lower bound"), round(found.low, 2), None],
            [_("95% interval, upper bound"), round(found.high, 2), None],
            [_("Cases with fewer registrations"), found.improved, share(found.improved)],
            [_("Cases with as many registrations"), found.same, share(found.same)],
            [_("Cases with more registrations"), found.worse, share(found.worse)],
            [_("Cases with none after closure"), found.none_after, share(found.none_after)],
        ]
    return Figure(
        "police",
        _("Police registrations before intake and after closure"),
        [_("Figure"), _("Value"), _("Share (%)")],
        rows,
        chart_column=None,
        note=_(
            "Cases whose twelve months after closure ended in the period. The interval is a "
            "percentile bootstrap (10,000 resamples, fixed seed). Fewer than 5 cases: no figure."
        ),
    )


def meeting_time(house: House, period: Period) -> Figure:
    """Time at the table per organisation: every attendance counts the meeting's length.
    Meetings discuss several cases, so the filters do not apply."""
    from casusregie.meetings.models import Attendance, MeetingStatus

    rows = (
        Attendance.objects.filter(
            meeting__house=house,
            meeting__status=MeetingStatus.HELD,
            meeting__starts_at__gte=period.since,
            meeting__starts_at__lt=period.until,
        )
        .values("organisation__name")
        .annotate(minutes=Sum("meeting__duration_minutes"), attendances=Count("pk"))
        .order_by("-minutes", "organisation__name")
    )
    return Figure(
        "meeting_time",
        _("Meeting time per organisation (hours)"),
        [_("Organisation"), _("Hours"), _("Attendances")],
        [[r["organisation__name"], round(r["minutes"] / 60, 1), r["attendances"]] for r in rows],
        note=_("Each attendance counts the length of the meeting. Filters do not apply."),
    )
