"""`casusregie import_signals FILE --house … --organisation … --as …`: a large export of
signals (a police report export of a million rows) read on the server, past the upload limit,
with the same checks, report and processing log as an upload, and a progress bar while saving
(docs/signals.md, "Bulk intake")."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casusregie.accounts.models import User
from casusregie.houses.models import House, Organisation
from casusregie.imports.management.commands._base import BAR
from casusregie.imports.report import as_csv
from casusregie.privacy import log
from casusregie.signals import intake as intake_module
from casusregie.signals.models import IntakeStatus


class Command(BaseCommand):
    help = (
        "Signalen inlezen uit een groot bestand op de server / "
        "read concern signals from a large file on the server"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV- of XLSX-bestand / CSV or XLSX file")
        parser.add_argument("--house", required=True, help="slug van het huis / the house's slug")
        parser.add_argument(
            "--organisation",
            required=True,
            help="naam van de signalerende organisatie / name of the signalling organisation",
        )
        parser.add_argument(
            "--as",
            dest="actor",
            required=True,
            help="e-mail van de contactpersoon die signalen mag geven / e-mail of the contact",
        )
        parser.add_argument(
            "--keep-valid",
            action="store_true",
            help="goede rijen bewaren als er rijen afgewezen worden / keep the valid rows",
        )
        parser.add_argument("--max-mb", type=int, default=500, help="grootste bestand in MB")
        parser.add_argument(
            "--report", help="waar het rapport (CSV) komt; standaard naast het bestand"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        house = House.objects.filter(slug=options["house"]).first()
        if house is None:
            raise CommandError(f"Onbekend huis / unknown house: {options['house']}")
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                f"Onbekende organisatie / unknown organisation: {options['organisation']}"
            )
        actor = User.objects.filter(email__iexact=options["actor"].strip(), is_active=True).first()
        if actor is None:
            raise CommandError(f"Onbekende gebruiker / unknown user: {options['actor']}")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        if options["max_mb"] < 1:
            raise CommandError("--max-mb moet minstens 1 zijn / must be at least 1")
        self.stderr.write("controleren en pseudonimiseren / checking and pseudonymising …")
        try:
            with log.processing():
                job = intake_module.do_upload(
                    house,
                    organisation=organisation,
                    filename=path.name,
                    data=data,
                    keep_valid=options["keep_valid"],
                    actor=actor,
                    max_size=options["max_mb"] * 1024 * 1024,
                    enqueue=False,
                )
        except ValidationError as error:
            messages = [m for ms in error.message_dict.values() for m in ms]
            raise CommandError(" ".join(messages)) from None
        report_path = Path(options["report"] or path.with_name(f"{path.stem}-rapport.csv"))
        report_path.write_text(as_csv(job.report), encoding="utf-8")
        for key, value in job.summary.items():
            self.stdout.write(f"{key}: {value}")
        for issue in job.report[:50]:
            self.stdout.write(f"rij {issue['row']} [{issue['column'] or '-'}]: {issue['reason']}")
        if len(job.report) > 50:
            self.stdout.write(f"... en nog {len(job.report) - 50} meldingen")
        if job.status == IntakeStatus.WORKING:
            intake_module.run(job.pk, progress=self.draw)
            self.stderr.write("")
            job.refresh_from_db()
        self.stdout.write(f"status: {job.status}")
        self.stdout.write(f"Rapport / report: {report_path}")
        if job.status != IntakeStatus.DONE:
            sys.exit(1)

    def draw(self, done: int, total: int) -> None:
        filled = BAR * done // total if total else BAR
        self.stderr.write(
            f"\ropslaan [{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} signalen",
            ending="",
        )
        self.stderr.flush()
