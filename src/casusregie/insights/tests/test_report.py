"""The outcome report: who may see it, what it counts, bad input, downloads, query count."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.cases.models import (
    Assessment,
    AssessmentScore,
    Case,
    CaseSubject,
    PhaseChange,
    Subject,
)
from casusregie.conftest import make_user, verified_client
from casusregie.insights import report
from casusregie.plans.models import Action, ActionStatus, Escalation
from casusregie.referrals.models import Referral, ReferralConcern, ReferralSubject

URL = "/huizen/heuvelland-test/rapportages/"
NOW = timezone.now()


def days_ago(n: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=n)


@pytest.fixture
def manager(cast: Any) -> Any:
    return make_user("km@test.invalid", "Karin Manager", cast.house, cast.staff, Role.HOUSE_MANAGER)


@pytest.fixture
def auditor(cast: Any) -> Any:
    return make_user("au@test.invalid", "Ad Auditor", cast.house, cast.staff, Role.AUDITOR)


_counter = iter(range(1, 100_000))


def make_case(
    cast: Any,
    *,
    org: Any = None,
    domain: str = "housing",
    kind: str = "person",
    submitted: float = 100,
    decided: float = 90,
    meeting: float | None = None,
    plan: float | None = None,
    closed: float | None = None,
    outcome: str = "",
    subject: Subject | None = None,
    phase: str = "execution",
) -> Case:
    """A case with its accepted referral, dated `n` days ago (ORM rows: the report reads
    only these columns)."""
    number = next(_counter)
    case = Case.objects.create(
        house=cast.house,
        reference=f"T-{number}",
        kind=kind,
        title=f"Testcasus {number}",
        phase="closed" if closed is not None else phase,
        phase_changed_at=NOW,
        closed_at=days_ago(closed) if closed is not None else None,
        outcome=outcome,
    )
    referral = Referral.objects.create(
        house=cast.house,
        kind=kind,
        status="accepted",
        referrer=cast.participant_a,
        referrer_organisation=org or cast.org_a,
        submitted_at=days_ago(submitted),
        decided_at=days_ago(decided),
        case=case,
    )
    ReferralConcern.objects.create(referral=referral, domain=domain, description="x")
    for phase_name, ago in (("meeting", meeting), ("plan", plan)):
        if ago is not None:
            PhaseChange.objects.create(case=case, to_phase=phase_name, changed_at=days_ago(ago))
    if subject is not None:
        CaseSubject.objects.create(case=case, subject=subject, is_main=True)
        ReferralSubject.objects.create(referral=referral, subject=subject, is_main=True)
    return case


def figure(figures: list[report.Figure], key: str) -> report.Figure:
    return next(f for f in figures if f.key == key)


def period(**filters: Any) -> report.Period:
    start, end = report.default_period()
    return report.Period(start=start, end=end, **filters)


# --- who may see it ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "process_director", "auditor"])
def test_house_staff_who_steer_see_the_report(
    cast: Any, manager: Any, auditor: Any, who: str
) -> None:
    user = {"manager": manager, "auditor": auditor}.get(who) or getattr(cast, who)
    response = verified_client(user).get(URL)
    assert response.status_code == 200
    assert "Resultaatrapportage" in response.content.decode()


@pytest.mark.parametrize(
    "who",
    ["participant_a", "participant_c", "triage", "admin", "privacy_officer", "other_house_user"],
)
def test_others_do_not_find_the_report(cast: Any, who: str) -> None:
    assert verified_client(getattr(cast, who)).get(URL).status_code == 404


def test_staff_of_another_house_do_not_find_it(cast: Any) -> None:
    director = make_user(
        "pr2@test.invalid", "Piet Ander", cast.other_house, cast.other_org, Role.PROCESS_DIRECTOR
    )
    assert verified_client(director).get(URL).status_code == 404
    assert verified_client(director).get("/huizen/duinstreek-test/rapportages/").status_code == 200


# --- what it counts ---------------------------------------------------------------------


def test_referrals_are_counted_per_organisation_and_small_counts_are_hidden(
    cast: Any, manager: Any
) -> None:
    for _ in range(6):
        make_case(cast, org=cast.org_a)
    for _ in range(2):
        make_case(cast, org=cast.org_b, domain="finances")
    make_case(cast, org=cast.org_c, submitted=400, decided=390)  # before the period

    per_org = figure(report.build(cast.house, period()), "per_organisation")
    assert per_org.rows == [["Politie Heuvelland-test", 6], ["Woonstichting Heuvelland-test", 2]]
    assert per_org.shown == [
        ["Politie Heuvelland-test", 6],
        ["Woonstichting Heuvelland-test", "< 5"],
    ]

    page = verified_client(manager).get(URL).content.decode()
    assert "Woonstichting Heuvelland-test" in page
    assert "&lt; 5" in page
    assert 'role="img"' in page


def test_filters_narrow_every_figure(cast: Any) -> None:
    for _ in range(5):
        make_case(cast, org=cast.org_a, domain="housing", kind="family")
    for _ in range(5):
        make_case(cast, org=cast.org_b, domain="finances", kind="person")

    by_domain = report.build(cast.house, period(domain="finances"))
    assert figure(by_domain, "per_organisation").rows == [["Woonstichting Heuvelland-test", 5]]
    by_kind = report.build(cast.house, period(kind="family"))
    assert figure(by_kind, "per_organisation").rows == [["Politie Heuvelland-test", 5]]
    by_org = report.build(cast.house, period(organisation=cast.org_b))
    assert figure(by_org, "per_domain").rows == [["Financiën", 5]]


def test_triage_outcomes_and_closure_outcomes(cast: Any) -> None:
    for _ in range(3):
        make_case(cast, closed=10, outcome="manageable")
    Referral.objects.create(
        house=cast.house,
        kind="person",
        status="declined",
        referrer=cast.participant_a,
        referrer_organisation=cast.org_a,
        submitted_at=days_ago(20),
        decided_at=days_ago(19),
    )
    figures = report.build(cast.house, period())
    triage = {r[0]: r[1] for r in figure(figures, "triage").rows}
    assert list(triage.values()) == [3, 1, 0, 0]
    outcomes = figure(figures, "outcomes").rows
    assert outcomes[0][1] == 3


def test_lead_times_give_median_and_80th_percentile(cast: Any) -> None:
    # Referral → decision takes 1, 2, 3, 4 and 10 days.
    for wait in (1, 2, 3, 4, 10):
        make_case(cast, submitted=50 + wait, decided=50)
    rows = figure(report.build(cast.house, period()), "lead_times").rows
    first = rows[0]
    assert first[1:] == [3.0, 5.2, 5]  # median 3; p80 = 4 + 0.2 × (10 − 4)
    assert rows[1][1] is None  # no meetings yet
    chart = figure(report.build(cast.house, period()), "lead_times")
    chart.shown = [[r[0], *r[1:]] for r in chart.rows]
    assert [bar["shown"] for bar in chart.bars()][:2] == [3.0, "—"]


def test_lead_times_below_five_cases_show_no_figure(cast: Any) -> None:
    for wait in (1, 2):
        make_case(cast, submitted=50 + wait, decided=50)
    first = figure(report.build(cast.house, period()), "lead_times").rows[0]
    assert first[1] is None
    assert first[3] == 2


def test_percentile_matches_hand_computed_values() -> None:
    assert report.percentile([], 0.5) is None
    assert report.percentile([7], 0.8) == 7
    assert report.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert report.percentile([10, 1, 4, 3, 2], 0.8) == pytest.approx(5.2)


def test_actions_on_time_late_and_open_per_organisation(cast: Any) -> None:
    case = make_case(cast)
    today = timezone.localdate()

    def action(due: int, status: str, done: int | None = None) -> None:
        Action.objects.create(
            case=case,
            house=cast.house,
            number=Action.objects.count() + 1,
            title="x",
            owner_organisation=cast.org_b,
            due_date=today - datetime.timedelta(days=due),
            status=status,
            created_by=cast.process_director,
            created_at=days_ago(60),
            done_at=days_ago(done) if done is not None else None,
        )

    action(10, ActionStatus.DONE, done=12)  # on time
    action(10, ActionStatus.DONE, done=5)  # late
    action(10, ActionStatus.OPEN)  # overdue
    action(-5, ActionStatus.OPEN)  # open, not due yet
    action(3, ActionStatus.CANCELLED)
    figures = report.build(
        cast.house, report.Period(start=today - datetime.timedelta(days=30), end=today)
    )
    # A due date in the future lies outside a period that ends today.
    assert figure(figures, "actions").rows == [["Woonstichting Heuvelland-test", 1, 1, 1, 0]]
    assert figure(figures, "feedback").rows == [[3, 0, None]]

    Escalation.objects.create(
        action=Action.objects.first(),
        house=cast.house,
        level=2,
        title="x",
        notified="x",
        reached_at=days_ago(1),
    )
    levels = figure(report.build(cast.house, period()), "escalations").rows
    assert levels == [["Niveau 1", 0], ["Niveau 2", 1], ["Niveau 3", 0]]


def test_cases_without_case_director_are_counted(cast: Any) -> None:
    make_case(cast, phase="execution")
    make_case(cast, phase="preparation")
    assert figure(report.build(cast.house, period()), "no_director").rows == [[1]]


def test_re_registration_within_12_and_24_months(cast: Any) -> None:
    from casusregie.cases import actions as case_actions

    def person(name: str) -> Subject:
        return case_actions.create_subject(
            cast.house, case_actions.SubjectData(first_name=name, last_name="Test")
        )

    back_soon, back_late, gone = person("Snel"), person("Laat"), person("Weg")
    for who in (back_soon, back_late, gone):
        make_case(cast, subject=who, submitted=900, decided=899, closed=800)
    make_case(cast, subject=back_soon, submitted=700, decided=699)  # 100 days after closure
    make_case(cast, subject=back_late, submitted=300, decided=299)  # 500 days after closure
    today = timezone.localdate()
    three_years = report.Period(start=today - datetime.timedelta(days=3 * 365), end=today)
    totals = figure(report.build(cast.house, three_years), "re_registrations").rows
    assert totals == [[3, 1, 2]]
    # In the last twelve months none of these cases closed.
    assert figure(report.build(cast.house, period()), "re_registrations").rows == [[0, 0, 0]]


def test_life_domain_change_between_intake_and_closure(cast: Any) -> None:
    for i in range(5):
        case = make_case(cast, closed=5, outcome="regular_care")
        for moment, score in (("intake", 2), ("closure", 3 + (i % 2))):
            assessment = Assessment.objects.create(
                case=case, moment=moment, assessed_by=cast.process_director
            )
            AssessmentScore.objects.create(assessment=assessment, domain="housing", score=score)
    rows = figure(report.build(cast.house, period()), "domain_change").rows
    assert rows == [["Huisvesting", 2.0, 3.4, 1.4, 5]]


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("van=2026-06-01&tot=2026-05-01", "Het einde van de periode ligt vóór het begin."),
        ("van=2026-01-01&tot=2099-01-01", "Het einde van de periode ligt in de toekomst."),
        ("van=gisteren", "Vul een datum in als jaar-maand-dag"),
        ("doelgroep=dieren", "Kies een doelgroep uit de lijst."),
        ("domein=maan", "Kies een leefgebied uit de lijst."),
        ("organisatie=999999", "Kies een organisatie uit de lijst."),
    ],
)
def test_bad_period_or_filter_gives_a_clear_message(
    cast: Any, manager: Any, query: str, message: str
) -> None:
    response = verified_client(manager).get(f"{URL}?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_organisation_of_another_house_is_not_a_valid_filter(cast: Any, manager: Any) -> None:
    response = verified_client(manager).get(f"{URL}?organisatie={cast.other_org.pk}")
    assert response.status_code == 400


# --- downloads ------------------------------------------------------------------------------


def test_downloads_hold_every_figure_with_small_counts_hidden(cast: Any, manager: Any) -> None:
    from openpyxl import load_workbook

    make_case(cast, org=cast.org_b)
    client = verified_client(manager)
    csv_text = client.get(f"{URL}?formaat=csv").content.decode("utf-8-sig")
    assert "Meldingen per verwijzende organisatie" in csv_text
    assert "Woonstichting Heuvelland-test;< 5" in csv_text

    response = client.get(f"{URL}?formaat=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert "per_organisation" in book.sheetnames
    assert len(book.sheetnames) == len(report.build(cast.house, period()))
    rows = list(book["per_organisation"].iter_rows(values_only=True))
    assert rows[2] == ("Woonstichting Heuvelland-test", "< 5")


# --- size ---------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_number_of_cases(cast: Any, manager: Any) -> None:
    client = verified_client(manager)
    make_case(cast, closed=5, meeting=60, plan=40)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(20):
        make_case(cast, closed=5, meeting=60, plan=40, org=cast.org_c)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_the_house_menu_links_to_the_report_only_for_those_who_may_see_it(
    cast: Any, manager: Any
) -> None:
    home = "/huizen/heuvelland-test/casussen/"
    assert URL in verified_client(manager).get(home).content.decode()
    assert URL in verified_client(cast.process_director).get(home).content.decode()
    assert URL not in verified_client(cast.participant_a).get(home).content.decode()
