"""Corrections (GDPR art. 16, decision 0044): a person's details, family members, relations
between two persons and a case's title, urgency and area, by the process director or the case
director only, each with a reason, in the audit trail, a log line per person, and the people
taking part told; a correction request of the privacy pages carried out here is recorded as
done, and the person's access answer shows that a correction took place."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.cases import actions
from casusregie.cases.models import Case, CaseSubject, Subject, SubjectRelation
from casusregie.conftest import TEST_BSN, Cast
from casusregie.houses.models import Organisation, OrganisationKind, Partnership, Ring
from casusregie.inbox.models import Notification
from casusregie.privacy import rights
from casusregie.privacy.models import (
    AuditEvent,
    Operation,
    ProcessingLogEntry,
    RequestKind,
    RequestStatus,
)

pytestmark = pytest.mark.django_db

REASON = "Geboortedatum stond verkeerd in de melding."
NEW_BSN = "123456782"


@pytest.fixture
def as_user(as_user: Any) -> Any:
    """Pages in English (an explicit choice, decision 0006): the messages asserted here are the
    source strings, whatever the Dutch translation becomes."""

    def client(user: Any) -> Any:
        made = as_user(user)
        made.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return made

    return client


def url(cast: Cast, case: Case, tail: str = "") -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/{tail}"


def main_subject(case: Case) -> Subject:
    return CaseSubject.objects.select_related("subject").get(case=case, is_main=True).subject


def person_data(subject: Subject, **changes: Any) -> dict[str, Any]:
    data = {
        "first_name": subject.first_name,
        "last_name": subject.last_name,
        "date_of_birth": subject.date_of_birth.isoformat() if subject.date_of_birth else "",
        "address": subject.address,
        "reason": REASON,
    }
    data.update(changes)
    return data


def add_member(case: Case, cast: Cast, first: str, relation: str = "child", **extra: Any) -> Any:
    return actions.do_add_family_member(
        case,
        actions.SubjectData(first, "Testpersoon", relation_to_main=relation, **extra),
        reason="Gezinslid ontbrak in de melding.",
        actor=cast.process_director,
    )


class TestCorrectPerson:
    def test_director_corrects_a_date_of_birth(
        self, as_user: Any, cast: Cast, case: Case, django_capture_on_commit_callbacks: Any
    ) -> None:
        subject = main_subject(case)
        with django_capture_on_commit_callbacks(execute=True):
            response = as_user(cast.process_director).post(
                url(cast, case, f"personen/{subject.pk}/"),
                person_data(subject, date_of_birth="1980-05-18"),
            )
        assert response.status_code == 302, response.content.decode()
        subject.refresh_from_db()
        assert subject.date_of_birth == datetime.date(1980, 5, 18)
        event = AuditEvent.objects.get(action="case.correct_subject")
        assert event.before == {"date_of_birth": "1980-05-17"}
        assert event.after == {"date_of_birth": "1980-05-18"}
        assert event.reason == REASON
        lines = ProcessingLogEntry.objects.filter(name="case.correct_subject")
        assert lines.count() == 1  # one person, one line
        assert lines.get().operation == Operation.UPDATE
        assert lines.get().case_id == case.pk
        # Everyone taking part hears of it, by case number and never by name.
        told = Notification.objects.filter(message__contains=case.reference)
        assert {n.user for n in told} >= {cast.participant_a, cast.participant_b}
        assert not told.filter(user=cast.participant_c).exists()
        assert all("Testpersoon" not in n.message for n in told)
        # The case page shows the corrected value.
        body = as_user(cast.participant_a).get(url(cast, case)).content.decode()
        assert "18-5-1980" in body

    def test_a_new_bsn_is_hashed_again_and_never_stored_in_the_audit_trail(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        subject = main_subject(case)
        old_hash = subject.bsn_hash
        response = as_user(cast.process_director).post(
            url(cast, case, f"personen/{subject.pk}/"), person_data(subject, bsn=NEW_BSN)
        )
        assert response.status_code == 302
        subject.refresh_from_db()
        assert subject.bsn == NEW_BSN
        assert subject.bsn_hash == actions.bsn_lookup_hash(NEW_BSN) != old_hash
        event = AuditEvent.objects.get(action="case.correct_subject")
        assert event.before == {"bsn": "•••••2333"}
        assert event.after == {"bsn": "•••••6782"}
        assert TEST_BSN not in str(event.before) + str(event.after)
        # Logged under the person's old and new identity: both access answers find it.
        assert ProcessingLogEntry.objects.filter(name="case.correct_subject").count() == 2
        listing = as_user(cast.process_director).get(
            f"/huizen/{cast.house.slug}/casussen/", {"q": NEW_BSN}
        )
        assert case.reference in listing.content.decode()

    def test_the_bsn_can_be_removed(self, as_user: Any, cast: Cast, case: Case) -> None:
        subject = main_subject(case)
        response = as_user(cast.process_director).post(
            url(cast, case, f"personen/{subject.pk}/"), person_data(subject, remove_bsn="on")
        )
        assert response.status_code == 302
        subject.refresh_from_db()
        assert subject.bsn == ""
        assert subject.bsn_hash == ""

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"reason": "te kort"}, "at least 10 characters"),
            ({"reason": ""}, "This field is required"),
            ({"bsn": "123456789"}, "eleven-test"),
            ({"bsn": "12345"}, "BSN"),
            ({"first_name": ""}, "This field is required"),
            ({"date_of_birth": "2999-01-01"}, "future"),
            ({"bsn": NEW_BSN, "remove_bsn": "on"}, "not both"),
            ({}, "Nothing was changed"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_saved(
        self, as_user: Any, cast: Cast, case: Case, changes: dict[str, Any], message: str
    ) -> None:
        subject = main_subject(case)
        response = as_user(cast.process_director).post(
            url(cast, case, f"personen/{subject.pk}/"), person_data(subject, **changes)
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert 'role="alert"' in body
        assert message.lower() in body.lower(), body[body.find("fouten") :][:800]
        fresh = Subject.objects.get(pk=subject.pk)
        assert (fresh.first_name, fresh.date_of_birth, fresh.bsn) == (
            "Jan",
            datetime.date(1980, 5, 17),
            TEST_BSN,
        )
        assert not AuditEvent.objects.filter(action="case.correct_subject").exists()

    def test_case_director_may_correct(self, as_user: Any, cast: Cast, case: Case) -> None:
        actions.do_set_directors(
            case,
            process_director=cast.process_director,
            case_director=cast.participant_b,
            case_director_organisation=cast.org_b,
            actor=cast.process_director,
        )
        subject = main_subject(case)
        client = as_user(cast.participant_b)
        assert "personen/" in client.get(url(cast, case)).content.decode()
        response = client.post(
            url(cast, case, f"personen/{subject.pk}/"), person_data(subject, address="Markt 1")
        )
        assert response.status_code == 302
        subject.refresh_from_db()
        assert subject.address == "Markt 1"

    @pytest.mark.parametrize(
        "member",
        [
            "participant_a",
            "participant_b",
            "participant_c",
            "privacy_officer",
            "admin",
            "auditor",
            "triage",
            "other_house_user",
        ],
    )
    def test_who_may_not_correct(self, as_user: Any, cast: Cast, case: Case, member: str) -> None:
        subject = main_subject(case)
        client = as_user(cast.members()[member])
        for tail in (
            f"personen/{subject.pk}/",
            "personen/",
            f"personen/{subject.pk}/verwijderen/",
            "gegevens/",
        ):
            assert client.get(url(cast, case, tail)).status_code == 404, (member, tail)
        response = client.post(
            url(cast, case, f"personen/{subject.pk}/"), person_data(subject, first_name="Piet")
        )
        assert response.status_code == 404
        assert main_subject(case).first_name == "Jan"
        with pytest.raises(Exception, match="process director or the case director"):
            actions.do_correct_subject(
                case,
                subject,
                first_name="Piet",
                last_name="Testpersoon",
                date_of_birth=None,
                bsn=None,
                address="",
                reason=REASON,
                actor=cast.members()[member],
            )

    def test_reading_the_correction_pages_is_logged_per_person(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        add_member(case, cast, "Kees")
        as_user(cast.process_director).get(url(cast, case, "personen/"))
        lines = ProcessingLogEntry.objects.filter(name="case.people.read")
        assert lines.count() == 2
        assert set(lines.values_list("operation", flat=True)) == {Operation.READ}

    def test_a_person_of_another_case_is_not_found(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        stranger = actions.create_subject(cast.house, actions.SubjectData("Vreemd", "Persoon"))
        client = as_user(cast.process_director)
        assert client.get(url(cast, case, f"personen/{stranger.pk}/")).status_code == 404
        with pytest.raises(ValidationError):
            actions.do_correct_subject(
                case,
                stranger,
                first_name="Ander",
                last_name="Persoon",
                date_of_birth=None,
                bsn=None,
                address="",
                reason=REASON,
                actor=cast.process_director,
            )

    def test_people_can_be_corrected_after_closure(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        Case.objects.filter(pk=case.pk).update(phase="closed", closed_at=timezone.now())
        subject = main_subject(case)
        response = as_user(cast.process_director).post(
            url(cast, case, f"personen/{subject.pk}/"), person_data(subject, address="Markt 2")
        )
        assert response.status_code == 302
        subject.refresh_from_db()
        assert subject.address == "Markt 2"


class TestCorrectionRequest:
    def register(self, cast: Cast, kind: str = RequestKind.CORRECTION) -> Any:
        return rights.do_register(
            cast.house,
            actor=cast.privacy_officer,
            kind=kind,
            requester="Jan Testpersoon",
            question="Mijn geboortedatum klopt niet.",
            received_on=timezone.localdate(),
            bsn=TEST_BSN,
        )

    def test_carried_out_here_and_recorded_as_done(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        correction = self.register(cast)
        subject = main_subject(case)
        client = as_user(cast.process_director)
        form = client.get(url(cast, case, f"personen/{subject.pk}/")).content.decode()
        assert f'value="{correction.pk}"' in form
        assert "Mijn geboortedatum" not in form  # the request's number and date, no content
        response = client.post(
            url(cast, case, f"personen/{subject.pk}/"),
            person_data(subject, date_of_birth="1980-05-18", request=correction.pk),
        )
        assert response.status_code == 302, response.content.decode()
        correction.refresh_from_db()
        assert correction.status == RequestStatus.GRANTED
        assert correction.closed_at is not None
        assert case.reference in correction.decision_note
        # The person's access answer: the corrected value, and that (and when) the date of
        # birth was corrected, without the old value.
        access = self.register(cast, RequestKind.ACCESS)
        answer = rights.report(access)
        assert answer.people[0]["date_of_birth"] == "18-05-1980"
        assert answer.corrections == [
            {"date": timezone.localdate().strftime("%d-%m-%Y"), "fields": "date of birth"}
        ]
        page = as_user(cast.privacy_officer).get(
            f"/huizen/{cast.house.slug}/privacy/verzoeken/{access.pk}/"
        )
        body = page.content.decode()
        assert "Corrections of these details" in body
        assert "date of birth" in body
        assert "17-05-1980" not in body
        pdf_json = as_user(cast.privacy_officer).get(
            f"/huizen/{cast.house.slug}/privacy/verzoeken/{access.pk}/antwoord.json"
        )
        assert pdf_json.status_code == 200
        assert pdf_json.json()["corrections"] == answer.corrections
        assert "1980-05-17" not in pdf_json.content.decode()
        assert "17-05-1980" not in pdf_json.content.decode()

    def test_a_request_about_someone_else_or_decided_is_refused(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        correction = self.register(cast)
        rights.do_decide(correction, actor=cast.privacy_officer, status="refused", note="Nee.")
        subject = main_subject(case)
        with pytest.raises(ValidationError) as error:
            actions.do_correct_subject(
                case,
                subject,
                first_name="Jan",
                last_name="Testpersoon",
                date_of_birth=datetime.date(1980, 5, 18),
                bsn=None,
                address="",
                reason=REASON,
                actor=cast.process_director,
                request=correction,
            )
        assert "request" in error.value.message_dict
        subject.refresh_from_db()
        assert subject.date_of_birth == datetime.date(1980, 5, 17)
        response = as_user(cast.process_director).post(
            url(cast, case, f"personen/{subject.pk}/"),
            person_data(subject, date_of_birth="1980-05-18", request=correction.pk),
        )
        assert response.status_code == 400


class TestFamily:
    def test_add_correct_and_remove_a_family_member(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        client = as_user(cast.process_director)
        response = client.post(
            url(cast, case, "personen/"),
            {
                "action": "add_person",
                "persoon-first_name": "Kees",
                "persoon-last_name": "Testpersoon",
                "persoon-date_of_birth": "2012-07-01",
                "persoon-relation_to_main": "child",
                "persoon-reason": "Zoon ontbrak in de melding.",
            },
        )
        assert response.status_code == 302, response.content.decode()
        link = CaseSubject.objects.get(case=case, is_main=False)
        assert (link.subject.first_name, link.relation_to_main) == ("Kees", "child")
        assert ProcessingLogEntry.objects.filter(name="case.add_person").count() == 1
        response = client.post(
            url(cast, case, f"personen/{link.subject_id}/"),
            person_data(link.subject, relation_to_main="child", has_authority="on"),
        )
        assert response.status_code == 302
        link.refresh_from_db()
        assert link.has_authority
        response = client.post(
            url(cast, case, f"personen/{link.subject_id}/verwijderen/"),
            {"reason": "Verkeerd gezin gekoppeld."},
        )
        assert response.status_code == 302
        assert not CaseSubject.objects.filter(pk=link.pk).exists()
        assert Subject.objects.filter(pk=link.subject_id).exists()  # the referral keeps them
        event = AuditEvent.objects.get(action="case.remove_person")
        assert event.reason == "Verkeerd gezin gekoppeld."

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"persoon-bsn": "123456789"}, "eleven-test"),
            ({"persoon-relation_to_main": ""}, "required"),
            ({"persoon-reason": "kort"}, "at least 10 characters"),
            ({"persoon-last_name": ""}, "required"),
            ({"persoon-bsn": TEST_BSN}, "already part of the case"),
        ],
    )
    def test_bad_family_member_input(
        self, as_user: Any, cast: Cast, case: Case, changes: dict[str, str], message: str
    ) -> None:
        body = {
            "action": "add_person",
            "persoon-first_name": "Kees",
            "persoon-last_name": "Testpersoon",
            "persoon-relation_to_main": "child",
            "persoon-reason": "Zoon ontbrak in de melding.",
            **changes,
        }
        response = as_user(cast.process_director).post(url(cast, case, "personen/"), body)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert case.case_subjects.count() == 1

    def test_the_main_person_cannot_be_removed(self, as_user: Any, cast: Cast, case: Case) -> None:
        subject = main_subject(case)
        response = as_user(cast.process_director).post(
            url(cast, case, f"personen/{subject.pk}/verwijderen/"),
            {"reason": "Poging de hoofdpersoon te verwijderen."},
        )
        assert response.status_code == 400
        assert "main person cannot be removed" in response.content.decode()
        assert case.case_subjects.filter(is_main=True, subject=subject).exists()
        assert not AuditEvent.objects.filter(action="case.remove_person").exists()


class TestRelations:
    def test_relations_between_two_other_persons(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        mother = add_member(case, cast, "Mia", "partner").subject
        child = add_member(case, cast, "Kees").subject
        client = as_user(cast.process_director)
        response = client.post(
            url(cast, case, "personen/"),
            {
                "action": "add_relation",
                "relatie-subject": mother.pk,
                "relatie-kind": "parent",
                "relatie-other": child.pk,
                "relatie-has_authority": "on",
                "relatie-reason": "Moeder heeft het gezag over Kees.",
            },
        )
        assert response.status_code == 302, response.content.decode()
        relation = SubjectRelation.objects.get(case=case)
        assert (relation.subject, relation.other, relation.has_authority) == (mother, child, True)
        lines = ProcessingLogEntry.objects.filter(name="case.add_relation")
        assert lines.count() == 2  # one per person of the relation
        body = as_user(cast.participant_a).get(url(cast, case)).content.decode()
        assert "Mia Testpersoon is parent of Kees Testpersoon" in body
        # Removing needs a reason too.
        short = client.post(
            url(cast, case, "personen/"),
            {"action": "remove_relation", "relation": relation.pk, "weg-reason": "nee"},
        )
        assert short.status_code == 400
        assert SubjectRelation.objects.filter(pk=relation.pk).exists()
        done = client.post(
            url(cast, case, "personen/"),
            {
                "action": "remove_relation",
                "relation": relation.pk,
                "weg-reason": "Gezag ligt bij de voogd.",
            },
        )
        assert done.status_code == 302
        assert not SubjectRelation.objects.exists()

    def test_bad_relations_are_refused(self, cast: Cast, case: Case) -> None:
        mother = add_member(case, cast, "Mia", "partner").subject
        child = add_member(case, cast, "Kees").subject
        main = main_subject(case)
        stranger = actions.create_subject(cast.house, actions.SubjectData("Vreemd", "Persoon"))

        def relate(subject: Subject, other: Subject, **kw: Any) -> None:
            actions.do_add_relation(
                case,
                subject,
                other,
                kind=kw.get("kind", "parent"),
                has_authority=False,
                reason=kw.get("reason", "Relatie vastleggen."),
                actor=cast.process_director,
            )

        for subject, other, kw, field, text in [
            (mother, mother, {}, "other", "themselves"),
            (mother, stranger, {}, "other", "not part of this case"),
            (stranger, child, {}, "subject", "not part of this case"),
            (mother, main, {}, "other", "main person"),
            (mother, child, {"kind": "cousin"}, "kind", "list"),
            (mother, child, {"reason": "kort"}, "reason", "10"),
        ]:
            with pytest.raises(ValidationError) as error:
                relate(subject, other, **kw)
            assert text in " ".join(error.value.message_dict[field]), (field, text)
        relate(mother, child)
        with pytest.raises(ValidationError) as error:
            relate(child, mother, kind="child")
        assert "already have a relation" in str(error.value)
        assert SubjectRelation.objects.count() == 1

    def test_removing_a_person_removes_their_relations(self, cast: Cast, case: Case) -> None:
        mother = add_member(case, cast, "Mia", "partner").subject
        child = add_member(case, cast, "Kees").subject
        actions.do_add_relation(
            case,
            mother,
            child,
            kind="parent",
            has_authority=True,
            reason="Relatie vastleggen.",
            actor=cast.process_director,
        )
        actions.do_remove_family_member(
            case, child, reason="Kees woont niet meer thuis.", actor=cast.process_director
        )
        assert not SubjectRelation.objects.exists()

    def test_people_page_queries_do_not_grow_with_persons(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        first = add_member(case, cast, "Mia", "partner").subject
        second = add_member(case, cast, "Kees").subject
        actions.do_add_relation(
            case,
            first,
            second,
            kind="parent",
            has_authority=False,
            reason="Relatie vastleggen.",
            actor=cast.process_director,
        )
        client = as_user(cast.process_director)
        client.get(url(cast, case, "personen/"))
        with CaptureQueriesContext(connection) as few:
            assert client.get(url(cast, case, "personen/")).status_code == 200
        names = ["Anna", "Bram", "Cas", "Dirk", "Eva"]
        for name in names:
            child = add_member(case, cast, name).subject
            actions.do_add_relation(
                case,
                first,
                child,
                kind="parent",
                has_authority=False,
                reason="Relatie vastleggen.",
                actor=cast.process_director,
            )
        with CaptureQueriesContext(connection) as many:
            body = client.get(url(cast, case, "personen/")).content.decode()
        assert all(name in body for name in names)
        assert len(many) == len(few)


class TestCaseDetails:
    def data(self, **changes: str) -> dict[str, str]:
        return {
            "title": "Jan Testpersoon",
            "urgency": "high",
            "municipality": "Heuvelstad",
            "neighbourhood": "Binnenstad",
            "postcode_area": "6211",
            "reason": "Overlast blijkt ernstiger dan gemeld.",
            **changes,
        }

    def test_title_urgency_and_area(self, as_user: Any, cast: Cast, case: Case) -> None:
        response = as_user(cast.process_director).post(url(cast, case, "gegevens/"), self.data())
        assert response.status_code == 302, response.content.decode()
        case.refresh_from_db()
        assert (case.urgency, case.municipality, case.neighbourhood, case.postcode_area) == (
            "high",
            "Heuvelstad",
            "Binnenstad",
            "6211",
        )
        event = AuditEvent.objects.get(action="case.update_details")
        assert event.before == {
            "urgency": "normal",
            "municipality": "",
            "neighbourhood": "",
            "postcode_area": "",
        }
        # One line per person of the case.
        assert ProcessingLogEntry.objects.filter(name="case.update_details").count() == 1
        assert "Heuvelstad, Binnenstad (6211)" in (
            as_user(cast.participant_a).get(url(cast, case)).content.decode()
        )

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"postcode_area": "12a4"}, "four digits"),
            ({"postcode_area": "12345"}, "four digits"),
            ({"urgency": "someday"}, "valid choice"),
            ({"title": ""}, "required"),
            ({"reason": "kort"}, "at least 10 characters"),
        ],
    )
    def test_bad_input(
        self, as_user: Any, cast: Cast, case: Case, changes: dict[str, str], message: str
    ) -> None:
        response = as_user(cast.process_director).post(
            url(cast, case, "gegevens/"), self.data(**changes)
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        case.refresh_from_db()
        assert (case.urgency, case.postcode_area) == ("normal", "")

    def test_municipality_from_the_house_list(self, as_user: Any, cast: Cast, case: Case) -> None:
        for town in ("Heuvelstad", "Daldorp"):
            org = Organisation.objects.create(
                name=f"Gemeente {town}", kind=OrganisationKind.MUNICIPALITY
            )
            Partnership.objects.create(house=cast.house, organisation=org, ring=Ring.KEY)
        client = as_user(cast.process_director)
        form = client.get(url(cast, case, "gegevens/")).content.decode()
        assert '<option value="Daldorp">' in form
        refused = client.post(url(cast, case, "gegevens/"), self.data(municipality="Elders"))
        assert refused.status_code == 400
        with pytest.raises(ValidationError, match="Daldorp, Heuvelstad"):
            actions.do_update_case_details(
                case,
                title="Jan",
                urgency="normal",
                municipality="Elders",
                neighbourhood="",
                postcode_area="",
                reason="Gemeente vastleggen.",
                actor=cast.process_director,
            )
        actions.do_update_case_details(
            case,
            title="Jan",
            urgency="normal",
            municipality="gemeente dalDORP",
            neighbourhood="",
            postcode_area="",
            reason="Gemeente vastleggen.",
            actor=cast.process_director,
        )
        case.refresh_from_db()
        assert case.municipality == "Daldorp"

    def test_closed_case_details_cannot_change(self, as_user: Any, cast: Cast, case: Case) -> None:
        Case.objects.filter(pk=case.pk).update(phase="closed", closed_at=timezone.now())
        response = as_user(cast.process_director).post(url(cast, case, "gegevens/"), self.data())
        assert response.status_code == 404
