"""Give a person a role from the command line, at once (the operator's way out of four-eyes).

In the application a role that opens personal data or manages roles waits for a second
person's approval (decision 0040). A house that has only one functional administrator and no
house manager has nobody to approve the first grant; the operator, who also set the house up
with `setup_house`, gives that role here. Audited like every grant, with no acting user.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casusregie.accounts.roles import Role
from casusregie.houses import actions
from casusregie.houses.models import House, Organisation


class Command(BaseCommand):
    help = (
        "Give a person (by e-mail; a new account gets an invitation) a role in a house at once, "
        "without the second person's approval the application asks for (decision 0040)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--house", required=True, help="the house's short name (slug)")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="", help="full name, for a new account")
        parser.add_argument("--organisation", required=True, help="exact name of a partner")
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        house = House.objects.filter(slug=options["house"]).first()
        if house is None:
            raise CommandError(f"Onbekend huis / unknown house: {options['house']}")
        organisation = Organisation.objects.filter(name__iexact=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                f"Onbekende organisatie / unknown organisation: {options['organisation']}"
            )
        try:
            user, _membership, _created = actions.do_add_person(
                house,
                email=options["email"],
                full_name=options["name"] or options["email"],
                organisation=organisation,
                role=options["role"],
                actor=None,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"{user.email} heeft nu de rol {options['role']} in {house}.")
        )
