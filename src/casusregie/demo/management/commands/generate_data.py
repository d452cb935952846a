"""Generate a synthetic national data set into an empty, migrated database (benchmarks)."""

import json
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, transaction

from casusregie.demo import national


class Command(BaseCommand):
    help = (
        "Fill an empty, migrated database with a synthetic national data set: HOUSES houses, "
        "CASES cases with subjects, participants, meetings, actions with feedback and about 20 "
        "processing-log lines each (docs/performance.md). COPY on PostgreSQL. Deterministic "
        "for a seed and a day. Writes the benchmark logins to <data dir>/generated.json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--houses", type=int, default=30)
        parser.add_argument("--cases", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        connection = connections[using]
        if connection.vendor != "postgresql" and options["cases"] > 50_000:
            raise CommandError("more than 50,000 cases needs PostgreSQL (COPY)")
        self.started = time.perf_counter()
        self.last = 0.0
        try:
            if connection.vendor == "postgresql":
                result = self.run(options, using)
            else:
                with transaction.atomic(using=using):
                    result = self.run(options, using)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.bar(1, 1, "done", force=True)
        self.stdout.write("")
        for table, count in result.counts.items():
            self.stdout.write(f"  {table:<32} {count:>12,}")
        self.stdout.write(f"generated in {result.seconds:.1f} s")
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        out = settings.DATA_DIR / "generated.json"
        out.write_text(json.dumps(result.as_dict(), indent=1) + "\n", encoding="utf-8")
        self.stdout.write(f"logins and ids: {out} (password {national.PASSWORD})")

    def run(self, options: dict[str, Any], using: str) -> national.Result:
        return national.generate(
            houses=options["houses"],
            cases=options["cases"],
            seed=options["seed"],
            using=using,
            progress=self.bar,
        )

    def bar(self, done: int, total: int, label: str, *, force: bool = False) -> None:
        """A text progress bar: redrawn in place on a terminal, a line every 10 s otherwise."""
        elapsed = time.perf_counter() - self.started
        tty = sys.stdout.isatty()
        if not (force or tty or elapsed - self.last >= 10):
            return
        self.last = elapsed
        filled = int(30 * done / max(total, 1))
        line = (
            f"[{'#' * filled}{'.' * (30 - filled)}] {100 * done / max(total, 1):5.1f}% "
            f"{done:,}/{total:,} {label} {elapsed:.0f} s"
        )
        self.stdout.write(f"\r{line}" if tty else line, ending="" if tty else "\n")
        self.stdout.flush()
