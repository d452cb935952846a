"""REST endpoints of aftercare (decision 0053): relapse alerts of the house's process
directors, deciding on one, and extending a case's watch period. Scope: `cases`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView
from casusregie.api.common import PageQuery, newest_first, parse
from casusregie.api.schema import page_of
from casusregie.cases.access import access_case
from casusregie.cases.actions import record_case_list
from casusregie.cases.api import CaseChangeView, CaseOut, case_response
from casusregie.cases.phases import Phase
from casusregie.privacy import policy

from . import actions
from .access import DIRECTOR, access_alert, is_director
from .forms import NO_ACTION, REOPEN_EXECUTION, REOPEN_PREPARATION
from .models import RelapseAlert, RelapseDecision, SourceKind

SCOPE_RESOURCE = "cases"


class RelapseAlertOut(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    case_reference = serializers.CharField(source="case.reference")
    source_kind = serializers.ChoiceField(SourceKind.choices)
    source_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    handled_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.ChoiceField(RelapseDecision.choices, allow_blank=True)


class RelapseQuery(PageQuery):
    open = serializers.BooleanField(required=False, default=False)


class DecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField([REOPEN_EXECUTION, REOPEN_PREPARATION, NO_ACTION])
    reason = serializers.CharField(max_length=1000)


class ExtendIn(serializers.Serializer):
    until = serializers.DateField()
    reason = serializers.CharField(max_length=1000)


class RelapseAlertListView(ApiView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(
        parameters=[RelapseQuery],
        responses=page_of(RelapseAlertOut),
        summary="Relapse alerts of the house (process directors only)",
    )
    def get(self, request: Request, slug: str) -> Response:
        house = policy.access_house(request.user, slug, roles=DIRECTOR)
        query = parse(RelapseQuery, request.query_params, request)
        alerts = policy.visible(request.user, RelapseAlert).filter(house=house)
        if query.get("open"):
            alerts = alerts.filter(handled_at__isnull=True)
        body = newest_first(alerts.select_related("case"), request, query, RelapseAlertOut)
        case_ids = list(
            alerts.filter(pk__in=[r["id"] for r in body["results"]]).values_list(
                "case_id", flat=True
            )
        )
        if case_ids:
            record_case_list(
                request.user, house, list(dict.fromkeys(case_ids)), "case.relapse.list"
            )
        return Response(body)


class RelapseAlertDecideView(ApiView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(
        request=DecisionIn,
        responses=RelapseAlertOut,
        summary="Decide on a relapse alert: re-open the case, or no action (with a reason)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        alert = access_alert(request.user, slug, pk)
        data = parse(DecisionIn, request.data, request)
        if data["decision"] == NO_ACTION:
            actions.do_dismiss_relapse(alert, reason=data["reason"], actor=request.user)
        else:
            target = (
                Phase.PREPARATION if data["decision"] == REOPEN_PREPARATION else Phase.EXECUTION
            )
            actions.do_reopen_case(alert, target=target, reason=data["reason"], actor=request.user)
        alert.refresh_from_db()
        return Response(RelapseAlertOut(alert).data)


class ExtendAftercareView(CaseChangeView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(
        request=ExtendIn, responses=CaseOut, summary="Extend a case's aftercare watch period"
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = access_case(request.user, pk, house_slug=slug)
        if not is_director(request.user, case.house):
            raise PermissionDenied
        data = parse(ExtendIn, request.data, request)
        case = actions.do_extend_aftercare(
            case, until=data["until"], reason=data["reason"], actor=request.user
        )
        return case_response(request, case)
