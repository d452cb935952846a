"""The case page, its actions, the list with search, and who may see any of it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.cases import actions
from casusregie.cases.models import Case, PhaseChange
from casusregie.conftest import Cast
from casusregie.inbox.models import Notification
from casusregie.privacy.models import ProcessingLogEntry


def url(cast: Cast, case: Case, tail: str = "") -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/{tail}"


def move(case: Case, *phases: str, actor) -> Case:
    for phase in phases:
        case = actions.do_transition_case(case, phase, actor=actor)
    return case


@pytest.mark.django_db
class TestWhoSeesTheCase:
    def test_participants_and_staff_see_it_others_do_not(self, as_user, cast: Cast, case) -> None:
        expected = {
            "process_director": 200,
            "triage": 200,
            "participant_a": 200,
            "participant_b": 200,
            "participant_c": 404,
            "other_house_user": 404,
            "admin": 404,
        }
        for member, status in expected.items():
            assert as_user(cast.members()[member]).get(url(cast, case)).status_code == status, (
                member
            )

    def test_anonymous_goes_to_login(self, client, cast: Cast, case) -> None:
        assert client.get(url(cast, case))["Location"].startswith("/inloggen/")

    def test_list_shows_only_visible_cases(self, as_user, cast: Cast, case) -> None:
        listing = f"/huizen/{cast.house.slug}/casussen/"
        assert case.reference in as_user(cast.participant_b).get(listing).content.decode()
        assert case.reference not in as_user(cast.participant_c).get(listing).content.decode()
        assert as_user(cast.other_house_user).get(listing).status_code == 404

    def test_ended_participation_ends_access(self, as_user, cast: Cast, case) -> None:
        from django.utils import timezone

        case.participations.filter(organisation=cast.org_b).update(ended_at=timezone.now())
        assert as_user(cast.participant_b).get(url(cast, case)).status_code == 404

    def test_reading_is_logged_per_subject(self, as_user, cast: Cast, case) -> None:
        as_user(cast.participant_a).get(url(cast, case))
        entry = ProcessingLogEntry.objects.get(name="case.read")
        assert entry.operation == "read"
        assert entry.case_id == case.pk
        assert entry.data_subject_id_type == "bsn"
        # Pseudonymised: neither the BSN nor the name is in the log.
        assert "111222333" not in entry.data_subject_id


@pytest.mark.django_db
class TestDirectors:
    def test_both_directors_always_on_top(self, as_user, cast: Cast, case) -> None:
        client = as_user(cast.process_director)
        response = client.post(
            url(cast, case, "regie/"),
            {
                "process_director": cast.process_director.pk,
                "case_director": cast.participant_b.pk,
                "case_director_organisation": cast.org_b.pk,
            },
        )
        assert response.status_code == 302
        body = as_user(cast.participant_a).get(url(cast, case)).content.decode()
        owners = body[body.index("app-owners") : body.index("</dl>", body.index("app-owners"))]
        assert "Paula Regisseur" in owners
        assert "Bea Woning" in owners
        assert "Woonstichting Heuvelland-test" in owners
        assert Notification.objects.filter(user=cast.participant_b).exists()

    def test_case_director_must_work_for_the_organisation(self, as_user, cast: Cast, case) -> None:
        response = as_user(cast.process_director).post(
            url(cast, case, "regie/"),
            {
                "process_director": cast.process_director.pk,
                "case_director": cast.participant_b.pk,
                "case_director_organisation": cast.org_a.pk,
            },
        )
        assert response.status_code == 400
        case.refresh_from_db()
        assert case.case_director is None

    def test_warning_without_case_director_after_meeting(self, as_user, cast: Cast, case) -> None:
        assert (
            "heeft geen casusregisseur"
            not in as_user(cast.process_director).get(url(cast, case)).content.decode()
        )
        move(case, "meeting", "plan", actor=cast.process_director)
        body = as_user(cast.process_director).get(url(cast, case)).content.decode()
        assert "heeft geen casusregisseur" in body

    def test_partners_cannot_name_directors(self, as_user, cast: Cast, case) -> None:
        response = as_user(cast.participant_a).post(
            url(cast, case, "regie/"),
            {"case_director": cast.participant_a.pk, "case_director_organisation": cast.org_a.pk},
        )
        assert response.status_code == 404


@pytest.mark.django_db
class TestPhases:
    def test_allowed_transition_is_recorded(self, as_user, cast: Cast, case) -> None:
        response = as_user(cast.process_director).post(
            url(cast, case, "fase/"), {"target": "meeting"}
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.phase == "meeting"
        assert PhaseChange.objects.filter(case=case, to_phase="meeting").exists()

    def test_forbidden_transition_gives_a_clear_error(self, as_user, cast: Cast, case) -> None:
        response = as_user(cast.process_director).post(
            url(cast, case, "fase/"), {"target": "aftercare"}
        )
        assert response.status_code == 400
        assert "kan niet van" in response.content.decode()
        case.refresh_from_db()
        assert case.phase == "preparation"

    def test_aftercare_sets_the_watch_period_and_reopens_with_reason(
        self, as_user, cast: Cast, case
    ) -> None:
        case = move(case, "meeting", "plan", "execution", "aftercare", actor=cast.process_director)
        assert case.aftercare_until == timezone.localdate() + datetime.timedelta(weeks=26)
        client = as_user(cast.process_director)
        assert client.post(url(cast, case, "fase/"), {"target": "execution"}).status_code == 400
        response = client.post(
            url(cast, case, "fase/"), {"target": "execution", "reason": "Opnieuw overlast"}
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.phase == "execution"
        assert case.aftercare_until is None

    def test_closing_needs_outcome_and_note(self, as_user, cast: Cast, case) -> None:
        client = as_user(cast.process_director)
        assert client.post(url(cast, case, "fase/"), {"target": "closed"}).status_code == 400
        assert (
            client.post(url(cast, case, "afsluiten/"), {"outcome": "manageable"}).status_code == 400
        )
        case.refresh_from_db()
        assert case.is_open

    def test_closure_informs_everyone_and_starts_retention(
        self, as_user, cast: Cast, case, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = as_user(cast.process_director).post(
                url(cast, case, "afsluiten/"),
                {
                    "outcome": "manageable",
                    "note": "Stabiel; hulp loopt via de wijk.",
                    "score_housing": "4",
                    "score_finances": "3",
                },
            )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.phase == "closed"
        assert case.retention_until == actions.add_years(timezone.localdate(), 5)
        told = set(Notification.objects.values_list("user__email", flat=True))
        assert {"a@test.invalid", "b@test.invalid"} <= told
        assert "c@test.invalid" not in told
        assert (
            as_user(cast.process_director)
            .post(url(cast, case, "fase/"), {"target": "meeting"})
            .status_code
            == 404
        )


@pytest.mark.django_db
class TestAssessment:
    def test_chart_and_table_show_change(self, as_user, cast: Cast, case) -> None:
        client = as_user(cast.process_director)
        client.post(
            url(cast, case, "zelfredzaamheid/"),
            {"moment": "intake", "score_housing": "1", "score_finances": "2"},
        )
        client.post(
            url(cast, case, "zelfredzaamheid/"),
            {"moment": "review", "score_housing": "4", "score_finances": "2"},
        )
        body = client.get(url(cast, case)).content.decode()
        assert "<svg" in body
        assert "<td>Huisvesting</td><td>1</td><td>4</td><td>+3</td>" in body

    @pytest.mark.parametrize(
        "data",
        [
            {"moment": "intake"},
            {"moment": "intake", "score_housing": "7"},
            {"moment": "someday", "score_housing": "3"},
        ],
    )
    def test_bad_scores_are_refused(self, as_user, cast: Cast, case, data) -> None:
        response = as_user(cast.process_director).post(url(cast, case, "zelfredzaamheid/"), data)
        assert response.status_code == 400
        assert not case.assessments.exists()


@pytest.mark.django_db
class TestListAndSearch:
    def listing(self, as_user, cast: Cast, **params) -> str:
        return (
            as_user(cast.process_director)
            .get(f"/huizen/{cast.house.slug}/casussen/", params)
            .content.decode()
        )

    def test_search_by_name_birth_date_and_bsn(self, as_user, cast: Cast, case) -> None:
        assert case.reference in self.listing(as_user, cast, q="testpersoon")
        assert case.reference in self.listing(as_user, cast, q="17-05-1980")
        assert case.reference in self.listing(as_user, cast, q="111222333")
        assert case.reference not in self.listing(as_user, cast, q="18-05-1980")
        assert case.reference not in self.listing(as_user, cast, q="123456782")

    def test_filters(self, as_user, cast: Cast, case) -> None:
        assert case.reference in self.listing(as_user, cast, organisation=cast.org_b.pk)
        assert case.reference not in self.listing(as_user, cast, organisation=cast.org_c.pk)
        assert case.reference not in self.listing(as_user, cast, phase="execution")
        assert case.reference in self.listing(as_user, cast, phase="preparation")

    def test_bad_filter_input_is_reported(self, as_user, cast: Cast, case) -> None:
        body = self.listing(as_user, cast, older_than="veel")
        assert 'role="alert"' in body

    def test_query_count_does_not_grow_with_cases(self, as_user, cast: Cast, case) -> None:
        client = as_user(cast.participant_a)
        listing = f"/huizen/{cast.house.slug}/casussen/"
        client.get(listing)
        with CaptureQueriesContext(connection) as few:
            client.get(listing)
        for number in range(15):
            subject = actions.create_subject(cast.house, actions.SubjectData(f"P{number}", "Extra"))
            actions.create_case(
                cast.house,
                kind="person",
                title=f"P{number}",
                urgency="normal",
                subjects=[(subject, True, "", False)],
                actor=cast.process_director,
                process_director=cast.process_director,
                participants=[(cast.org_a, "Deelnemer", "Test")],
            )
        with CaptureQueriesContext(connection) as many:
            response = client.get(listing)
        assert response.content.decode().count("/casussen/") >= 16
        assert len(many) == len(few)
