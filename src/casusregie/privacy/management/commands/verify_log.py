"""Check the hash chains of the audit trail and the processing log (`casusregie verify-log`).

Exit status 0 when every chain is intact, 1 with the first broken link of each broken chain.
With `--against SEALS` (a seal file or a directory of them, decision 0038) also every sealed
chain must still exist, reach its sealed sequence number and have the sealed hash there; exit
status 2 when a seal file cannot be used (missing, unreadable, changed or of another key).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.privacy import chain, seal


class Command(BaseCommand):
    help = "Verify the audit trail and the processing log: report the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--against",
            action="append",
            type=Path,
            default=[],
            metavar="SEALS",
            help="A seal file from seal-log, or a directory of log-seal-*.json files; "
            "may be given more than once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seals, files = seal.load(options["against"])
        except seal.SealError as error:
            raise CommandError(f"unusable seal: {error}", returncode=2) from None
        breaks = list(chain.verify(seals=seals))
        if breaks:
            for found in breaks:
                self.stderr.write(f"BROKEN: {found}")
            raise CommandError(f"{len(breaks)} chain(s) broken")
        heads = chain.LogHead.objects.count()
        against = f"; {files} seal file(s) hold" if files else ""
        self.stdout.write(f"OK: {heads} chain(s) intact{against}")
