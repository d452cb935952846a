"""Print the network diagnosis of Provan & Kenis (`casusregie diagnose-network`).

``--answers FILE.json`` diagnoses operationalised answers (fields in docs/network.md);
``--house SLUG [--from DATE] [--to DATE]`` derives them from the house's data for the period
(default: the last 365 days).
"""

import datetime
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.houses.models import House
from casusregie.network import engine, house_data
from casusregie.network.forms import default_period


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Diagnose a network's governance form against the contingencies of Provan & Kenis."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--answers", help="JSON file with the operationalised answers")
        parser.add_argument("--house", help="slug of a house: derive the answers from its data")
        parser.add_argument("--from", dest="start", help="start of the period, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="end of the period (inclusive), YYYY-MM-DD")
        parser.add_argument("--format", choices=("json", "text"), default="text")
        parser.add_argument("--language", choices=("nl", "en"), default="nl")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["answers"]) == bool(options["house"]):
            raise CommandError("give either --answers FILE.json or --house SLUG")
        data = self._from_house(options) if options["house"] else self._from_file(options)
        try:
            verdict = engine.diagnose(engine.parse_answers(data))
        except engine.AnswersError as exc:
            lines = [f"  {key}: {message}" for key, message in exc.errors.items()]
            raise CommandError("the answers cannot be diagnosed:\n" + "\n".join(lines)) from exc
        if options["format"] == "json":
            out = verdict.as_json()
            if options["house"]:
                out["answers"] = data
            self.stdout.write(json.dumps(out, indent=2, ensure_ascii=False))
            return
        reasons = verdict.reasons_nl if options["language"] == "nl" else verdict.reasons_en
        self.stdout.write("\n".join(reasons))

    def _from_house(self, options: dict[str, Any]) -> Any:
        house = House.objects.filter(slug=options["house"]).first()
        if house is None:
            raise CommandError(f"no house with short name {options['house']!r}")
        start, end = default_period()
        start = _date(options["start"]) if options["start"] else start
        end = _date(options["end"]) if options["end"] else end
        if start > end:
            raise CommandError("--from must not be after --to")
        found = house_data.collect(house, start, end)
        if found is None:
            raise CommandError(
                f"{house.name} has no cases or meetings from {start} to {end}: nothing to diagnose"
            )
        return found.answers

    def _from_file(self, options: dict[str, Any]) -> Any:
        path = Path(options["answers"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from exc
        return data
