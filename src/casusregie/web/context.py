"""Values every page's shell needs: the demo banner and the language switch."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    return {
        "DEMO": settings.DEMO,
        "ENVIRONMENT": settings.ENVIRONMENT,
        "LOGIN_LOCKOUT_MINUTES": settings.LOGIN_LOCKOUT_MINUTES,
    }
