"""Template helpers for links to this app from other apps' pages."""

from __future__ import annotations

from typing import Any

from django import template

from .. import actions

register = template.Library()


@register.simple_tag
def may_record_police_counts(user: Any, case: Any) -> bool:
    """Whether the user takes part in the case for a police organisation (one query)."""
    return actions.police_organisation(user, case) is not None
