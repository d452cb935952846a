"""Organisations and people: created through the houses actions (audit rows, invitation mail),
keyed on name and e-mail so a second run updates instead of duplicating."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from openpyxl import Workbook

from casusregie.accounts.models import Membership, RoleGrant, User
from casusregie.accounts.roles import Role
from casusregie.conftest import Cast, make_user
from casusregie.houses.actions import do_approve_role_grant
from casusregie.houses.models import Organisation, Partnership
from casusregie.imports.people import COLUMNS
from casusregie.privacy.models import AuditEvent

from .helpers import people_csv, run_people

pytestmark = pytest.mark.django_db

ROWS = [
    {
        "record": "organisation",
        "name": "Stichting Buurtwerk Heuvelland",
        "kind": "social_work",
        "ring": "flexible",
        "email": "info@buurtwerk.test.invalid",
    },
    # Existing partner of the house: details are updated, not duplicated.
    {
        "record": "organisation",
        "name": "ggz heuvelland-test",
        "kind": "mental_health",
        "phone": "010-1234567",
    },
    # Existing organisation of the other house: joins this one.
    {"record": "organisation", "name": "Politie Duinstreek-test", "kind": "police"},
    {
        "record": "person",
        "email": "Nieuw.Persoon@Buurtwerk.test.invalid",
        "full_name": "Nina Nieuw",
        "organisation": "Stichting Buurtwerk Heuvelland",
        "role": "partner_participant",
    },
    # An existing account gets one more role.
    {
        "record": "person",
        "email": "c@test.invalid",
        "full_name": "Cor Zorg",
        "organisation": "GGZ Heuvelland-test",
        "role": "partner_manager",
    },
    # Already holds this role: unchanged.
    {
        "record": "person",
        "email": "a@test.invalid",
        "full_name": "Arie Agent",
        "organisation": "Politie Heuvelland-test",
        "role": "partner_participant",
    },
]


def test_people_import_creates_updates_and_invites(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = run_people(cast, people_csv(ROWS), mode="all")
    assert job.report == []
    assert job.summary["organisations_created"] == 1
    assert job.summary["organisations_joined"] == 1
    assert job.summary["organisations_updated"] == 1
    # Partner roles wait for a second person's approval (four-eyes, decision 0040).
    assert job.summary["people_created"] == 0
    assert job.summary["roles_added"] == 0
    assert job.summary["roles_pending"] == 2
    assert job.summary["unchanged"] == 1
    new = User.objects.get(email="nieuw.persoon@buurtwerk.test.invalid")
    assert not new.has_usable_password()
    assert mail.outbox == []  # the invitation goes out with the approved role
    buurtwerk = Partnership.objects.get(
        house=cast.house, organisation__name__startswith="Stichting"
    )
    assert buurtwerk.ring == "flexible"
    cast.org_c.refresh_from_db()
    assert cast.org_c.phone == "010-1234567"
    assert Partnership.objects.filter(house=cast.house, organisation=cast.other_org).exists()
    assert not (
        Membership.objects.active().filter(user=cast.participant_c, role="partner_manager").exists()
    )
    assert set(RoleGrant.objects.filter(status="pending").values_list("user", "role")) == {
        (new.pk, "partner_participant"),
        (cast.participant_c.pk, "partner_manager"),
    }
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "add_organisation",
        "join_house",
        "update_partnership",
        "create_user",
        "role_grant.request",
        "import.people",
    } <= actions
    assert "add_membership" not in actions
    # A second person approves: the role takes effect and the new person is invited.
    manager = make_user(
        "keten@test.invalid", "Kees Keten", cast.house, cast.staff, Role.HOUSE_MANAGER
    )
    with django_capture_on_commit_callbacks(execute=True):
        do_approve_role_grant(RoleGrant.objects.get(user=new), actor=manager)
    assert Membership.objects.active().filter(user=new, role="partner_participant").exists()
    assert [m.to for m in mail.outbox] == [["nieuw.persoon@buurtwerk.test.invalid"]]


def test_second_run_changes_nothing(cast: Cast) -> None:
    data = people_csv(ROWS)
    run_people(cast, data)
    counts = (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Partnership.objects.count(),
    )
    mail.outbox.clear()
    again = run_people(cast, data)
    assert again.summary["unchanged"] == len(ROWS)
    assert again.summary["imported"] == 0
    assert (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Partnership.objects.count(),
    ) == counts
    assert mail.outbox == []


def test_bad_rows_are_reported_and_all_or_nothing_stores_nothing(cast: Cast) -> None:
    rows = [
        *ROWS,
        {"record": "organisation", "name": "", "kind": "police"},
        {"record": "organisation", "name": "Bureau X", "kind": "bakkerij"},
        {"record": "organisation", "name": "Politie Duinstreek-test", "kind": "municipality"},
        {
            "record": "person",
            "email": "geen-adres",
            "full_name": "X",
            "organisation": "Bureau X",
            "role": "partner_participant",
        },
        {
            "record": "person",
            "email": "y@test.invalid",
            "full_name": "Y",
            "organisation": "Politie Heuvelland-test",
            "role": "baas",
        },
    ]
    before = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    job = run_people(cast, people_csv(rows), mode="all")
    found = {(i["row"], i["column"]): i["reason"] for i in job.report}
    assert found[(8, "name")] == "Vul de naam van de organisatie in."
    assert found[(9, "kind")].startswith("Kies een van: house_staff, municipality,")
    assert found[(10, "name")] == "Deze organisatie staat al in rij 4."
    assert found[(11, "email")] == "Vul een geldig e-mailadres in."
    assert found[(11, "organisation")] == (
        "Organisatie “Bureau X” is geen partner van dit huis en heeft geen goede rij "
        "“organisation” in dit bestand."
    )
    assert found[(12, "role")].startswith("Kies een van: process_director,")
    assert job.summary["blocked"] is True
    assert (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    ) == before
    # Valid rows only: the good rows come in.
    job = run_people(cast, people_csv(rows), mode="valid")
    assert job.summary["roles_pending"] == 2
    assert Organisation.objects.filter(name="Stichting Buurtwerk Heuvelland").exists()
    assert not Organisation.objects.filter(name="Bureau X").exists()


def test_kind_of_a_shared_organisation_cannot_change_here(cast: Cast) -> None:
    Partnership.objects.create(house=cast.other_house, organisation=cast.org_a, ring="key")
    rows = [{"record": "organisation", "name": "Politie Heuvelland-test", "kind": "municipality"}]
    job = run_people(cast, people_csv(rows))
    assert [(i["row"], i["column"], i["reason"]) for i in job.report] == [
        (
            2,
            "kind",
            "Deze organisatie neemt ook deel aan een ander huis; het soort kan hier "
            "niet worden gewijzigd.",
        )
    ]
    cast.org_a.refresh_from_db()
    assert cast.org_a.kind == "police"


def test_people_from_xlsx(cast: Cast) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in ROWS[:1] + ROWS[3:4]:
        sheet.append([row.get(c, "") for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = run_people(cast, buffer.getvalue(), filename="mensen.xlsx")
    assert job.report == []
    assert User.objects.filter(email="nieuw.persoon@buurtwerk.test.invalid").exists()
