"""Send due webhook deliveries (retries) and the "action due soon" events now. `run_schedule`
does the same every 15 minutes; this command is for operators and tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.webhooks import delivery, schedule


class Command(BaseCommand):
    help = "Send due webhook deliveries and 'action due soon' events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", help="Act as if it were this day (YYYY-MM-DD); not in production."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("today"):
            if settings.PRODUCTION:
                raise CommandError("--today is niet toegestaan in productie / not in production.")
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(
                    f"--today: '{options['today']}' is geen datum / not a date."
                ) from None
        from django.utils import timezone

        emitted = schedule.emit_due_soon(today or timezone.localdate())
        sent = delivery.deliver_due()
        self.stdout.write(
            f"webhooks: {emitted} gebeurtenissen / events, {sent} pogingen / attempts"
        )
