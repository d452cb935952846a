"""Play the demo forward: everything dated moves N days into the past, then the scheduler
runs, so reminders fall due and overdue actions climb the escalation ladder as they would
after N real days. Refused outside the demo and development environments."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F

from casusregie.meetings.models import Meeting, TimeSlot
from casusregie.plans.models import Action, Escalation, Feedback, Plan, PlanRevision, Service

# (model, date or datetime fields) moved back by the same number of days.
SHIFTED: list[tuple[Any, tuple[str, ...]]] = [
    (Action, ("due_date", "created_at", "done_at", "reminded_before_at", "reminded_overdue_at")),
    (Feedback, ("submitted_at", "reviewed_at")),
    (Escalation, ("reached_at", "resolved_at")),
    (Plan, ("updated_at", "last_progress_at")),
    (PlanRevision, ("created_at",)),
    (Service, ("updated_at", "waiting_confirmed_on")),
    (Meeting, ("starts_at", "held_at", "cancelled_at")),
    (TimeSlot, ("starts_at",)),
]


class Command(BaseCommand):
    help = "Demo only: move all plan and meeting dates N days back and run the scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="Number of days to advance.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.ENVIRONMENT not in ("demo", "development", "test"):
            raise CommandError(
                "Alleen in de demo / only in the demo (CASUSREGIE_ENV=demo or development)."
            )
        days = options["days"]
        if not 1 <= days <= 365:
            raise CommandError("--days moet tussen 1 en 365 liggen / must be 1..365.")
        delta = datetime.timedelta(days=days)
        with transaction.atomic():
            for model, fields in SHIFTED:
                for field in fields:
                    model.objects.filter(**{f"{field}__isnull": False}).update(
                        **{field: F(field) - delta}
                    )
        self.stdout.write(f"De klok staat {days} dagen verder / the clock moved {days} days.")
        call_command("run_schedule", stdout=self.stdout)
