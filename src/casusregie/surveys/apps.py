from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "casusregie.surveys"
    label = "surveys"
    verbose_name = _("Partner surveys")

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers the access policy of this app's models
