"""REST endpoints for referrals, triage and known-to queries.

Each view validates its input with a serializer, calls one action and answers the result.
Referrals and queries come only through `policy.visible`: not visible is 404. Visible but not
allowed (deciding, withdrawing, answering for another organisation) is 403.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as Cases
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView
from casusregie.api.common import (
    CaseField,
    HouseMemberField,
    NumberedRef,
    OrganisationField,
    PageQuery,
    PersonOut,
    Ref,
    SubjectOut,
    newest_first,
    page,
    parse,
    record_read,
)
from casusregie.api.schema import page_of, results_of
from casusregie.cases.access import access_case
from casusregie.cases.actions import SubjectData, record_case_list
from casusregie.cases.api import CaseOut, case_for_director, case_response
from casusregie.cases.models import RelationKind, SubjectKind, Urgency
from casusregie.houses.models import House
from casusregie.privacy import policy

from . import actions
from .access import access_referral, may_decide
from .models import (
    AdmissionCriterion,
    KnownToAnswer,
    KnownToQuery,
    NotInformedReason,
    Referral,
    ReferralStatus,
    ReferralVariant,
)


def _gate(request: Request, slug: str, pk: int) -> Referral:
    """The house of the URL, then the referral through its one gate (referrals.access)."""
    return access_referral(request.user, policy.access_house(request.user, slug), pk)


def is_of_referrer_organisation(user: Any, referral: Referral) -> bool:
    return (
        policy.case_memberships(user)
        .filter(house=referral.house_id, organisation=referral.referrer_organisation_id)
        .exists()
    )


_SUBJECT_KEY = re.compile(r"^subject_(\d+)_(\w+)$")


@contextmanager
def subject_fields() -> Iterator[None]:
    """The referral actions name a subject's errors `subject_2_bsn` (for the form page); in the
    API that field is `subjects.1.bsn`."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        renamed = {}
        for key, messages in error.message_dict.items():
            match = _SUBJECT_KEY.match(key)
            renamed[f"subjects.{int(match[1]) - 1}.{match[2]}" if match else key] = messages
        raise ValidationError(renamed) from error


# --- Output ----------------------------------------------------------------------------------


class SubjectNameOut(serializers.Serializer):
    first_name = serializers.CharField(source="subject.first_name")
    last_name = serializers.CharField(source="subject.last_name")


class ReferralItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    kind = serializers.CharField()
    variant = serializers.CharField()
    urgency = serializers.CharField()
    referrer_organisation = Ref()
    subjects = SubjectNameOut(many=True, source="subjects.all")
    case = NumberedRef(allow_null=True)
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class ReferralOut(ReferralItemOut):
    referrer = Ref()
    routed_to = Ref(allow_null=True)
    forwarded_to = Ref(allow_null=True)
    subjects = SubjectOut(many=True, source="subjects.all")
    area_description = serializers.CharField()
    concerns = serializers.SerializerMethodField()
    goal = serializers.CharField()
    stuck_statement = serializers.CharField()
    subject_informed = serializers.BooleanField(allow_null=True)
    not_informed_reason = serializers.CharField()
    not_informed_explanation = serializers.CharField()
    proposed_invitees = Ref(many=True, source="proposed_invitees.all")
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = Ref(allow_null=True)
    decision_reason = serializers.CharField()
    criteria = serializers.ListField(child=serializers.CharField())

    def get_concerns(self, referral: Referral) -> dict[str, str]:
        return {c.domain: c.description for c in referral.concerns.order_by("domain")}


class ReferralChangeView(ApiView):
    """A change to one referral: `If-Match` takes the referral's ETag."""

    def current(self, request: Request, **kwargs: Any) -> Any:
        return ReferralOut(_gate(request, kwargs["slug"], kwargs["pk"])).data


def referral_response(request: Request, referral: Referral, status: int = 200) -> Response:
    """The referral as the detail endpoint shows it, read again through the policy."""
    referral = _gate(request, referral.house.slug, referral.pk)
    return Response(ReferralOut(referral).data, status=status)


# --- Input -----------------------------------------------------------------------------------


class SubjectIn(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=150)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    bsn = serializers.CharField(max_length=20, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, allow_blank=True, default="")
    relation_to_main = serializers.ChoiceField(RelationKind.choices, allow_blank=True, default="")
    has_authority = serializers.BooleanField(default=False)


class ReferralContentIn(serializers.Serializer):
    """What a referrer fills in. Meaning (completeness, BSN, partners) is the action's check."""

    kind = serializers.ChoiceField(SubjectKind.choices)
    variant = serializers.ChoiceField(ReferralVariant.choices, default=ReferralVariant.REGULAR)
    subjects = SubjectIn(many=True, default=list)
    area_description = serializers.CharField(allow_blank=True, default="")
    concerns = serializers.DictField(child=serializers.CharField(allow_blank=True), default=dict)
    urgency = serializers.ChoiceField(Urgency.choices, default=Urgency.NORMAL)
    goal = serializers.CharField(allow_blank=True, default="")
    stuck_statement = serializers.CharField(allow_blank=True, default="")
    subject_informed = serializers.BooleanField(allow_null=True, default=None)
    not_informed_reason = serializers.ChoiceField(
        NotInformedReason.choices, allow_blank=True, default=""
    )
    not_informed_explanation = serializers.CharField(allow_blank=True, default="")
    proposed_invitees = OrganisationField(many=True, default=list)


class ReferralCreateIn(ReferralContentIn):
    organisation = OrganisationField()
    submit = serializers.BooleanField(default=False)


def referral_data(data: dict[str, Any]) -> actions.ReferralData:
    return actions.ReferralData(
        kind=data["kind"],
        variant=data["variant"],
        subjects=[SubjectData(**subject) for subject in data["subjects"]],
        area_description=data["area_description"],
        concerns=data["concerns"],
        urgency=data["urgency"],
        goal=data["goal"],
        stuck_statement=data["stuck_statement"],
        subject_informed=data["subject_informed"],
        not_informed_reason=data["not_informed_reason"],
        not_informed_explanation=data["not_informed_explanation"],
        proposed_invitees=list(data["proposed_invitees"]),
    )


# --- Referrals -------------------------------------------------------------------------------


class ReferralQuery(PageQuery):
    status = serializers.ChoiceField(ReferralStatus.choices, required=False)


class ReferralListView(ApiView):
    @extend_schema(
        parameters=[ReferralQuery],
        responses=page_of(ReferralItemOut),
        summary="Referrals you may see, newest first",
    )
    def get(self, request: Request, slug: str) -> Response:
        house = policy.access_house(request.user, slug)
        query = parse(ReferralQuery, request.query_params, request)
        referrals = (
            policy.visible(request.user, Referral)
            .filter(house=house)
            .select_related("referrer_organisation", "case")
            .prefetch_related("subjects__subject")
        )
        if query.get("status"):
            referrals = referrals.filter(status=query["status"])
        return Response(
            newest_first(referrals, request, query, ReferralItemOut, _logged(request, house))
        )

    @extend_schema(
        request=ReferralCreateIn,
        responses={201: ReferralOut},
        summary="Create a referral (draft, or submitted)",
    )
    def post(self, request: Request, slug: str) -> Response:
        """A new draft; with `"submit": true` it is submitted at once."""
        house = policy.access_house(request.user, slug, roles=policy.CASE_ROLES)
        data = parse(ReferralCreateIn, request.data, request, house)
        with subject_fields():
            referral = actions.do_save_referral(
                house,
                referral_data(data),
                actor=request.user,
                organisation=data["organisation"],
                submit=data["submit"],
            )
        return referral_response(request, referral, status=201)


class ReferralDetailView(ApiView):
    @extend_schema(responses=ReferralOut, summary="One referral")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        referral = _gate(request, slug, pk)
        links = list(referral.subjects.select_related("subject"))
        record_read(
            request, referral.house, referral, [link.subject for link in links], referral.case_id
        )
        return Response(ReferralOut(referral).data)


class ReferralSubmitView(ReferralChangeView):
    @extend_schema(
        request=ReferralContentIn, responses=ReferralOut, summary="Submit a draft referral"
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Replace the draft's content with the body and submit it."""
        referral = _gate(request, slug, pk)
        if referral.referrer_id != request.user.pk:
            raise PermissionDenied
        data = parse(ReferralContentIn, request.data, request, referral.house)
        with subject_fields():
            referral = actions.do_submit_referral(referral, referral_data(data), actor=request.user)
        return referral_response(request, referral)


class WithdrawIn(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="")


class ReferralWithdrawView(ReferralChangeView):
    @extend_schema(request=WithdrawIn, responses=ReferralOut, summary="Withdraw a referral")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = _gate(request, slug, pk)
        if not is_of_referrer_organisation(request.user, referral):
            raise PermissionDenied
        data = parse(WithdrawIn, request.data, request)
        referral = actions.do_withdraw_referral(referral, actor=request.user, reason=data["reason"])
        return referral_response(request, referral)


# --- Triage ----------------------------------------------------------------------------------


def referral_to_decide(request: Request, slug: str, pk: int) -> Referral:
    """Not visible: 404. Visible, but the user does not judge it: 403."""
    referral = _gate(request, slug, pk)
    if not may_decide(request.user, referral):
        raise PermissionDenied
    return referral


class AcceptIn(serializers.Serializer):
    criteria = serializers.ListField(child=serializers.ChoiceField(AdmissionCriterion.choices))
    placing_organisation = OrganisationField(allow_null=True, default=None)
    process_director = HouseMemberField(allow_null=True, default=None)
    add_to_case = CaseField(allow_null=True, default=None)
    reason = serializers.CharField(allow_blank=True, default="")


class ReferralAcceptView(ReferralChangeView):
    @extend_schema(
        request=AcceptIn,
        responses={200: CaseOut, 201: CaseOut},
        summary="Accept a referral into a new or existing case",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Accept into a new case (201) or into `add_to_case` (200); answers the case."""
        referral = referral_to_decide(request, slug, pk)
        data = parse(AcceptIn, request.data, request, referral.house)
        case = actions.do_accept_referral(referral, actor=request.user, **data)
        return case_response(request, case, status=200 if data["add_to_case"] else 201)


class DeclineIn(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    criteria = serializers.ListField(
        child=serializers.ChoiceField(AdmissionCriterion.choices), default=list
    )


class ReferralDeclineView(ReferralChangeView):
    @extend_schema(request=DeclineIn, responses=ReferralOut, summary="Decline a referral")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = referral_to_decide(request, slug, pk)
        data = parse(DeclineIn, request.data, request)
        referral = actions.do_decline_referral(referral, actor=request.user, **data)
        return referral_response(request, referral)


class ForwardIn(serializers.Serializer):
    organisation = OrganisationField()
    reason = serializers.CharField(allow_blank=True)


class ReferralForwardView(ReferralChangeView):
    @extend_schema(
        request=ForwardIn,
        responses=ReferralOut,
        summary="Forward a referral to another organisation",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        referral = referral_to_decide(request, slug, pk)
        data = parse(ForwardIn, request.data, request, referral.house)
        referral = actions.do_forward_referral(referral, actor=request.user, **data)
        return referral_response(request, referral)


# Crisis first, then high, then normal; within each, longest waiting first.
_RANK = Cases(
    When(urgency=Urgency.CRISIS, then=Value(0)),
    When(urgency=Urgency.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _after_in_queue(queue: QuerySet[Referral], user: Any, house: House, after: int) -> Any:
    """Keyset on (rank, submitted_at, id): the rows that come after referral `after`."""
    anchor = (
        policy.visible(user, Referral)
        .filter(house=house, pk=after, submitted_at__isnull=False)
        .annotate(rank=_RANK)
        .values("rank", "submitted_at")
        .first()
    )
    if anchor is None:
        raise ValidationError({"after": _("This referral is not in the queue.")})
    rank, submitted_at = anchor["rank"], anchor["submitted_at"]
    return queue.filter(
        Q(rank__gt=rank)
        | Q(rank=rank, submitted_at__gt=submitted_at)
        | Q(rank=rank, submitted_at=submitted_at, pk__gt=after)
    )


def _logged(request: Request, house: House) -> Callable[[list[Referral]], None]:
    """Log a page of referrals as the pages do: per referral, its first person."""
    return lambda shown: actions.record_referral_list(request.user, house, shown)


def _cases_logged(request: Request, house: House) -> Callable[[list[KnownToQuery]], None]:
    """A page of known-to questions says which cases' people were asked about."""
    return lambda shown: record_case_list(
        request.user, house, sorted({q.case_id for q in shown if q.case_id}), "known_to.list"
    )


class TriageQueueView(ApiView):
    @extend_schema(
        parameters=[PageQuery], responses=page_of(ReferralItemOut), summary="The triage queue"
    )
    def get(self, request: Request, slug: str) -> Response:
        """Submitted referrals the user may see, most urgent and longest waiting first."""
        house = policy.access_house(request.user, slug)
        query = parse(PageQuery, request.query_params, request)
        queue = (
            policy.visible(request.user, Referral)
            .filter(house=house, status=ReferralStatus.SUBMITTED)
            .select_related("referrer_organisation", "case")
            .prefetch_related("subjects__subject")
            .annotate(rank=_RANK)
        )
        if query.get("after"):
            queue = _after_in_queue(queue, request.user, house, query["after"])
        queue = queue.order_by("rank", "submitted_at", "pk")
        return Response(
            page(queue, request, query["limit"], ReferralItemOut, _logged(request, house))
        )


# --- Known-to queries ------------------------------------------------------------------------


class KnownToOut(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = Ref()
    case = NumberedRef(allow_null=True)
    referral = NumberedRef(allow_null=True)
    asked_by = Ref()
    asked_at = serializers.DateTimeField()
    deadline = serializers.DateField()
    is_open = serializers.BooleanField()
    answer = serializers.CharField()
    contact_person = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class KnownToDetailOut(KnownToOut):
    """With the identity of the people asked about: the asked organisation needs it."""

    subjects = serializers.SerializerMethodField()

    @extend_schema_field(PersonOut(many=True))
    def get_subjects(self, query: KnownToQuery) -> Any:
        return PersonOut(self.context["subjects"], many=True).data


def visible_queries(user: Any, house: House) -> QuerySet[KnownToQuery]:
    return (
        policy.visible(user, KnownToQuery)
        .filter(house=house)
        .select_related("house", "organisation", "case", "referral", "asked_by")
    )


def access_query(request: Request, slug: str, pk: int) -> KnownToQuery:
    house = policy.access_house(request.user, slug)
    query = visible_queries(request.user, house).filter(pk=pk).first()
    if query is None:
        raise Http404
    return query


class AskKnownToIn(serializers.Serializer):
    organisations = OrganisationField(many=True)
    deadline = serializers.DateField()


class CaseKnownToView(ApiView):
    @extend_schema(
        parameters=[PageQuery],
        responses=page_of(KnownToOut),
        summary="Known-to questions about a case",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        """The questions about this case the user may see (staff: all; a partner: its own)."""
        case = access_case(request.user, pk, house_slug=slug)
        query = parse(PageQuery, request.query_params, request)
        queries = visible_queries(request.user, case.house).filter(case=case)
        return Response(
            newest_first(queries, request, query, KnownToOut, _cases_logged(request, case.house))
        )

    @extend_schema(
        request=AskKnownToIn,
        responses={201: results_of(KnownToOut)},
        summary="Ask organisations whether they know the people of a case",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = case_for_director(request, slug, pk)
        data = parse(AskKnownToIn, request.data, request, case.house)
        queries = actions.do_ask_known_to(
            house=case.house,
            organisations=data["organisations"],
            deadline=data["deadline"],
            actor=request.user,
            case=case,
        )
        return Response({"results": KnownToOut(queries, many=True).data}, status=201)


class KnownToListView(ApiView):
    @extend_schema(
        parameters=[PageQuery],
        responses=page_of(KnownToOut),
        summary="Known-to questions you may see",
    )
    def get(self, request: Request, slug: str) -> Response:
        house = policy.access_house(request.user, slug)
        query = parse(PageQuery, request.query_params, request)
        queries = visible_queries(request.user, house)
        return Response(
            newest_first(queries, request, query, KnownToOut, _cases_logged(request, house))
        )


class KnownToDetailView(ApiView):
    @extend_schema(responses=KnownToDetailOut, summary="One known-to question")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        query = access_query(request, slug, pk)
        subjects = actions.known_to_subjects(query)
        record_read(request, query.house, query, subjects, query.case_id)
        return Response(KnownToDetailOut(query, context={"subjects": subjects}).data)


class AnswerKnownToIn(serializers.Serializer):
    answer = serializers.ChoiceField(KnownToAnswer.choices)
    contact_person = serializers.CharField(max_length=200, allow_blank=True, default="")


def known_to_representation(request: Request, slug: str, pk: int) -> Any:
    query = access_query(request, slug, pk)
    subjects = actions.known_to_subjects(query)
    return KnownToDetailOut(query, context={"subjects": subjects}).data


class KnownToAnswerView(ApiView):
    def current(self, request: Request, **kwargs: Any) -> Any:
        return known_to_representation(request, kwargs["slug"], kwargs["pk"])

    @extend_schema(
        request=AnswerKnownToIn, responses=KnownToOut, summary="Answer a known-to question"
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Only the organisation that was asked answers; staff who see the question get 403."""
        query = access_query(request, slug, pk)
        if (
            not policy.case_memberships(request.user)
            .filter(house=query.house_id, organisation=query.organisation_id)
            .exists()
        ):
            raise PermissionDenied
        data = parse(AnswerKnownToIn, request.data, request)
        query = actions.do_answer_known_to(query, actor=request.user, **data)
        return Response(KnownToOut(access_query(request, slug, query.pk)).data)
