"""REST endpoints for actions: the list a partner system polls ("our open actions"), one
action with its feedback, recording actions for a case, and the progress of a case.

Actions come only through `policy.visible(user, Action)`; an action the user may not read is
"not found", exactly like its page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView
from casusregie.api.common import (
    NumberedRef,
    PageQuery,
    Ref,
    id_field,
    newest_first,
    parse,
    record_read,
)
from casusregie.api.schema import page_of, results_of
from casusregie.cases.access import access_case, case_subjects
from casusregie.cases.actions import record_case_list
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House
from casusregie.plans.access import may_edit_plan, may_review, progress_counts
from casusregie.privacy import policy

from . import actions
from .casefile import case_file
from .models import Action, ActionStatus, Feedback, Goal, Plan

# --- Output ----------------------------------------------------------------------------------


class FeedbackOut(serializers.Serializer):
    id = serializers.IntegerField()
    author = Ref()
    organisation = Ref()
    what_was_done = serializers.CharField()
    result = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    review_status = serializers.CharField()
    review_note = serializers.CharField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


class ActionOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    case = NumberedRef()
    title = serializers.CharField()
    domain = serializers.CharField()
    owner_organisation = Ref()
    owner = Ref(allow_null=True)
    due_date = serializers.DateField()
    status = serializers.CharField()
    overdue = serializers.SerializerMethodField()
    depends_on = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)

    def get_overdue(self, action: Action) -> bool:
        return action.status == ActionStatus.OPEN and action.due_date < timezone.localdate()

    def get_depends_on(self, action: Action) -> list[int]:
        return [other.pk for other in action.depends_on.all()]


class ActionDetailOut(ActionOut):
    feedback = serializers.SerializerMethodField()

    @extend_schema_field(FeedbackOut(many=True))
    def get_feedback(self, action: Action) -> Any:
        return FeedbackOut(self.context["feedback"], many=True).data


class ProgressRowOut(serializers.Serializer):
    organisation = Ref()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    awaiting_review = serializers.IntegerField()
    done = serializers.IntegerField()


class CaseBriefOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    phase = serializers.CharField()


class ProgressOut(serializers.Serializer):
    case = CaseBriefOut()
    organisations = ProgressRowOut(many=True)


def action_detail(request: Request, slug: str, pk: int) -> dict[str, Any]:
    """One action as GET shows it: with the feedback the user may read."""
    action = visible_actions(request, slug).filter(pk=pk).first()
    if action is None:
        raise Http404
    feedback = (
        policy.visible(request.user, Feedback)
        .filter(action=action)
        .select_related("author", "organisation")
        .order_by("submitted_at", "pk")
    )
    record_read(request, action.house, action, case_subjects(action.case), action.case_id)
    return dict(ActionDetailOut(action, context={"feedback": feedback}).data)


def visible_actions(request: Request, slug: str) -> QuerySet[Action]:
    return actions_in(request, policy.access_house(request.user, slug))


def actions_in(request: Request, house: House) -> QuerySet[Action]:
    return (
        policy.visible_in(request.user, Action, house)
        .select_related("case", "owner_organisation", "owner")
        .prefetch_related("depends_on")
    )


# --- Reading ---------------------------------------------------------------------------------


class ActionQuery(PageQuery):
    mine = serializers.BooleanField(required=False, default=False)
    status = serializers.ChoiceField(ActionStatus.choices, required=False)
    overdue = serializers.BooleanField(required=False, default=False)
    case = id_field(required=False)


def _logged(request: Request, house: House) -> Callable[[list[Action]], None]:
    """A page of actions names the main person of each action's case (in its title)."""
    return lambda shown: record_case_list(
        request.user, house, sorted({a.case_id for a in shown}), "action.list"
    )


class ActionListView(ApiView):
    @extend_schema(
        parameters=[ActionQuery],
        responses=page_of(ActionOut),
        summary="Actions you may read, newest first",
    )
    def get(self, request: Request, slug: str) -> Response:
        query = parse(ActionQuery, request.query_params, request)
        house = policy.access_house(request.user, slug)
        rows = actions_in(request, house)
        if query["mine"]:
            mine = policy.case_memberships(request.user).values("organisation")
            rows = rows.filter(
                Q(owner=request.user) | Q(owner__isnull=True, owner_organisation__in=mine)
            )
        if query.get("status"):
            rows = rows.filter(status=query["status"])
        if query["overdue"]:
            rows = rows.filter(status=ActionStatus.OPEN, due_date__lt=timezone.localdate())
        if query.get("case"):
            rows = rows.filter(case_id=query["case"])
        return Response(newest_first(rows, request, query, ActionOut, _logged(request, house)))


class ActionDetailView(ApiView):
    @extend_schema(responses=ActionDetailOut, summary="One action with its feedback")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return Response(action_detail(request, slug, pk))


# --- Recording actions -----------------------------------------------------------------------


class ActionIn(serializers.Serializer):
    title = serializers.CharField(max_length=300, allow_blank=True)
    owner_organisation = serializers.IntegerField(allow_null=True)
    owner = serializers.IntegerField(allow_null=True, required=False, default=None)
    due_date = serializers.DateField(allow_null=True)
    domain = serializers.ChoiceField(LifeDomain.choices, allow_blank=True, default="")
    depends_on = serializers.ListField(child=serializers.IntegerField(), default=list)


class ActionsIn(serializers.Serializer):
    actions = ActionIn(many=True, allow_empty=False)


_ROW = re.compile(r"^row-(\d+)-(\w+)$")


def _api_errors(error: ValidationError) -> ValidationError:
    """`row-2-title` (the form's naming) becomes `actions.1.title` (the request's)."""
    if not hasattr(error, "error_dict"):
        return error
    renamed: dict[str, Any] = {}
    for key, messages in error.message_dict.items():
        match = _ROW.match(key)
        name = f"actions.{int(match.group(1)) - 1}.{match.group(2)}" if match else key
        renamed[name] = messages
    return ValidationError(renamed)


class CaseActionsView(ApiView):
    """POST a list of actions for a case: all are recorded, or none."""

    @extend_schema(
        request=ActionsIn,
        responses={201: results_of(ActionOut)},
        summary="Record actions for a case (all or none)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        case = access_case(request.user, pk, house_slug=slug)
        if not may_edit_plan(request.user, case):
            raise PermissionDenied
        data = parse(ActionsIn, request.data, request, case.house)
        organisations = {o.pk: o for o in policy.organisations_visible_to(request.user)}
        people = {u.pk: u for u in policy.users_visible_to(request.user, case.house)}
        existing = {a.pk: a for a in policy.visible(request.user, Action).filter(case=case)}
        rows: list[actions.ActionData] = []
        unknown: dict[str, list[str]] = {}
        for index, row in enumerate(data["actions"]):
            organisation = organisations.get(row["owner_organisation"] or 0)
            owner = people.get(row["owner"] or 0)
            if row["owner_organisation"] and organisation is None:
                unknown[f"actions.{index}.owner_organisation"] = ["Unknown organisation."]
            if row["owner"] and owner is None:
                unknown[f"actions.{index}.owner"] = ["Unknown person."]
            missing = [i for i in row["depends_on"] if i not in existing]
            if missing:
                unknown[f"actions.{index}.depends_on"] = ["Unknown action of this case."]
            rows.append(
                actions.ActionData(
                    title=row["title"],
                    owner_organisation=organisation,
                    owner=owner,
                    due_date=row["due_date"],
                    domain=row["domain"],
                    depends_on=[existing[i] for i in row["depends_on"] if i in existing],
                )
            )
        if unknown:
            raise ValidationError(unknown)
        try:
            created = actions.do_create_actions(case, rows, actor=request.user)
        except ValidationError as error:
            raise _api_errors(error) from None
        fresh = visible_actions(request, slug).filter(pk__in=[a.pk for a in created])
        return Response(
            {"results": ActionOut(fresh.order_by("number"), many=True).data}, status=201
        )


# --- Progress --------------------------------------------------------------------------------


class CaseProgressView(ApiView):
    """Counts per organisation for every participant; titles only of actions one may read."""

    @extend_schema(responses=ProgressOut, summary="Progress of a case per organisation (counts)")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        case = access_case(request.user, pk, house_slug=slug)
        today = timezone.localdate()
        per_org = progress_counts(request.user, case, today)
        return Response(
            {
                "case": {"id": case.pk, "reference": case.reference, "phase": case.phase},
                "organisations": [
                    {
                        "organisation": {
                            "id": row["owner_organisation"],
                            "name": row["owner_organisation__name"],
                        },
                        "open": row["open"],
                        "overdue": row["overdue"],
                        "awaiting_review": row["review"],
                        "done": row["done"],
                    }
                    for row in per_org
                ],
            }
        )


# --- Feedback --------------------------------------------------------------------------------


class ActionChangeView(ApiView):
    """A change to one action: `If-Match` takes the action's ETag."""

    def current(self, request: Request, **kwargs: Any) -> Any:
        return action_detail(request, kwargs["slug"], kwargs["pk"])


class FeedbackIn(serializers.Serializer):
    what_was_done = serializers.CharField(max_length=5000)
    result = serializers.CharField(max_length=5000)


class ActionFeedbackView(ActionChangeView):
    @extend_schema(
        request=FeedbackIn,
        responses={201: ActionDetailOut},
        summary="Give feedback on an action of your organisation",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Only the owner organisation gives feedback (others: 403); the action then awaits
        review by the case director."""
        action = visible_actions(request, slug).filter(pk=pk).first()
        if action is None:
            raise Http404
        data = parse(FeedbackIn, request.data, request, action.house)
        actions.do_submit_feedback(action, actor=request.user, **data)
        return Response(action_detail(request, slug, pk), status=201)


class ReviewIn(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, allow_blank=True, default="")


class FeedbackReviewView(ActionChangeView):
    @extend_schema(
        request=ReviewIn,
        responses=ActionDetailOut,
        summary="Accept feedback (the action is done) or ask for more",
    )
    def post(self, request: Request, slug: str, pk: int, feedback: int) -> Response:
        """The case director or a process director reviews; others get 403."""
        action = visible_actions(request, slug).filter(pk=pk).first()
        target = (
            policy.visible(request.user, Feedback).filter(action=action, pk=feedback).first()
            if action is not None
            else None
        )
        if target is None:
            raise Http404
        if not may_review(request.user, action):  # type: ignore[arg-type]
            # Before reading the body: who may not review learns nothing from its validation.
            raise PermissionDenied
        data = parse(ReviewIn, request.data, request, action.house)  # type: ignore[union-attr]
        actions.do_review_feedback(target, actor=request.user, **data)
        return Response(action_detail(request, slug, pk))


# --- The plan --------------------------------------------------------------------------------


class GoalOut(serializers.Serializer):
    id = serializers.IntegerField()
    domain = serializers.ChoiceField(LifeDomain.choices)
    text = serializers.CharField()
    status = serializers.CharField()
    position = serializers.IntegerField()


class PlanOut(serializers.Serializer):
    case = CaseBriefOut()
    version = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    goals = GoalOut(many=True)


class CasePlanView(ApiView):
    @extend_schema(responses=PlanOut, summary="The plan of a case: its goals")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        """Every participant of the case sees the goals; actions are at /actions?case=."""
        case = access_case(request.user, pk, house_slug=slug)
        plan = policy.visible(request.user, Plan).filter(case=case).first()
        goals = policy.visible(request.user, Goal).filter(plan__case=case)
        rows = list(goals.order_by("position", "pk"))
        record_read(request, case.house, case, case_subjects(case), case.pk)
        return Response(
            {
                "case": {"id": case.pk, "reference": case.reference, "phase": case.phase},
                "version": plan.version if plan else None,
                "updated_at": plan.updated_at if plan else None,
                "goals": GoalOut(rows, many=True).data,
            }
        )


class CaseFileView(ApiView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The case file: what you may see of the case"
            )
        },
        summary="The case file as PDF",
    )
    def get(self, request: Request, slug: str, pk: int) -> Any:
        """Every part comes through the access policy: a partner's file holds its own actions
        and the input addressed to it. Making it is logged for every person of the case."""
        case = access_case(request.user, pk, house_slug=slug)
        response = HttpResponse(case_file(request.user, case), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="dossier-{case.reference}.pdf"'
        return response
