"""REST endpoints for cases: list, detail, and one endpoint per action.

Each view validates its input with a serializer, calls one action and answers the case (or the
created object). Cases come only through `access_case` / `policy.visible`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView
from casusregie.api.common import (
    HouseMemberField,
    OrganisationField,
    PageQuery,
    Ref,
    SubjectOut,
    newest_first,
    parse,
    record_read,
)
from casusregie.api.schema import page_of
from casusregie.privacy import policy

from . import actions
from .access import access_case, is_process_director
from .models import AftercareOutcome, AssessmentMoment, Case, Urgency
from .phases import Phase


def case_for_director(request: Request, slug: str, pk: int) -> Case:
    """The case, for changing it. The same gate as the case pages: a process director of the
    house, and an open case. Not visible: 404; visible but not a director: 403."""
    case = access_case(request.user, pk, house_slug=slug)
    if not is_process_director(request.user, case):
        raise PermissionDenied
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    return case


# --- Output ----------------------------------------------------------------------------------


class CaseItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    phase = serializers.CharField()
    urgency = serializers.CharField()
    process_director = Ref(allow_null=True)
    case_director = Ref(allow_null=True)
    created_at = serializers.DateTimeField()
    phase_changed_at = serializers.DateTimeField()


class ParticipationOut(serializers.Serializer):
    organisation = Ref()
    role = serializers.CharField()
    purpose = serializers.CharField()
    started_at = serializers.DateTimeField()


class CaseOut(CaseItemOut):
    case_director_organisation = Ref(allow_null=True)
    placing_organisation = Ref(allow_null=True)
    lacks_case_director = serializers.BooleanField()
    aftercare_until = serializers.DateField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    subjects = serializers.SerializerMethodField()
    participations = serializers.SerializerMethodField()

    @extend_schema_field(SubjectOut(many=True))
    def get_subjects(self, case: Case) -> Any:
        return SubjectOut(self.context["links"], many=True).data

    @extend_schema_field(ParticipationOut(many=True))
    def get_participations(self, case: Case) -> Any:
        active = case.participations.filter(ended_at__isnull=True)
        return ParticipationOut(
            active.select_related("organisation").order_by("started_at", "id"), many=True
        ).data


def case_links(case: Case) -> list[Any]:
    return list(case.case_subjects.select_related("subject").order_by("-is_main", "id"))


def case_representation(request: Request, slug: str, pk: int) -> Any:
    """The case as GET shows it (also what `If-Match` is compared with)."""
    case = access_case(request.user, pk, house_slug=slug)
    return CaseOut(case, context={"links": case_links(case)}).data


class CaseChangeView(ApiView):
    """A change to one case: `If-Match` takes the case's ETag."""

    def current(self, request: Request, **kwargs: Any) -> Any:
        return case_representation(request, kwargs["slug"], kwargs["pk"])


def case_response(request: Request, case: Case, status: int = 200) -> Response:
    """The case as the detail endpoint shows it, read again through the policy."""
    case = access_case(request.user, case.pk)
    links = case_links(case)
    return Response(CaseOut(case, context={"links": links}).data, status=status)


# --- Reading ---------------------------------------------------------------------------------


class CaseQuery(PageQuery):
    phase = serializers.ChoiceField(Phase.choices, required=False)
    urgency = serializers.ChoiceField(Urgency.choices, required=False)


class CaseListView(ApiView):
    @extend_schema(
        parameters=[CaseQuery],
        responses=page_of(CaseItemOut),
        summary="Cases you may see, newest first",
    )
    def get(self, request: Request, slug: str) -> Response:
        house = policy.access_house(request.user, slug)
        query = parse(CaseQuery, request.query_params, request)
        cases = policy.visible_in(request.user, Case, house).select_related(
            "process_director", "case_director"
        )
        if query.get("phase"):
            cases = cases.filter(phase=query["phase"])
        if query.get("urgency"):
            cases = cases.filter(urgency=query["urgency"])
        data = newest_first(cases, request, query, CaseItemOut)
        actions.record_case_list(request.user, house, [row["id"] for row in data["results"]])
        return Response(data)


class CaseDetailView(ApiView):
    @extend_schema(responses=CaseOut, summary="One case")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        case = access_case(request.user, pk, house_slug=slug)
        links = case_links(case)
        record_read(request, case.house, case, [link.subject for link in links], case.pk)
        return Response(CaseOut(case, context={"links": links}).data)


# --- Actions ---------------------------------------------------------------------------------


class TransitionIn(serializers.Serializer):
    target = serializers.ChoiceField(Phase.choices)
    reason = serializers.CharField(allow_blank=True, default="")


class CaseTransitionView(CaseChangeView):
    @extend_schema(request=TransitionIn, responses=CaseOut, summary="Move a case to another phase")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = case_for_director(request, slug, pk)
        data = parse(TransitionIn, request.data, request)
        case = actions.do_transition_case(
            case, data["target"], actor=request.user, reason=data["reason"]
        )
        return case_response(request, case)


class DirectorsIn(serializers.Serializer):
    # All three are required (null clears): the request states the directors as a whole.
    process_director = HouseMemberField(allow_null=True)
    case_director = HouseMemberField(allow_null=True)
    case_director_organisation = OrganisationField(allow_null=True)


class CaseDirectorsView(CaseChangeView):
    @extend_schema(
        request=DirectorsIn, responses=CaseOut, summary="Set the process and case director"
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = case_for_director(request, slug, pk)
        data = parse(DirectorsIn, request.data, request, case.house)
        case = actions.do_set_directors(case, actor=request.user, **data)
        return case_response(request, case)


class ParticipationIn(serializers.Serializer):
    organisation = OrganisationField()
    role = serializers.CharField(max_length=100)
    purpose = serializers.CharField(max_length=300, allow_blank=True)


class CaseParticipantsView(CaseChangeView):
    @extend_schema(
        request=ParticipationIn,
        responses={201: ParticipationOut},
        summary="Add a participating organisation",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = case_for_director(request, slug, pk)
        data = parse(ParticipationIn, request.data, request, case.house)
        participation = actions.do_add_participation(case, actor=request.user, **data)
        return Response(ParticipationOut(participation).data, status=201)


class AssessmentIn(serializers.Serializer):
    moment = serializers.ChoiceField(AssessmentMoment.choices)
    scores = serializers.DictField(child=serializers.IntegerField())


class AssessmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    moment = serializers.CharField()
    assessed_at = serializers.DateTimeField()
    assessed_by = Ref()
    scores = serializers.SerializerMethodField()

    def get_scores(self, assessment: Any) -> dict[str, int]:
        return {score.domain: score.score for score in assessment.scores.all()}


class CaseAssessmentsView(ApiView):
    @extend_schema(
        request=AssessmentIn,
        responses={201: AssessmentOut},
        summary="Record a life-domain assessment",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = case_for_director(request, slug, pk)
        data = parse(AssessmentIn, request.data, request)
        assessment = actions.do_record_assessment(case, actor=request.user, **data)
        return Response(AssessmentOut(assessment).data, status=201)


class CloseIn(serializers.Serializer):
    outcome = serializers.ChoiceField(AftercareOutcome.choices)
    note = serializers.CharField(allow_blank=True)
    final_scores = serializers.DictField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None
    )
    skip_reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=1000,
        help_text="Required (at least 10 characters) when the case is in execution: why it "
        "closes without aftercare (decision 0053).",
    )


class CaseCloseView(CaseChangeView):
    @extend_schema(request=CloseIn, responses=CaseOut, summary="Close a case after aftercare")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = case_for_director(request, slug, pk)
        data = parse(CloseIn, request.data, request)
        case = actions.do_close_case(
            case,
            actor=request.user,
            outcome=data["outcome"],
            note=data["note"],
            final_scores=data["final_scores"] or None,
            skip_reason=data["skip_reason"],
        )
        return case_response(request, case)
