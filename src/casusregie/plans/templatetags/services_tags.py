"""Template tags of the services map: whether the house menu shows it."""

from __future__ import annotations

from typing import Any

from django import template

from casusregie.privacy import policy

from ..services_access import READ_ROLES

register = template.Library()


@register.simple_tag
def may_read_services(user: Any, house: Any) -> bool:
    """Whether the user may open the house's services map (read from the memberships the
    request has already loaded)."""
    return bool(policy.house_roles(user, house) & set(READ_ROLES))
