"""Event types, who receives them, and emitting them after the change commits.

Domain actions call `emit(TYPE, obj, ...)` inside their transaction. Nothing happens then: on
commit (and only on commit, so a rolled-back change sends nothing) the event is written for
the subscriptions that should receive it and a task delivers it. A failure here is logged and
never reaches the user's action (`robust=True`).

Who receives an event is decided in two steps:

1. the **recipient rule** of the type names candidate organisations (the owner organisation
   of an action, the organisations invited to a meeting, ...);
2. the **access policy** confirms it: an organisation receives the event only when one of its
   active members in the house may see the object through `privacy.policy.visible`. An
   organisation without members in the house, or one that lost access (a participation that
   ended), receives nothing.

Event data carries ids, reference numbers, codes, dates and links; never a title, a name, a
BSN or free text (decision 0018).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

PREFIX = "nl.casusregie."

ACTION_ASSIGNED = PREFIX + "action.assigned"
ACTION_DUE_SOON = PREFIX + "action.due_soon"
FEEDBACK_REVIEWED = PREFIX + "action.feedback_reviewed"
MEETING_PLANNED = PREFIX + "meeting.planned"
MEETING_SCHEDULED = PREFIX + "meeting.scheduled"
MEETING_MOVED = PREFIX + "meeting.moved"
MEETING_CANCELLED = PREFIX + "meeting.cancelled"
REFERRAL_DECIDED = PREFIX + "referral.decided"
KNOWN_TO_ASKED = PREFIX + "known_to.asked"
CASE_CLOSED = PREFIX + "case.closed"
PING = PREFIX + "ping"


@dataclass(frozen=True)
class EventType:
    name: str
    label: Any
    recipients: Any  # who receives it, in words (shown on the page and in the API)
    model: str  # "app.Model" of the object, read through the access policy
    rule: Callable[[Any], set[int]]  # object → candidate organisation ids
    describe: Callable[[Any], tuple[str, dict[str, Any]]]  # object → (subject, data)


def _base() -> str:
    return str(getattr(settings, "BASE_URL", "")).rstrip("/")


def _link(name: str, **kwargs: Any) -> str:
    return _base() + reverse(name, kwargs=kwargs)


def _optional_link(name: str, **kwargs: Any) -> str | None:
    """A link to an endpoint that may not exist in this version of the API."""
    try:
        return _link(name, **kwargs)
    except NoReverseMatch:
        return None


def _case_ref(case: Any) -> dict[str, Any]:
    return {"id": case.pk, "reference": case.reference}


# --- Recipient rules and data, per object -----------------------------------------------------


def _action_owner(action: Any) -> set[int]:
    return {action.owner_organisation_id}


def _action_data(action: Any) -> tuple[str, dict[str, Any]]:
    slug = action.house.slug
    return f"actions/{action.pk}", {
        "house": slug,
        "action": {
            "id": action.pk,
            "number": action.number,
            "status": action.status,
            "due_date": action.due_date.isoformat(),
            "owner_organisation": action.owner_organisation_id,
        },
        "case": _case_ref(action.case),
        "links": {
            "page": _link("plans:action", slug=slug, pk=action.pk),
            "api": _link("api:action", slug=slug, pk=action.pk),
        },
    }


def _feedback_owner(feedback: Any) -> set[int]:
    return {feedback.action.owner_organisation_id}


def _feedback_data(feedback: Any) -> tuple[str, dict[str, Any]]:
    subject, data = _action_data(feedback.action)
    data["feedback"] = {"id": feedback.pk, "review": feedback.review_status}
    return subject, data


def _invited(meeting: Any) -> set[int]:
    return set(meeting.invitations.values_list("organisation", flat=True))


def _meeting_data(meeting: Any) -> tuple[str, dict[str, Any]]:
    slug = meeting.house.slug
    return f"meetings/{meeting.pk}", {
        "house": slug,
        "meeting": {
            "id": meeting.pk,
            "reference": meeting.reference,
            "status": meeting.status,
            "starts_at": meeting.starts_at.isoformat() if meeting.starts_at else None,
            "duration_minutes": meeting.duration_minutes,
        },
        "links": {
            "page": _link("meetings:detail", slug=slug, pk=meeting.pk),
            "api": _optional_link("api:meeting", slug=slug, pk=meeting.pk),
        },
    }


def _referrer(referral: Any) -> set[int]:
    return {referral.referrer_organisation_id}


def _referral_data(referral: Any) -> tuple[str, dict[str, Any]]:
    slug = referral.house.slug
    data: dict[str, Any] = {
        "house": slug,
        "referral": {
            "id": referral.pk,
            "reference": referral.reference,
            "decision": referral.status,
            "forwarded_to": referral.forwarded_to_id,
        },
        "case": _case_ref(referral.case) if referral.case_id else None,
        "links": {
            "page": _link("referrals:detail", slug=slug, pk=referral.pk),
            "api": _link("api:referral", slug=slug, pk=referral.pk),
        },
    }
    return f"referrals/{referral.pk}", data


def _asked(query: Any) -> set[int]:
    return {query.organisation_id}


def _known_to_data(query: Any) -> tuple[str, dict[str, Any]]:
    # No case or referral number: the organisation asked may not take part in the case.
    slug = query.house.slug
    return f"known-to-queries/{query.pk}", {
        "house": slug,
        "known_to_query": {"id": query.pk, "deadline": query.deadline.isoformat()},
        "links": {
            "page": _link("referrals:known_to_answer", slug=slug, pk=query.pk),
            "api": _link("api:known-to-query", slug=slug, pk=query.pk),
        },
    }


def _participants(case: Any) -> set[int]:
    return set(
        case.participations.filter(ended_at__isnull=True).values_list("organisation", flat=True)
    )


def _case_data(case: Any) -> tuple[str, dict[str, Any]]:
    slug = case.house.slug
    return f"cases/{case.pk}", {
        "house": slug,
        "case": {**_case_ref(case), "phase": case.phase},
        "links": {
            "page": _link("cases:detail", slug=slug, pk=case.pk),
            "api": _link("api:case", slug=slug, pk=case.pk),
        },
    }


_MEETING_RULE = _("organisations invited to the meeting")

TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType(
            ACTION_ASSIGNED,
            _("A new action for our organisation"),
            _("the owner organisation of the action"),
            "plans.Action",
            _action_owner,
            _action_data,
        ),
        EventType(
            ACTION_DUE_SOON,
            _("An action of ours is due soon: feedback is requested"),
            _("the owner organisation of the action"),
            "plans.Action",
            _action_owner,
            _action_data,
        ),
        EventType(
            FEEDBACK_REVIEWED,
            _("Our feedback on an action was reviewed"),
            _("the owner organisation of the action"),
            "plans.Feedback",
            _feedback_owner,
            _feedback_data,
        ),
        EventType(
            MEETING_PLANNED,
            _("We are invited to a case meeting"),
            _MEETING_RULE,
            "meetings.Meeting",
            _invited,
            _meeting_data,
        ),
        EventType(
            MEETING_SCHEDULED,
            _("The time of a case meeting was set"),
            _MEETING_RULE,
            "meetings.Meeting",
            _invited,
            _meeting_data,
        ),
        EventType(
            MEETING_MOVED,
            _("A case meeting was moved"),
            _MEETING_RULE,
            "meetings.Meeting",
            _invited,
            _meeting_data,
        ),
        EventType(
            MEETING_CANCELLED,
            _("A case meeting was cancelled"),
            _MEETING_RULE,
            "meetings.Meeting",
            _invited,
            _meeting_data,
        ),
        EventType(
            REFERRAL_DECIDED,
            _("Our referral was accepted, declined or forwarded"),
            _("the referring organisation"),
            "referrals.Referral",
            _referrer,
            _referral_data,
        ),
        EventType(
            KNOWN_TO_ASKED,
            _("We are asked whether we know a person"),
            _("the organisation asked"),
            "referrals.KnownToQuery",
            _asked,
            _known_to_data,
        ),
        EventType(
            CASE_CLOSED,
            _("A case we take part in was closed"),
            _("organisations taking part in the case"),
            "cases.Case",
            _participants,
            _case_data,
        ),
    )
}


def choices() -> list[tuple[str, Any]]:
    return [(t.name, t.label) for t in TYPES.values()]


# --- Emitting ---------------------------------------------------------------------------------


def emit(event_type: str, *objects: models.Model) -> None:
    """Queue one event per object, written and sent only after the transaction commits."""
    if event_type not in TYPES:
        raise ValueError(f"unknown webhook event type {event_type}")
    refs = [(obj._meta.label, obj.pk) for obj in objects if obj is not None]
    if refs:
        transaction.on_commit(lambda: publish(event_type, refs), robust=True)


def publish(event_type: str, refs: Iterable[tuple[str, Any]], *, dedupe: bool = False) -> list[int]:
    """Write the event and a delivery per receiving subscription; queue the deliveries.
    Returns the ids of the new deliveries. Outside a transaction (after commit, or from a job)."""
    from django.apps import apps

    from . import delivery as sender
    from .models import Delivery, DeliveryStatus, Event, Subscription, SubscriptionStatus

    kind = TYPES[event_type]
    model = apps.get_model(kind.model)
    created: list[int] = []
    for _label, pk in refs:
        related = (
            ("action__house", "action__case") if kind.model == "plans.Feedback" else ("house",)
        )
        obj = model._default_manager.select_related(*related).filter(pk=pk).first()
        if obj is None:
            continue
        house_id = _house_id(obj)
        subscriptions = [
            s
            for s in Subscription.objects.filter(house_id=house_id)
            if event_type in (s.event_types or [])
        ]
        if not subscriptions:
            continue  # the common case: one query, nothing written
        allowed = receiving_organisations(
            event_type, obj, {s.organisation_id for s in subscriptions}
        )
        receivers = [s for s in subscriptions if s.organisation_id in allowed]
        if not receivers:
            continue
        subject, data = kind.describe(obj)
        key = f"{event_type}:{pk}" if dedupe else None
        with transaction.atomic():
            if key is not None and Event.objects.filter(dedupe_key=key).exists():
                continue
            event = Event.objects.create(
                house_id=house_id,
                type=event_type,
                subject=subject,
                time=timezone.now(),
                data=data,
                dedupe_key=key,
            )
            for subscription in receivers:
                active = subscription.status == SubscriptionStatus.ACTIVE
                row = Delivery.objects.create(
                    subscription=subscription,
                    event=event,
                    status=DeliveryStatus.PENDING if active else DeliveryStatus.HELD,
                    next_attempt_at=event.time if active else None,
                )
                if active:
                    created.append(row.pk)
        logger.info("webhook event %s %s: %d deliveries", event_type, subject, len(receivers))
    for delivery_id in created:
        sender.queue(delivery_id)
    return created


def _house_id(obj: Any) -> int:
    if hasattr(obj, "house_id"):
        return int(obj.house_id)
    return int(obj.action.house_id)  # Feedback


def receiving_organisations(event_type: str, obj: Any, among: set[int]) -> set[int]:
    """Of the organisations `among`, those the type's rule names and whose members may see
    the object through the access policy."""
    from casusregie.accounts.roles import Role
    from casusregie.privacy import policy

    kind = TYPES[event_type]
    candidates = kind.rule(obj) & among
    if not candidates:
        return set()
    house_id = _house_id(obj)
    model = type(obj)
    allowed: set[int] = set()
    for organisation_id in candidates:
        members = policy.case_workers(house_id, organisation_id, roles=tuple(Role)).order_by("pk")
        # Members of one organisation see the same objects unless their role differs; a
        # handful is enough to find one who may see it.
        for member in members[:25]:
            if policy.visible(member, model).filter(pk=obj.pk).exists():
                allowed.add(organisation_id)
                break
    return allowed
