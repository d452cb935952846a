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

# Four-eyes for role grants (docs/decisions/0040). A person who gives one of these roles only
# asks for it: the role takes effect when a second person (GRANT_APPROVER_ROLES, neither the one
# who asked nor the one who receives it) approves. They are the roles that open case content
# (house staff and partner roles), the privacy officer who oversees their use, and the roles
# that manage or approve grants themselves: were a new functional administrator immediate, the
# first could make a second and have it approve his grants.
FOUR_EYES_ROLES = frozenset(
    {
        Role.PROCESS_DIRECTOR,
        Role.TRIAGE_MEMBER,
        Role.HOUSE_MANAGER,
        Role.PARTNER_PARTICIPANT,
        Role.PARTNER_MANAGER,
        Role.PRIVACY_OFFICER,
        Role.FUNCTIONAL_ADMIN,
    }
)
# Who approves or rejects a pending grant.
GRANT_APPROVER_ROLES = (Role.FUNCTIONAL_ADMIN, Role.HOUSE_MANAGER)
