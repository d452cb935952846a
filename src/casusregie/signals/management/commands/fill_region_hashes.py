"""`casusregie fill_region_hashes`: give existing case subjects their regional pseudonym after
CASUSREGIE_SIGNALS_REGION_KEY was set or changed (docs/signals.md)."""

from typing import Any

from django.core.management.base import BaseCommand

from casusregie.signals.pseudonym import fill_region_hashes


class Command(BaseCommand):
    help = "Fill the regional pseudonym of case subjects with a BSN (signals exchange)."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = fill_region_hashes()
        self.stdout.write(f"{changed} subjects updated")
