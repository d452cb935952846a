"""`casusregie config_docs`: write docs/configuration.md from the settings' declarations.

The document shows the *production* defaults whatever environment runs this command: the
settings are read in a clean child process with `CASUSREGIE_ENV=production` and a throw-away
key, so the output is the same on every machine.
"""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_PATH = Path(settings.BASE_DIR).parent.parent / "docs" / "configuration.md"

_RENDER = (
    "from casusregie.conf import settings as s; from casusregie.conf.env import render_markdown;"
    "import sys; sys.stdout.write(render_markdown(s.env.declared))"
)


def current_text() -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CASUSREGIE_", "DJANGO_", "DATABASE_URL", "EMAIL_", "DEBUG"))
        and key not in {"SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DEFAULT_FROM_EMAIL"}
    }
    env.update(
        {
            "CASUSREGIE_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "CASUSREGIE_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "CASUSREGIE_HASH_KEY": secrets.token_urlsafe(48),
            "CASUSREGIE_LOG_CHAIN_KEY": secrets.token_urlsafe(48),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", _RENDER],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


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
