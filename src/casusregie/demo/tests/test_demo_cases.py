"""The demo referrals and cases: made through the actions, every phase and outcome, realistic
rules per house, synthetic BSNs, and access that follows participation.

Playing the full demo (150 referrals per house) takes tens of seconds, so these tests play a
smaller demo once per module and check the full size on the plan, which writes nothing.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.cases.models import Assessment, Case, PhaseChange, Subject
from casusregie.cases.phases import Phase, can_move
from casusregie.demo import cases as demo_cases
from casusregie.demo import data
from casusregie.houses.models import House, OrganisationKind, Partnership
from casusregie.privacy import policy
from casusregie.privacy.bsn import is_valid_bsn
from casusregie.privacy.models import AuditEvent, ProcessingLogEntry
from casusregie.referrals.models import KnownToQuery, Referral, ReferralStatus, ReferralVariant

PER_HOUSE = 24
CASE_PHASES = {
    Phase.PREPARATION,
    Phase.MEETING,
    Phase.PLAN,
    Phase.EXECUTION,
    Phase.AFTERCARE,
    Phase.CLOSED,
}


def document_storage(folder: Any) -> dict[str, Any]:
    return {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }


@pytest.fixture(scope="module")
def demo_documents(tmp_path_factory: Any) -> Any:
    return tmp_path_factory.mktemp("demo-documents")


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, demo_documents: Any) -> Iterator[list[str]]:
    """A small demo, loaded once for this module and rolled back afterwards (its documents in
    a temporary folder)."""
    with (
        override_settings(STORAGES=document_storage(demo_documents), CLAMD=""),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        lines: list[str] = []
        data.load(progress=lines.append, cases_per_house=PER_HOUSE)
        yield lines
        transaction.set_rollback(True)


@pytest.fixture
def houses(demo: list[str], db: None) -> list[House]:
    return list(House.objects.filter(slug__in=["duinstreek", "heuvelland"]).order_by("slug"))


def test_every_phase_occurs_in_each_house(houses: list[House]) -> None:
    for house in houses:
        phases = set(Case.objects.filter(house=house).values_list("phase", flat=True))
        assert phases == CASE_PHASES, house.slug


def test_the_default_demo_has_over_a_hundred_cases_per_house(houses: list[House]) -> None:
    """Planned at full size (nothing is written): accepted referrals that open a case."""
    calendar = demo_cases.Calendar(timezone.now(), demo_cases.HISTORY_DAYS)
    for house in houses:
        world = demo_cases.World.build(house, random.Random(1), calendar, set())
        stories = demo_cases.Planner(world, demo_cases.CASES_PER_HOUSE).plan()
        outcomes = Counter(story.outcome for story in stories)
        assert len(stories) == demo_cases.CASES_PER_HOUSE
        assert sum(outcomes[phase] for phase in CASE_PHASES) >= 100
        assert all(outcomes[phase] >= 5 for phase in CASE_PHASES)


def test_referrals_have_every_outcome(houses: list[House]) -> None:
    for house in houses:
        statuses = set(Referral.objects.filter(house=house).values_list("status", flat=True))
        assert statuses >= {
            ReferralStatus.DRAFT,
            ReferralStatus.SUBMITTED,
            ReferralStatus.DECLINED,
            ReferralStatus.FORWARDED,
            ReferralStatus.ACCEPTED,
            ReferralStatus.WITHDRAWN,
        }
        declined = Referral.objects.filter(house=house, status=ReferralStatus.DECLINED)
        assert all(r.decision_reason for r in declined)
        forwarded = Referral.objects.filter(house=house, status=ReferralStatus.FORWARDED)
        assert all(r.forwarded_to_id and r.decision_reason for r in forwarded)


def test_directors_after_the_meeting_with_a_few_case_directors_missing(
    houses: list[House],
) -> None:
    for house in houses:
        past_meeting = Case.objects.filter(house=house, phase__in=Phase.after_meeting())
        assert past_meeting.exists()
        assert not past_meeting.filter(process_director__isnull=True).exists()
        missing = [c for c in past_meeting if c.lacks_case_director]
        assert 1 <= len(missing) < past_meeting.count()
        named = Case.objects.filter(house=house, case_director__isnull=False)
        for case in named:
            assert Membership.objects.filter(
                user=case.case_director, house=house, organisation=case.case_director_organisation
            ).exists()


def test_every_demo_bsn_is_synthetic_and_passes_the_eleven_test(houses: list[House]) -> None:
    subjects = list(Subject.objects.filter(house__in=houses))
    assert subjects
    bsns = [s.bsn for s in subjects if s.bsn_encrypted]
    assert len(bsns) >= 0.75 * len(subjects)
    for bsn in bsns:
        assert is_valid_bsn(bsn), bsn
        assert bsn.startswith(demo_cases.BSN_PREFIX), bsn
    today = timezone.localdate()
    assert all(s.date_of_birth and s.date_of_birth < today for s in subjects)


def test_synthetic_bsns_are_unique_and_valid() -> None:
    used: set[str] = set()
    rng = random.Random(3)
    numbers = [demo_cases.synthetic_bsn(rng, used) for _ in range(2000)]
    assert len(set(numbers)) == 2000
    assert all(is_valid_bsn(n) and n.startswith("9999") for n in numbers)


def test_nhn_house_only_stuck_covenant_partners_refer(houses: list[House]) -> None:
    nhn = House.objects.get(slug="duinstreek")
    assert nhn.referral_rights == "stuck_covenant_partners"
    regular = Referral.objects.filter(house=nhn, variant=ReferralVariant.REGULAR)
    assert regular.exclude(status=ReferralStatus.DRAFT).exists()
    assert not regular.filter(stuck_statement="").exists()
    covenant = set(
        Partnership.objects.filter(house=nhn, covenant_signatory=True).values_list(
            "organisation_id", flat=True
        )
    )
    referring = set(
        Referral.objects.filter(house=nhn).values_list("referrer_organisation_id", flat=True)
    )
    assert referring <= covenant


def test_police_care_forms_go_to_veilig_thuis(houses: list[House]) -> None:
    for house in houses:
        forms = Referral.objects.filter(house=house, variant=ReferralVariant.CARE_FORM)
        assert forms.count() >= 3
        for form in forms:
            assert form.referrer_organisation.kind == OrganisationKind.POLICE
            assert form.routed_to_id == house.care_form_recipient_id
        accepted = forms.filter(status=ReferralStatus.ACCEPTED)
        assert accepted.exists()
        for form in accepted:
            assert form.case is not None
            assert form.case.participations.filter(
                organisation_id=house.care_form_recipient_id
            ).exists()


def test_an_organisation_in_no_case_sees_no_case(houses: list[House]) -> None:
    for house in houses:
        # The prison service takes part in no demo case.
        outsider = (
            Membership.objects.filter(
                house=house,
                organisation__kind=OrganisationKind.PRISON,
                role=Role.PARTNER_PARTICIPANT,
            )
            .first()
            .user
        )
        assert policy.visible(outsider, Case).filter(house=house).count() == 0
        total = Case.objects.filter(house=house).count()
        police_officer = User.objects.get(email=f"wijkagent@{house.slug}.demo.invalid")
        seen = policy.visible(police_officer, Case).filter(house=house).count()
        assert 0 < seen < total
        director = User.objects.get(email=f"procesregisseur@{house.slug}.demo.invalid")
        assert policy.visible(director, Case).filter(house=house).count() == total


def test_histories_are_written_by_the_actions_and_lie_in_the_past(houses: list[House]) -> None:
    now = timezone.now()
    for house in houses:
        # The archived cases of insights.demo come in through the case import, not played.
        cases = list(
            Case.objects.filter(house=house, legacy_key__isnull=True).prefetch_related(
                "phase_changes"
            )
        )
        for case in cases:
            changes = list(case.phase_changes.all())
            assert changes[0].from_phase == ""
            for before, after in itertools.pairwise(changes):
                assert after.changed_at >= before.changed_at
                assert after.from_phase == before.to_phase
                assert after.to_phase == Phase.CLOSED or can_move(before.to_phase, after.to_phase)
            assert changes[-1].to_phase == case.phase
            assert case.reference.startswith(f"{timezone.localtime(case.created_at).year}-")
            log = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk))
            assert log.filter(action="case.create").exists()
            assert ProcessingLogEntry.objects.filter(case_id=case.pk).exists()
        oldest = min(c.created_at for c in cases)
        assert oldest < now - datetime.timedelta(days=120)
    assert not Case.objects.filter(created_at__gt=now).exists()
    assert not PhaseChange.objects.filter(changed_at__gt=now).exists()
    assert not AuditEvent.objects.filter(occurred_at__gt=now).exists()


def test_known_to_questions_and_assessments(houses: list[House]) -> None:
    answers = set(KnownToQuery.objects.values_list("answer", flat=True))
    assert answers == {"", "known", "unknown"}
    known = KnownToQuery.objects.filter(answer="known")
    assert all(q.contact_person for q in known)
    moments = set(Assessment.objects.values_list("moment", flat=True))
    assert {"intake", "closure"} <= moments
    closed = Case.objects.filter(phase=Phase.CLOSED, legacy_key__isnull=True)
    assert all(c.outcome and c.closing_note and c.retention_until for c in closed)


def test_progress_is_reported_per_house(demo: list[str], db: None) -> None:
    assert any("Duinstreek: casussen" in line and "/" in line for line in demo)
    assert any("Heuvelland: casussen" in line for line in demo)


def test_loading_is_deterministic(houses: list[House]) -> None:
    """The same seed plays the same referrals and cases (on top of the loaded demo)."""

    def play() -> list[tuple[str, ...]]:
        with transaction.atomic():
            last_case = Case.objects.aggregate(Max("id"))["id__max"]
            last_referral = Referral.objects.aggregate(Max("id"))["id__max"]
            demo_cases.load_cases(lambda _line: None, seed=7, per_house=10)
            result = list(
                Case.objects.filter(id__gt=last_case)
                .order_by("id")
                .values_list("reference", "title", "phase", "urgency")
            )
            result += list(
                Referral.objects.filter(id__gt=last_referral)
                .order_by("id")
                .values_list("status", "kind", "goal", "referrer__email")
            )
            transaction.set_rollback(True)
        return result

    first = play()
    assert len(first) > 20
    assert play() == first


def test_meetings_and_actions_in_every_state(houses: list[House]) -> None:
    from casusregie.meetings.models import Meeting, MeetingStatus
    from casusregie.plans.models import Action, ActionStatus, Escalation, Feedback

    for house in houses:
        held = Meeting.objects.filter(house=house, status=MeetingStatus.HELD)
        assert held.exists()
        assert Meeting.objects.filter(house=house, status=MeetingStatus.PLANNING).count() <= 1
        statuses = set(Action.objects.filter(house=house).values_list("status", flat=True))
        assert {ActionStatus.OPEN, ActionStatus.DONE} <= statuses
        assert Feedback.objects.filter(action__house=house).exists()
        # Every action was agreed at a held meeting, before its due date.
        for action in Action.objects.filter(house=house).select_related("meeting"):
            assert action.meeting is not None
            assert action.meeting.status == MeetingStatus.HELD
            assert action.created_at.date() <= action.due_date
    today = timezone.localdate()
    overdue = Action.objects.filter(house__in=houses, status=ActionStatus.OPEN, due_date__lt=today)
    assert overdue.exists()
    assert Escalation.objects.filter(action__in=overdue).exists()


def test_the_case_file_is_kept_in_each_house(
    houses: list[House], demo: list[str], demo_documents: Any, settings: Any
) -> None:
    """Journals with more than one audience, documents whose bytes open, a corrected person, an
    ended participation and a stand-in: what a house keeps between meetings (issue 23)."""
    from casusregie.accounts.models import StandIn
    from casusregie.cases.models import Participation
    from casusregie.documents import storage
    from casusregie.documents.models import Document
    from casusregie.journal.models import JournalEntry
    from casusregie.privacy.models import AuditEvent

    settings.STORAGES = document_storage(demo_documents)
    for house in houses:
        entries = JournalEntry.objects.filter(case__house=house)
        assert entries.count() >= 10
        assert {e.audience for e in entries} >= {"all", "organisations"}
        documents = list(Document.objects.filter(house=house))
        assert {d.content_type for d in documents} >= {"application/pdf", "image/png"}
        assert storage.read(documents[0].storage_key)[:5] in (b"%PDF-", b"\x89PNG\r")
        assert Participation.objects.filter(case__house=house, ended_at__isnull=False).exists()
        assert StandIn.objects.filter(house=house).exists()
        assert AuditEvent.objects.filter(house=house, action="case.correct_subject").exists()
    assert any("logboeknotities" in line for line in demo)
