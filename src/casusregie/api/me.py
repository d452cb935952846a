"""`GET /api/v1/houses/{slug}/me`: who the caller is in this house. A partner system needs its
organisation's id to file a referral, and a person's tool wants to show who is logged in."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.privacy import policy

from .base import ApiView
from .common import Ref


class MembershipOut(serializers.Serializer):
    organisation = Ref()
    role = serializers.CharField()


class ClientOut(serializers.Serializer):
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())


class MeOut(serializers.Serializer):
    name = serializers.CharField()
    memberships = MembershipOut(many=True)
    api_client = ClientOut(allow_null=True)


class MeView(ApiView):
    # Any valid token may ask who it is, whatever its scopes.
    open_to_every_client = True

    @extend_schema(responses=MeOut, summary="Who you are in this house")
    def get(self, request: Request, slug: str) -> Response:
        """Your name, your organisations and roles in the house, and for an API client its name
        and scopes."""
        house = policy.access_house(request.user, slug)
        memberships = (
            policy.active_memberships(request.user)
            .filter(house=house)
            .select_related("organisation")
            .order_by("organisation__name", "role")
        )
        client = getattr(request.user, "api_client", None)
        return Response(
            {
                "name": str(request.user),
                "memberships": MembershipOut(memberships, many=True).data,
                "api_client": {"name": client.name, "scopes": client.scope_list}
                if client is not None
                else None,
            }
        )
