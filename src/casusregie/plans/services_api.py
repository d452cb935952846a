"""REST endpoints of the services map (decision 0048): list with filters, one service, add
one, change one. Scopes `services:read` / `services:write`.

Who may read and change is the same as on the pages (services_access.py): someone without a
case-working or functional-administrator role in the house gets 404 for the house and its
services; someone who may read a service but not change it gets 403 on a change. A service
holds no personal data, so reading it writes no processing-log line; every change writes an
audit row.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView
from casusregie.api.common import PageQuery, Ref, id_field, newest_first, parse
from casusregie.api.schema import page_of
from casusregie.houses.domains import LifeDomain

from . import services as actions
from .models import SERVICE_STALE_AFTER_WEEKS, Service
from .services_access import (
    access_service,
    access_services_house,
    may_edit_service,
    organisations_for_new_service,
    search,
    services_of,
)

SCOPE_RESOURCE = "services"

# --- Output ----------------------------------------------------------------------------------


class ServiceOut(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = Ref()
    name = serializers.CharField()
    description = serializers.CharField()
    domains = serializers.ListField(child=serializers.ChoiceField(LifeDomain.choices))
    target_group = serializers.CharField()
    region = serializers.CharField()
    how_to_refer = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()
    waiting_weeks = serializers.IntegerField()
    waiting_confirmed_on = serializers.DateField(
        allow_null=True, help_text="The day the offering organisation last confirmed the wait."
    )
    waiting_is_stale = serializers.BooleanField(
        help_text=f"True when the waiting time was not confirmed in the last "
        f"{SERVICE_STALE_AFTER_WEEKS} weeks (or never)."
    )
    active = serializers.BooleanField(help_text="False when the service is no longer offered.")
    updated_at = serializers.DateTimeField()


# --- Input -----------------------------------------------------------------------------------


class ServiceQuery(PageQuery):
    q = serializers.CharField(
        required=False, max_length=200, help_text="Text in name, description, target group."
    )
    organisation = id_field(required=False)
    domain = serializers.ChoiceField(LifeDomain.choices, required=False)
    target_group = serializers.CharField(required=False, max_length=200)
    state = serializers.ChoiceField(
        [("active", "active"), ("stale", "stale"), ("all", "all")],
        default="active",
        help_text="active: offered now (default); stale: offered now with an out-of-date "
        "waiting time; all: also the services no longer offered.",
    )


def _text(limit: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=limit, allow_blank=True, **kwargs)


class ServicePatchIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = _text(actions.MAX_TEXT, required=False)
    domains = serializers.ListField(
        child=serializers.ChoiceField(LifeDomain.choices), min_length=1, required=False
    )
    target_group = serializers.CharField(max_length=200, required=False)
    region = _text(200, required=False)
    how_to_refer = _text(actions.MAX_TEXT, required=False)
    contact_name = _text(200, required=False)
    contact_phone = _text(30, required=False)
    contact_email = serializers.EmailField(allow_blank=True, required=False)
    waiting_weeks = serializers.IntegerField(
        min_value=0,
        max_value=actions.MAX_WAITING_WEEKS,
        required=False,
        help_text="Sending the waiting time (changed or not) confirms it as of today.",
    )
    active = serializers.BooleanField(
        required=False, help_text="false: no longer offered; true: offered again."
    )


class ServiceIn(serializers.Serializer):
    organisation = id_field(
        help_text="A partner organisation of the house you work for (any partner for a "
        "functional administrator)."
    )
    name = serializers.CharField(max_length=200)
    description = _text(actions.MAX_TEXT, default="")
    domains = serializers.ListField(child=serializers.ChoiceField(LifeDomain.choices), min_length=1)
    target_group = serializers.CharField(max_length=200)
    region = _text(200, default="")
    how_to_refer = _text(actions.MAX_TEXT, default="")
    contact_name = _text(200, default="")
    contact_phone = _text(30, default="")
    contact_email = serializers.EmailField(allow_blank=True, default="")
    waiting_weeks = serializers.IntegerField(min_value=0, max_value=actions.MAX_WAITING_WEEKS)


def _location(request: Request, service: Service) -> str:
    return request.build_absolute_uri(f"/api/v1/houses/{service.house.slug}/services/{service.pk}")


def _shown(request: Request, service: Service) -> Any:
    fresh = access_service(request.user, service.house, service.pk)
    return ServiceOut(fresh).data


# --- Endpoints -------------------------------------------------------------------------------


class ServiceListView(ApiView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(
        parameters=[ServiceQuery],
        responses=page_of(ServiceOut),
        summary="The house's services map, newest first, with filters",
    )
    def get(self, request: Request, slug: str) -> Response:
        house = access_services_house(request.user, slug)
        query = parse(ServiceQuery, request.query_params, request, house)
        rows = search(
            services_of(request.user, house),
            text=query.get("q", ""),
            organisation=query.get("organisation"),
            domain=query.get("domain", ""),
            target_group=query.get("target_group", ""),
            state=query["state"],
        )
        return Response(newest_first(rows, request, query, ServiceOut))

    @extend_schema(
        request=ServiceIn,
        responses={201: ServiceOut},
        summary="Add a service of an organisation you work for",
    )
    def post(self, request: Request, slug: str) -> Response:
        """The waiting time counts as confirmed today. A service with the same name for the
        organisation is refused (400)."""
        house = access_services_house(request.user, slug)
        data = parse(ServiceIn, request.data, request, house)
        organisation = (
            organisations_for_new_service(request.user, house)
            .filter(pk=data.pop("organisation"))
            .first()
        )
        if organisation is None:
            raise serializers.ValidationError(
                {
                    "organisation": [
                        _("Choose a partner organisation of this house that you work for.")
                    ]
                }
            )
        service = actions.do_add_service(
            house, organisation, actions.ServiceData(**data), actor=request.user
        )
        return Response(
            _shown(request, service), status=201, headers={"Location": _location(request, service)}
        )


class ServiceDetailView(ApiView):
    scope_resource = SCOPE_RESOURCE

    def current(self, request: Request, **kwargs: Any) -> Any:
        house = access_services_house(request.user, kwargs["slug"])
        return ServiceOut(access_service(request.user, house, kwargs["pk"])).data

    @extend_schema(responses=ServiceOut, summary="One service")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        house = access_services_house(request.user, slug)
        return Response(ServiceOut(access_service(request.user, house, pk)).data)

    @extend_schema(request=ServicePatchIn, responses=ServiceOut, summary="Change a service")
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        """Fields left out stay as they are. Only the offering organisation's people and the
        house's functional administrators change a service (403 for other readers)."""
        house = access_services_house(request.user, slug)
        service = access_service(request.user, house, pk)
        if not may_edit_service(request.user, service):
            raise PermissionDenied
        data = parse(ServicePatchIn, request.data, request, house)
        changed = actions.do_update_service(
            service,
            data,
            actor=request.user,
            confirm_waiting="waiting_weeks" in data,
        )
        return Response(_shown(request, changed))
