from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "casusregie.plans"
    label = "plans"
    verbose_name = _("Plans and actions")

    def ready(self) -> None:
        from . import (
            access,  # noqa: F401 - registers the access policy of this app's models
            services_access,  # noqa: F401 - the services map's policy
        )
