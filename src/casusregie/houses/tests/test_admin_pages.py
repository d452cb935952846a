"""Functional administrators manage organisations, people and roles; others may only look,
and nobody sees another house's organisations or people."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.conftest import Cast
from casusregie.houses.models import House, Organisation, Partnership
from casusregie.privacy.models import AuditEvent


def url(cast: Cast, tail: str, house: House | None = None) -> str:
    return f"/huizen/{(house or cast.house).slug}/{tail}"


VALID_ORGANISATION = {
    "name": "Stichting Buurtbemiddeling Heuvelland",
    "kind": "social_work",
    "ring": "flexible",
    "covenant_signatory": "on",
    "expertise": ["social_network", "housing"],
    "email": "info@buurtbemiddeling.test.invalid",
}


@pytest.mark.django_db
class TestWhoSeesWhat:
    @pytest.mark.parametrize("tail", ["organisaties/", "mensen/"])
    def test_members_see_their_house(self, as_user, cast: Cast, tail: str) -> None:
        for member in ("process_director", "participant_a", "participant_c", "admin"):
            response = as_user(cast.members()[member]).get(url(cast, tail))
            assert response.status_code == 200, member

    def test_other_house_is_not_found(self, as_user, cast: Cast) -> None:
        client = as_user(cast.other_house_user)
        for tail in (
            "organisaties/",
            "mensen/",
            f"mensen/{cast.participant_a.pk}/",
            "instellingen/",
            "organisaties/nieuw/",
        ):
            assert client.get(url(cast, tail)).status_code == 404, tail

    def test_organisation_list_shows_only_this_house(self, as_user, cast: Cast) -> None:
        body = as_user(cast.participant_a).get(url(cast, "organisaties/")).content.decode()
        assert "Woonstichting Heuvelland-test" in body
        assert "Politie Duinstreek-test" not in body

    def test_people_list_shows_only_this_house(self, as_user, cast: Cast) -> None:
        body = as_user(cast.participant_a).get(url(cast, "mensen/")).content.decode()
        assert "Cor Zorg" in body
        assert "Olga Ander" not in body
        body = (
            as_user(cast.other_house_user)
            .get(url(cast, "mensen/", cast.other_house))
            .content.decode()
        )
        assert "Olga Ander" in body
        assert "Arie Agent" not in body

    def test_person_of_other_house_is_not_found(self, as_user, cast: Cast) -> None:
        client = as_user(cast.admin)
        assert client.get(url(cast, f"mensen/{cast.other_house_user.pk}/")).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, cast: Cast) -> None:
        response = client.get(url(cast, "organisaties/"))
        assert response.status_code == 302
        assert response["Location"].startswith("/inloggen/")

    @pytest.mark.parametrize("member", ["process_director", "participant_a", "other_house_user"])
    def test_non_admins_cannot_change_anything(self, as_user, cast: Cast, member: str) -> None:
        client = as_user(cast.members()[member])
        before = Organisation.objects.count(), Membership.objects.count()
        assert client.get(url(cast, "organisaties/nieuw/")).status_code == 404
        assert client.post(url(cast, "organisaties/nieuw/"), VALID_ORGANISATION).status_code == 404
        assert (
            client.post(
                url(cast, "mensen/nieuw/"),
                {
                    "email": "x@test.invalid",
                    "full_name": "X",
                    "organisation": cast.org_a.pk,
                    "role": "process_director",
                },
            ).status_code
            == 404
        )
        membership = Membership.objects.get(user=cast.participant_c)
        assert client.post(url(cast, f"rollen/{membership.pk}/beeindigen/")).status_code == 404
        assert (
            client.post(
                url(cast, f"mensen/{cast.participant_c.pk}/"),
                {"organisation": cast.org_a.pk, "role": "process_director"},
            ).status_code
            == 404
        )
        assert (Organisation.objects.count(), Membership.objects.count()) == before

    def test_organisation_list_query_count_does_not_grow(self, as_user, cast: Cast) -> None:
        client = as_user(cast.participant_a)
        client.get(url(cast, "organisaties/"))  # the first request also stamps the session
        with CaptureQueriesContext(connection) as small:
            client.get(url(cast, "organisaties/"))
        for number in range(20):
            org = Organisation.objects.create(name=f"Extra partner {number}", kind="other")
            Partnership.objects.create(house=cast.house, organisation=org, ring="flexible")
        with CaptureQueriesContext(connection) as large:
            client.get(url(cast, "organisaties/"))
        assert len(large) == len(small)

    def test_people_list_query_count_does_not_grow(self, as_user, cast: Cast) -> None:
        client = as_user(cast.participant_a)
        client.get(url(cast, "mensen/"))  # the first request also stamps the session
        with CaptureQueriesContext(connection) as small:
            client.get(url(cast, "mensen/"))
        for number in range(20):
            user = User.objects.create_user(email=f"extra{number}@test.invalid", full_name="Extra")
            Membership.objects.create(
                user=user, house=cast.house, organisation=cast.org_b, role=Role.PARTNER_PARTICIPANT
            )
        with CaptureQueriesContext(connection) as large:
            client.get(url(cast, "mensen/"))
        assert len(large) == len(small)


@pytest.mark.django_db
class TestOrganisations:
    def test_admin_adds_an_organisation(self, as_user, cast: Cast) -> None:
        response = as_user(cast.admin).post(url(cast, "organisaties/nieuw/"), VALID_ORGANISATION)
        assert response.status_code == 302
        org = Organisation.objects.get(name="Stichting Buurtbemiddeling Heuvelland")
        partnership = Partnership.objects.get(organisation=org)
        assert partnership.house == cast.house
        assert partnership.ring == "flexible"
        assert partnership.covenant_signatory is True
        assert org.expertise == ["social_network", "housing"]
        event = AuditEvent.objects.get(action="add_organisation")
        assert event.actor == cast.admin
        assert event.house == cast.house
        assert event.after["name"] == org.name

    def test_duplicate_name_is_refused_in_dutch(self, as_user, cast: Cast) -> None:
        data = {**VALID_ORGANISATION, "name": "politie heuvelland-TEST"}
        count = Organisation.objects.count()
        response = as_user(cast.admin).post(url(cast, "organisaties/nieuw/"), data)
        assert response.status_code == 400
        assert "Er bestaat al een organisatie met deze naam." in response.content.decode()
        assert Organisation.objects.count() == count
        assert not AuditEvent.objects.exists()

    def test_duplicate_name_is_refused_in_english(self, as_user, cast: Cast) -> None:
        client = as_user(cast.admin)
        client.post("/taal/", {"language": "en", "next": "/"})
        data = {**VALID_ORGANISATION, "name": "Politie Heuvelland-test"}
        response = client.post(url(cast, "organisaties/nieuw/"), data)
        assert "An organisation with this name already exists." in response.content.decode()

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("name", "   "),
            ("kind", "spaceship"),
            ("ring", ""),
            ("email", "nope"),
            ("expertise", ["astrology"]),
        ],
    )
    def test_bad_input_changes_nothing(self, as_user, cast: Cast, field: str, value) -> None:
        count = Organisation.objects.count()
        response = as_user(cast.admin).post(
            url(cast, "organisaties/nieuw/"), {**VALID_ORGANISATION, field: value}
        )
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
        assert Organisation.objects.count() == count

    def test_admin_edits_ring_and_covenant(self, as_user, cast: Cast) -> None:
        client = as_user(cast.admin)
        data = {"name": cast.org_b.name, "kind": "housing", "ring": "flexible", "email": ""}
        response = client.post(url(cast, f"organisaties/{cast.org_b.pk}/"), data)
        assert response.status_code == 302
        partnership = Partnership.objects.get(house=cast.house, organisation=cast.org_b)
        assert partnership.ring == "flexible"
        assert partnership.covenant_signatory is False
        event = AuditEvent.objects.get(action="update_partnership")
        assert event.before["ring"] == "key"
        assert event.after["ring"] == "flexible"

    def test_shared_organisation_keeps_its_name(self, as_user, cast: Cast) -> None:
        Partnership.objects.create(house=cast.other_house, organisation=cast.org_a, ring="key")
        data = {"name": "Politie Hernoemd", "kind": "police", "ring": "key"}
        response = as_user(cast.admin).post(url(cast, f"organisaties/{cast.org_a.pk}/"), data)
        assert response.status_code == 400
        assert "neemt ook deel aan een ander huis" in response.content.decode()
        cast.org_a.refresh_from_db()
        assert cast.org_a.name == "Politie Heuvelland-test"

    def test_organisation_of_other_house_cannot_be_edited(self, as_user, cast: Cast) -> None:
        response = as_user(cast.admin).get(url(cast, f"organisaties/{cast.other_org.pk}/"))
        assert response.status_code == 404


@pytest.mark.django_db
class TestPeople:
    def test_admin_adds_a_new_person_who_gets_an_invitation(
        self, as_user, cast: Cast, django_capture_on_commit_callbacks
    ) -> None:
        # A role that takes effect at once; the others wait for a second person's approval
        # (test_role_grants.py).
        with django_capture_on_commit_callbacks(execute=True):
            response = as_user(cast.admin).post(
                url(cast, "mensen/nieuw/"),
                {
                    "email": "Nieuwe.Collega@Test.Invalid",
                    "full_name": "Nina Nieuw",
                    "organisation": cast.org_c.pk,
                    "role": "auditor",
                },
            )
        assert response.status_code == 302
        user = User.objects.get(email="nieuwe.collega@test.invalid")
        assert not user.has_usable_password()
        assert Membership.objects.get(user=user).organisation == cast.org_c
        assert len(mail.outbox) == 1
        assert "/wachtwoord/herstellen/" in mail.outbox[0].body
        assert {e.action for e in AuditEvent.objects.all()} == {"create_user", "add_membership"}

    def test_existing_account_gets_the_role(self, as_user, cast: Cast) -> None:
        response = as_user(cast.admin).post(
            url(cast, "mensen/nieuw/"),
            {
                "email": "ander@test.invalid",
                "full_name": "Olga Ander",
                "organisation": cast.org_a.pk,
                "role": "auditor",
            },
        )
        assert response.status_code == 302
        assert cast.other_house_user.memberships.count() == 2
        assert len(mail.outbox) == 0

    def test_second_membership_with_same_role_is_refused(self, as_user, cast: Cast) -> None:
        count = Membership.objects.count()
        response = as_user(cast.admin).post(
            url(cast, f"mensen/{cast.participant_a.pk}/"),
            {"organisation": cast.org_a.pk, "role": "partner_participant"},
        )
        assert response.status_code == 400
        assert "heeft deze rol al" in response.content.decode()
        assert Membership.objects.count() == count
        assert not AuditEvent.objects.exists()

    def test_other_role_is_added(self, as_user, cast: Cast) -> None:
        response = as_user(cast.admin).post(
            url(cast, f"mensen/{cast.participant_a.pk}/"),
            {"organisation": cast.org_a.pk, "role": "auditor"},
        )
        assert response.status_code == 302
        assert set(cast.participant_a.memberships.values_list("role", flat=True)) == {
            "partner_participant",
            "auditor",
        }

    def test_organisation_outside_the_house_is_refused(self, as_user, cast: Cast) -> None:
        response = as_user(cast.admin).post(
            url(cast, "mensen/nieuw/"),
            {
                "email": "x@test.invalid",
                "full_name": "X",
                "organisation": cast.other_org.pk,
                "role": "partner_participant",
            },
        )
        assert response.status_code == 400
        assert not User.objects.filter(email="x@test.invalid").exists()

    @pytest.mark.parametrize(
        ("field", "value"), [("email", "geen-adres"), ("full_name", ""), ("role", "king")]
    )
    def test_bad_person_input_changes_nothing(self, as_user, cast: Cast, field, value) -> None:
        data = {
            "email": "x@test.invalid",
            "full_name": "X",
            "organisation": cast.org_a.pk,
            "role": "partner_participant",
            field: value,
        }
        count = User.objects.count()
        response = as_user(cast.admin).post(url(cast, "mensen/nieuw/"), data)
        assert response.status_code == 400
        assert User.objects.count() == count
        assert len(mail.outbox) == 0

    def test_admin_ends_a_role_with_a_reason(self, as_user, cast: Cast) -> None:
        membership = Membership.objects.get(user=cast.participant_c)
        response = as_user(cast.admin).post(
            url(cast, f"rollen/{membership.pk}/beeindigen/"), {"reason": "Andere baan"}
        )
        assert response.status_code == 302
        membership.refresh_from_db()
        assert membership.ended_at is not None
        assert AuditEvent.objects.get(action="end_membership").reason == "Andere baan"
        # The person no longer reaches the house.
        assert as_user(cast.participant_c).get(url(cast, "organisaties/")).status_code == 404

    def test_last_admin_cannot_be_removed(self, as_user, cast: Cast) -> None:
        membership = Membership.objects.get(user=cast.admin)
        response = as_user(cast.admin).post(
            url(cast, f"rollen/{membership.pk}/beeindigen/"), follow=True
        )
        assert "laatste functioneel beheerder" in response.content.decode()
        membership.refresh_from_db()
        assert membership.ended_at is None

    def test_membership_of_other_house_cannot_be_ended(self, as_user, cast: Cast) -> None:
        membership = Membership.objects.get(user=cast.other_house_user)
        response = as_user(cast.admin).post(url(cast, f"rollen/{membership.pk}/beeindigen/"))
        assert response.status_code == 404
        membership.refresh_from_db()
        assert membership.ended_at is None


@pytest.mark.django_db
class TestHouseSettings:
    def form_data(self, cast: Cast, **changes) -> dict:
        data = {
            "name": cast.house.name,
            "region": cast.house.region,
            "governance_form": "lead",
            "referral_rights": "any_partner",
            "invitee_choice": "placing_organisation",
            "has_triage_team": "on",
            "may_take_cases": "on",
            "care_form_recipient": "",
            "escalation_ladder": (
                "0 | procesregisseur | Procesregisseur\n7 | ketenmanager | Ketenmanager\n"
                "21 | bestuurlijk | Bestuurder"
            ),
            "reminder_days_before_deadline": 2,
            "overdue_reminder_every_days": 3,
            "plan_stall_weeks": 6,
            "aftercare_weeks": 26,
            "retention_case_years": 5,
            "retention_declined_referral_months": 6,
            "retention_signal_days": 180,
            "retention_log_years": 5,
            "signal_case_threshold": 10,
            "working_hours_start": 7,
            "working_hours_end": 19,
        }
        data.update(changes)
        return data

    def test_admin_changes_process_choices(self, as_user, cast: Cast) -> None:
        response = as_user(cast.admin).post(
            url(cast, "instellingen/"),
            self.form_data(
                cast,
                referral_rights="stuck_covenant_partners",
                invitee_choice="referrer",
                care_form_recipient=cast.org_a.pk,
            ),
        )
        assert response.status_code == 302
        cast.house.refresh_from_db()
        assert cast.house.referral_rights == "stuck_covenant_partners"
        assert cast.house.care_form_recipient == cast.org_a
        assert [s["after_days"] for s in cast.house.escalation_ladder] == [0, 7, 21]
        event = AuditEvent.objects.get(action="update_house_settings")
        assert event.before["referral_rights"] == "any_partner"
        assert event.after["referral_rights"] == "stuck_covenant_partners"

    @pytest.mark.parametrize(
        "ladder",
        [
            "",
            "zeven | ketenmanager | Ketenmanager",
            "7 | Ketenmanager",
            "7 | ketenmanager | A\n3 | eigenaar | B",
            "0 | eigenaar |  ",
            "7 | burgemeester | Bellen",
        ],
    )
    def test_bad_ladder_is_refused(self, as_user, cast: Cast, ladder: str) -> None:
        response = as_user(cast.admin).post(
            url(cast, "instellingen/"), self.form_data(cast, escalation_ladder=ladder)
        )
        assert response.status_code == 400
        cast.house.refresh_from_db()
        assert len(cast.house.escalation_ladder) == 5
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("retention_case_years", 0, "minstens 1"),
            ("retention_case_years", -3, "minstens 0"),
            ("retention_log_years", 0, "minstens 1"),
            ("retention_declined_referral_months", 0, "minstens 1"),
            ("working_hours_end", 6, "Werktijden moeten eindigen na"),
        ],
    )
    def test_retention_of_zero_or_less_is_refused(
        self, as_user, cast: Cast, field: str, value: int, message: str
    ) -> None:
        response = as_user(cast.admin).post(
            url(cast, "instellingen/"), self.form_data(cast, **{field: value})
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        cast.house.refresh_from_db()
        assert cast.house.retention_case_years == 5
        assert cast.house.retention_log_years == 5
        assert cast.house.working_hours_end == 19
        assert not AuditEvent.objects.exists()

    def test_care_form_recipient_must_be_a_partner(self, as_user, cast: Cast) -> None:
        response = as_user(cast.admin).post(
            url(cast, "instellingen/"), self.form_data(cast, care_form_recipient=cast.other_org.pk)
        )
        assert response.status_code == 400
        cast.house.refresh_from_db()
        assert cast.house.care_form_recipient is None

    def test_only_admin_sees_settings(self, as_user, cast: Cast) -> None:
        assert as_user(cast.process_director).get(url(cast, "instellingen/")).status_code == 404
        assert as_user(cast.admin).get(url(cast, "instellingen/")).status_code == 200
