"""Rules that hold whoever calls the actions: the pages, the API or a command."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casusregie.cases import actions
from casusregie.cases.models import Case, Subject
from casusregie.conftest import Cast
from casusregie.privacy.bsn import is_valid_bsn, normalise_bsn
from casusregie.privacy.crypto import decrypt, encrypt, keyed_hash
from casusregie.privacy.models import AppendOnlyError, ProcessingLogEntry
from casusregie.referrals import actions as referral_actions


@pytest.mark.parametrize(
    ("bsn", "valid"),
    [
        ("111222333", True),
        ("123456782", True),
        ("123456789", False),
        ("000000000", False),
        ("12345678", False),
        ("abcdefghi", False),
        ("1234 56 782", True),
    ],
)
def test_eleven_test(bsn: str, valid: bool) -> None:
    assert is_valid_bsn(bsn) is valid


def test_eight_digit_bsn_gets_its_leading_zero() -> None:
    assert normalise_bsn("12345678") == "012345678"


@pytest.mark.django_db
def test_encryption_round_trip_and_keyed_hash() -> None:
    token = encrypt("111222333")
    assert "111222333" not in token
    assert decrypt(token) == "111222333"
    assert keyed_hash("x", purpose="a") == keyed_hash("x", purpose="a")
    assert keyed_hash("x", purpose="a") != keyed_hash("x", purpose="b")


@pytest.mark.django_db
@pytest.mark.parametrize("member", ["participant_a", "participant_c", "triage", "admin"])
def test_only_process_directors_change_a_case(cast: Cast, case: Case, member: str) -> None:
    user = cast.members()[member]
    with pytest.raises(PermissionDenied):
        actions.do_transition_case(case, "meeting", actor=user)
    with pytest.raises(PermissionDenied):
        actions.do_add_participation(case, cast.org_c, role="x", purpose="y", actor=user)
    case.refresh_from_db()
    assert case.phase == "preparation"
    assert not case.participations.filter(organisation=cast.org_c).exists()


@pytest.mark.django_db
def test_closed_case_takes_no_new_participants(cast: Cast, case: Case) -> None:
    actions.do_close_case(
        case, outcome="other", note="Klaar", final_scores=None, actor=cast.process_director
    )
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        actions.do_add_participation(
            case, cast.org_c, role="x", purpose="y", actor=cast.process_director
        )
    with pytest.raises(ValidationError):
        referral_actions.do_ask_known_to(
            house=cast.house,
            organisations=[cast.org_c],
            actor=cast.process_director,
            deadline=timezone.localdate() + datetime.timedelta(days=2),
            case=case,
        )


@pytest.mark.django_db
def test_naming_no_case_director_shares_with_nobody(cast: Cast, case: Case) -> None:
    actions.do_set_directors(
        case,
        process_director=cast.process_director,
        case_director=None,
        case_director_organisation=cast.org_c,
        actor=cast.process_director,
    )
    assert not case.participations.filter(organisation=cast.org_c).exists()


@pytest.mark.django_db
def test_asking_the_same_organisation_twice_asks_once(cast: Cast, case: Case) -> None:
    queries = referral_actions.do_ask_known_to(
        house=cast.house,
        organisations=[cast.org_c, cast.org_c],
        actor=cast.process_director,
        deadline=timezone.localdate() + datetime.timedelta(days=2),
        case=case,
    )
    assert len(queries) == 1


@pytest.mark.django_db
def test_resaving_a_draft_leaves_no_orphaned_people(cast: Cast) -> None:
    data = referral_actions.ReferralData(
        kind="person", subjects=[actions.SubjectData("Els", "Concept", bsn="123456782")]
    )
    referral = referral_actions.do_save_referral(
        cast.house, data, actor=cast.participant_a, organisation=cast.org_a
    )
    referral_actions.do_save_referral(
        cast.house, data, actor=cast.participant_a, organisation=cast.org_a, referral=referral
    )
    assert Subject.objects.count() == 1


@pytest.mark.django_db
def test_processing_log_is_append_only(cast: Cast, case: Case) -> None:
    entry = ProcessingLogEntry.objects.first()
    assert entry is not None
    entry.name = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.django_db
def test_case_numbers_keep_counting_past_9999(cast: Cast) -> None:
    year = timezone.localdate().year
    subject = actions.create_subject(cast.house, actions.SubjectData("A", "B"))
    first = actions.create_case(
        cast.house,
        kind="person",
        title="A",
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=cast.process_director,
    )
    Case.objects.filter(pk=first.pk).update(reference=f"{year}-9999")
    second = actions.create_case(
        cast.house,
        kind="person",
        title="A",
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=cast.process_director,
    )
    third = actions.create_case(
        cast.house,
        kind="person",
        title="A",
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=cast.process_director,
    )
    assert (second.reference, third.reference) == (f"{year}-10000", f"{year}-10001")


@pytest.mark.django_db
def test_no_known_to_answers_once_the_case_is_closed(cast: Cast, case: Case) -> None:
    (query,) = referral_actions.do_ask_known_to(
        house=cast.house,
        organisations=[cast.org_c],
        actor=cast.process_director,
        deadline=timezone.localdate() + datetime.timedelta(days=2),
        case=case,
    )
    actions.do_close_case(
        case, outcome="other", note="Klaar", final_scores=None, actor=cast.process_director
    )
    with pytest.raises(ValidationError):
        referral_actions.do_answer_known_to(query, actor=cast.participant_c, answer="unknown")
