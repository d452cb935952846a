from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "casusregie.journal"
    label = "journal"
    verbose_name = _("Case journal")

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers this app's access policy and providers
