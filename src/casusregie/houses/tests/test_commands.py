"""Setting up a house from the command line."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from casusregie.accounts.models import Membership
from casusregie.conftest import Cast
from casusregie.houses.models import House, Partnership
from casusregie.privacy.models import AuditEvent

SETUP = [
    "setup_house",
    "--slug",
    "kustland",
    "--name",
    "ZVH Kustland",
    "--region",
    "Kustland",
    "--governance-form",
    "nao",
    "--admin-email",
    "Beheer@Kustland.invalid",
    "--admin-name",
    "Kim Beheer",
]


@pytest.mark.django_db
def test_setup_house_creates_house_staff_and_admin(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command(*SETUP)
    house = House.objects.get(slug="kustland")
    membership = Membership.objects.get(house=house)
    assert membership.role == "functional_admin"
    assert membership.user.email == "beheer@kustland.invalid"
    assert membership.organisation.kind == "house_staff"
    assert len(mail.outbox) == 1
    assert {e.action for e in AuditEvent.objects.filter(house=house)} == {
        "create_house",
        "add_organisation",
        "create_user",
        "add_membership",
    }


@pytest.mark.django_db
def test_setup_house_twice_fails_and_changes_nothing() -> None:
    call_command(*SETUP)
    count = AuditEvent.objects.count()
    with pytest.raises(CommandError):
        call_command(*SETUP)
    assert House.objects.count() == 1
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_join_house_adds_existing_organisation(cast: Cast) -> None:
    call_command(
        "join_house",
        "--house",
        cast.other_house.slug,
        "--organisation",
        "politie heuvelland-test",
        "--ring",
        "key",
    )
    assert Partnership.objects.filter(house=cast.other_house, organisation=cast.org_a).exists()
    with pytest.raises(CommandError, match="al partner"):
        call_command(
            "join_house",
            "--house",
            cast.other_house.slug,
            "--organisation",
            cast.org_a.name,
            "--ring",
            "key",
        )


@pytest.mark.django_db
def test_join_house_unknown_names_are_errors(cast: Cast) -> None:
    with pytest.raises(CommandError, match="Onbekend huis"):
        call_command(
            "join_house", "--house", "nergens", "--organisation", cast.org_a.name, "--ring", "key"
        )
    with pytest.raises(CommandError, match="Onbekende organisatie"):
        call_command(
            "join_house", "--house", cast.house.slug, "--organisation", "Niemand", "--ring", "key"
        )
