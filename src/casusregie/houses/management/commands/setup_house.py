"""Create a house with its core-team organisation and first functional administrator."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from casusregie.accounts.roles import Role
from casusregie.houses import actions
from casusregie.houses.models import GovernanceForm, OrganisationKind, Ring


class Command(BaseCommand):
    help = (
        "Create a house, its core-team organisation and its first functional administrator, "
        "who receives an invitation e-mail to choose a password."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--slug", required=True, help="short name used in URLs")
        parser.add_argument("--name", required=True)
        parser.add_argument("--region", required=True)
        parser.add_argument("--governance-form", required=True, choices=GovernanceForm.values)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", required=True)
        parser.add_argument("--staff-organisation", help="default: the house's name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                house = actions.do_create_house(
                    name=options["name"],
                    slug=options["slug"],
                    region=options["region"],
                    governance_form=options["governance_form"],
                )
                partnership = actions.do_add_organisation(
                    house,
                    name=options["staff_organisation"] or options["name"],
                    kind=OrganisationKind.HOUSE_STAFF,
                    ring=Ring.CORE,
                    covenant_signatory=True,
                    actor=None,
                )
                actions.do_add_person(
                    house,
                    email=options["admin_email"],
                    full_name=options["admin_name"],
                    organisation=partnership.organisation,
                    role=Role.FUNCTIONAL_ADMIN,
                    actor=None,
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Huis {house.name!r} aangemaakt; {options['admin_email']} is functioneel "
                "beheerder "
                "en krijgt een uitnodiging per e-mail / house created, invitation sent."
            )
        )
