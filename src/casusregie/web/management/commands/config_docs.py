"""`casusregie config_docs`: write docs/configuration.md from the settings' declarations."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casusregie.conf.env import render_markdown

DEFAULT_PATH = Path(settings.BASE_DIR).parent.parent / "docs" / "configuration.md"


def current_text() -> str:
    from casusregie.conf import settings as settings_module

    return render_markdown(settings_module.env.declared)


class Command(BaseCommand):
    help = "Write (or with --check, verify) docs/configuration.md from the settings."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--path", default=str(DEFAULT_PATH))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        text = current_text()
        if options["check"]:
            if not path.exists() or path.read_text() != text:
                raise CommandError(f"{path} is verouderd / out of date: run casusregie config_docs")
            return
        path.write_text(text)
        self.stdout.write(f"{path} bijgewerkt / written")
