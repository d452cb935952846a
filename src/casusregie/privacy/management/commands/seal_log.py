"""Seal the hash chains (`casusregie seal-log`): every chain's newest sequence number and hash,
signed with the chain key, into a file kept outside the database (decision 0038).

`--out FILE` writes FILE (never over an existing one), `--out -` prints the seal; without
`--out` the seal goes into `CASUSREGIE_LOG_SEAL_DIR`. Exit status 1 when no seal was written.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from casusregie.privacy import seal


class Command(BaseCommand):
    help = "Seal the audit trail and the processing log into a file kept apart from the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            help="The seal file to write ('-': standard output); default: a new file in "
            "CASUSREGIE_LOG_SEAL_DIR.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        try:
            sealed = seal.current(now)
            if options["out"] == "-":
                self.stdout.write(seal.text(sealed), ending="")
                return
            path = self._path(options["out"], now)
            seal.write(path, sealed)
        except seal.SealError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"OK: {len(sealed['chains'])} chain(s) sealed in {path}")

    @staticmethod
    def _path(out: str | None, now: Any) -> Path:
        if out:
            return Path(out)
        if not settings.LOG_SEAL_DIR:
            raise CommandError("give --out FILE, or set CASUSREGIE_LOG_SEAL_DIR")
        return Path(settings.LOG_SEAL_DIR) / seal.file_name(now)
