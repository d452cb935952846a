from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "casusregie.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from casusregie.houses.models import House

        post_save.connect(_new_house, sender=House, dispatch_uid="privacy-house-defaults")


def _new_house(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Every new house starts with a register of processing activities and a working method."""
    if created and not raw:
        from .register import ensure_defaults

        ensure_defaults(instance)
