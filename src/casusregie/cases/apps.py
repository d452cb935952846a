from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "casusregie.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers the case access policy
