"""Export a house's signed key indicators, or compare other houses' exports
(`casusregie exchange-network export|compare`)."""

import datetime
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.houses.models import House
from casusregie.network import exchange
from casusregie.network.forms import default_period


def _read(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path} is not valid JSON: {exc}") from exc


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Exchange key indicators and lessons between houses (signed, small counts hidden)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        out = sub.add_parser("export", help="print the signed export of a house")
        out.add_argument("--house", required=True)
        out.add_argument("--from", dest="start")
        out.add_argument("--to", dest="end")
        out.add_argument("--lessons", help="JSON file: a list of {kind, theme, text}")
        cmp = sub.add_parser("compare", help="check exports and print them side by side")
        cmp.add_argument("files", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "export":
                self._export(options)
            else:
                self._compare(options["files"])
        except exchange.ExchangeError as exc:
            raise CommandError(str(exc)) from exc

    def _export(self, options: dict[str, Any]) -> None:
        house = House.objects.filter(slug=options["house"]).first()
        if house is None:
            raise CommandError(f"no house with short name {options['house']!r}")
        start, end = default_period()
        start = _date(options["start"]) if options["start"] else start
        end = _date(options["end"]) if options["end"] else end
        if start > end:
            raise CommandError("--from must not be after --to")
        lessons = _read(options["lessons"]) if options["lessons"] else []
        data = exchange.export(house, start, end, lessons)
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))

    def _compare(self, files: list[str]) -> None:
        payloads = []
        for path in files:
            try:
                payloads.append(exchange.verify(_read(path)))
            except exchange.ExchangeError as exc:
                raise CommandError(f"{path}: {exc}") from exc
        header = ["indicator", *(p["house"] for p in payloads)]
        self.stdout.write("\t".join(header))
        for name, values in exchange.compare(payloads):
            shown = ["—" if v is None else json.dumps(v, ensure_ascii=False) for v in values]
            self.stdout.write("\t".join([name, *shown]))
        for payload in payloads:
            for lesson in payload.get("lessons", []):
                self.stdout.write(
                    f"{payload['house']} [{lesson['kind']}/{lesson['theme']}] {lesson['text']}"
                )
