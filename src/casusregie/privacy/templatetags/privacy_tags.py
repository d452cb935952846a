"""Template helpers for the privacy parts of shared pages (menus, the case page banner)."""

from __future__ import annotations

from typing import Any

from django import template

from casusregie.accounts.roles import Role

from .. import actions, policy

register = template.Library()


@register.simple_tag
def privacy_links(user: Any, house: Any) -> dict[str, bool]:
    """Which privacy and administration pages the house menu offers the user (one query)."""
    from ..retention import RETENTION_ROLES

    roles = policy.house_roles(user, house)
    return {
        "officer": Role.PRIVACY_OFFICER in roles,
        "destruction": bool(roles & set(RETENTION_ROLES)),
        "admin": Role.FUNCTIONAL_ADMIN in roles,
        "webhooks": bool(roles & {Role.FUNCTIONAL_ADMIN, Role.PARTNER_MANAGER}),
        "reports": bool(roles & {Role.HOUSE_MANAGER, Role.PROCESS_DIRECTOR, Role.AUDITOR}),
        "surveys": bool(roles & {Role.FUNCTIONAL_ADMIN, Role.HOUSE_MANAGER}),
        "diagnosis": bool(roles & {Role.HOUSE_MANAGER, Role.PROCESS_DIRECTOR}),
    }


@register.simple_tag
def may_break_glass(user: Any, house: Any) -> bool:
    return actions.may_break_glass(user, house)


@register.simple_tag
def glass_access(user: Any, case: Any) -> Any:
    """The user's emergency access to this case, if that is why they see it."""
    if case.pk not in actions.glass_case_ids(user):
        return None
    return actions.active_glass(user, case)
