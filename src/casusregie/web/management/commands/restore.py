"""`casusregie restore FILE`: a backup into an empty database, then the log chains checked."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from casusregie.web.backup import restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `casusregie backup` into an empty PostgreSQL database (the "
        "configured one, or --database NAME on the same server), in one transaction."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", help="another, empty database on the same server")

    def handle(self, *args: Any, **options: Any) -> None:
        name = restore(options["file"], options["database"])
        self.stdout.write(f"OK: restored into {name}")
        if name == settings.DATABASES["default"]["NAME"]:
            call_command("verify_log", stdout=self.stdout, stderr=self.stderr)
        else:
            self.stdout.write(
                f"Check it: DATABASE_URL=<...>/{name} casusregie verify-log, then switch over."
            )
