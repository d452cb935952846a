"""Operationalise the diagnosis from a house's own data for a period (see docs/network.md).

Counts only; nothing here reads personal data of data subjects. The thresholds that turn numbers
into levels are the module constants below, documented in docs/network.md.
"""

from __future__ import annotations

import datetime
import importlib
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import networkx as nx
from django.db.models import Q
from django.utils import timezone

from casusregie.cases.models import AssessmentScore, Case, Participation
from casusregie.houses.models import House, Organisation, OrganisationKind
from casusregie.meetings.models import Attendance, Meeting
from casusregie.plans.models import Action

# Organisations active in the period: up to 8 few (shared can work, Provan & Kenis), up to 15
# moderate; from 16 many, as the thesis calls a network of a few dozen organisations large
# (§6.2.2.2, §7.1.1). Decision 0026.
PARTICIPANTS_LOW_MAX = 8
PARTICIPANTS_MODERATE_MAX = 15
# Distinct partner organisations per case (median): one organisation alone is low; two is a
# bilateral collaboration (moderate); three or more specialisms per case is network-level work
# (high). A case comes to the house only when one organisation is stuck (§6.2.2.2). Decision 0026.
COMPETENCIES_LOW_BELOW = 2
COMPETENCIES_MODERATE_BELOW = 3
# Share (0-100) of actions due in the period with feedback on time / survey agreement.
HIGH_FROM = 70
MODERATE_FROM = 50


@dataclass
class HouseDiagnosis:
    answers: dict[str, Any]
    organisations: list[dict[str, Any]]
    graph: dict[str, Any]
    survey_data: bool


def _level(value: float) -> str:
    return "high" if value >= HIGH_FROM else "moderate" if value >= MODERATE_FROM else "low"


def _bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tz)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tz)
    return low, high


def _survey(house: House, prefix: str, since: datetime.date) -> list[float]:
    """Survey scores 0-100 for items keyed ``prefix*``; empty without the surveys app or data."""
    try:
        results = importlib.import_module("casusregie.surveys.results")
    except (ImportError, RuntimeError):  # the surveys app is absent or not installed
        return []
    values = []
    for score in results.item_scores(house, prefix, since).values():
        if score.value is None:
            continue
        values.append(score.value * 10 if score.kind == "grade" else score.value)
    return values


def collect(house: House, start: datetime.date, end: datetime.date) -> HouseDiagnosis | None:
    """The answers for the engine from the house's data; None when the period has no data."""
    low, high = _bounds(start, end)
    cases = list(
        Case.objects.filter(house=house, created_at__lt=high)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=low))
        .values_list("pk", flat=True)
    )
    meetings = list(
        Meeting.objects.filter(house=house, held_at__gte=low, held_at__lt=high).values_list(
            "pk", flat=True
        )
    )
    if not cases and not meetings:
        return None
    case_orgs: dict[int, set[int]] = defaultdict(set)
    for case_id, org_id in (
        Participation.objects.filter(case__in=cases)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=low), started_at__lt=high)
        .values_list("case", "organisation")
    ):
        case_orgs[case_id].add(org_id)
    meeting_orgs: dict[int, set[int]] = defaultdict(set)
    people: dict[int, set[str]] = defaultdict(set)
    per_meeting: dict[int, int] = defaultdict(int)
    for meeting_id, org_id, user_id, name in Attendance.objects.filter(
        meeting__in=meetings
    ).values_list("meeting", "organisation", "user", "name"):
        meeting_orgs[meeting_id].add(org_id)
        people[org_id].add(f"u{user_id}" if user_id else f"n{name.strip().lower()}")
        per_meeting[meeting_id] += 1
    org_ids = set().union(*case_orgs.values(), *meeting_orgs.values())
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids)}
    staff = {pk for pk, o in orgs.items() if o.kind == OrganisationKind.HOUSE_STAFF}
    has_staff = (
        staff or house.partnerships.filter(organisation__kind=OrganisationKind.HOUSE_STAFF).exists()
    )
    staff_takes = (
        Action.objects.filter(
            case__in=cases, owner_organisation__kind=OrganisationKind.HOUSE_STAFF
        ).exists()
        or Case.objects.filter(
            pk__in=cases, case_director_organisation__kind=OrganisationKind.HOUSE_STAFF
        ).exists()
    )
    partners = org_ids - staff
    n_people = sum(len(p) for o, p in people.items() if o not in staff)
    size = len(partners)
    participants = (
        "low"
        if size <= PARTICIPANTS_LOW_MAX
        else "moderate"
        if size <= PARTICIPANTS_MODERATE_MAX
        else "high"
    )
    orgs_per_case = [len(s - staff) for s in case_orgs.values()] or [0]
    domains: dict[int, set[str]] = defaultdict(set)
    for case_id, domain in AssessmentScore.objects.filter(assessment__case__in=cases).values_list(
        "assessment__case", "domain"
    ):
        domains[case_id].add(domain)
    median_orgs = statistics.median(orgs_per_case)
    competencies = (
        "low"
        if median_orgs < COMPETENCIES_LOW_BELOW
        else "moderate"
        if median_orgs < COMPETENCIES_MODERATE_BELOW
        else "high"
    )
    due = Action.objects.filter(case__in=cases, due_date__gte=start, due_date__lte=end)
    n_due = due.count()
    on_time = sum(
        1
        for action in due.prefetch_related("feedback")
        if any(f.submitted_at.date() <= action.due_date for f in action.feedback.all())
    )
    trust_values = _survey(house, "trust_", start)
    consensus_values = _survey(house, "goal_consensus_", start)
    trust_evidence: dict[str, float] = {"actions_due": n_due}
    trust_parts = []
    if n_due:
        share = round(100 * on_time / n_due, 1)
        trust_evidence["feedback_on_time_percent"] = share
        trust_parts.append(share)
    if trust_values:
        trust_evidence["survey_trust_score"] = round(statistics.mean(trust_values), 1)
        trust_parts.append(trust_evidence["survey_trust_score"])
    consensus: dict[str, Any] = {"level": None, "evidence": {}}
    if consensus_values:
        mean = round(statistics.mean(consensus_values), 1)
        consensus = {"level": _level(mean), "evidence": {"survey_goal_consensus_score": mean}}
    answers = {
        # The house may take cases by configuration (MB-style), or its staff did in the period.
        "form": {
            "administrative_entity": bool(has_staff),
            "entity_takes_cases": house.may_take_cases or staff_takes,
        },
        "contingencies": {
            "trust": {
                "level": _level(statistics.mean(trust_parts)) if trust_parts else None,
                "evidence": trust_evidence,
            },
            "participants": {
                "level": participants,
                "evidence": {
                    "organisations": size,
                    "people": n_people,
                    "people_per_organisation": round(n_people / size, 1) if size else 0,
                    "people_per_case_table": round(statistics.mean(per_meeting.values()), 1)
                    if per_meeting
                    else 0,
                },
            },
            "goal_consensus": consensus,
            "competencies": {
                "level": competencies,
                "evidence": {
                    "organisations_per_case": median_orgs,
                    "life_domains_per_case": statistics.median(
                        [len(domains.get(c, ())) for c in cases]
                    )
                    if cases
                    else 0,
                },
            },
        },
    }
    graph = collaboration_graph(orgs, staff, case_orgs, meeting_orgs)
    rows = sorted(
        (
            {
                "name": orgs[o].name,
                "cases": sum(1 for s in case_orgs.values() if o in s),
                "meetings": sum(1 for s in meeting_orgs.values() if o in s),
                "people": len(people.get(o, ())),
                "betweenness": graph["betweenness"].get(orgs[o].name, 0.0),
            }
            for o in partners
        ),
        key=lambda row: (-row["cases"], row["name"]),
    )
    return HouseDiagnosis(answers, rows, graph, bool(trust_values or consensus_values))


def collaboration_graph(
    orgs: dict[int, Organisation],
    staff: set[int],
    case_orgs: dict[int, set[int]],
    meeting_orgs: dict[int, set[int]],
) -> dict[str, Any]:
    """Partner organisations as nodes; shared cases plus shared meetings as edge weights."""
    graph = nx.Graph()
    for pk, org in orgs.items():
        if pk not in staff:
            graph.add_node(org.name)
    for groups in (case_orgs.values(), meeting_orgs.values()):
        for members in groups:
            names = sorted(orgs[o].name for o in members - staff)
            for i, a in enumerate(names):
                for b in names[i + 1 :]:
                    weight = graph.get_edge_data(a, b, {"weight": 0})["weight"]
                    graph.add_edge(a, b, weight=weight + 1)
    n = graph.number_of_nodes()
    degrees = dict(graph.degree())
    centralisation = 0.0
    if n > 2:
        top = max(degrees.values())
        centralisation = sum(top - d for d in degrees.values()) / ((n - 1) * (n - 2))
    return {
        "nodes": sorted(graph.nodes()),
        "edges": sorted((a, b, d["weight"]) for a, b, d in graph.edges(data=True)),
        "density": round(nx.density(graph), 3) if n > 1 else 0.0,
        "centralisation": round(centralisation, 3),
        "betweenness": {k: round(v, 3) for k, v in nx.betweenness_centrality(graph).items()},
    }
