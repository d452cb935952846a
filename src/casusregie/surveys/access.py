"""Who sees surveys: the house's functional administrators and house managers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from casusregie.privacy import policy

from .actions import COMPOSER_ROLES
from .models import Survey


@policy.register(Survey)
def _survey(user: Any) -> Q:
    return Q(policy.staff_of(user, roles=COMPOSER_ROLES))
