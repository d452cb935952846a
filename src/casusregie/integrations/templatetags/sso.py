"""The single sign-on button of the login page (only when single sign-on is configured)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("integrations/_sso_button.html")
def sso_button(next_url: str = "") -> dict[str, Any]:
    return {
        "enabled": settings.OIDC_ENABLED,
        "provider": settings.OIDC_PROVIDER_NAME,
        "next": next_url,
    }
