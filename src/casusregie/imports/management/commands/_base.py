"""What import_cases and import_people share: arguments, the progress bar, the report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.houses.models import House
from casusregie.imports import actions
from casusregie.imports.files import FileProblem
from casusregie.imports.models import ImportMode
from casusregie.imports.report import ERROR, as_csv

BAR = 30


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV- of XLSX-bestand / CSV or XLSX file")
        parser.add_argument("--house", required=True, help="slug van het huis / the house's slug")
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.ALL)
        parser.add_argument(
            "--as",
            dest="actor",
            help="e-mail van de functioneel beheerder namens wie geïmporteerd wordt",
        )
        parser.add_argument("--dry-run", action="store_true", help="alleen controleren")
        parser.add_argument(
            "--report", help="waar het rapport (CSV) komt; standaard naast het bestand"
        )

    def house_and_actor(self, options: dict[str, Any]) -> tuple[House, User]:
        house = House.objects.filter(slug=options["house"]).first()
        if house is None:
            raise CommandError(f"Onbekend huis / unknown house: {options['house']}")
        email = (options["actor"] or "").strip()
        actor = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
        if (
            actor is None
            or not Membership.objects.active()
            .filter(user=actor, house=house, role=Role.FUNCTIONAL_ADMIN)
            .exists()
        ):
            raise CommandError(
                "--as moet een functioneel beheerder van dit huis zijn / "
                "--as must be a functional administrator of this house"
            )
        return house, actor

    def handle(self, *args: Any, **options: Any) -> None:
        house, actor = self.house_and_actor(options)
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            job = actions.import_file(
                house,
                kind=self.kind,
                mode=options["mode"],
                filename=path.name,
                data=data,
                actor=actor,
                dry_run=options["dry_run"],
                progress=self.draw,
            )
        except FileProblem as problem:
            raise CommandError(str(problem)) from None
        self.stderr.write("")
        report_path = Path(options["report"] or path.with_name(f"{path.stem}-rapport.csv"))
        report_path.write_text(as_csv(job.report), encoding="utf-8")
        self.print_report(job, report_path)
        if any(issue.get("kind") == ERROR for issue in job.report):
            sys.exit(1)

    def draw(self, stage: str, done: int, total: int) -> None:
        """A one-line bar on the terminal, redrawn in place."""
        label = "opslaan    " if stage == "write" else "controleren"
        filled = BAR if stage == "write" else (BAR * done // total if total else BAR)
        self.stderr.write(
            f"\r{label} [{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} rijen",
            ending="",
        )
        self.stderr.flush()

    def print_report(self, job: Any, report_path: Path) -> None:
        summary = job.summary
        for key, value in summary.items():
            self.stdout.write(f"{key}: {value}")
        rejected = [i for i in job.report if i.get("kind") == ERROR]
        for issue in rejected[:50]:
            self.stdout.write(
                f"rij {issue['row']} {issue.get('legacy_id', '')} "
                f"[{issue['column'] or '-'}]: {issue['reason']}"
            )
        if len(rejected) > 50:
            self.stdout.write(f"... en nog {len(rejected) - 50} afgewezen rijen")
        if summary.get("blocked"):
            self.stdout.write(
                self.style.WARNING("Niets geïmporteerd: afgewezen rijen in modus 'all'.")
            )
        self.stdout.write(f"Rapport / report: {report_path}")
