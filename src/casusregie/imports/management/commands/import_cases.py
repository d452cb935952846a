"""casusregie import_cases FILE --house SLUG --mode all|valid --as EMAIL

With `--sample N` it writes a synthetic legacy file of N cases (with deliberate bad rows) to
FILE instead, using the house's partners and process directors, for trying out and timing.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from casusregie.accounts.models import Membership
from casusregie.accounts.roles import Role
from casusregie.houses.models import House, Partnership
from casusregie.imports.models import ImportKind
from casusregie.imports.sample import legacy_cases_csv

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Importeer casussen uit een vorig systeem (CSV, docs/imports.md). "
        "Import cases from a previous system."
    )
    kind = ImportKind.CASES

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sample",
            type=int,
            metavar="N",
            help="schrijf een synthetisch bestand met N casussen naar FILE (importeert niets)",
        )
        parser.add_argument("--clean", action="store_true", help="met --sample: zonder foute rijen")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sample"] is None:
            super().handle(*args, **options)
            return
        house = House.objects.filter(slug=options["house"]).first()
        if house is None:
            raise CommandError(f"Onbekend huis / unknown house: {options['house']}")
        organisations = list(
            Partnership.objects.filter(house=house)
            .order_by("organisation__name")
            .values_list("organisation__name", flat=True)
        )
        directors = list(
            Membership.objects.active()
            .filter(house=house, role=Role.PROCESS_DIRECTOR)
            .values_list("user__email", flat=True)
        )
        if len(organisations) < 2:
            raise CommandError("Het huis heeft minstens twee partners nodig / needs two partners")
        sample = legacy_cases_csv(
            options["sample"], organisations, directors, bad=not options["clean"]
        )
        Path(options["file"]).write_text(sample.text, encoding="utf-8")
        self.stdout.write(
            f"{options['file']}: {options['sample']} casussen, {len(sample.text.splitlines()) - 1} "
            f"rijen, {len(sample.bad_rows)} foute rijen"
        )
