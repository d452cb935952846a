from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "casusregie.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers the access policy of import jobs
