"""REST endpoints for requests of data subjects (access, correction, erasure), for the privacy
officer of a house only: the register of requests with their statutory deadline, one request,
and registering a new one. Everyone else gets 404 (the house's requests are not theirs to know
about). Opening a request writes the processing log for the people it is about.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.accounts.roles import Role
from casusregie.api.base import ApiView
from casusregie.api.common import PageQuery, Ref, newest_first, parse
from casusregie.api.schema import page_of
from casusregie.api.throttling import LookUpLimitReached
from casusregie.houses.models import House
from casusregie.privacy import lookups, policy, rights
from casusregie.privacy.models import RequestKind, RequestStatus, SubjectRequest

OFFICER = (Role.PRIVACY_OFFICER,)


class RequestItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(RequestKind.choices)
    status = serializers.ChoiceField(RequestStatus.choices)
    received_on = serializers.DateField()
    due_on = serializers.DateField()
    extended = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_extended(self, request: SubjectRequest) -> bool:
        return bool(request.extension_reason)


class RequestOut(RequestItemOut):
    requester = serializers.CharField()
    question = serializers.CharField()
    decision_note = serializers.CharField()
    extension_reason = serializers.CharField()
    handled_by = Ref()
    people = serializers.SerializerMethodField()

    def get_people(self, request: SubjectRequest) -> int:
        """How many people the request is about (their data: the access report)."""
        return request.subjects.count()


def officer_house(request: Request, slug: str) -> House:
    return policy.access_house(request.user, slug, roles=OFFICER)


class RequestQuery(PageQuery):
    status = serializers.ChoiceField(RequestStatus.choices, required=False)


class RegisterIn(serializers.Serializer):
    kind = serializers.ChoiceField(RequestKind.choices)
    requester = serializers.CharField(max_length=200)
    question = serializers.CharField(max_length=5000)
    received_on = serializers.DateField()
    bsn = serializers.RegexField(r"^\d{9}$", required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    born = serializers.DateField(required=False, allow_null=True, default=None)


class SubjectRequestListView(ApiView):
    @extend_schema(
        parameters=[RequestQuery],
        responses=page_of(RequestItemOut),
        summary="Requests of data subjects (privacy officer)",
    )
    def get(self, request: Request, slug: str) -> Response:
        house = officer_house(request, slug)
        query = parse(RequestQuery, request.query_params, request)
        rows = SubjectRequest.objects.filter(house=house)
        if query.get("status"):
            rows = rows.filter(status=query["status"])
        return Response(newest_first(rows, request, query, RequestItemOut))

    @extend_schema(
        request=RegisterIn,
        responses={201: RequestOut},
        summary="Register a request of a data subject",
    )
    def post(self, request: Request, slug: str) -> Response:
        """A person this house holds nothing about: 400 on `bsn`, and nothing is recorded. A
        request by BSN counts against the look-up limits per person and organisation per clock
        hour (`CASUSREGIE_LOOKUP_*`); over a limit: 429 with `Retry-After`, nothing searched."""
        house = officer_house(request, slug)
        data = parse(RegisterIn, request.data, request, house)
        try:
            created = rights.do_register(house, actor=request.user, **data)
        except lookups.LookUpRefused as refused:
            raise LookUpLimitReached(refused) from None
        return Response(RequestOut(created).data, status=201)


class SubjectRequestDetailView(ApiView):
    @extend_schema(responses=RequestOut, summary="One request of a data subject")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        house = officer_house(request, slug)
        found: Any = (
            SubjectRequest.objects.filter(house=house, pk=pk).select_related("handled_by").first()
        )
        if found is None:
            raise Http404
        rights.log_read(found, request.user)
        return Response(RequestOut(found).data)
