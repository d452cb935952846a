"""Template helpers for the privacy parts of shared pages (menus, the case page banner)."""

from __future__ import annotations

from typing import Any

from django import template

from casusregie.accounts.roles import Role

from .. import actions, policy

register = template.Library()


@register.simple_tag
def is_privacy_officer(user: Any, house: Any) -> bool:
    return policy.has_role(user, house, Role.PRIVACY_OFFICER)


@register.simple_tag
def may_break_glass(user: Any, house: Any) -> bool:
    return actions.may_break_glass(user, house)


@register.simple_tag
def glass_access(user: Any, case: Any) -> Any:
    """The user's emergency access to this case, if that is why they see it."""
    if case.pk not in actions.glass_case_ids(user):
        return None
    return actions.active_glass(user, case)
