"""Write a house's processing log in the Logboek Dataverwerkingen shape (`casusregie export-log`).

casusregie export-log heuvelland --since 2026-01-01 --until 2026-12-31 > log.jsonl
"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from casusregie.houses.models import House
from casusregie.privacy.export import records
from casusregie.privacy.models import ProcessingLogEntry


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from error


class Command(BaseCommand):
    help = "Export a house's processing log as JSON lines (Logboek Dataverwerkingen)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("house", help="short name (slug) of the house")
        parser.add_argument("--since", type=_day, help="first day (inclusive)")
        parser.add_argument("--until", type=_day, help="last day (inclusive)")

    def handle(self, *args: Any, **options: Any) -> None:
        house = House.objects.filter(slug=options["house"]).first()
        if house is None:
            raise CommandError(f"no house with short name {options['house']!r}")
        lines = ProcessingLogEntry.objects.filter(house=house)
        zone = timezone.get_current_timezone()
        if options["since"]:
            start = datetime.datetime.combine(options["since"], datetime.time.min, zone)
            lines = lines.filter(start_time__gte=start)
        if options["until"]:
            end = datetime.datetime.combine(options["until"], datetime.time.min, zone)
            lines = lines.filter(start_time__lt=end + datetime.timedelta(days=1))
        for row in records(lines, house.slug):
            self.stdout.write(row, ending="")
