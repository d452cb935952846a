"""Values every page's shell needs: the demo banner and the language switch."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    user: Any = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from casusregie.inbox.models import Notification

        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {
        "UNREAD_NOTIFICATIONS": unread,
        "DEMO": settings.DEMO,
        "ENVIRONMENT": settings.ENVIRONMENT,
        "LOGIN_LOCKOUT_MINUTES": settings.LOGIN_LOCKOUT_MINUTES,
    }
