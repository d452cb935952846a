"""REST endpoints for concern signals: give a signal, ask "already a case?", list alerts.

Scopes `signals:read` / `signals:write`. The identity fields are input only: no answer ever
holds a BSN, a name or a pseudonym.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView
from casusregie.api.common import OrganisationField, PageQuery, Ref, newest_first, parse
from casusregie.api.schema import page_of
from casusregie.api.throttling import LookUpLimitReached
from casusregie.houses.models import Organisation
from casusregie.privacy import lookups

from . import actions
from .access import alerts_of, signal_house, signalling_organisations
from .models import AlertStatus, Category
from .pseudonym import Identity, identify
from .views import _record_alert_list

SCOPE_RESOURCE = "signals"


class IdentityIn(serializers.Serializer):
    bsn = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["identity"] = identify(
                bsn=attrs["bsn"],
                first_name=attrs["first_name"],
                last_name=attrs["last_name"],
                date_of_birth=attrs["date_of_birth"],
            )
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs


class SignalIn(IdentityIn):
    category = serializers.ChoiceField(Category.choices)
    observed_on = serializers.DateField()
    organisation = OrganisationField(
        required=False, help_text="Your organisation; may be left out when you have only one."
    )


class SignalOut(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    observed_on = serializers.DateField()
    expires_on = serializers.DateField()
    organisation = Ref()
    alert = serializers.IntegerField(
        allow_null=True, help_text="The convergence alert this signal raised or joined."
    )


class AnswerOut(serializers.Serializer):
    known = serializers.BooleanField()
    house = serializers.CharField(help_text="The house where the person is a case; empty if no.")
    contact = serializers.CharField(help_text="Whom to contact there; empty if no.")


class AlertOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(AlertStatus.choices)
    organisations = Ref(many=True)
    categories = serializers.ListField(child=serializers.ChoiceField(Category.choices))
    created_at = serializers.DateTimeField()
    handled_at = serializers.DateTimeField(allow_null=True)


class AlertQuery(PageQuery):
    status = serializers.ChoiceField(AlertStatus.choices, required=False)


def _organisation(request: Request, house: Any, data: dict[str, Any]) -> Organisation | None:
    return data.get("organisation") or signalling_organisations(request.user, house).first()


class SignalListView(ApiView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(
        request=SignalIn,
        responses={201: SignalOut},
        summary="Give a concern signal (the identity is pseudonymised, never stored)",
    )
    def post(self, request: Request, slug: str) -> Response:
        house = signal_house(request.user, slug)
        data = parse(SignalIn, request.data, request, house)
        identity: Identity = data["identity"]
        done = actions.do_register_signal(
            house,
            identity,
            category=data["category"],
            observed_on=data["observed_on"],
            organisation=_organisation(request, house, data),
            actor=request.user,
        )
        signal = done.signal
        return Response(
            SignalOut(
                {
                    "id": signal.pk,
                    "category": signal.category,
                    "observed_on": signal.observed_on,
                    "expires_on": signal.expires_on,
                    "organisation": signal.organisation,
                    "alert": done.alert.pk if done.alert else None,
                }
            ).data,
            status=201,
        )


class AlreadyACaseView(ApiView):
    scope_resource = SCOPE_RESOURCE
    required_scope = "signals:read"

    @extend_schema(
        request=IdentityIn,
        responses=AnswerOut,
        summary='"Already a case?": yes (house, contact) or no',
    )
    def post(self, request: Request, slug: str) -> Response:
        """Counts against the look-up limits per person (an API client counts as one) and per
        organisation per clock hour (`CASUSREGIE_LOOKUP_PERSON_PER_HOUR`,
        `CASUSREGIE_LOOKUP_ORGANISATION_PER_HOUR`). Over a limit: 429 with `Retry-After` (the
        seconds until the next hour), nothing is looked up and the call is not counted."""
        house = signal_house(request.user, slug)
        data = parse(IdentityIn, request.data, request, house)
        try:
            answer = actions.already_a_case(
                house,
                data["identity"],
                actor=request.user,
                organisation=signalling_organisations(request.user, house).first(),
            )
        except lookups.LookUpRefused as refused:
            raise LookUpLimitReached(refused) from None
        return Response(
            AnswerOut(
                {"known": answer.known, "house": answer.house, "contact": answer.contact}
            ).data
        )


class AlertListView(ApiView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(
        parameters=[AlertQuery],
        responses=page_of(AlertOut),
        summary="Convergence alerts you may see (process director, or your organisation named)",
    )
    def get(self, request: Request, slug: str) -> Response:
        house = signal_house(request.user, slug)
        query = parse(AlertQuery, request.query_params, request)
        alerts = alerts_of(request.user, house).prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.order_by("name"))
        )
        if query.get("status"):
            alerts = alerts.filter(status=query["status"])
        body = newest_first(alerts, request, query, AlertOut)
        shown = list(alerts.filter(pk__in=[r["id"] for r in body["results"]]))
        _record_alert_list(request.user, house, shown)
        return Response(body)
