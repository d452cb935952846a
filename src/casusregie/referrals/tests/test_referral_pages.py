"""Filing, judging and following a referral through the pages, as the fixed cast."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.cases.models import Case, Subject
from casusregie.conftest import TEST_BSN, Cast
from casusregie.houses.models import Partnership
from casusregie.inbox.models import Notification
from casusregie.privacy.models import ProcessingLogEntry
from casusregie.referrals.models import KnownToQuery, Referral

SUBJECT_FIELDS = [
    "first_name",
    "last_name",
    "date_of_birth",
    "bsn",
    "address",
    "relation_to_main",
    "has_authority",
]


def referral_post(
    cast: Cast, *, people: list[dict[str, Any]] | None = None, **changes: Any
) -> dict:
    """The POST body of the referral form: a family of two with two concerns."""
    people = (
        people
        if people is not None
        else [
            {
                "first_name": "Piet",
                "last_name": "Gezinsman",
                "date_of_birth": "1985-03-02",
                "bsn": TEST_BSN,
                "address": "Dorpsstraat 1, Heuvelstad",
            },
            {
                "first_name": "Kees",
                "last_name": "Gezinsman",
                "date_of_birth": "2012-07-01",
                "relation_to_main": "child",
            },
        ]
    )
    data: dict[str, Any] = {
        "organisation": cast.org_a.pk,
        "kind": "family",
        "urgency": "high",
        "goal": "Eén plan voor het gezin",
        "subject_informed": "yes",
        "concern_housing": "Dreigende uithuiszetting",
        "concern_finances": "Schulden",
        "proposed_invitees": [cast.org_b.pk],
        "action": "submit",
        "persoon-TOTAL_FORMS": "5",
        "persoon-INITIAL_FORMS": "0",
        "persoon-MIN_NUM_FORMS": "0",
        "persoon-MAX_NUM_FORMS": "5",
    }
    for index in range(5):
        person = people[index] if index < len(people) else {}
        for field in SUBJECT_FIELDS:
            if person.get(field) not in (None, False):
                data[f"persoon-{index}-{field}"] = person[field]
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def base(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}"


def submit(as_user, cast: Cast, **changes: Any) -> Referral:
    response = as_user(cast.participant_a).post(
        f"{base(cast)}/meldingen/nieuw/", referral_post(cast, **changes)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Referral.objects.latest("id")


ACCEPT = {"criteria": ["multiple_domains", "cross_chain", "system"]}


@pytest.mark.django_db
class TestFiling:
    def test_partner_files_a_family_referral(self, as_user, cast: Cast) -> None:
        referral = submit(as_user, cast)
        assert referral.status == "submitted"
        assert referral.referrer == cast.participant_a
        assert referral.subjects.count() == 2
        main = referral.subjects.get(is_main=True).subject
        assert main.bsn == TEST_BSN
        assert main.bsn_encrypted
        assert TEST_BSN not in main.bsn_encrypted
        assert set(referral.concerns.values_list("domain", flat=True)) == {"housing", "finances"}
        assert list(referral.proposed_invitees.all()) == [cast.org_b]
        # The triage team hears of it; the processing log has a line per family member.
        assert Notification.objects.filter(user=cast.triage).exists()
        assert ProcessingLogEntry.objects.filter(name="referral.submit").count() == 2

    def test_draft_then_submit(self, as_user, cast: Cast) -> None:
        client = as_user(cast.participant_a)
        response = client.post(
            f"{base(cast)}/meldingen/nieuw/", referral_post(cast, goal="", action="draft")
        )
        assert response.status_code == 302
        referral = Referral.objects.get()
        assert referral.status == "draft"
        # A draft is the referrer's alone, even for the triage team.
        assert as_user(cast.triage).get(f"{base(cast)}/meldingen/{referral.pk}/").status_code == 404
        response = client.post(
            f"{base(cast)}/meldingen/{referral.pk}/bewerken/", referral_post(cast)
        )
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.status == "submitted"
        assert referral.subjects.count() == 2

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"persoon-0-bsn": "123456789"}, "geen geldig BSN"),
            ({"persoon-0-date_of_birth": "2999-01-01"}, "kan niet in de toekomst"),
            ({"goal": ""}, "Wat wilt u bereiken"),
            ({"kind": "person", "people": []}, "minstens de persoon"),
            ({"concern_housing": "", "concern_finances": ""}, "minstens één leefgebied"),
            ({"subject_informed": "no"}, "waarom de persoon niet"),
            ({"proposed_invitees": [999999]}, "geen beschikbare keuze"),
        ],
    )
    def test_bad_input_saves_nothing(
        self, as_user, cast: Cast, changes: dict, message: str
    ) -> None:
        people = changes.pop("people", None)
        body = referral_post(cast, people=people, **changes)
        response = as_user(cast.participant_a).post(f"{base(cast)}/meldingen/nieuw/", body)
        assert response.status_code == 400
        text = response.content.decode()
        assert message in text, text[text.find("fouten") :][:1500]
        assert Referral.objects.count() == 0
        assert Subject.objects.count() == 0

    def test_nhn_house_requires_a_stuck_statement(self, as_user, cast: Cast) -> None:
        cast.house.referral_rights = "stuck_covenant_partners"
        cast.house.save()
        response = as_user(cast.participant_a).post(
            f"{base(cast)}/meldingen/nieuw/", referral_post(cast)
        )
        assert response.status_code == 400
        assert "vastloopt" in response.content.decode()
        referral = submit(as_user, cast, stuck_statement="Wij komen niet meer binnen.")
        assert referral.stuck_statement

    def test_nhn_house_refuses_non_covenant_partners(self, as_user, cast: Cast) -> None:
        cast.house.referral_rights = "stuck_covenant_partners"
        cast.house.save()
        Partnership.objects.filter(house=cast.house, organisation=cast.org_a).update(
            covenant_signatory=False
        )
        response = as_user(cast.participant_a).get(f"{base(cast)}/meldingen/nieuw/")
        assert response.status_code == 403
        assert "niet melden" in response.content.decode()

    def test_mb_house_lets_any_partner_refer(self, as_user, cast: Cast) -> None:
        Partnership.objects.filter(house=cast.house, organisation=cast.org_a).update(
            covenant_signatory=False
        )
        assert submit(as_user, cast).status == "submitted"

    def test_care_form_goes_to_veilig_thuis_not_triage(self, as_user, cast: Cast) -> None:
        cast.house.care_form_recipient = cast.org_c
        cast.house.save()
        referral = submit(as_user, cast, variant="care_form")
        assert referral.routed_to == cast.org_c
        assert (
            as_user(cast.participant_c).get(f"{base(cast)}/meldingen/{referral.pk}/").status_code
            == 200
        )
        assert as_user(cast.triage).get(f"{base(cast)}/meldingen/{referral.pk}/").status_code == 404
        # The recipient decides whether chain consultation is needed.
        response = as_user(cast.participant_c).post(
            f"{base(cast)}/meldingen/{referral.pk}/accepteren/", ACCEPT
        )
        assert response.status_code == 302
        assert Case.objects.count() == 1

    def test_withdraw_needs_a_reason_once_submitted(self, as_user, cast: Cast) -> None:
        referral = submit(as_user, cast)
        client = as_user(cast.participant_a)
        client.post(f"{base(cast)}/meldingen/{referral.pk}/intrekken/", {"reason": ""})
        referral.refresh_from_db()
        assert referral.status == "submitted"
        client.post(f"{base(cast)}/meldingen/{referral.pk}/intrekken/", {"reason": "Opgelost"})
        referral.refresh_from_db()
        assert referral.status == "withdrawn"


@pytest.mark.django_db
class TestTriage:
    def test_queue_shows_urgent_first(self, as_user, cast: Cast) -> None:
        submit(as_user, cast, urgency="normal")
        urgent = submit(
            as_user, cast, urgency="crisis", **{"persoon-0-bsn": "", "persoon-0-first_name": "Anna"}
        )
        body = as_user(cast.triage).get(f"{base(cast)}/toegang/").content.decode()
        assert body.index(urgent.reference) < body.index("M-", body.index(urgent.reference) + 4)

    def test_accept_creates_a_case_and_tells_the_referrer(
        self, as_user, cast: Cast, django_capture_on_commit_callbacks
    ) -> None:
        referral = submit(as_user, cast)
        with django_capture_on_commit_callbacks(execute=True):
            response = as_user(cast.triage).post(
                f"{base(cast)}/meldingen/{referral.pk}/accepteren/",
                {
                    **ACCEPT,
                    "placing_organisation": cast.org_b.pk,
                    "process_director": cast.process_director.pk,
                },
            )
        assert response.status_code == 302
        case = Case.objects.get()
        assert case.phase == "preparation"
        assert case.process_director == cast.process_director
        assert case.case_subjects.count() == 2
        assert set(case.participations.values_list("organisation", flat=True)) == {
            cast.org_a.pk,
            cast.org_b.pk,
        }
        referral.refresh_from_db()
        assert referral.status == "accepted"
        assert referral.criteria == ACCEPT["criteria"]
        note = Notification.objects.get(user=cast.participant_a)
        assert case.reference in note.message
        assert any(cast.participant_a.email in m.to for m in mail.outbox)
        # E-mail carries numbers, never the names of the people concerned.
        assert all("Gezinsman" not in m.body for m in mail.outbox)

    def test_criteria_must_be_met(self, as_user, cast: Cast) -> None:
        referral = submit(as_user, cast)
        response = as_user(cast.triage).post(
            f"{base(cast)}/meldingen/{referral.pk}/accepteren/", {"criteria": ["cross_chain"]}
        )
        assert response.status_code == 400
        assert "toelatingscriteria" in response.content.decode().lower()
        assert Case.objects.count() == 0

    def test_second_open_case_is_offered_instead(self, as_user, cast: Cast, case) -> None:
        referral = submit(as_user, cast)  # same BSN as the fixture's case
        client = as_user(cast.triage)
        response = client.post(f"{base(cast)}/meldingen/{referral.pk}/accepteren/", ACCEPT)
        assert response.status_code == 400
        assert case.reference in response.content.decode()
        assert Case.objects.count() == 1
        response = client.post(
            f"{base(cast)}/meldingen/{referral.pk}/accepteren/", {**ACCEPT, "add_to_case": case.pk}
        )
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.case == case
        assert case.case_subjects.count() == 2

    def test_decline_needs_reason_and_tells_referrer(self, as_user, cast: Cast) -> None:
        referral = submit(as_user, cast)
        client = as_user(cast.triage)
        assert (
            client.post(
                f"{base(cast)}/meldingen/{referral.pk}/afwijzen/", {"reason": ""}
            ).status_code
            == 400
        )
        client.post(
            f"{base(cast)}/meldingen/{referral.pk}/afwijzen/",
            {"reason": "Eén leefgebied; past bij het sociaal team."},
        )
        referral.refresh_from_db()
        assert referral.status == "declined"
        assert "sociaal team" in Notification.objects.get(user=cast.participant_a).message

    def test_forward_only_to_a_partner(self, as_user, cast: Cast) -> None:
        referral = submit(as_user, cast)
        client = as_user(cast.triage)
        response = client.post(
            f"{base(cast)}/meldingen/{referral.pk}/doorsturen/",
            {"organisation": cast.other_org.pk, "reason": "x"},
        )
        assert response.status_code == 400
        referral.refresh_from_db()
        assert referral.status == "submitted"
        client.post(
            f"{base(cast)}/meldingen/{referral.pk}/doorsturen/",
            {"organisation": cast.org_c.pk, "reason": "Hoort bij de GGZ"},
        )
        referral.refresh_from_db()
        assert referral.forwarded_to == cast.org_c
        # The organisation it was forwarded to now sees it.
        assert (
            as_user(cast.participant_c).get(f"{base(cast)}/meldingen/{referral.pk}/").status_code
            == 200
        )

    @pytest.mark.parametrize(
        "member", ["participant_a", "participant_b", "participant_c", "other_house_user"]
    )
    def test_only_the_triage_team_decides(self, as_user, cast: Cast, member: str) -> None:
        referral = submit(as_user, cast)
        response = as_user(cast.members()[member]).post(
            f"{base(cast)}/meldingen/{referral.pk}/accepteren/", ACCEPT
        )
        assert response.status_code == 404
        assert Case.objects.count() == 0

    def test_house_without_triage_team_lets_process_director_decide(
        self, as_user, cast: Cast
    ) -> None:
        cast.house.has_triage_team = False
        cast.house.save()
        referral = submit(as_user, cast)
        assert (
            as_user(cast.triage)
            .post(f"{base(cast)}/meldingen/{referral.pk}/accepteren/", ACCEPT)
            .status_code
            == 404
        )
        assert (
            as_user(cast.process_director)
            .post(f"{base(cast)}/meldingen/{referral.pk}/accepteren/", ACCEPT)
            .status_code
            == 302
        )

    def test_queue_query_count_is_constant(self, as_user, cast: Cast) -> None:
        client = as_user(cast.triage)
        submit(as_user, cast)
        client.get(f"{base(cast)}/toegang/")
        with CaptureQueriesContext(connection) as few:
            client.get(f"{base(cast)}/toegang/")
        for number in range(8):
            submit(as_user, cast, **{"persoon-0-bsn": "", "persoon-0-first_name": f"N{number}"})
        with CaptureQueriesContext(connection) as many:
            client.get(f"{base(cast)}/toegang/")
        assert len(many) == len(few)


@pytest.mark.django_db
class TestWhoSeesReferrals:
    def test_visibility(self, as_user, cast: Cast) -> None:
        referral = submit(as_user, cast)
        url = f"{base(cast)}/meldingen/{referral.pk}/"
        expected = {
            "participant_a": 200,
            "triage": 200,
            "process_director": 200,
            "participant_b": 404,
            "participant_c": 404,
            "other_house_user": 404,
            "admin": 404,
        }
        for member, status in expected.items():
            assert as_user(cast.members()[member]).get(url).status_code == status, member

    def test_lists_hide_what_is_not_yours(self, as_user, cast: Cast) -> None:
        referral = submit(as_user, cast)
        for member in ("participant_c", "participant_b"):
            body = as_user(cast.members()[member]).get(f"{base(cast)}/meldingen/").content.decode()
            assert referral.reference not in body
            body = as_user(cast.members()[member]).get(f"{base(cast)}/toegang/").content.decode()
            assert referral.reference not in body

    def test_reading_a_referral_is_logged(self, as_user, cast: Cast) -> None:
        referral = submit(as_user, cast)
        as_user(cast.triage).get(f"{base(cast)}/meldingen/{referral.pk}/")
        assert (
            ProcessingLogEntry.objects.filter(name="referral.read", operation="read").count() == 2
        )


@pytest.mark.django_db
class TestKnownTo:
    def ask(self, as_user, cast: Cast, case, deadline: datetime.date | None = None):
        deadline = deadline or timezone.localdate() + datetime.timedelta(days=3)
        return as_user(cast.process_director).post(
            f"{base(cast)}/casussen/{case.pk}/bekendheid/vragen/",
            {
                "organisations": [cast.org_a.pk, cast.org_b.pk, cast.org_c.pk],
                "deadline": deadline.isoformat(),
            },
        )

    def test_process_director_asks_three_partners_and_sees_answers(
        self, as_user, cast: Cast, case
    ) -> None:
        assert self.ask(as_user, cast, case).status_code == 302
        assert KnownToQuery.objects.count() == 3
        disclosures = ProcessingLogEntry.objects.filter(name="known_to.ask", operation="disclose")
        assert {e.recipient_organisation_id for e in disclosures} == {
            cast.org_a.pk,
            cast.org_b.pk,
            cast.org_c.pk,
        }
        query = KnownToQuery.objects.get(organisation=cast.org_c)
        client = as_user(cast.participant_c)
        page = client.get(f"{base(cast)}/bekendheid/{query.pk}/")
        assert "Testpersoon" in page.content.decode()
        response = client.post(
            f"{base(cast)}/bekendheid/{query.pk}/",
            {"answer": "known", "contact_person": "Cor Zorg, 06-12345678"},
        )
        assert response.status_code == 302
        body = (
            as_user(cast.process_director).get(f"{base(cast)}/casussen/{case.pk}/").content.decode()
        )
        assert "Cor Zorg, 06-12345678" in body
        assert "nog geen antwoord" in body

    def test_answers_are_for_the_process_director_only(self, as_user, cast: Cast, case) -> None:
        self.ask(as_user, cast, case)
        query = KnownToQuery.objects.get(organisation=cast.org_c)
        as_user(cast.participant_c).post(
            f"{base(cast)}/bekendheid/{query.pk}/",
            {"answer": "known", "contact_person": "Cor 0612"},
        )
        # A participant of the case sees the case but not what partners answered.
        body = as_user(cast.participant_a).get(f"{base(cast)}/casussen/{case.pk}/").content.decode()
        assert "Cor 0612" not in body
        assert (
            as_user(cast.participant_a).get(f"{base(cast)}/bekendheid/{query.pk}/").status_code
            == 404
        )
        assert as_user(cast.triage).get(f"{base(cast)}/bekendheid/{query.pk}/").status_code == 404
        # C sees the question it was asked, but not the case.
        assert (
            as_user(cast.participant_c).get(f"{base(cast)}/casussen/{case.pk}/").status_code == 404
        )

    def test_answer_after_deadline_is_refused(self, as_user, cast: Cast, case) -> None:
        self.ask(as_user, cast, case)
        query = KnownToQuery.objects.get(organisation=cast.org_c)
        KnownToQuery.objects.filter(pk=query.pk).update(
            deadline=timezone.localdate() - datetime.timedelta(days=1)
        )
        response = as_user(cast.participant_c).post(
            f"{base(cast)}/bekendheid/{query.pk}/", {"answer": "unknown"}
        )
        assert response.status_code == 400
        assert "verstreken" in response.content.decode()
        query.refresh_from_db()
        assert query.answer == ""

    def test_known_needs_a_contact_person(self, as_user, cast: Cast, case) -> None:
        self.ask(as_user, cast, case)
        query = KnownToQuery.objects.get(organisation=cast.org_c)
        response = as_user(cast.participant_c).post(
            f"{base(cast)}/bekendheid/{query.pk}/", {"answer": "known"}
        )
        assert response.status_code == 400

    def test_only_process_directors_ask(self, as_user, cast: Cast, case) -> None:
        response = as_user(cast.participant_a).post(
            f"{base(cast)}/casussen/{case.pk}/bekendheid/vragen/",
            {"organisations": [cast.org_c.pk], "deadline": "2030-01-01"},
        )
        assert response.status_code == 404
        assert KnownToQuery.objects.count() == 0

    def test_deadline_in_the_past_is_refused(self, as_user, cast: Cast, case) -> None:
        response = self.ask(as_user, cast, case, timezone.localdate() - datetime.timedelta(days=2))
        assert response.status_code == 400
        assert KnownToQuery.objects.count() == 0

    def test_overdue_questions_are_reported_once(self, as_user, cast: Cast, case) -> None:
        from django.core.management import call_command

        self.ask(as_user, cast, case)
        KnownToQuery.objects.update(deadline=timezone.localdate() - datetime.timedelta(days=1))
        call_command("remind_known_to")
        call_command("remind_known_to")
        assert (
            Notification.objects.filter(
                user=cast.process_director, message__contains="niet beantwoord"
            ).count()
            == 3
        )


@pytest.mark.django_db
def test_process_director_asks_about_a_referral_before_triage(as_user, cast: Cast) -> None:
    referral = submit(as_user, cast)
    client = as_user(cast.process_director)
    deadline = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        f"{base(cast)}/meldingen/{referral.pk}/bekendheid/vragen/",
        {"organisations": [cast.org_c.pk], "deadline": deadline},
    )
    assert response.status_code == 302
    query = KnownToQuery.objects.get()
    assert query.referral == referral
    assert query.case is None
    as_user(cast.participant_c).post(
        f"{base(cast)}/bekendheid/{query.pk}/", {"answer": "known", "contact_person": "Cor, 0612"}
    )
    body = client.get(f"{base(cast)}/meldingen/{referral.pk}/").content.decode()
    assert "Cor, 0612" in body
    # The referrer sees the referral, but not what partners answered.
    body = (
        as_user(cast.participant_a).get(f"{base(cast)}/meldingen/{referral.pk}/").content.decode()
    )
    assert "Cor, 0612" not in body
    assert (
        as_user(cast.participant_a)
        .post(
            f"{base(cast)}/meldingen/{referral.pk}/bekendheid/vragen/",
            {"organisations": [cast.org_c.pk], "deadline": deadline},
        )
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_referral_lists_are_logged_for_the_person_they_name(as_user, cast: Cast) -> None:
    from casusregie.privacy.models import ProcessingLogEntry

    referral = submit(as_user, cast)
    for user, path in ((cast.triage, "toegang/"), (cast.participant_a, "meldingen/")):
        response = as_user(user).get(f"{base(cast)}/{path}")
        assert response.status_code == 200
        lines = ProcessingLogEntry.objects.filter(
            trace_id=response["X-Trace-Id"], name="referral.list"
        )
        assert [(line.object_id, line.data_subject_id_type) for line in lines] == [
            (str(referral.pk), "bsn")
        ]
    nothing = as_user(cast.participant_c).get(f"{base(cast)}/meldingen/")
    assert not ProcessingLogEntry.objects.filter(trace_id=nothing["X-Trace-Id"]).exists()
