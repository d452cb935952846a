from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    name = "casusregie.aftercare"
    label = "aftercare"
    verbose_name = _("Aftercare and relapse")

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers the relapse alert access policy
