from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    name = "casusregie.signals"
    label = "signals"
    verbose_name = _("Concern signals")

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers the access policy of signals and alerts
