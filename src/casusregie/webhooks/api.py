"""REST endpoints for webhook subscriptions: list, create, read, change, delete, a new secret,
a test event, pause and resume, and the delivery history.

Subscriptions come only through `policy.visible(user, Subscription)`: another organisation's
webhook is "not found", exactly like its page. The secret appears once, in the answer that
made it (create, rotate-secret).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView
from casusregie.api.common import PageQuery, Ref, newest_first, parse
from casusregie.api.schema import page_of
from casusregie.privacy import policy

from . import actions, events
from .access import (
    SCOPE,
    access_subscription,
    access_webhooks_house,
    manageable_organisations,
    subscriptions_of,
)
from .models import Attempt, Delivery, DeliveryStatus, Subscription, SubscriptionStatus

# --- Output ----------------------------------------------------------------------------------


class WebhookOut(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = Ref()
    url = serializers.CharField()
    description = serializers.CharField()
    event_types = serializers.ListField(child=serializers.CharField())
    contact_email = serializers.CharField()
    status = serializers.ChoiceField(SubscriptionStatus.choices)
    paused_at = serializers.DateTimeField(allow_null=True)
    pause_reason = serializers.CharField()
    consecutive_failures = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class WebhookSecretOut(WebhookOut):
    secret = serializers.CharField(
        help_text="The signing secret (`whsec_...`). Shown only in this answer."
    )


class AttemptOut(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    succeeded = serializers.BooleanField()
    error = serializers.CharField()
    response_excerpt = serializers.CharField()


class EventOut(serializers.Serializer):
    id = serializers.UUIDField()
    type = serializers.CharField()
    subject = serializers.CharField()
    time = serializers.DateTimeField()


class DeliveryOut(serializers.Serializer):
    id = serializers.IntegerField()
    event = EventOut()
    status = serializers.ChoiceField(DeliveryStatus.choices)
    tries = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    attempts = AttemptOut(many=True)


class ResumeOut(serializers.Serializer):
    webhook = WebhookOut()
    backlog = serializers.ChoiceField(actions.Backlog.CHOICES)
    deliveries = serializers.IntegerField(help_text="Held deliveries now sent or dropped.")


class EventTypeOut(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    recipients = serializers.CharField()


class EventTypesOut(serializers.Serializer):
    results = EventTypeOut(many=True)


# --- Input -----------------------------------------------------------------------------------


def _type_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=list(events.TYPES)),
        allow_empty=False,
        max_length=len(events.TYPES),
    )


class WebhookIn(serializers.Serializer):
    organisation = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The organisation that receives the events; may be left out when you "
        "manage webhooks of one organisation only.",
    )
    url = serializers.CharField(max_length=500)
    event_types = _type_field()
    description = serializers.CharField(max_length=200, allow_blank=True, default="")
    contact_email = serializers.EmailField(max_length=254, allow_blank=True, default="")


class WebhookPatchIn(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    event_types = _type_field()
    description = serializers.CharField(max_length=200, allow_blank=True, required=False)
    contact_email = serializers.EmailField(max_length=254, allow_blank=True, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].required = False


class ResumeIn(serializers.Serializer):
    backlog = serializers.ChoiceField(
        choices=actions.Backlog.CHOICES,
        help_text="`send`: deliver the events held while paused; `drop`: discard them.",
    )


# --- Helpers ---------------------------------------------------------------------------------


def _subscription(request: Request, slug: str, pk: int) -> Subscription:
    house = access_webhooks_house(request.user, slug)
    return access_subscription(request.user, house, pk)


def _deliveries(request: Request, subscription: Subscription) -> QuerySet[Delivery]:
    return (
        policy.visible(request.user, Delivery)
        .filter(subscription=subscription)
        .select_related("event")
        .prefetch_related(
            Prefetch("attempts", queryset=policy.visible(request.user, Attempt).order_by("number"))
        )
    )


def _location(request: Request, subscription: Subscription) -> str:
    return request.build_absolute_uri(
        reverse("api:webhook", kwargs={"slug": subscription.house.slug, "pk": subscription.pk})
    )


# --- Endpoints -------------------------------------------------------------------------------


class WebhookListView(ApiView):
    required_scope = SCOPE

    @extend_schema(
        parameters=[PageQuery],
        responses=page_of(WebhookOut),
        summary="Webhooks you manage, newest first",
    )
    def get(self, request: Request, slug: str) -> Response:
        """The subscriptions of the organisations whose webhooks you manage (partner managers:
        their organisation; functional administrators: every organisation of the house)."""
        house = access_webhooks_house(request.user, slug)
        query = parse(PageQuery, request.query_params, request)
        return Response(
            newest_first(subscriptions_of(request.user, house), request, query, WebhookOut)
        )

    @extend_schema(
        request=WebhookIn,
        responses={201: WebhookSecretOut},
        summary="Subscribe an endpoint; the answer holds the secret, once",
    )
    def post(self, request: Request, slug: str) -> Response:
        """Subscribe an https endpoint to event types. The answer carries the signing secret;
        it is not shown again."""
        house = access_webhooks_house(request.user, slug)
        data = parse(WebhookIn, request.data, request, house)
        managed = manageable_organisations(request.user, house)
        if "organisation" in data:
            organisation = managed.filter(pk=data["organisation"]).first()
            if organisation is None:
                raise serializers.ValidationError(
                    {"organisation": [_("You cannot manage webhooks of this organisation.")]}
                )
        else:
            found = list(managed[:2])
            if len(found) != 1:
                raise serializers.ValidationError({"organisation": [_("Choose the organisation.")]})
            organisation = found[0]
        subscription, secret = actions.do_create_subscription(
            house,
            organisation,
            actions.SubscriptionData(
                url=data["url"],
                event_types=data["event_types"],
                description=data["description"],
                contact_email=data["contact_email"],
            ),
            actor=request.user,
        )
        body = dict(WebhookOut(subscription).data)
        body["secret"] = secret
        return Response(body, status=201, headers={"Location": _location(request, subscription)})


class WebhookDetailView(ApiView):
    required_scope = SCOPE

    def current(self, request: Request, **kwargs: Any) -> Any:
        return WebhookOut(_subscription(request, kwargs["slug"], kwargs["pk"])).data

    @extend_schema(responses=WebhookOut, summary="One webhook")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return Response(WebhookOut(_subscription(request, slug, pk)).data)

    @extend_schema(request=WebhookPatchIn, responses=WebhookOut, summary="Change a webhook")
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        """Change the address, the event types, the description or the contact e-mail; fields
        left out stay as they are."""
        subscription = _subscription(request, slug, pk)
        data = parse(WebhookPatchIn, request.data, request, subscription.house)
        changed = actions.do_update_subscription(
            subscription,
            actions.SubscriptionData(
                url=data.get("url", subscription.url),
                event_types=data.get("event_types", subscription.event_types),
                description=data.get("description", subscription.description),
                contact_email=data.get("contact_email", subscription.contact_email),
            ),
            actor=request.user,
        )
        return Response(WebhookOut(changed).data)

    @extend_schema(responses={204: None}, summary="Delete a webhook and its delivery history")
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        actions.do_delete_subscription(_subscription(request, slug, pk), actor=request.user)
        return Response(status=204)


class WebhookRotateSecretView(ApiView):
    required_scope = SCOPE

    @extend_schema(request=None, responses=WebhookSecretOut, summary="Make a new secret")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """A new signing secret, in this answer only. For 24 hours deliveries carry a signature
        with the old secret as well, so your system can switch without losing events."""
        subscription = _subscription(request, slug, pk)
        secret = actions.do_rotate_secret(subscription, actor=request.user)
        subscription.refresh_from_db()
        body = dict(WebhookOut(subscription).data)
        body["secret"] = secret
        return Response(body)


class WebhookPingView(ApiView):
    required_scope = SCOPE

    @extend_schema(
        request=None,
        responses={202: DeliveryOut},
        summary="Send a test event (nl.casusregie.ping)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """A test event to this webhook only, sent at once (also while paused); one attempt,
        no retries. The answer is the delivery; read it again for the outcome."""
        subscription = _subscription(request, slug, pk)
        row = actions.do_send_ping(subscription, actor=request.user)
        fresh = _deliveries(request, subscription).filter(pk=row.pk).first() or row
        return Response(DeliveryOut(fresh).data, status=202)


class WebhookPauseView(ApiView):
    required_scope = SCOPE

    @extend_schema(request=None, responses=WebhookOut, summary="Pause a webhook")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Stop deliveries; events are held until you resume."""
        subscription = actions.do_pause_subscription(
            _subscription(request, slug, pk), actor=request.user
        )
        return Response(WebhookOut(subscription).data)


class WebhookResumeView(ApiView):
    required_scope = SCOPE

    @extend_schema(request=ResumeIn, responses=ResumeOut, summary="Resume a paused webhook")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Deliver again; the events held while paused are sent (oldest first) or dropped."""
        subscription = _subscription(request, slug, pk)
        data = parse(ResumeIn, request.data, request, subscription.house)
        subscription, count = actions.do_resume_subscription(
            subscription, backlog=data["backlog"], actor=request.user
        )
        return Response(
            ResumeOut(
                {"webhook": subscription, "backlog": data["backlog"], "deliveries": count}
            ).data
        )


class WebhookDeliveriesView(ApiView):
    required_scope = SCOPE

    @extend_schema(
        parameters=[PageQuery],
        responses=page_of(DeliveryOut),
        summary="Delivery history of a webhook, newest first",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        """Every delivery with every attempt: status code, duration, error and the start of
        the answer."""
        subscription = _subscription(request, slug, pk)
        query = parse(PageQuery, request.query_params, request)
        return Response(
            newest_first(_deliveries(request, subscription), request, query, DeliveryOut)
        )


class WebhookEventTypesView(ApiView):
    required_scope = SCOPE

    @extend_schema(
        responses=EventTypesOut,
        summary="The event types and who receives them",
    )
    def get(self, request: Request, slug: str) -> Response:
        policy.access_house(request.user, slug)
        rows = [
            {"type": t.name, "label": str(t.label), "recipients": str(t.recipients)}
            for t in events.TYPES.values()
        ]
        return Response({"results": rows})
