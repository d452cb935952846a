"""How django-axes identifies the account a login attempt is for."""

from __future__ import annotations

from typing import Any


def attempted_username(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail address as the login form sends it, normalised like stored addresses, so
    'A@x.nl' and 'a@x.nl' count against the same account."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None and hasattr(request, "POST"):
        raw = request.POST.get("username")
    return str(raw).strip().lower() if raw else None
