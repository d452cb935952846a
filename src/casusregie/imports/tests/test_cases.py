"""Cases from a previous system: each rule gives a Dutch reason with row and column, a case
with one bad row stays out whole, a second run changes nothing, and what comes in is stored
and logged the way the case actions store and log it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from casusregie.cases.models import Case, CaseSubject, Participation, PhaseChange, Subject
from casusregie.conftest import TEST_BSN, Cast
from casusregie.imports.models import LegacyCase
from casusregie.plans.models import Action, Plan
from casusregie.privacy.bsn import lookup_hash as bsn_lookup_hash
from casusregie.privacy.chain import verify
from casusregie.privacy.models import AuditEvent, ProcessingLogEntry

from .helpers import cases_csv, one_case, run_cases

pytestmark = pytest.mark.django_db


def reasons(job) -> dict[tuple[int, str], str]:
    return {(i["row"], i["column"]): i["reason"] for i in job.report if i["kind"] == "error"}


def test_a_valid_case_comes_in_with_everything(cast: Cast) -> None:
    job = run_cases(cast, cases_csv(one_case()))
    assert job.summary["imported"] == 1
    assert job.report == []
    case = Case.objects.get(house=cast.house)
    assert case.legacy_key.legacy_id == "OUD-1"
    assert case.reference.startswith("2024-")
    assert case.title == "Karel Oudsysteem"
    assert case.phase == "execution"
    assert case.process_director == cast.process_director
    assert timezone.localdate(case.created_at) == datetime.date(2024, 2, 1)
    subject = Subject.objects.get()
    # The BSN is stored as the Subject model stores it: encrypted, found by keyed hash.
    assert "123456782" not in subject.bsn_encrypted
    assert subject.bsn == "123456782"
    assert subject.bsn_hash == bsn_lookup_hash("123456782")
    assert CaseSubject.objects.get().is_main
    assert set(Participation.objects.values_list("organisation", flat=True)) == {
        cast.org_a.pk,
        cast.org_b.pk,
    }
    action = Action.objects.get()
    assert (action.number, action.owner_organisation, action.status) == (1, cast.org_a, "open")
    assert Plan.objects.filter(case=case).exists()
    change = PhaseChange.objects.get(case=case)
    assert change.actor == cast.admin
    assert "OUD-1" in change.reason


def test_import_writes_audit_and_processing_log_and_keeps_the_chain(cast: Cast) -> None:
    run_cases(cast, cases_csv(one_case()))
    case = Case.objects.get()
    audit = AuditEvent.objects.get(action="case.import")
    assert audit.actor == cast.admin
    assert audit.object_id == str(case.pk)
    assert audit.after["legacy_id"] == "OUD-1"
    line = ProcessingLogEntry.objects.get(name="case.import")
    assert line.parent_span_id == audit.span_id
    assert line.operation == "create"
    assert line.case_id == case.pk
    assert line.data_subject_id_type == "bsn"
    assert "migratie" in line.purpose
    assert line.processing_activity.endswith(("casusaanpak:v1", "casusaanpak:v0"))
    assert AuditEvent.objects.filter(action="import.cases").count() == 1
    assert list(verify()) == []


def test_a_case_with_one_bad_row_is_rejected_whole_in_valid_mode(cast: Cast) -> None:
    rows = one_case("OUD-1") + one_case("OUD-2")
    rows[1 + 5]["bsn"] = "123456789"  # subject row of OUD-2 (row 8 in the file)
    rows[1]["bsn"] = "111222333"
    job = run_cases(cast, cases_csv(rows), mode="valid")
    assert reasons(job) == {
        (
            8,
            "bsn",
        ): "Dit is geen geldig BSN: het moet negen cijfers hebben en voldoen aan de elfproef."
    }
    assert list(LegacyCase.objects.values_list("legacy_id", flat=True)) == ["OUD-1"]
    assert Case.objects.count() == 1
    assert Subject.objects.count() == 1  # nothing of OUD-2 is stored
    assert job.summary["rejected_cases"] == 1


def test_all_or_nothing_stores_nothing_when_one_row_is_bad(cast: Cast) -> None:
    rows = one_case("OUD-1") + one_case("OUD-2")
    rows[8]["organisation"] = "Stichting Onbekend"
    job = run_cases(cast, cases_csv(rows), mode="all")
    assert reasons(job) == {
        (10, "organisation"): "Organisatie “Stichting Onbekend” is geen partner van dit huis."
    }
    assert job.summary["blocked"] is True
    assert not Case.objects.exists()
    assert not Subject.objects.exists()
    assert not AuditEvent.objects.filter(action="case.import").exists()


def test_second_run_reports_already_imported_and_changes_nothing(cast: Cast) -> None:
    data = cases_csv(one_case())
    run_cases(cast, data)
    again = run_cases(cast, data, mode="all")
    assert again.summary["imported"] == 0
    assert again.summary["already_imported"] == 1
    assert again.report == [
        {
            "row": 2,
            "column": "legacy_id",
            "reason": "Al eerder in dit huis geïmporteerd; niets gewijzigd.",
            "legacy_id": "OUD-1",
            "kind": "skipped",
        }
    ]
    assert Case.objects.count() == 1
    assert Subject.objects.count() == 1


def test_the_same_legacy_id_in_another_house_is_another_case(cast: Cast) -> None:
    run_cases(cast, cases_csv(one_case()))
    other = LegacyCase.objects.get()
    assert other.house == cast.house
    # The key is per house: the other house has no such key.
    assert not LegacyCase.objects.filter(house=cast.other_house).exists()


def test_a_destroyed_case_is_not_brought_back(cast: Cast) -> None:
    data = cases_csv(one_case())
    run_cases(cast, data)
    case = Case.objects.get()
    Action.objects.filter(case=case).delete()
    case.delete()  # what retention does, in short
    key = LegacyCase.objects.get()
    assert key.case is None
    again = run_cases(cast, data)
    assert again.summary["imported"] == 0
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        (2, "kind", "groep", "Kies een van: person, family, area."),
        (
            2,
            "phase",
            "triage",
            "Kies een van: preparation, meeting, plan, execution, aftercare, closed.",
        ),
        (2, "opened_on", "", "Deze datum is verplicht."),
        (2, "opened_on", "2099-01-01", "Deze datum kan niet in de toekomst liggen."),
        (2, "opened_on", "31/02/2024", "Geen datum: schrijf hem als 2024-03-31 of 31-03-2024."),
        (
            2,
            "process_director",
            "b@test.invalid",
            "Geen procesregisseur van dit huis heeft dit e-mailadres.",
        ),
        (2, "outcome", "manageable", "Alleen een afgesloten casus heeft een uitkomst."),
        (2, "bsn", "123", "Deze kolom moet leeg zijn in een rij van het soort “case”."),
        (3, "last_name", "", "Vul de achternaam in."),
        (3, "date_of_birth", "2099-05-05", "Deze datum kan niet in de toekomst liggen."),
        (3, "is_main", "misschien", "Schrijf “ja” of “nee”."),
        (
            3,
            "relation",
            "buurman",
            "Kies een van: parent, child, partner, guardian, sibling, other.",
        ),
        (4, "role", "", "Vul de rol van de organisatie in de casus in."),
        (4, "purpose", "", "Vul het doel in waarvoor deze organisatie deelneemt."),
        (
            5,
            "organisation",
            "Politie Heuvelland-test",
            "Deze organisatie neemt al deel aan deze casus.",
        ),
        (6, "title", "", "Beschrijf de actie."),
        (6, "due_date", "", "Deze datum is verplicht."),
        (6, "status", "half", "Kies een van: open, done, cancelled."),
        (6, "done_on", "2024-03-01", "Alleen een afgeronde actie heeft een datum van afronding."),
        (
            6,
            "organisation",
            "GGZ Heuvelland-test",
            "GGZ Heuvelland-test neemt niet deel aan deze casus; voeg er een rij “participant” "
            "voor toe.",
        ),
        (
            6,
            "organisation",
            "Politie Duinstreek-test",
            "Organisatie “Politie Duinstreek-test” is geen partner van dit huis.",
        ),
    ],
)
def test_each_rule_names_row_column_and_dutch_reason(
    cast: Cast, row: int, column: str, value: str, reason: str
) -> None:
    rows = one_case()
    rows[row - 2][column] = value
    job = run_cases(cast, cases_csv(rows))
    assert reasons(job).get((row, column)) == reason, reasons(job)
    assert not Case.objects.exists()


def test_closed_cases_need_their_dates_and_outcome(cast: Cast) -> None:
    rows = one_case(phase="closed", closed_on="2024-01-01")
    job = run_cases(cast, cases_csv(rows))
    assert reasons(job) == {
        (2, "closed_on"): "Een casus kan niet afgesloten zijn vóór hij geopend werd.",
        (
            2,
            "outcome",
        ): "Dit veld is verplicht; kies een van: manageable, regular_care, no_result, moved, "
        "other.",
    }


def test_a_closed_case_keeps_its_closing_date_and_retention(cast: Cast) -> None:
    rows = one_case(phase="closed", closed_on="2024-06-30", outcome="regular_care")
    rows[-1].update(status="done", done_on="2024-05-01", due_date="2024-05-15")
    run_cases(cast, cases_csv(rows))
    case = Case.objects.get()
    assert timezone.localdate(case.closed_at) == datetime.date(2024, 6, 30)
    assert case.outcome == "regular_care"
    assert case.retention_until == datetime.date(2024 + cast.house.retention_case_years, 6, 30)
    action = Action.objects.get()
    assert action.status == "done"
    assert timezone.localdate(action.done_at) == datetime.date(2024, 5, 1)


def test_an_overdue_action_continues_the_ladder_without_a_burst(cast: Cast) -> None:
    rows = one_case()
    overdue = timezone.localdate() - datetime.timedelta(days=10)
    rows[-1]["due_date"] = overdue.isoformat()
    run_cases(cast, cases_csv(rows))
    action = Action.objects.get()
    # Default ladder: levels after 0, 3 and 7 days are already reached.
    assert action.escalation_level == 3
    assert action.reminded_overdue_at is not None


def test_one_person_cannot_get_a_second_open_case(cast: Cast, case) -> None:
    rows = one_case()
    rows[1]["bsn"] = TEST_BSN  # the person of the open case of the cast
    job = run_cases(cast, cases_csv(rows))
    assert reasons(job) == {(3, "bsn"): "Deze persoon heeft al een open casus in dit huis."}
    rows = one_case("OUD-1") + one_case("OUD-2")
    job = run_cases(cast, cases_csv(rows))
    assert reasons(job) == {
        (8, "bsn"): "Deze persoon staat ook in een andere open casus van dit bestand."
    }
    assert list(LegacyCase.objects.values_list("legacy_id", flat=True)) == ["OUD-1"]


def test_group_rules_duplicates_and_orphans(cast: Cast) -> None:
    rows = one_case("OUD-1")
    rows.append({"record": "case", "legacy_id": "OUD-1", "kind": "person", "phase": "plan"})
    rows.append({"record": "subject", "legacy_id": "OUD-9", "first_name": "A", "last_name": "B"})
    rows.append({"record": "notitie", "legacy_id": "OUD-1"})
    rows.append({"record": "subject", "legacy_id": ""})
    job = run_cases(cast, cases_csv(rows))
    found = reasons(job)
    assert found[(7, "legacy_id")] == (
        "Dit legacy-id staat in meer dan één rij “case” (het eerst in rij 2)."
    )
    assert found[(8, "legacy_id")] == "Er is geen rij “case” met dit legacy-id."
    assert found[(9, "record")] == "Kies een van: case, subject, participant, action."
    assert found[(10, "legacy_id")] == "Elke rij heeft het legacy-id van de casus nodig."
    assert not Case.objects.exists()
    assert job.summary["rejected_cases"] == 2


def test_family_and_area_cases(cast: Cast) -> None:
    family = one_case("OUD-1", kind="family")
    family.insert(
        2,
        {
            "record": "subject",
            "legacy_id": "OUD-1",
            "first_name": "Lotte",
            "last_name": "Oudsysteem",
            "relation": "child",
        },
    )
    area = [
        {
            "record": "case",
            "legacy_id": "OUD-2",
            "kind": "area",
            "phase": "plan",
            "opened_on": "01-03-2023",
            "title": "Overlast Stationsbuurt",
        }
    ]
    no_subject = [
        {
            "record": "case",
            "legacy_id": "OUD-3",
            "kind": "person",
            "phase": "plan",
            "opened_on": "2023-03-01",
        }
    ]
    job = run_cases(cast, cases_csv(family + area + no_subject))
    assert reasons(job) == {
        (9, "record"): "Een casus over een persoon of gezin heeft minstens één rij “subject” nodig."
    }
    titles = dict(Case.objects.values_list("legacy_key__legacy_id", "title"))
    assert titles == {"OUD-1": "Gezin Oudsysteem", "OUD-2": "Overlast Stationsbuurt"}
    assert Case.objects.get(legacy_key__legacy_id="OUD-2").reference.startswith("2023-")
    links = CaseSubject.objects.filter(case__legacy_key__legacy_id="OUD-1")
    assert sorted(links.values_list("is_main", "relation_to_main")) == [
        (False, "child"),
        (True, ""),
    ]


def test_dry_run_checks_and_stores_nothing(cast: Cast) -> None:
    job = run_cases(cast, cases_csv(one_case()), dry_run=True)
    assert job.status == "checked"
    assert job.summary["to_import"] == 1
    assert not Case.objects.exists()
    assert not LegacyCase.objects.exists()
