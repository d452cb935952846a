"""Who takes part, and until when (decision 0045): the process director ends an organisation's
participation with a reason and a date; from then on its people see nothing of the case (the
case page, its plan, its meeting item, the API, the case file, what they wrote themselves) and
cannot add to it, while the other participants see everything as before."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from casusregie.cases import actions
from casusregie.cases.models import Case, Participation
from casusregie.conftest import Cast
from casusregie.inbox.models import Notification
from casusregie.meetings.actions import do_add_contribution, do_plan_meeting
from casusregie.meetings.models import Audience, Contribution
from casusregie.plans.actions import ActionData, do_create_actions
from casusregie.plans.models import Action, ActionStatus
from casusregie.privacy import policy
from casusregie.privacy.models import AuditEvent, Operation, ProcessingLogEntry

pytestmark = pytest.mark.django_db

REASON = "Huisvesting is geregeld; de woonstichting heeft geen rol meer."


@pytest.fixture
def as_user(as_user: Any) -> Any:
    """Pages in English (decision 0006): the messages asserted are the source strings."""

    def client(user: Any) -> Any:
        made = as_user(user)
        made.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return made

    return client


def url(cast: Cast, case: Case, tail: str = "") -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/{tail}"


def end(cast: Cast, case: Case, **changes: Any) -> Participation:
    arguments: dict[str, Any] = {"actor": cast.process_director, "reason": REASON, **changes}
    return actions.do_end_participation(case, cast.org_b, **arguments)


@pytest.fixture
def world(cast: Cast, case: Case) -> dict[str, Any]:
    """A meeting with the case on its agenda, a contribution of B for everyone and one for B
    itself, and a finished action of B."""
    meeting = do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, True)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )
    item = meeting.agenda.get()
    for text, audience in (
        ("Woning-inbreng-Merel", Audience.ALL_PARTICIPANTS),
        ("Eigen-Vink", "own"),
    ):
        do_add_contribution(
            item, text=text, purpose="Huisvesting", audience=audience, actor=cast.participant_b
        )
    (done,) = do_create_actions(
        case,
        [
            ActionData(
                "Woning: huurschuld-Specht",
                cast.org_b,
                timezone.localdate() + datetime.timedelta(days=7),
                owner=cast.participant_b,
            )
        ],
        actor=cast.process_director,
    )
    Action.objects.filter(pk=done.pk).update(status=ActionStatus.DONE)
    return {"meeting": meeting, "item": item, "action": done}


def doors(cast: Cast, case: Case, world: dict[str, Any]) -> dict[str, str]:
    slug = cast.house.slug
    return {
        "case page": url(cast, case),
        "plan": url(cast, case, "plan/"),
        "case file": url(cast, case, "dossier/pdf/"),
        "case API": f"/api/v1/houses/{slug}/cases/{case.pk}",
        "action": f"/huizen/{slug}/acties/{world['action'].pk}/",
    }


def contribute(as_user: Any, cast: Cast, world: dict[str, Any], user: Any) -> Any:
    meeting, item = world["meeting"], world["item"]
    return as_user(user).post(
        f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/inbreng/{item.pk}/",
        {"text": "Nieuwe inbreng", "purpose": "Huisvesting", "audience": "all"},
    )


class TestEndingAParticipation:
    def test_the_organisation_loses_the_whole_case_and_others_keep_it(
        self,
        as_user: Any,
        cast: Cast,
        case: Case,
        world: dict[str, Any],
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        for who in (cast.participant_a, cast.participant_b):
            for name, path in doors(cast, case, world).items():
                expected = 404 if (who, name) == (cast.participant_a, "action") else 200
                assert as_user(who).get(path).status_code == expected, (who, name)
        assert policy.visible(cast.participant_b, Contribution).count() == 2

        with django_capture_on_commit_callbacks(execute=True):
            response = as_user(cast.process_director).post(
                url(cast, case, f"deelnemers/{cast.org_b.pk}/beeindigen/"),
                {"ended_on": timezone.localdate().isoformat(), "reason": REASON},
            )
        assert response.status_code == 302, response.content.decode()

        for name, path in doors(cast, case, world).items():
            assert as_user(cast.participant_b).get(path).status_code == 404, name
        # No new contributions, and none of what B wrote itself.
        assert contribute(as_user, cast, world, cast.participant_b).status_code == 404
        assert not policy.visible(cast.participant_b, Contribution).exists()
        assert not policy.visible(cast.participant_b, Action).exists()
        meeting_page = as_user(cast.participant_b).get(
            f"/huizen/{cast.house.slug}/overleggen/{world['meeting'].pk}/"
        )
        body = meeting_page.content.decode()
        assert case.reference not in body
        assert "Woning-inbreng-Merel" not in body
        assert "Eigen-Vink" not in body
        # A takes part as before: everything, B's contribution for everyone included.
        for name, path in doors(cast, case, world).items():
            expected = 404 if name == "action" else 200
            assert as_user(cast.participant_a).get(path).status_code == expected, name
        assert contribute(as_user, cast, world, cast.participant_a).status_code == 302
        texts = {c.text for c in policy.visible(cast.participant_a, Contribution)}
        assert "Woning-inbreng-Merel" in texts
        assert "Eigen-Vink" not in texts
        # Recorded: the end, the audit row with the reason, a log line per person; B is told.
        participation = Participation.objects.get(case=case, organisation=cast.org_b)
        assert participation.ended_at is not None
        event = AuditEvent.objects.get(action="case.end_participant")
        assert event.reason == REASON
        assert event.before["ended_at"] is None
        lines = ProcessingLogEntry.objects.filter(name="case.end_participant")
        assert lines.count() == 1
        assert lines.get().operation == Operation.UPDATE
        told = Notification.objects.get(user=cast.participant_b, message__contains="no longer")
        assert case.reference in told.message
        assert "Testpersoon" not in told.message
        assert not Notification.objects.filter(
            user=cast.participant_a, message__contains="no longer"
        ).exists()

    def test_participants_page_shows_since_and_until(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        end(cast, case, ended_on=timezone.localdate() - datetime.timedelta(days=0))
        body = as_user(cast.process_director).get(url(cast, case, "deelnemers/")).content.decode()
        today = timezone.localdate().strftime("%d-%m-%Y")
        assert "Woonstichting Heuvelland-test" in body
        assert body.count(today) >= 3  # since (A, B) and until (B)
        assert f"deelnemers/{cast.org_a.pk}/beeindigen/" in body
        assert f"deelnemers/{cast.org_b.pk}/beeindigen/" not in body

    def test_an_ended_organisation_can_take_part_again(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        end(cast, case)
        response = as_user(cast.process_director).post(
            url(cast, case, "deelnemers/"),
            {"organisation": cast.org_b.pk, "role": "Deelnemer", "purpose": "Nieuwe woning"},
        )
        assert response.status_code == 302
        assert as_user(cast.participant_b).get(url(cast, case)).status_code == 200
        assert case.participations.filter(organisation=cast.org_b).count() == 2

    def test_participants_page_queries_do_not_grow(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from casusregie.houses.models import Organisation, OrganisationKind, Partnership, Ring

        client = as_user(cast.process_director)
        client.get(url(cast, case, "deelnemers/"))
        with CaptureQueriesContext(connection) as few:
            client.get(url(cast, case, "deelnemers/"))
        for number in range(6):
            org = Organisation.objects.create(name=f"Partner-{number}", kind=OrganisationKind.OTHER)
            Partnership.objects.create(house=cast.house, organisation=org, ring=Ring.FLEXIBLE)
            actions.do_add_participation(
                case, org, role="Deelnemer", purpose="Test", actor=cast.process_director
            )
            if number % 2:
                actions.do_end_participation(case, org, actor=cast.process_director, reason=REASON)
        with CaptureQueriesContext(connection) as many:
            body = client.get(url(cast, case, "deelnemers/")).content.decode()
        assert "Partner-5" in body
        assert len(many) == len(few)

    def test_bad_add_input(self, as_user: Any, cast: Cast, case: Case) -> None:
        client = as_user(cast.process_director)
        for body, message in [
            ({"organisation": cast.org_b.pk, "role": "X", "purpose": "Y"}, "already takes part"),
            ({"organisation": cast.org_c.pk, "role": "X", "purpose": ""}, "required"),
            ({"organisation": 99999, "role": "X", "purpose": "Y"}, "valid choice"),
        ]:
            response = client.post(url(cast, case, "deelnemers/"), body)
            assert response.status_code == 400
            assert message in response.content.decode()
        assert not case.participations.filter(organisation=cast.org_c).exists()


class TestRefusals:
    def test_an_ended_participation_cannot_end_again(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        end(cast, case)
        with pytest.raises(ValidationError, match="does not take part"):
            end(cast, case)
        response = as_user(cast.process_director).post(
            url(cast, case, f"deelnemers/{cast.org_b.pk}/beeindigen/"),
            {"ended_on": timezone.localdate().isoformat(), "reason": REASON},
        )
        assert response.status_code == 400
        assert "does not take part" in response.content.decode()
        assert AuditEvent.objects.filter(action="case.end_participant").count() == 1

    def test_not_the_case_directors_organisation(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        actions.do_set_directors(
            case,
            process_director=cast.process_director,
            case_director=cast.participant_b,
            case_director_organisation=cast.org_b,
            actor=cast.process_director,
        )
        response = as_user(cast.process_director).post(
            url(cast, case, f"deelnemers/{cast.org_b.pk}/beeindigen/"),
            {"ended_on": timezone.localdate().isoformat(), "reason": REASON},
        )
        assert response.status_code == 400
        assert "organisation of the case director" in response.content.decode()
        assert case.participations.get(organisation=cast.org_b).ended_at is None

    def test_not_while_it_owns_open_actions(self, cast: Cast, case: Case) -> None:
        do_create_actions(
            case,
            [
                ActionData(
                    "Betalingsregeling-Gaai",
                    cast.org_b,
                    timezone.localdate() + datetime.timedelta(days=7),
                )
            ],
            actor=cast.process_director,
        )
        with pytest.raises(ValidationError, match="A1 Betalingsregeling-Gaai"):
            end(cast, case)
        assert case.participations.get(organisation=cast.org_b).ended_at is None

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"reason": "kort"}, "at least 10 characters"),
            ({"reason": ""}, "required"),
            ({"ended_on": "2999-01-01"}, "cannot be in the future"),
            ({"ended_on": "2000-01-01"}, "before the organisation started"),
            ({"ended_on": "gisteren"}, "valid date"),
        ],
    )
    def test_bad_input(
        self, as_user: Any, cast: Cast, case: Case, body: dict[str, str], message: str
    ) -> None:
        data = {"ended_on": timezone.localdate().isoformat(), "reason": REASON, **body}
        response = as_user(cast.process_director).post(
            url(cast, case, f"deelnemers/{cast.org_b.pk}/beeindigen/"), data
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        assert case.participations.get(organisation=cast.org_b).ended_at is None

    def test_an_organisation_that_never_took_part_is_not_found(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        response = as_user(cast.process_director).get(
            url(cast, case, f"deelnemers/{cast.org_c.pk}/beeindigen/")
        )
        assert response.status_code == 404

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
    def test_only_the_process_director(
        self, as_user: Any, cast: Cast, case: Case, member: str
    ) -> None:
        user = cast.members()[member]
        client = as_user(user)
        assert client.get(url(cast, case, "deelnemers/")).status_code == 404
        response = client.post(
            url(cast, case, f"deelnemers/{cast.org_b.pk}/beeindigen/"),
            {"ended_on": timezone.localdate().isoformat(), "reason": REASON},
        )
        assert response.status_code == 404
        with pytest.raises(Exception, match="process director"):
            end(cast, case, actor=user)
        assert case.participations.get(organisation=cast.org_b).ended_at is None

    def test_closed_case_participations_do_not_change(
        self, as_user: Any, cast: Cast, case: Case
    ) -> None:
        Case.objects.filter(pk=case.pk).update(phase="closed", closed_at=timezone.now())
        assert as_user(cast.process_director).get(url(cast, case, "deelnemers/")).status_code == 404
