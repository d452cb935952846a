"""One call records a change in the audit trail. Actions call it inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from casusregie.houses.models import House, Organisation

from . import chain
from .models import AuditEvent


def audit_event(
    *,
    actor: Any,
    house: House | None,
    action: str,
    obj: models.Model,
    span_id: str,
    actor_organisation: Organisation | None = None,
    occurred_at: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """An unsaved audit row under the current trace (the request's, or a new one)."""
    from .log import current_change_reason, current_trace_id

    return AuditEvent(
        trace_id=current_trace_id(),
        span_id=span_id,
        occurred_at=occurred_at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_organisation=actor_organisation,
        house=house,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        reason=reason or current_change_reason(),
    )


def record_change(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    house: House | None,
    actor_organisation: Organisation | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    from .log import new_span_id

    event = audit_event(
        actor=actor,
        house=house,
        action=action,
        obj=obj,
        span_id=new_span_id(),
        actor_organisation=actor_organisation,
        before=before,
        after=after,
        reason=reason,
    )
    chain.append([event], [])
    return event
