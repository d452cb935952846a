from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "casusregie.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers this app's access policy and providers
