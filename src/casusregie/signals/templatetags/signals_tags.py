"""Template tags: the house menu entry, and "already known" on a referral page."""

from __future__ import annotations

from typing import Any

from django import template

from casusregie.accounts.roles import Role
from casusregie.privacy import policy

from .. import actions
from ..access import SIGNAL_ROLES

register = template.Library()

# Who sees on a referral how many organisations gave signals: the staff who judge it.
KNOWN_ROLES = (Role.PROCESS_DIRECTOR, Role.TRIAGE_MEMBER)


@register.simple_tag
def signal_links(user: Any, house: Any) -> dict[str, bool]:
    roles = policy.house_roles(user, house)
    return {
        "signals": bool(roles & set(SIGNAL_ROLES)),
        "overview": Role.PROCESS_DIRECTOR in roles,
    }


@register.simple_tag
def known_signals(user: Any, referral: Any) -> int:
    """How many organisations gave signals about the referral's people (for the staff who
    judge it; 0 for anyone else). Showing it is a logged look-up."""
    if not policy.house_roles(user, referral.house) & set(KNOWN_ROLES):
        return 0
    count = actions.known_organisations(referral.house, actions.referral_pseudonyms(referral))
    if count:
        actions.record_known_read(user, referral, count)
    return count
