"""Register an API client from the command line and print its token (once).

    casusregie create_api_client --house heuvelland --organisation "Politie Heuvelland" \\
        --name "Politiesysteem" --scopes "referrals:read referrals:write" \\
        --as beheerder@heuvelland.demo.invalid

The same action as the *Koppelingen* page: only a functional administrator of the house may
(`--as`), the organisation must be a partner of the house, and it is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.accounts.models import User
from casusregie.houses.models import House, Organisation
from casusregie.integrations.access import awaiting_approval
from casusregie.integrations.actions import do_create_api_client
from casusregie.integrations.scopes import SCOPES


class Command(BaseCommand):
    help = "Register an API client for a partner organisation and print its token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--house", required=True, help="slug of the house")
        parser.add_argument("--organisation", required=True, help="name or id of the partner")
        parser.add_argument("--name", required=True, help="name of the client (its system)")
        parser.add_argument(
            "--scopes",
            default="referrals:read referrals:write webhooks:manage",
            help=f"space-separated; known: {' '.join(SCOPES)}",
        )
        parser.add_argument("--as", dest="actor", required=True, help="e-mail of the admin")

    def handle(self, *args: Any, **options: Any) -> None:
        house = House.objects.filter(slug=options["house"]).first()
        if house is None:
            raise CommandError(f"Onbekend huis / unknown house: {options['house']}")
        named = options["organisation"]
        organisations = Organisation.objects.filter(partnerships__house=house)
        organisation = (
            organisations.filter(pk=int(named)).first()
            if named.isdigit()
            else organisations.filter(name=named).first()
        )
        if organisation is None:
            raise CommandError(f"Geen partner van dit huis / not a partner: {named}")
        actor = User.objects.filter(email__iexact=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"Onbekende gebruiker / unknown user: {options['actor']}")
        try:
            client, token = do_create_api_client(
                house,
                name=options["name"],
                organisation=organisation,
                scopes=options["scopes"].split(),
                actor=actor,
            )
        except PermissionDenied as error:
            raise CommandError(str(error) or "Geen functioneel beheerder / not an admin") from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(token.text)
        if awaiting_approval(client):
            self.stderr.write(
                "De toegang van deze koppeling wacht op goedkeuring door een tweede persoon "
                "(pagina Personen) / the client's access waits for a second person's approval"
            )
