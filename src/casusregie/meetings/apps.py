from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "casusregie.meetings"
    label = "meetings"
    verbose_name = _("Case meetings")

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers the access policy of this app's models
