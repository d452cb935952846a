"""casusregie import_people FILE --house SLUG --mode all|valid --as EMAIL"""

from casusregie.imports.models import ImportKind

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Importeer organisaties en mensen van een huis uit CSV of XLSX (docs/imports.md). "
        "Import a house's organisations and people."
    )
    kind = ImportKind.PEOPLE
