"""Who may see a house's reports: through the access policy, never a direct House query."""

from __future__ import annotations

from typing import Any

from casusregie.accounts.roles import Role
from casusregie.houses.models import House
from casusregie.privacy import policy

# The house manager and process directors steer on these figures; the auditor reads along.
REPORT_ROLES = (Role.HOUSE_MANAGER, Role.PROCESS_DIRECTOR, Role.AUDITOR)


def report_house(user: Any, slug: str) -> House:
    """The house whose reports the user may see, or 404 (also for houses they do not know)."""
    return policy.access_house(user, slug, roles=REPORT_ROLES)


def dashboard_house(user: Any, slug: str) -> House:
    """The collaboration dashboard is the house manager's (it adds privacy counts)."""
    return policy.access_house(user, slug, roles=(Role.HOUSE_MANAGER,))
