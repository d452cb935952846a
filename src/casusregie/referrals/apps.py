from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "casusregie.referrals"
    label = "referrals"
    verbose_name = _("Referrals and triage")

    def ready(self) -> None:
        from . import access  # noqa: F401 - registers the referral access policy
