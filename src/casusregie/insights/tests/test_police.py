"""The police-capacity effect: recording counts (who, bad input, audit) and the statistics."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.cases.models import Case
from casusregie.conftest import make_user, verified_client
from casusregie.insights import report
from casusregie.insights.models import PoliceCount
from casusregie.insights.stats import bootstrap_interval, effect
from casusregie.meetings.models import Attendance, Meeting
from casusregie.privacy.models import AuditEvent, ProcessingLogEntry

from .test_report import days_ago, figure, make_case, period


def url(case: Case) -> str:
    return f"/huizen/heuvelland-test/casussen/{case.pk}/politie/"


def close(case: Case, days: int) -> None:
    Case.objects.filter(pk=case.pk).update(phase="closed", closed_at=days_ago(days))
    case.refresh_from_db()


# --- statistics against hand-computed examples -----------------------------------------------


def test_effect_of_hand_computed_pairs() -> None:
    found = effect([(4, 1), (2, 2), (0, 3), (6, 0), (3, 1)])
    assert found is not None
    assert found.n == 5
    assert found.mean_before == 3.0  # (4 + 2 + 0 + 6 + 3) / 5
    assert found.mean_after == 1.4  # (1 + 2 + 3 + 0 + 1) / 5
    assert found.mean_difference == pytest.approx(-1.6)  # (−3 + 0 + 3 − 6 − 2) / 5
    assert (found.improved, found.same, found.worse) == (3, 1, 1)
    assert found.none_after == 1
    assert -6 <= found.low <= found.mean_difference <= found.high <= 3


def test_bootstrap_of_two_values_gives_their_range() -> None:
    # Resampling [0, 2] gives a mean of 0, 1 or 2 with chances ¼, ½, ¼: the 2.5th and 97.5th
    # percentiles are 0 and 2.
    assert bootstrap_interval([0, 2]) == (0, 2)


def test_bootstrap_of_equal_values_has_no_width_and_is_repeatable() -> None:
    assert bootstrap_interval([-2, -2, -2]) == (-2, -2)
    values = [5, 0, 1, 0, 0, 7, 2, 0, 1, 3]
    assert bootstrap_interval(values) == bootstrap_interval(values)
    low, high = bootstrap_interval(values)
    assert low < sum(values) / len(values) < high


def test_report_shows_the_effect_of_cases_followed_a_year_after_closure(cast: Any) -> None:
    for before, after in [(4, 1), (2, 2), (0, 3), (6, 0), (3, 1)]:
        case = make_case(cast, submitted=900, decided=890, closed=500)
        PoliceCount.objects.create(
            case=case,
            house=cast.house,
            before=before,
            after=after,
            organisation=cast.org_a,
            recorded_by=cast.participant_a,
            recorded_at=timezone.now(),
        )
    rows = {r[0]: r[1:] for r in figure(report.build(cast.house, period()), "police").shown}
    assert rows["Aantal casussen"] == [5, None]
    assert rows["Gemiddelde vóór intake"] == [3.0, None]
    assert rows["Gemiddeld verschil (na − vóór)"] == [-1.6, None]
    assert rows["Casussen met minder registraties"] == ["< 5", 60]
    assert rows["Casussen met evenveel registraties"] == ["< 5", 20]
    assert rows["Casussen zonder registraties na afsluiting"] == ["< 5", 20]


def test_report_shows_no_effect_for_fewer_than_five_cases(cast: Any) -> None:
    case = make_case(cast, submitted=900, decided=890, closed=500)
    PoliceCount.objects.create(
        case=case,
        house=cast.house,
        before=3,
        after=1,
        organisation=cast.org_a,
        recorded_by=cast.participant_a,
        recorded_at=timezone.now(),
    )
    rows = figure(report.build(cast.house, period()), "police").rows
    assert rows == [["Aantal casussen", 1, None]]


def test_meeting_time_per_organisation(cast: Any) -> None:
    meeting = Meeting.objects.create(
        house=cast.house,
        reference="O-1",
        title="Overleg",
        status="held",
        starts_at=days_ago(3),
        duration_minutes=90,
        created_by=cast.process_director,
        chair=cast.process_director,
    )
    Attendance.objects.create(meeting=meeting, name="Arie", organisation=cast.org_a)
    Attendance.objects.create(meeting=meeting, name="Anne", organisation=cast.org_a)
    Attendance.objects.create(meeting=meeting, name="Bea", organisation=cast.org_b)
    rows = figure(report.build(cast.house, period()), "meeting_time").rows
    assert rows == [["Politie Heuvelland-test", 3.0, 2], ["Woonstichting Heuvelland-test", 1.5, 1]]


# --- recording -----------------------------------------------------------------------------


def test_police_partner_records_counts_and_the_change_is_audited(cast: Any, case: Case) -> None:
    client = verified_client(cast.participant_a)
    page = client.get(f"/huizen/heuvelland-test/casussen/{case.pk}/").content.decode()
    assert url(case) in page
    close(case, 400)
    response = client.post(url(case), {"before": "4", "after": "1"})
    assert response.status_code == 302
    count = PoliceCount.objects.get(case=case)
    assert (count.before, count.after, count.organisation) == (4, 1, cast.org_a)
    event = AuditEvent.objects.get(action="police_count.record")
    assert event.after == {"before": 4, "after": 1}
    assert event.actor == cast.participant_a

    assert client.get(url(case)).status_code == 200
    assert ProcessingLogEntry.objects.filter(name="police_count.read", case_id=case.pk).exists()

    client.post(url(case), {"before": "5", "after": "1"})
    count.refresh_from_db()
    assert count.before == 5
    assert AuditEvent.objects.filter(action="police_count.record").count() == 2


@pytest.mark.parametrize(
    "who", ["participant_b", "participant_c", "process_director", "other_house_user", "admin"]
)
def test_only_the_police_of_the_case_may_record(cast: Any, case: Case, who: str) -> None:
    client = verified_client(getattr(cast, who))
    assert client.get(url(case)).status_code == 404
    assert client.post(url(case), {"before": "1"}).status_code == 404
    assert not PoliceCount.objects.exists()
    if who == "participant_b":  # sees the case, but not the police link
        page = client.get(f"/huizen/heuvelland-test/casussen/{case.pk}/").content.decode()
        assert url(case) not in page


def test_police_not_taking_part_may_not_record(cast: Any, case: Case) -> None:
    case.participations.filter(organisation=cast.org_a).update(ended_at=timezone.now())
    assert verified_client(cast.participant_a).get(url(case)).status_code == 404


@pytest.mark.parametrize(
    ("data", "closed_days_ago", "message"),
    [
        ({"before": "-1"}, None, "Een aantal kan niet negatief zijn."),
        ({"before": ""}, None, "Vul het aantal registraties vóór de intake in"),
        ({"before": "twee"}, None, "Vul een geheel getal in."),
        ({"before": "1", "after": "-3"}, 400, "Een aantal kan niet negatief zijn."),
        ({"before": "1", "after": "0"}, None, "ten minste 12 maanden geleden"),
        ({"before": "1", "after": "0"}, 200, "ten minste 12 maanden geleden"),
    ],
)
def test_bad_counts_are_refused_with_a_clear_message(
    cast: Any, case: Case, data: dict[str, str], closed_days_ago: int | None, message: str
) -> None:
    if closed_days_ago is not None:
        close(case, closed_days_ago)
    response = verified_client(cast.participant_a).post(url(case), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PoliceCount.objects.exists()
    assert not AuditEvent.objects.filter(action="police_count.record").exists()


def test_before_count_alone_can_be_recorded_while_the_case_is_open(cast: Any, case: Case) -> None:
    response = verified_client(cast.participant_a).post(url(case), {"before": "2"})
    assert response.status_code == 302
    assert PoliceCount.objects.get(case=case).after is None


def test_a_second_police_member_of_another_house_cannot_record(cast: Any, case: Case) -> None:
    outsider = make_user(
        "p2@test.invalid", "Piet Politie", cast.other_house, cast.other_org, Role.PROCESS_DIRECTOR
    )
    assert verified_client(outsider).get(url(case)).status_code == 404


def test_cached_interval_is_the_bootstrap_interval() -> None:
    from casusregie.insights.stats import cached_interval

    values = [3, -1, 0, 0, -4, 2, -2]
    assert cached_interval(values) == bootstrap_interval(values)
    assert cached_interval(list(reversed(values))) == bootstrap_interval(values)


def test_demo_counts_are_recorded_by_the_police_of_the_case(cast: Any, case: Case) -> None:
    from casusregie.insights.demo import add_police_counts

    lines: list[str] = []
    assert add_police_counts(lines.append, seed=1) == 1
    count = PoliceCount.objects.get(case=case)
    assert count.after is None  # the case is not closed
    assert count.recorded_by == cast.participant_a
    assert AuditEvent.objects.filter(action="police_count.record").count() == 1
    assert add_police_counts(lines.append, seed=1) == 0  # not twice
