"""Check the hash chains of the audit trail and the processing log (`casusregie verify-log`).

Exit status 0 when every chain is intact, 1 with the first broken link of each broken chain.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casusregie.privacy import chain


class Command(BaseCommand):
    help = "Verify the audit trail and the processing log: report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        breaks = list(chain.verify())
        if breaks:
            for found in breaks:
                self.stderr.write(f"BROKEN: {found}")
            raise CommandError(f"{len(breaks)} chain(s) broken")
        heads = chain.LogHead.objects.count()
        self.stdout.write(f"OK: {heads} chain(s) intact")
