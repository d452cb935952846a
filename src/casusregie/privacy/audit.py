"""One call records a change in the audit trail. Actions call it inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from casusregie.houses.models import House, Organisation

from . import chain
from .models import AuditEvent


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
    from .log import _current, new_span_id, new_trace_id

    context = _current.get()
    event = AuditEvent(
        trace_id=context.trace_id if context else new_trace_id(),
        span_id=new_span_id(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_organisation=actor_organisation,
        house=house,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        reason=reason,
    )
    chain.append([event], [])
    return event
