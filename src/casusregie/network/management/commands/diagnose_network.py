"""Print the network diagnosis of Provan & Kenis (`casusregie diagnose-network`).

``--answers FILE.json`` diagnoses operationalised answers (fields in docs/network.md).
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casusregie.network import engine


class Command(BaseCommand):
    help = "Diagnose a network's governance form against the contingencies of Provan & Kenis."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--answers", help="JSON file with the operationalised answers")
        parser.add_argument("--format", choices=("json", "text"), default="text")
        parser.add_argument("--language", choices=("nl", "en"), default="nl")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["answers"]:
            raise CommandError("give --answers FILE.json")
        path = Path(options["answers"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from exc
        try:
            verdict = engine.diagnose(engine.parse_answers(data))
        except engine.AnswersError as exc:
            lines = [f"  {key}: {message}" for key, message in exc.errors.items()]
            raise CommandError("the answers cannot be diagnosed:\n" + "\n".join(lines)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(verdict.as_json(), indent=2, ensure_ascii=False))
            return
        reasons = verdict.reasons_nl if options["language"] == "nl" else verdict.reasons_en
        self.stdout.write("\n".join(reasons))
