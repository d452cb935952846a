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
from casusregie.plans.access import (
    may_answer_for_owner,
    may_edit_plan,
    may_review,
    progress_counts,
)
from casusregie.privacy import policy

from . import actions
from .casefile import case_file
from .models import (
    Action,
    ActionChange,
    ActionRequest,
    ActionStatus,
    Feedback,
    Goal,
    Plan,
    RequestKind,
    RequestStatus,
    Service,
)

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


class ActionChangeOut(serializers.Serializer):
    kind = serializers.CharField()
    before = serializers.DictField()
    after = serializers.DictField()
    reason = serializers.CharField()
    by = Ref()
    at = serializers.DateTimeField()


class ActionRequestOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(RequestKind.choices)
    proposed_date = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    organisation = Ref()
    at = serializers.DateTimeField()
    status = serializers.ChoiceField(RequestStatus.choices)
    decision_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ActionDetailOut(ActionOut):
    goal = serializers.IntegerField(source="goal_id", allow_null=True)
    service = serializers.IntegerField(source="service_id", allow_null=True)
    version = serializers.IntegerField()
    feedback = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()
    requests = serializers.SerializerMethodField()

    @extend_schema_field(FeedbackOut(many=True))
    def get_feedback(self, action: Action) -> Any:
        return FeedbackOut(self.context["feedback"], many=True).data

    @extend_schema_field(ActionChangeOut(many=True))
    def get_changes(self, action: Action) -> Any:
        return ActionChangeOut(self.context["changes"], many=True).data

    @extend_schema_field(ActionRequestOut(many=True))
    def get_requests(self, action: Action) -> Any:
        return ActionRequestOut(self.context["requests"], many=True).data


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
    changes = (
        policy.visible(request.user, ActionChange)
        .filter(action=action)
        .select_related("by")
        .order_by("at", "pk")
    )
    requests = (
        policy.visible(request.user, ActionRequest)
        .filter(action=action)
        .select_related("organisation")
        .order_by("at", "pk")
    )
    record_read(request, action.house, action, case_subjects(action.case), action.case_id)
    return dict(
        ActionDetailOut(
            action, context={"feedback": feedback, "changes": changes, "requests": requests}
        ).data
    )


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
    goal = id_field(allow_null=True, required=False, default=None)
    service = id_field(allow_null=True, required=False, default=None)
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
        goals = {g.pk: g for g in policy.visible(request.user, Goal).filter(plan__case=case)}
        services = {
            s.pk: s
            for s in policy.visible(request.user, Service).filter(house=case.house, active=True)
        }
        rows: list[actions.ActionData] = []
        unknown: dict[str, list[str]] = {}
        for index, row in enumerate(data["actions"]):
            organisation = organisations.get(row["owner_organisation"] or 0)
            owner = people.get(row["owner"] or 0)
            if row["owner_organisation"] and organisation is None:
                unknown[f"actions.{index}.owner_organisation"] = ["Unknown organisation."]
            if row["owner"] and owner is None:
                unknown[f"actions.{index}.owner"] = ["Unknown person."]
            if row["goal"] and row["goal"] not in goals:
                unknown[f"actions.{index}.goal"] = ["Unknown goal of this plan."]
            if row["service"] and row["service"] not in services:
                unknown[f"actions.{index}.service"] = ["Unknown service of this house."]
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
                    goal=goals.get(row["goal"] or 0),
                    service=services.get(row["service"] or 0),
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


# --- The action lifecycle (decision 0051) ----------------------------------------------------


class ActionEditIn(serializers.Serializer):
    title = serializers.CharField(max_length=300, allow_blank=True)
    goal = id_field(allow_null=True, required=False, default=None)
    domain = serializers.ChoiceField(LifeDomain.choices, allow_blank=True, default="")
    service = id_field(allow_null=True, required=False, default=None)
    depends_on = serializers.ListField(child=id_field(), default=list, max_length=100)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReassignIn(serializers.Serializer):
    owner_organisation = id_field()
    owner = id_field(allow_null=True, required=False, default=None)
    reason = serializers.CharField(max_length=2000, allow_blank=True)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class RescheduleIn(serializers.Serializer):
    due_date = serializers.DateField()
    reason = serializers.CharField(max_length=2000, allow_blank=True)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class MoreTimeIn(serializers.Serializer):
    proposed_date = serializers.DateField()
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class DeclineIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class DecideIn(serializers.Serializer):
    decision = serializers.ChoiceField([(actions.ACCEPT, "accept"), (actions.ESCALATE, "escalate")])
    note = serializers.CharField(max_length=2000, allow_blank=True, default="")
    owner_organisation = id_field(allow_null=True, required=False, default=None)
    owner = id_field(allow_null=True, required=False, default=None)


def _lookup(request: Request, action: Action, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in the body as objects of the action's case and house; unknown ones are a 400."""
    case = action.case
    found: dict[str, Any] = {}
    unknown: dict[str, list[str]] = {}

    def one(name: str, rows: Any, message: str) -> None:
        if name not in data:
            return
        found[name] = rows.filter(pk=data[name]).first() if data[name] else None
        if data[name] and found[name] is None:
            unknown[name] = [message]

    one("goal", policy.visible(request.user, Goal).filter(plan__case=case), "Unknown goal.")
    one(
        "service",
        policy.visible(request.user, Service).filter(house=case.house, active=True),
        "Unknown service.",
    )
    one(
        "owner_organisation",
        policy.organisations_visible_to(request.user),
        "Unknown organisation.",
    )
    one("owner", policy.users_visible_to(request.user, case.house), "Unknown person.")
    if "depends_on" in data:
        others = list(
            policy.visible(request.user, Action).filter(case=case, pk__in=data["depends_on"])
        )
        if len(others) != len(set(data["depends_on"])):
            unknown["depends_on"] = ["Unknown action of this case."]
        found["depends_on"] = others
    if unknown:
        raise ValidationError(unknown)
    return found


def _lifecycle_view(
    serializer: type[serializers.Serializer],
    function: str,
    summary: str,
    *,
    owner_side: bool = False,
) -> type[ActionChangeView]:
    """One endpoint of the lifecycle: the gate before the body is read (who may not change
    the action learns nothing from its validation), then the do_* function."""

    class View(ActionChangeView):
        @extend_schema(request=serializer, responses=ActionDetailOut, summary=summary)
        def post(self, request: Request, slug: str, pk: int) -> Response:
            action = visible_actions(request, slug).filter(pk=pk).first()
            if action is None:
                raise Http404
            allowed = (
                may_answer_for_owner(request.user, action)
                if owner_side
                else may_edit_plan(request.user, action.case)
            )
            if not allowed:
                raise PermissionDenied
            data = parse(serializer, request.data, request, action.house)
            data.update(_lookup(request, action, data))
            getattr(actions, function)(action, actor=request.user, **data)
            return Response(action_detail(request, slug, pk))

    View.__name__ = View.__qualname__ = f"{function.removeprefix('do_').title()}View"
    return View


ActionEditView = _lifecycle_view(
    ActionEditIn,
    "do_edit_action",
    "Change an action: title, goal, life domain, service, dependencies",
)
ActionReassignView = _lifecycle_view(
    ReassignIn, "do_reassign_action", "Give an action to another organisation or person"
)
ActionRescheduleView = _lifecycle_view(
    RescheduleIn, "do_reschedule_action", "Move an action's due date, with a reason"
)
ActionCancelView = _lifecycle_view(CancelIn, "do_cancel_action", "Cancel an action, with a reason")
ActionMoreTimeView = _lifecycle_view(
    MoreTimeIn, "do_ask_more_time", "Ask for more time (the owner organisation)", owner_side=True
)
ActionDeclineView = _lifecycle_view(
    DeclineIn, "do_decline_action", "Decline an action (the owner organisation)", owner_side=True
)


class ActionRequestDecideView(ActionChangeView):
    @extend_schema(
        request=DecideIn,
        responses=ActionDetailOut,
        summary="Accept the owner's request or turn it into an escalation",
    )
    def post(self, request: Request, slug: str, pk: int, item: int) -> Response:
        """The case director or a process director decides; others get 403."""
        action = visible_actions(request, slug).filter(pk=pk).first()
        target = (
            policy.visible(request.user, ActionRequest).filter(action=action, pk=item).first()
            if action is not None
            else None
        )
        if target is None or action is None:
            raise Http404
        if not may_review(request.user, action):
            raise PermissionDenied
        data = parse(DecideIn, request.data, request, action.house)
        found = _lookup(request, action, data)
        actions.do_decide_request(
            target,
            decision=data["decision"],
            note=data["note"],
            owner_organisation=found["owner_organisation"],
            owner=found["owner"],
            actor=request.user,
        )
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
