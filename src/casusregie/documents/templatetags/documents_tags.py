"""Template helpers for links to this app from other apps' pages."""

from __future__ import annotations

from typing import Any

from django import template

from .. import access

register = template.Library()


@register.simple_tag
def document_count(user: Any, case: Any) -> int:
    """The documents of the case the user may see and download (one query)."""
    return access.count_for_case(user, case)
