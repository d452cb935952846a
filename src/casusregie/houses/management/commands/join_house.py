"""Make an existing organisation a partner of one more house."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casusregie.houses import actions
from casusregie.houses.models import House, Organisation, Ring


class Command(BaseCommand):
    help = "Add an existing organisation (by exact name) to a house as a partner."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--house", required=True, help="the house's short name (slug)")
        parser.add_argument("--organisation", required=True, help="exact name")
        parser.add_argument("--ring", required=True, choices=Ring.values)
        parser.add_argument(
            "--no-covenant",
            action="store_true",
            help="the organisation has not signed this house's covenant",
        )

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
            actions.do_join_house(
                house,
                organisation,
                ring=options["ring"],
                covenant_signatory=not options["no_covenant"],
                actor=None,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"{organisation} neemt nu deel aan {house}."))
