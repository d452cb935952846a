"""Four-eyes for role grants (issue 22, finding 3; decision 0040).

A functional administrator who gives a role that opens personal data or manages roles only asks
for it: another functional administrator or the house manager approves or rejects the request.
Nobody gives themselves a role, nobody approves their own request or a role for themselves, and
every request, approval and rejection is in the audit trail.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.accounts.models import GrantStatus, Membership, RoleGrant, User
from casusregie.accounts.roles import FOUR_EYES_ROLES, GRANT_APPROVER_ROLES, Role
from casusregie.conftest import Cast, make_user
from casusregie.houses import actions
from casusregie.houses.models import House
from casusregie.privacy import policy
from casusregie.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def url(cast: Cast, tail: str, house: House | None = None) -> str:
    return f"/huizen/{(house or cast.house).slug}/{tail}"


def second_admin(cast: Cast) -> User:
    return make_user(
        "beheer2@test.invalid", "Bea Beheer", cast.house, cast.staff, Role.FUNCTIONAL_ADMIN
    )


def house_manager(cast: Cast) -> User:
    return make_user("keten@test.invalid", "Kees Keten", cast.house, cast.staff, Role.HOUSE_MANAGER)


def roles_of(user: User, house: House) -> set[str]:
    return set(
        Membership.objects.active().filter(user=user, house=house).values_list("role", flat=True)
    )


def messages_of(response: Any) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def ask(as_user: Any, cast: Cast, person: User, role: str = "process_director") -> Any:
    return as_user(cast.admin).post(
        url(cast, f"mensen/{person.pk}/"), {"organisation": cast.staff.pk, "role": role}
    )


def test_the_roles_that_wait_for_a_second_person() -> None:
    assert set(policy.STAFF_ROLES) | set(policy.PARTNER_ROLES) <= FOUR_EYES_ROLES
    assert set(GRANT_APPROVER_ROLES) <= FOUR_EYES_ROLES
    assert Role.PRIVACY_OFFICER in FOUR_EYES_ROLES
    assert set(Role) - FOUR_EYES_ROLES == {Role.AUDITOR}


class TestTheAttack:
    """`POST /huizen/<house>/mensen/<own id>/ role=process_director` by the administrator."""

    def test_administrator_cannot_give_himself_the_process_director_role(
        self, as_user: Any, cast: Cast, case: Any
    ) -> None:
        client = as_user(cast.admin)
        response = client.post(
            url(cast, f"mensen/{cast.admin.pk}/"),
            {"organisation": cast.staff.pk, "role": "process_director"},
        )
        assert response.status_code == 400
        assert "U kunt uzelf geen rol geven" in response.content.decode()
        assert roles_of(cast.admin, cast.house) == {"functional_admin"}
        assert not RoleGrant.objects.exists()
        assert not AuditEvent.objects.filter(actor=cast.admin).exists()
        # Nothing readable afterwards: the case, the case list, the API.
        assert client.get(url(cast, f"casussen/{case.pk}/")).status_code == 404
        listing = client.get(url(cast, "casussen/?phase=all")).content.decode()
        assert case.reference not in listing
        assert "Testpersoon" not in listing
        api = client.get(f"/api/v1/houses/{cast.house.slug}/cases/{case.pk}")
        assert api.status_code == 404

    def test_the_request_without_an_organisation_is_refused_too(
        self, as_user: Any, cast: Cast
    ) -> None:
        response = as_user(cast.admin).post(
            url(cast, f"mensen/{cast.admin.pk}/"), {"role": "process_director"}
        )
        assert response.status_code == 400
        assert roles_of(cast.admin, cast.house) == {"functional_admin"}
        assert not RoleGrant.objects.exists()

    @pytest.mark.parametrize("role", ["process_director", "auditor", "partner_participant"])
    def test_nor_any_other_role_for_himself(self, as_user: Any, cast: Cast, role: str) -> None:
        response = as_user(cast.admin).post(
            url(cast, f"mensen/{cast.admin.pk}/"), {"organisation": cast.org_a.pk, "role": role}
        )
        assert response.status_code == 400
        assert "U kunt uzelf geen rol geven" in response.content.decode()
        assert roles_of(cast.admin, cast.house) == {"functional_admin"}
        assert not RoleGrant.objects.exists()

    def test_nor_through_the_add_person_page_with_his_own_address(
        self, as_user: Any, cast: Cast
    ) -> None:
        response = as_user(cast.admin).post(
            url(cast, "mensen/nieuw/"),
            {
                "email": "BEHEER@test.invalid",
                "full_name": "Bert Beheer",
                "organisation": cast.staff.pk,
                "role": "triage_member",
            },
        )
        assert response.status_code == 400
        assert "U kunt uzelf geen rol geven" in response.content.decode()
        assert roles_of(cast.admin, cast.house) == {"functional_admin"}
        assert not RoleGrant.objects.exists()

    def test_nor_through_an_import_file(self, cast: Cast) -> None:
        from casusregie.imports.tests.helpers import people_csv, run_people

        row = {
            "record": "person",
            "email": "beheer@test.invalid",
            "full_name": "Bert Beheer",
            "organisation": "ZVH Heuvelland-test team",
            "role": "process_director",
        }
        job = run_people(cast, people_csv([row]), mode="valid")
        assert any("U kunt uzelf geen rol geven" in issue["reason"] for issue in job.report)
        assert roles_of(cast.admin, cast.house) == {"functional_admin"}
        assert not RoleGrant.objects.exists()

    def test_an_import_puts_its_roles_on_the_list(self, as_user: Any, cast: Cast) -> None:
        from casusregie.imports.tests.helpers import people_csv, run_people

        row = {
            "record": "person",
            "email": "nieuw@test.invalid",
            "full_name": "Nina Nieuw",
            "organisation": "ZVH Heuvelland-test team",
            "role": "process_director",
        }
        job = run_people(cast, people_csv([row]), mode="valid")
        assert job.summary["roles_pending"] == 1
        new = User.objects.get(email="nieuw@test.invalid")
        assert roles_of(new, cast.house) == set()
        assert RoleGrant.objects.get(user=new).requested_by == cast.admin
        page = as_user(cast.admin).get(url(cast, f"importeren/{job.pk}/")).content.decode()
        assert "1 rol wacht op de pagina Personen op goedkeuring door een tweede persoon" in page

    def test_nor_a_sock_puppet_administrator_to_approve_his_requests(
        self, as_user: Any, cast: Cast
    ) -> None:
        """A functional administrator made at once could approve the first one's requests."""
        response = as_user(cast.admin).post(
            url(cast, "mensen/nieuw/"),
            {
                "email": "tweede@test.invalid",
                "full_name": "Tweede Account",
                "organisation": cast.staff.pk,
                "role": "functional_admin",
            },
        )
        assert response.status_code == 302
        puppet = User.objects.get(email="tweede@test.invalid")
        assert roles_of(puppet, cast.house) == set()
        assert RoleGrant.objects.get(user=puppet).status == GrantStatus.PENDING


class TestTwoPeople:
    @pytest.mark.parametrize("approver", [second_admin, house_manager])
    def test_a_grant_waits_until_a_second_person_approves(
        self, as_user: Any, cast: Cast, case: Any, approver: Any, django_capture_on_commit_callbacks
    ) -> None:
        person = cast.participant_c
        response = ask(as_user, cast, person)
        assert response.status_code == 302
        assert "Hij gaat in zodra een andere functioneel beheerder" in messages_of(response)
        grant = RoleGrant.objects.get()
        assert (grant.user, grant.role, grant.status) == (person, "process_director", "pending")
        assert grant.requested_by == cast.admin
        assert roles_of(person, cast.house) == {"partner_participant"}
        assert as_user(person).get(url(cast, f"casussen/{case.pk}/")).status_code == 404
        request_row = AuditEvent.objects.get(action="role_grant.request")
        assert request_row.actor == cast.admin
        assert request_row.object_id == str(grant.pk)
        assert request_row.after == {
            "user": person.pk,
            "organisation": cast.staff.pk,
            "role": "process_director",
            "status": "pending",
        }

        second = approver(cast)
        with django_capture_on_commit_callbacks(execute=True):
            response = as_user(second).post(url(cast, f"rollen/verzoeken/{grant.pk}/goedkeuren/"))
        assert response.status_code == 302
        assert "heeft nu de rol “Procesregisseur”" in messages_of(response)
        grant.refresh_from_db()
        assert grant.status == GrantStatus.APPROVED
        assert grant.decided_by == second
        assert roles_of(person, cast.house) == {"partner_participant", "process_director"}
        assert grant.membership == Membership.objects.get(user=person, role="process_director")
        assert as_user(person).get(url(cast, f"casussen/{case.pk}/")).status_code == 200
        approval = AuditEvent.objects.get(action="role_grant.approve")
        assert approval.actor == second
        assert approval.before == {"status": "pending"}
        assert approval.after == {"status": "approved", "membership": grant.membership.pk}
        added = AuditEvent.objects.get(action="add_membership")
        assert added.actor == second
        assert added.after["grant"] == grant.pk
        assert added.after["requested_by"] == cast.admin.pk
        assert len(mail.outbox) == 0  # an existing account: no invitation

    def test_the_one_who_asked_cannot_approve(self, as_user: Any, cast: Cast) -> None:
        ask(as_user, cast, cast.participant_c)
        grant = RoleGrant.objects.get()
        response = as_user(cast.admin).post(url(cast, f"rollen/verzoeken/{grant.pk}/goedkeuren/"))
        assert response.status_code == 302
        assert "U hebt deze rol zelf aangevraagd" in messages_of(response)
        grant.refresh_from_db()
        assert grant.status == GrantStatus.PENDING
        assert roles_of(cast.participant_c, cast.house) == {"partner_participant"}
        assert not AuditEvent.objects.filter(action="role_grant.approve").exists()

    def test_nobody_approves_a_role_for_themselves(self, as_user: Any, cast: Cast) -> None:
        other = second_admin(cast)
        response = ask(as_user, cast, other, role="house_manager")
        assert response.status_code == 302
        grant = RoleGrant.objects.get()
        response = as_user(other).post(url(cast, f"rollen/verzoeken/{grant.pk}/goedkeuren/"))
        assert "U kunt geen rol voor uzelf goedkeuren" in messages_of(response)
        assert roles_of(other, cast.house) == {"functional_admin"}
        grant.refresh_from_db()
        assert grant.status == GrantStatus.PENDING

    def test_the_actions_hold_the_same_rules(self, cast: Cast) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            actions.do_grant_role(
                cast.admin, cast.house, cast.staff, Role.PROCESS_DIRECTOR, actor=cast.admin
            )
        # Only a functional administrator asks; a process director cannot, even for others.
        with pytest.raises(ValidationError, match="Alleen een functioneel beheerder geeft rollen"):
            actions.do_grant_role(
                cast.triage, cast.house, cast.staff, Role.AUDITOR, actor=cast.process_director
            )
        grant = actions.do_grant_role(
            cast.triage, cast.house, cast.staff, Role.PROCESS_DIRECTOR, actor=cast.admin
        )
        assert isinstance(grant, RoleGrant)
        for who in (cast.admin, cast.triage, cast.process_director, cast.privacy_officer):
            with pytest.raises(ValidationError):
                actions.do_approve_role_grant(grant, actor=who)
        assert roles_of(cast.triage, cast.house) == {"triage_member"}

    def test_the_database_holds_the_rules_too(self, cast: Cast) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            RoleGrant.objects.create(
                user=cast.admin,
                house=cast.house,
                organisation=cast.staff,
                role=Role.PROCESS_DIRECTOR,
                requested_by=cast.admin,
            )
        grant = RoleGrant.objects.create(
            user=cast.triage,
            house=cast.house,
            organisation=cast.staff,
            role=Role.PROCESS_DIRECTOR,
            requested_by=cast.admin,
        )
        for decider in (cast.admin, cast.triage, None):
            with pytest.raises(IntegrityError), transaction.atomic():
                RoleGrant.objects.filter(pk=grant.pk).update(
                    status=GrantStatus.APPROVED, decided_by=decider, decided_at=timezone.now()
                )

    def test_rejection_leaves_no_role(self, as_user: Any, cast: Cast, case: Any) -> None:
        ask(as_user, cast, cast.participant_c)
        grant = RoleGrant.objects.get()
        manager = house_manager(cast)
        response = as_user(manager).post(
            url(cast, f"rollen/verzoeken/{grant.pk}/afwijzen/"),
            {"reason": "Niet afgestemd met de GGZ."},
        )
        assert response.status_code == 302
        assert "Het verzoek is afgewezen" in messages_of(response)
        grant.refresh_from_db()
        assert grant.status == GrantStatus.REJECTED
        assert grant.decided_by == manager
        assert grant.reason == "Niet afgestemd met de GGZ."
        assert roles_of(cast.participant_c, cast.house) == {"partner_participant"}
        assert grant.membership is None
        row = AuditEvent.objects.get(action="role_grant.reject")
        assert row.actor == manager
        assert row.reason == "Niet afgestemd met de GGZ."
        assert row.after == {"status": "rejected"}
        # A rejected request cannot be approved afterwards.
        response = as_user(second_admin(cast)).post(
            url(cast, f"rollen/verzoeken/{grant.pk}/goedkeuren/")
        )
        assert "Over dit verzoek is al besloten" in messages_of(response)
        assert roles_of(cast.participant_c, cast.house) == {"partner_participant"}
        assert as_user(cast.participant_c).get(url(cast, f"casussen/{case.pk}/")).status_code == (
            404
        )

    def test_the_one_who_asked_may_withdraw(self, as_user: Any, cast: Cast) -> None:
        ask(as_user, cast, cast.participant_c)
        grant = RoleGrant.objects.get()
        as_user(cast.admin).post(url(cast, f"rollen/verzoeken/{grant.pk}/afwijzen/"))
        grant.refresh_from_db()
        assert grant.status == GrantStatus.REJECTED
        assert AuditEvent.objects.get(action="role_grant.reject").actor == cast.admin

    def test_a_new_person_is_invited_when_the_role_is_approved(
        self, as_user: Any, cast: Cast, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = as_user(cast.admin).post(
                url(cast, "mensen/nieuw/"),
                {
                    "email": "Nieuwe.Regisseur@Test.Invalid",
                    "full_name": "Nora Nieuw",
                    "organisation": cast.staff.pk,
                    "role": "process_director",
                },
            )
        assert response.status_code == 302
        assert response["Location"] == url(cast, "mensen/")
        assert "Nora Nieuw is toegevoegd" in messages_of(response)
        user = User.objects.get(email="nieuwe.regisseur@test.invalid")
        assert roles_of(user, cast.house) == set()
        assert mail.outbox == []
        assert {e.action for e in AuditEvent.objects.all()} == {
            "create_user",
            "role_grant.request",
        }
        grant = RoleGrant.objects.get(user=user)
        with django_capture_on_commit_callbacks(execute=True):
            as_user(house_manager(cast)).post(url(cast, f"rollen/verzoeken/{grant.pk}/goedkeuren/"))
        assert roles_of(user, cast.house) == {"process_director"}
        assert [m.to for m in mail.outbox] == [["nieuwe.regisseur@test.invalid"]]
        assert "/wachtwoord/herstellen/" in mail.outbox[0].body

    def test_an_auditor_role_takes_effect_at_once(self, as_user: Any, cast: Cast) -> None:
        response = ask(as_user, cast, cast.participant_c, role="auditor")
        assert response.status_code == 302
        assert "De rol is toegevoegd" in messages_of(response)
        assert roles_of(cast.participant_c, cast.house) == {"partner_participant", "auditor"}
        assert not RoleGrant.objects.exists()
        assert AuditEvent.objects.get(action="add_membership").actor == cast.admin

    def test_the_same_request_twice_is_refused(self, as_user: Any, cast: Cast) -> None:
        ask(as_user, cast, cast.participant_c)
        response = ask(as_user, cast, cast.participant_c)
        assert response.status_code == 400
        assert "Deze rol is al aangevraagd" in response.content.decode()
        assert RoleGrant.objects.count() == 1

    def test_the_command_line_gives_a_role_at_once(self, cast: Cast) -> None:
        """The operator's way for a house with nobody to approve (decision 0040)."""
        call_command(
            "grant_role",
            "--house",
            cast.house.slug,
            "--email",
            "keten@test.invalid",
            "--name",
            "Kees Keten",
            "--organisation",
            cast.staff.name,
            "--role",
            "house_manager",
        )
        manager = User.objects.get(email="keten@test.invalid")
        assert roles_of(manager, cast.house) == {"house_manager"}
        row = AuditEvent.objects.get(action="add_membership")
        assert row.actor is None
        with pytest.raises(CommandError):
            call_command(
                "grant_role",
                "--house",
                "nergens",
                "--email",
                "x@test.invalid",
                "--organisation",
                cast.staff.name,
                "--role",
                "house_manager",
            )


class TestWhoSeesAndDecides:
    def test_the_people_page_lists_pending_grants_for_those_who_decide(
        self, as_user: Any, cast: Cast
    ) -> None:
        ask(as_user, cast, cast.participant_c)
        grant = RoleGrant.objects.get()
        manager = house_manager(cast)
        page = as_user(manager).get(url(cast, "mensen/")).content.decode()
        assert "Rollen die op goedkeuring wachten" in page
        assert "Cor Zorg" in page
        assert f"rollen/verzoeken/{grant.pk}/goedkeuren/" in page
        assert "“Procesregisseur” voor Cor Zorg goedkeuren" in page
        assert f"rollen/verzoeken/{grant.pk}/afwijzen/" in page
        # The one who asked sees it, can withdraw it, but has no approve button.
        page = as_user(cast.admin).get(url(cast, "mensen/")).content.decode()
        assert "U hebt deze rol aangevraagd" in page
        assert f"rollen/verzoeken/{grant.pk}/goedkeuren/" not in page
        assert f"rollen/verzoeken/{grant.pk}/afwijzen/" in page
        # And on the person's own page.
        page = as_user(manager).get(url(cast, f"mensen/{cast.participant_c.pk}/")).content
        assert f"rollen/verzoeken/{grant.pk}/goedkeuren/" in page.decode()

    @pytest.mark.parametrize(
        "who",
        [
            "process_director",
            "participant_a",
            "participant_c",
            "triage",
            "privacy_officer",
            "auditor",
        ],
    )
    def test_others_neither_see_nor_decide(self, as_user: Any, cast: Cast, who: str) -> None:
        ask(as_user, cast, cast.participant_c)
        grant = RoleGrant.objects.get()
        client = as_user(cast.members()[who])
        page = client.get(url(cast, "mensen/")).content.decode()
        assert "Rollen die op goedkeuring wachten" not in page
        assert "goedkeuren/" not in page
        for tail in ("goedkeuren/", "afwijzen/"):
            assert client.post(url(cast, f"rollen/verzoeken/{grant.pk}/{tail}")).status_code == 404
        grant.refresh_from_db()
        assert grant.status == GrantStatus.PENDING
        assert roles_of(cast.participant_c, cast.house) == {"partner_participant"}

    def test_another_house_neither_sees_nor_decides(self, as_user: Any, cast: Cast) -> None:
        ask(as_user, cast, cast.participant_c)
        grant = RoleGrant.objects.get()
        other_admin = make_user(
            "beheer@duin.invalid", "Duin Beheer", cast.other_house, cast.other_org, Role.AUDITOR
        )
        Membership.objects.create(
            user=other_admin,
            house=cast.other_house,
            organisation=cast.other_org,
            role=Role.FUNCTIONAL_ADMIN,
        )
        client = as_user(other_admin)
        for house in (cast.house, cast.other_house):
            for tail in ("goedkeuren/", "afwijzen/"):
                path = url(cast, f"rollen/verzoeken/{grant.pk}/{tail}", house)
                assert client.post(path).status_code == 404
        page = client.get(url(cast, "mensen/", cast.other_house)).content.decode()
        assert "Cor Zorg" not in page
        grant.refresh_from_db()
        assert grant.status == GrantStatus.PENDING

    def test_my_work_shows_what_waits_for_me(self, as_user: Any, cast: Cast) -> None:
        ask(as_user, cast, cast.participant_c)
        page = as_user(house_manager(cast)).get(url(cast, "mijn-werk/")).content.decode()
        assert "Rollen die op uw goedkeuring wachten" in page
        assert "1 rol wacht op goedkeuring door een tweede persoon." in page
        # Not the one who asked, nor anyone who does not decide.
        for who in (cast.admin, cast.process_director):
            page = as_user(who).get(url(cast, "mijn-werk/")).content.decode()
            assert "Rollen die op uw goedkeuring wachten" not in page

    def test_people_page_query_count_does_not_grow_with_pending_grants(
        self, as_user: Any, cast: Cast
    ) -> None:
        client = as_user(cast.admin)
        ask(as_user, cast, cast.participant_c)
        client.get(url(cast, "mensen/"))
        with CaptureQueriesContext(connection) as small:
            client.get(url(cast, "mensen/"))
        for number in range(10):
            user = User.objects.create_user(email=f"wacht{number}@test.invalid", full_name="W")
            Membership.objects.create(
                user=user, house=cast.house, organisation=cast.org_b, role=Role.AUDITOR
            )
            actions.do_grant_role(
                user, cast.house, cast.org_b, Role.PARTNER_PARTICIPANT, actor=cast.admin
            )
        with CaptureQueriesContext(connection) as large:
            client.get(url(cast, "mensen/"))
        assert len(large) == len(small)


class TestBadInput:
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"role": "koning"}, "Selecteer een geldige keuze"),
            ({"role": ""}, "Dit veld is vereist"),
            ({"organisation": "999999"}, "Selecteer een geldige keuze"),
            ({"organisation": "niet-een-getal"}, "Selecteer een geldige keuze"),
        ],
    )
    def test_bad_values_answer_400_in_dutch(
        self, as_user: Any, cast: Cast, data: dict[str, str], message: str
    ) -> None:
        response = as_user(cast.admin).post(
            url(cast, f"mensen/{cast.participant_c.pk}/"),
            {"organisation": cast.staff.pk, "role": "process_director", **data},
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not RoleGrant.objects.exists()
        assert roles_of(cast.participant_c, cast.house) == {"partner_participant"}

    def test_an_organisation_of_another_house_is_refused(self, as_user: Any, cast: Cast) -> None:
        response = as_user(cast.admin).post(
            url(cast, f"mensen/{cast.participant_c.pk}/"),
            {"organisation": cast.other_org.pk, "role": "process_director"},
        )
        assert response.status_code == 400
        assert not RoleGrant.objects.exists()

    @pytest.mark.parametrize("who", ["unknown", "other_house_user"])
    def test_an_unknown_or_other_house_person_is_not_found(
        self, as_user: Any, cast: Cast, who: str
    ) -> None:
        pk = 999999 if who == "unknown" else cast.other_house_user.pk
        response = as_user(cast.admin).post(
            url(cast, f"mensen/{pk}/"), {"organisation": cast.staff.pk, "role": "process_director"}
        )
        assert response.status_code == 404
        assert not RoleGrant.objects.exists()
        assert Membership.objects.filter(role="process_director").count() == 1

    def test_an_unknown_grant_is_not_found(self, as_user: Any, cast: Cast) -> None:
        client = as_user(cast.admin)
        for tail in ("goedkeuren/", "afwijzen/"):
            assert client.post(url(cast, f"rollen/verzoeken/999999/{tail}")).status_code == 404
        assert client.get(url(cast, "rollen/verzoeken/1/goedkeuren/")).status_code == 405

    def test_a_too_long_reason_is_refused(self, as_user: Any, cast: Cast) -> None:
        ask(as_user, cast, cast.participant_c)
        grant = RoleGrant.objects.get()
        response = as_user(house_manager(cast)).post(
            url(cast, f"rollen/verzoeken/{grant.pk}/afwijzen/"), {"reason": "x" * 501}
        )
        assert response.status_code == 302
        assert "niet meer dan 500 tekens" in messages_of(response)
        grant.refresh_from_db()
        assert grant.status == GrantStatus.PENDING
