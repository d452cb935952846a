"""`casusregie backup FILE`: the whole database into one pg_dump file (docs/operations.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from casusregie.web.backup import backup


class Command(BaseCommand):
    help = "Back up the PostgreSQL database into FILE (pg_dump custom format)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        size = backup(options["file"])
        self.stdout.write(f"OK: {options['file']} ({size} bytes)")
