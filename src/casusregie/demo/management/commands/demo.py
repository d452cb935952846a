"""`casusregie demo`: migrate SQLite, load the synthetic houses once, serve on :8000."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from casusregie.demo import data
from casusregie.demo.management.commands.load_demo import print_logins


class Command(BaseCommand):
    help = "Run the demo: migrate, load synthetic data (first time) and serve the web UI."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Prepare only; do not serve.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError(
                "De demo draait alleen met CASUSREGIE_ENV=demo (python3 dev.py demo doet dat) / "
                "the demo only runs with CASUSREGIE_ENV=demo."
            )
        self.stdout.write("Database bijwerken / migrating ...")
        call_command("migrate", interactive=False, verbosity=0)
        if data.is_loaded():
            self.stdout.write("Demohuizen waren al geladen / demo houses already loaded.")
            logins = data.existing_logins()
        else:
            self.stdout.write("Synthetische demohuizen laden / loading synthetic houses ...")
            logins = data.load(progress=lambda line: self.stdout.write("  " + line))
        print_logins(self, logins)
        if options["no_serve"]:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"\nOpen http://{options['addrport']}/ in uw browser (Ctrl+C stopt de demo)."
            )
        )
        call_command("runserver", options["addrport"], use_reloader=False, skip_checks=False)
