"""Load the synthetic demo houses into an empty database."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casusregie.demo import data


class Command(BaseCommand):
    help = "Load the synthetic demo houses (NHN-style Duinstreek, MB-style Heuvelland)."

    def handle(self, *args: Any, **options: Any) -> None:
        if data.is_loaded():
            raise CommandError(
                "De demohuizen zijn al geladen / the demo houses are already loaded."
            )
        logins = data.load(progress=lambda line: self.stdout.write(line))
        print_logins(self, logins)


def print_logins(command: BaseCommand, logins: dict[str, list[tuple[str, str]]]) -> None:
    command.stdout.write("")
    command.stdout.write(
        command.style.SUCCESS(f"Demo-logins (wachtwoord voor iedereen: {data.DEMO_PASSWORD})")
    )
    for house, rows in logins.items():
        command.stdout.write(f"\n  {house}")
        for label, email in rows:
            command.stdout.write(f"    {label:<32} {email}")
