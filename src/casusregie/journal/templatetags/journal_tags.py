"""Template helpers for links to the case journal from other apps' pages."""

from __future__ import annotations

from typing import Any

from django import template

from .. import access

register = template.Library()


@register.simple_tag
def journal_count(user: Any, case: Any) -> int:
    """How many journal entries of the case the user may read (one query)."""
    return access.entry_count(user, case)
