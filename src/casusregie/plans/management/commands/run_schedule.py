"""What cron or a systemd timer calls every 15 minutes: queue the reminders and escalations
that are due (docs/operations.md). Idempotent: running it again does nothing new."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.aftercare.tasks import aftercare_duties
from casusregie.api.models import purge_expired
from casusregie.inbox.tasks import send_digests_task
from casusregie.outbox import delivery as outbox
from casusregie.plans.tasks import escalate_actions, mark_stalled_plans, remind_actions
from casusregie.privacy.tasks import detect_usage_signals, retention_duties, seal_log
from casusregie.signals.actions import purge_expired_signals
from casusregie.web.task_queue import STALE, requeue_abandoned
from casusregie.webhooks.tasks import webhook_duties


class Command(BaseCommand):
    help = (
        "Queue reminders, escalations, stalled plans, privacy signals, retention duties, "
        "the daily log seal and daily digests; "
        "deliver queued mail; purge expired API idempotency answers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            help="Act as if it were this day (YYYY-MM-DD); not in production.",
        )
        parser.add_argument(
            "--stale-minutes",
            type=int,
            default=int(STALE.total_seconds() // 60),
            help="Requeue tasks RUNNING longer than this (their worker died); default 30.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options.get("today")
        if today:
            if settings.PRODUCTION:
                raise CommandError("--today is niet toegestaan in productie / not in production.")
            try:
                datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today: '{today}' is geen datum / not a date.") from None
        if options["stale_minutes"] < 1:
            raise CommandError("--stale-minutes: minstens 1 / at least 1.")
        # First: tasks whose worker was killed go back to the queue (web/task_queue.py).
        requeued, given_up = requeue_abandoned(datetime.timedelta(minutes=options["stale_minutes"]))
        self.stdout.write(
            f"verlaten taken / abandoned tasks: {requeued} opnieuw, {given_up} mislukt"
        )
        for name, job in (
            ("herinneringen", remind_actions),
            ("escalaties", escalate_actions),
            ("vastgelopen plannen", mark_stalled_plans),
            ("privacysignalen", detect_usage_signals),
            ("bewaartermijnen", retention_duties),
            ("logzegel", seal_log),
            ("webhooks", webhook_duties),
            ("nazorg", aftercare_duties),
        ):
            result = job.enqueue(today)
            done = result.return_value if result.is_finished else "in de wachtrij / queued"
            self.stdout.write(f"{name}: {done}")
        result = send_digests_task.enqueue()
        done = result.return_value if result.is_finished else "in de wachtrij / queued"
        self.stdout.write(f"samenvattingen: {done}")
        # Queued mail that is due (new, or waiting for a retry), then forget old sent mail.
        mail = outbox.deliver_due()
        self.stdout.write(
            f"e-mail / mail: {mail.sent} verstuurd / sent, {mail.retried} later opnieuw / retry, "
            f"{mail.failed} mislukt / failed; {outbox.purge()} opgeruimd / purged"
        )
        # Kept API answers for retried creates live a day (decision 0020).
        self.stdout.write(f"idempotentie-antwoorden opgeruimd / purged: {purge_expired()}")
        # Concern signals live until the house's retention for signals (docs/signals.md).
        day = datetime.date.fromisoformat(today) if today else None
        self.stdout.write(f"verlopen zorgsignalen / expired signals: {purge_expired_signals(day)}")
