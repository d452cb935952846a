from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "casusregie.integrations"
    label = "integrations"
    verbose_name = _("API clients and single sign-on")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        # Registers the OpenAPI security schemes of the two token kinds.
        from . import authentication  # noqa: F401
        from .sso import audit_logout

        user_logged_out.connect(audit_logout, dispatch_uid="casusregie-sso-logout")
