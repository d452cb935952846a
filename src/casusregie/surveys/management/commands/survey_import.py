"""casusregie survey-import FILE --survey ID: load responses gathered elsewhere.

The columns are documented in docs/surveys.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.surveys import actions
from casusregie.surveys.models import Survey


class Command(BaseCommand):
    help = "Load survey responses from a CSV file (columns: group, then one per item key)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--survey", type=int, required=True)

    def handle(self, *args: Any, file: Path, survey: int, **options: Any) -> None:
        found = Survey.objects.filter(pk=survey).first()
        if found is None:
            raise CommandError(f"survey {survey} does not exist")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from error
        if actions.already_imported(found, content):
            self.stdout.write("this file was imported before; nothing changed")
            return
        try:
            count = actions.import_csv(found, content)
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(message)
            raise CommandError("nothing imported") from error
        self.stdout.write(f"{count} responses imported")
