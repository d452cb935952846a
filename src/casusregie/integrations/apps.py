from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "casusregie.integrations"
    label = "integrations"
    verbose_name = _("API clients and single sign-on")
