"""The privacy officer's tools: usage signals from fixed rules with a decision per item, the
versioned register of processing activities, the disclosure register by case and by person,
and the processing-log download. Nobody else reaches them."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import TEST_BSN, Cast
from casusregie.privacy import usage
from casusregie.privacy.models import (
    AuditEvent,
    Disclosure,
    ProcessingActivity,
    ProcessingLogEntry,
    SignalDecision,
    SignalKind,
    UsageSignal,
)
from casusregie.privacy.register import ACTIVITY_FIELDS

pytestmark = pytest.mark.django_db
WORKDAY = datetime.date(2026, 11, 23)  # a Monday


def base(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/privacy"


OFFICER_PAGES = ["/", "/register/", "/register/export/", "/verstrekkingen/", "/logboek/export/"]


@pytest.mark.parametrize("page", OFFICER_PAGES)
def test_only_the_privacy_officer_opens_the_tools(as_user: Any, cast: Cast, page: str) -> None:
    assert as_user(cast.privacy_officer).get(base(cast) + page).status_code == 200
    for who in (
        "process_director",
        "participant_a",
        "participant_c",
        "admin",
        "triage",
        "other_house_user",
    ):
        assert as_user(cast.members()[who]).get(base(cast) + page).status_code == 404, who


def test_the_officer_sees_no_case_content(as_user: Any, cast: Cast, case: Any) -> None:
    response = as_user(cast.privacy_officer).get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/")
    assert response.status_code == 404


def read_cases(cast: Cast, user: Any, cases: list[Any], at: datetime.datetime) -> None:
    for case in cases:
        AuditEvent.objects.create(
            actor=user,
            house=cast.house,
            action="case.read",
            object_type="cases.case",
            object_id=str(case.pk),
            occurred_at=at,
        )


def make_cases(cast: Cast, count: int) -> list[Any]:
    from casusregie.cases import actions
    from casusregie.cases.models import SubjectKind

    made = []
    for n in range(count):
        subject = actions.create_subject(
            cast.house, actions.SubjectData(first_name="Test", last_name=f"Persoon{n}")
        )
        made.append(
            actions.create_case(
                cast.house,
                kind=SubjectKind.PERSON,
                title=f"Casus {n}",
                urgency="normal",
                subjects=[(subject, True, "", False)],
                actor=cast.process_director,
                process_director=cast.process_director,
                participants=[(cast.org_a, "x", "y")],
            )
        )
    return made


def test_reading_many_cases_without_taking_part_is_signalled_once(cast: Cast) -> None:
    cast.house.signal_case_threshold = 3
    cast.house.save()
    cases = make_cases(cast, 5)
    day = WORKDAY  # a Monday: weekend reads would add off-hours signals
    noon = datetime.datetime.combine(day, datetime.time(12), timezone.get_current_timezone())
    read_cases(cast, cast.triage, cases, noon)  # staff, but not director of these cases
    read_cases(cast, cast.participant_a, cases, noon)  # A takes part in all of them
    read_cases(cast, cast.process_director, cases, noon)  # directs them
    assert usage.detect(day, houses=[cast.house]) == 1
    signal = UsageSignal.objects.get(kind=SignalKind.MANY_CASES)
    assert signal.user == cast.triage
    assert signal.count == 5
    assert usage.detect(day, houses=[cast.house]) == 0
    assert UsageSignal.objects.count() == 1


def test_three_cases_is_not_more_than_a_threshold_of_three(cast: Cast) -> None:
    cast.house.signal_case_threshold = 3
    cast.house.save()
    day = WORKDAY  # a Monday: weekend reads would add off-hours signals
    noon = datetime.datetime.combine(day, datetime.time(12), timezone.get_current_timezone())
    read_cases(cast, cast.triage, make_cases(cast, 3), noon)
    assert usage.detect(day, houses=[cast.house]) == 0


def test_reads_at_night_and_exports_are_signalled(cast: Cast, case: Any) -> None:
    monday = datetime.date(2026, 11, 23)
    zone = timezone.get_current_timezone()
    read_cases(
        cast,
        cast.participant_a,
        [case],
        datetime.datetime.combine(monday, datetime.time(23, 30), zone),
    )
    read_cases(
        cast, cast.participant_b, [case], datetime.datetime.combine(monday, datetime.time(10), zone)
    )
    AuditEvent.objects.create(
        actor=cast.participant_b,
        house=cast.house,
        action="plan.pdf",
        object_type="plans.plan",
        object_id="1",
        occurred_at=datetime.datetime.combine(monday, datetime.time(11), zone),
    )
    assert usage.detect(monday, houses=[cast.house]) == 2
    assert UsageSignal.objects.get(kind=SignalKind.OFF_HOURS).user == cast.participant_a
    assert UsageSignal.objects.get(kind=SignalKind.EXPORT).user == cast.participant_b


def test_the_officer_records_a_decision_and_it_leaves_the_list(
    as_user: Any, cast: Cast, case: Any
) -> None:
    signal = UsageSignal.objects.create(
        house=cast.house,
        kind=SignalKind.EXPORT,
        user=cast.participant_a,
        day=timezone.localdate(),
        details={"what": ["plan.pdf"]},
    )
    client = as_user(cast.privacy_officer)
    assert "Arie Agent" in client.get(base(cast) + "/").content.decode()
    response = client.post(
        f"{base(cast)}/signalen/{signal.pk}/",
        {"decision": "justified", "note": "Plan voor het overleg, afgestemd met de regisseur."},
    )
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.decision == SignalDecision.JUSTIFIED
    assert signal.decided_by == cast.privacy_officer
    assert AuditEvent.objects.filter(action="signal.decide", object_id=str(signal.pk)).exists()
    assert "Arie Agent" not in client.get(base(cast) + "/").content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "justified", "note": " "}, "Schrijf op wat u hebt nagegaan"),
        ({"note": "ok"}, "Dit veld is vereist"),
    ],
)
def test_a_decision_without_a_note_or_choice_is_refused(
    as_user: Any, cast: Cast, data: dict[str, str], message: str
) -> None:
    signal = UsageSignal.objects.create(
        house=cast.house, kind=SignalKind.EXPORT, user=cast.participant_a, day=timezone.localdate()
    )
    response = as_user(cast.privacy_officer).post(f"{base(cast)}/signalen/{signal.pk}/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    signal.refresh_from_db()
    assert signal.decision == SignalDecision.OPEN


def test_revising_an_activity_makes_a_new_version_and_new_log_lines_point_at_it(
    as_user: Any, cast: Cast, case: Any
) -> None:
    activity = ProcessingActivity.objects.get(house=cast.house, code="casusaanpak", version=1)
    form = {f: getattr(activity, f) for f in ACTIVITY_FIELDS}
    form.update(legal_basis="WGS art. 2.1 en convenant 2027", change_note="Nieuw convenant")
    response = as_user(cast.privacy_officer).post(f"{base(cast)}/register/{activity.pk}/", form)
    assert response.status_code == 302
    current = ProcessingActivity.objects.get(
        house=cast.house, code="casusaanpak", valid_until__isnull=True
    )
    assert current.version == 2
    assert current.legal_basis.startswith("WGS art. 2.1")
    as_user(cast.process_director).get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/")
    line = ProcessingLogEntry.objects.filter(name="case.read").order_by("pk").last()
    assert line.processing_activity.endswith(":casusaanpak:v2")
    exported = json.loads(
        as_user(cast.privacy_officer).get(f"{base(cast)}/register/export/").content
    )
    assert [a["version"] for a in exported["activities"] if a["code"] == "casusaanpak"] == [1, 2]


def test_an_activity_without_a_legal_basis_is_refused(as_user: Any, cast: Cast) -> None:
    activity = ProcessingActivity.objects.get(house=cast.house, code="casusaanpak")
    response = as_user(cast.privacy_officer).post(
        f"{base(cast)}/register/{activity.pk}/",
        {"name": "x", "legal_basis": "", "change_note": "y"},
    )
    assert response.status_code == 400
    assert ProcessingActivity.objects.filter(house=cast.house, code="casusaanpak").count() == 1


def test_disclosures_by_case_and_by_person(as_user: Any, cast: Cast, case: Any) -> None:
    from casusregie.cases import actions as case_actions

    case_actions.do_add_participation(
        case, cast.org_c, role="Zorg", purpose="Behandeling", actor=cast.process_director
    )
    assert Disclosure.objects.filter(case_id=case.pk).exists()
    client = as_user(cast.privacy_officer)
    by_case = client.get(f"{base(cast)}/verstrekkingen/", {"case": case.reference}).content.decode()
    assert "GGZ Heuvelland-test" in by_case
    assert "Persoonsgerichte aanpak" in by_case
    by_person = client.get(f"{base(cast)}/verstrekkingen/", {"bsn": TEST_BSN}).content.decode()
    assert "GGZ Heuvelland-test" in by_person
    other = client.get(f"{base(cast)}/verstrekkingen/", {"bsn": "123456782"}).content.decode()
    assert "GGZ Heuvelland-test" not in other
    csv = client.get(f"{base(cast)}/verstrekkingen/", {"case": case.reference, "formaat": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert "GGZ Heuvelland-test" in csv.content.decode()
    assert AuditEvent.objects.filter(
        action="disclosures.export", actor=cast.privacy_officer
    ).exists()


@pytest.mark.parametrize(
    ("query", "message"),
    [({"bsn": "123456789"}, "elfproef"), ({"case": "ZZ-1"}, "Er is geen casus met dit nummer")],
)
def test_bad_disclosure_searches_are_explained(
    as_user: Any, cast: Cast, query: dict[str, str], message: str
) -> None:
    response = as_user(cast.privacy_officer).get(f"{base(cast)}/verstrekkingen/", query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_log_download_is_itself_recorded(as_user: Any, cast: Cast, case: Any) -> None:
    as_user(cast.process_director).get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/")
    response = as_user(cast.privacy_officer).get(f"{base(cast)}/logboek/export/")
    lines = [
        json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()
    ]
    assert any(line["name"] == "case.read" for line in lines)
    assert AuditEvent.objects.filter(
        action="processing_log.export", actor=cast.privacy_officer
    ).exists()
