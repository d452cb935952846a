"""Tell process directors about known-to questions whose deadline passed unanswered.

Run daily by the scheduler (cron or a systemd timer until the task queue lands)."""

from typing import Any

from django.core.management.base import BaseCommand

from casusregie.referrals.actions import remind_overdue_known_to


class Command(BaseCommand):
    help = "Report unanswered known-to questions past their deadline to the process director."

    def handle(self, *args: Any, **options: Any) -> None:
        handled = remind_overdue_known_to()
        self.stdout.write(f"{handled} vraag/vragen gemeld / reported")
