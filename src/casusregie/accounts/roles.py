"""The roles a user can hold in a house, through a membership of one organisation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROCESS_DIRECTOR = "process_director", _("Process director")
    TRIAGE_MEMBER = "triage_member", _("Triage team member")
    HOUSE_MANAGER = "house_manager", _("House manager")
    PARTNER_PARTICIPANT = "partner_participant", _("Partner participant")
    PARTNER_MANAGER = "partner_manager", _("Partner manager")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    FUNCTIONAL_ADMIN = "functional_admin", _("Functional administrator")
    AUDITOR = "auditor", _("Auditor (read-only)")


# Roles whose holders can see personal data of data subjects (cases, referrals, logs). Their
# holders must use two-factor authentication. A functional administrator sees no case data but
# can grant every role, so holding that role requires it too (docs/decisions/0005).
ROLES_REQUIRING_2FA = frozenset(Role)
