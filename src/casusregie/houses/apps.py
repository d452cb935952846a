from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousesConfig(AppConfig):
    name = "casusregie.houses"
    label = "houses"
    verbose_name = _("Houses and partners")
