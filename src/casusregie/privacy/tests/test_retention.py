"""Retention and destruction: the nightly proposal, extension with a reason, two different
approvers, destruction that removes personal data and leaves a tombstone, and the processing
log's own retention with a checkpoint that verify-log accepts."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from casusregie.cases import actions as case_actions
from casusregie.cases.models import Case, Subject
from casusregie.conftest import Cast
from casusregie.privacy import retention
from casusregie.privacy.models import (
    AuditEvent,
    DestructionList,
    DestructionStatus,
    LogCheckpoint,
    ProcessingLogEntry,
    RetentionExtension,
    Tombstone,
)

pytestmark = pytest.mark.django_db


def base(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/privacy/vernietiging"


def closed_long_ago(case: Any, years: int = 6) -> Any:
    """A case closed `years` ago, so its retention of 5 years has passed."""
    Case.objects.filter(pk=case.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=365 * years),
        phase="closed",
        outcome="improved",
        retention_until=timezone.localdate() - datetime.timedelta(days=365 * (years - 5) + 1),
    )
    case.refresh_from_db()
    return case


def test_the_proposal_lists_what_is_past_retention_once(cast: Cast, case: Any) -> None:
    assert retention.propose(cast.house, timezone.localdate()) is None
    closed_long_ago(case)
    proposal = retention.propose(cast.house, timezone.localdate())
    assert proposal is not None
    assert [i.reference for i in proposal.items.all()] == [case.reference]
    assert retention.propose(cast.house, timezone.localdate()) is None


def test_two_different_people_approve_then_the_data_is_gone(
    as_user: Any, cast: Cast, case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    closed_long_ago(case)
    subject_pk = case.case_subjects.get().subject_id
    proposal = retention.propose(cast.house, timezone.localdate())
    officer = as_user(cast.privacy_officer)
    page = officer.get(base(cast) + "/").content.decode()
    assert case.reference in page
    assert "Testpersoon" not in page
    officer.post(f"{base(cast)}/{proposal.pk}/goedkeuren/")
    again = officer.post(f"{base(cast)}/{proposal.pk}/goedkeuren/", follow=True)
    assert "een tweede persoon moet" in again.content.decode()
    assert Case.objects.filter(pk=case.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        as_user(cast.process_director).post(f"{base(cast)}/{proposal.pk}/goedkeuren/")
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Subject.objects.filter(pk=subject_pk).exists()
    proposal.refresh_from_db()
    assert proposal.status == DestructionStatus.EXECUTED
    tomb = Tombstone.objects.get(reference=case.reference)
    assert tomb.summary["kind"] == "person"
    assert "Paula Regisseur" in tomb.summary["approved_by"]
    assert "Testpersoon" not in str(tomb.summary)
    assert ProcessingLogEntry.objects.filter(name="case.destroy", case_id=case.pk).exists()
    done = officer.get(base(cast) + "/").content.decode()
    assert "1 item vernietigd" in done


def test_a_person_in_another_case_is_kept(cast: Cast, case: Any) -> None:
    subject = case.case_subjects.get().subject
    other = case_actions.create_case(
        cast.house,
        kind="person",
        title="Tweede",
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=cast.process_director,
        process_director=cast.process_director,
        participants=[],
    )
    closed_long_ago(case)
    proposal = retention.propose(cast.house, timezone.localdate())
    retention.do_approve(proposal, actor=cast.privacy_officer)
    retention.do_approve(proposal, actor=cast.process_director)
    retention.execute(proposal.pk)
    assert Subject.objects.filter(pk=subject.pk).exists()
    assert Case.objects.filter(pk=other.pk).exists()


def test_keeping_a_case_longer_takes_it_off_the_list(as_user: Any, cast: Cast, case: Any) -> None:
    closed_long_ago(case)
    proposal = retention.propose(cast.house, timezone.localdate())
    item = proposal.items.get()
    until = (timezone.localdate() + datetime.timedelta(days=400)).strftime("%d-%m-%Y")
    response = as_user(cast.privacy_officer).post(
        f"{base(cast)}/{proposal.pk}/{item.pk}/bewaren/",
        {"until": until, "reason": "Lopend strafrechtelijk onderzoek; OM vraagt bewaren."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.retention_until.strftime("%d-%m-%Y") == until
    assert RetentionExtension.objects.get(case=case).decided_by == cast.privacy_officer
    retention.do_approve(proposal, actor=cast.privacy_officer)
    retention.do_approve(proposal, actor=cast.process_director)
    retention.execute(proposal.pk)
    assert Case.objects.filter(pk=case.pk).exists()


@pytest.mark.parametrize(
    ("until", "reason", "message"),
    [
        ("01-01-2000", "Reden genoeg", "na het huidige einde"),
        ("morgen", "Reden genoeg", "geldige datum"),
        (None, "", "Dit veld is vereist"),
    ],
)
def test_bad_extensions_are_refused(
    as_user: Any, cast: Cast, case: Any, until: str | None, reason: str, message: str
) -> None:
    closed_long_ago(case)
    before = case.retention_until
    proposal = retention.propose(cast.house, timezone.localdate())
    item = proposal.items.get()
    future = (timezone.localdate() + datetime.timedelta(days=400)).strftime("%d-%m-%Y")
    response = as_user(cast.privacy_officer).post(
        f"{base(cast)}/{proposal.pk}/{item.pk}/bewaren/",
        {"until": future if until is None else until, "reason": reason},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    case.refresh_from_db()
    assert case.retention_until == before
    assert not RetentionExtension.objects.exists()


@pytest.mark.parametrize(
    "who", ["participant_a", "participant_c", "admin", "triage", "other_house_user"]
)
def test_others_cannot_see_or_approve(as_user: Any, cast: Cast, case: Any, who: str) -> None:
    closed_long_ago(case)
    proposal = retention.propose(cast.house, timezone.localdate())
    client = as_user(cast.members()[who])
    assert client.get(base(cast) + "/").status_code == 404
    assert client.post(f"{base(cast)}/{proposal.pk}/goedkeuren/").status_code == 404
    assert not proposal.approvals.exists()


def test_the_log_is_purged_from_the_start_and_stays_verifiable(
    as_user: Any, cast: Cast, case: Any
) -> None:
    for _ in range(3):
        as_user(cast.process_director).get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/")
    total = ProcessingLogEntry.objects.filter(house=cast.house).count()
    later = timezone.localdate() + datetime.timedelta(days=366 * cast.house.retention_log_years + 2)
    removed = retention.purge_log(cast.house, later)
    assert removed == total
    assert not ProcessingLogEntry.objects.filter(house=cast.house).exists()
    assert LogCheckpoint.objects.get(house_id=cast.house.pk).removed == total
    as_user(cast.process_director).get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/")
    out = StringIO()
    call_command("verify_log", stdout=out)
    assert "intact" in out.getvalue()


def test_the_schedule_proposes_lists(cast: Cast, case: Any) -> None:
    closed_long_ago(case)
    out = StringIO()
    call_command("run_schedule", stdout=out)
    assert "1 lijst(en)" in out.getvalue()
    assert DestructionList.objects.filter(house=cast.house).count() == 1
    assert AuditEvent.objects.filter(action="destruction.propose").exists()
