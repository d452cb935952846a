"""The action page with feedback and its review, and the actions block of the case page."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from casusregie.cases.access import access_case, case_subjects, subject_refs
from casusregie.cases.actions import record_case_list
from casusregie.cases.models import Case
from casusregie.cases.phases import Phase
from casusregie.plans.access import (
    may_answer_for_owner,
    may_edit_plan,
    may_review,
    may_see_stalled,
    progress_counts,
)
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.web import pdf
from casusregie.web.forms import apply_errors

from . import actions
from .casefile import actions_section, case_file, goals_section, progress_section
from .forms import (
    ActionForm,
    CancelForm,
    DecideForm,
    DeclineForm,
    EditActionForm,
    FeedbackForm,
    GoalForm,
    GoalStatusForm,
    LifecycleChoices,
    MoreTimeForm,
    ReassignForm,
    RescheduleForm,
    ReviewForm,
    StallDecisionForm,
)
from .models import (
    Action,
    ActionChange,
    ActionRequest,
    ActionStatus,
    Escalation,
    Feedback,
    Goal,
    Plan,
    PlanRevision,
    RequestStatus,
    ReviewStatus,
    Service,
)
from .services_access import picker_choices, services_for_picker


def access_action(user: Any, slug: str, pk: int) -> Action:
    """The action if the user may read it in full; "not found" otherwise."""
    action = (
        policy.visible(user, Action)
        .filter(pk=pk, house__slug=slug)
        .select_related("house", "case", "owner_organisation", "owner", "goal", "service")
        .first()
    )
    if action is None:
        raise Http404
    return action


def _is_owner_member(user: Any, action: Action) -> bool:
    return (
        policy.case_memberships(user)
        .filter(house=action.house_id, organisation=action.owner_organisation_id)
        .exists()
    )


def _page(
    request: HttpRequest,
    action: Action,
    *,
    feedback_form: FeedbackForm | None = None,
    review_form: ReviewForm | None = None,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    bound = bound or {}
    pending = (
        policy.visible(user, Feedback)
        .filter(action=action, review_status=ReviewStatus.PENDING)
        .first()
    )
    can_feedback = action.status == ActionStatus.OPEN and _is_owner_member(user, action)
    can_review = pending is not None and may_review(user, action)
    log.record(
        actor=user,
        house=action.house,
        name="action.read",
        operation=Operation.READ,
        obj=action,
        case_id=action.case_id,
        subjects=subject_refs(case_subjects(action.case)),
    )
    return render(
        request,
        "plans/action_detail.html",
        {
            "house": action.house,
            "case": action.case,
            "action": action,
            "overdue": action.status == ActionStatus.OPEN
            and action.due_date < timezone.localdate(),
            "depends_on": policy.visible(user, Action).filter(dependents=action),
            "feedback": policy.visible(user, Feedback)
            .filter(action=action)
            .select_related("author", "organisation", "reviewed_by"),
            "escalations": policy.visible(user, Escalation).filter(action=action),
            "pending": pending,
            "feedback_form": (feedback_form or FeedbackForm()) if can_feedback else None,
            "review_form": (review_form or ReviewForm()) if can_review else None,
            **lifecycle_context(user, action, bound),
        },
        status=status,
    )


@login_required
def action_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _page(request, access_action(request.user, slug, pk))


@login_required
@require_POST
def action_feedback(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    action = access_action(request.user, slug, pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            actions.do_submit_feedback(action, actor=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Thank you: your feedback has been sent for review."))
            return redirect("plans:action", slug=slug, pk=action.pk)
    return _page(request, action, feedback_form=form, status=400)


@login_required
@require_POST
def feedback_review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    action = access_action(request.user, slug, pk)
    pending = (
        policy.visible(request.user, Feedback)
        .filter(action=action, review_status=ReviewStatus.PENDING)
        .first()
    )
    if pending is None or not may_review(request.user, action):
        raise Http404
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            actions.do_review_feedback(
                pending,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The action is done.")
                if form.cleaned_data["decision"] == "accept"
                else _("The owner has been asked for more."),
            )
            return redirect("plans:action", slug=slug, pk=action.pk)
    return _page(request, action, review_form=form, status=400)


# --- The action lifecycle (decision 0051) ----------------------------------------------------


def lifecycle_choices(user: Any, case: Case, action: Action | None = None) -> LifecycleChoices:
    """The choices of the action forms of a case, in a fixed number of queries."""
    organisations = list(
        case.participations.filter(ended_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    org_ids = [p.organisation_id for p in organisations]
    people = (
        policy.memberships_in(case.house, policy.CASE_ROLES)
        .filter(organisation__in=org_ids)
        .select_related("user", "organisation")
        .order_by("user__full_name", "pk")
    )
    seen: set[int] = set()
    people_choices = []
    for membership in people:
        if membership.user_id in seen:
            continue
        seen.add(membership.user_id)
        people_choices.append(
            (
                str(membership.user_id),
                f"{membership.user.full_name} ({membership.organisation.name})",
            )
        )
    open_actions = (
        policy.visible_in(user, Action, case.house)
        .filter(case=case, status__in=(ActionStatus.OPEN, ActionStatus.FEEDBACK_GIVEN))
        .order_by("number")
    )
    if action is not None:
        open_actions = open_actions.exclude(pk=action.pk)
    return LifecycleChoices(
        goals=[
            (str(g.pk), f"{g.get_domain_display()}: {g.text}")
            for g in policy.visible(user, Goal).filter(plan__case=case, status="open")
        ],
        services=picker_choices(services_for_picker(case.house)),
        organisations=[(str(p.organisation_id), p.organisation.name) for p in organisations],
        people=people_choices,
        actions=[(str(a.pk), f"A{a.number} {a.title}") for a in open_actions],
    )


def _resolve(user: Any, case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """The posted ids as objects (the forms' choices already limited them to this case)."""
    found: dict[str, Any] = {}
    if "goal" in data:
        found["goal"] = (
            policy.visible(user, Goal).filter(plan__case=case, pk=data["goal"]).first()
            if data["goal"]
            else None
        )
    if "service" in data:
        found["service"] = (
            policy.visible(user, Service).filter(house=case.house, pk=data["service"]).first()
            if data["service"]
            else None
        )
    if "owner_organisation" in data:
        found["owner_organisation"] = (
            policy.organisations_visible_to(user).filter(pk=data["owner_organisation"]).first()
            if data["owner_organisation"]
            else None
        )
    if "owner" in data:
        found["owner"] = (
            policy.users_visible_to(user, case.house).filter(pk=data["owner"]).first()
            if data["owner"]
            else None
        )
    if "depends_on" in data:
        found["depends_on"] = list(
            policy.visible(user, Action).filter(case=case, pk__in=data["depends_on"] or [])
        )
    return found


def lifecycle_context(user: Any, action: Action, bound: dict[str, Any]) -> dict[str, Any]:
    """The lifecycle part of the action page: history, requests and the forms this user may
    use."""
    case = action.case
    requests = list(
        policy.visible(user, ActionRequest)
        .filter(action=action)
        .select_related("by", "organisation", "decided_by")
    )
    pending = next((r for r in requests if r.status == RequestStatus.PENDING), None)
    editor = action.is_open and case.is_open and may_edit_plan(user, case)
    owner_side = (
        action.status == ActionStatus.OPEN
        and pending is None
        and may_answer_for_owner(user, action)
    )
    decider = pending is not None and action.is_open and may_review(user, action)
    context: dict[str, Any] = {
        "changes": policy.visible(user, ActionChange).filter(action=action).select_related("by"),
        "requests": requests,
        "pending_request": pending,
    }
    if editor or decider:
        choices = lifecycle_choices(user, case, action)
        version = {"version": action.version}
        if editor:
            context["edit_form"] = bound.get("edit_form") or EditActionForm(
                choices=choices,
                initial={
                    "title": action.title,
                    "goal": action.goal_id or "",
                    "domain": action.domain,
                    "service": action.service_id or "",
                    "depends_on": [str(a.pk) for a in action.depends_on.all()],
                    **version,
                },
            )
            context["reassign_form"] = bound.get("reassign_form") or ReassignForm(
                choices=choices, initial=version
            )
            context["reschedule_form"] = bound.get("reschedule_form") or RescheduleForm(
                initial=version
            )
            context["cancel_form"] = bound.get("cancel_form") or CancelForm(initial=version)
        if decider:
            context["decide_form"] = bound.get("decide_form") or DecideForm(choices=choices)
    if owner_side:
        context["more_time_form"] = bound.get("more_time_form") or MoreTimeForm()
        context["decline_form"] = bound.get("decline_form") or DeclineForm()
    return context


_LIFECYCLE: dict[str, tuple[Any, str]] = {
    # name in the URL: (form, the do_* function's name)
    "edit": (EditActionForm, "do_edit_action"),
    "reassign": (ReassignForm, "do_reassign_action"),
    "reschedule": (RescheduleForm, "do_reschedule_action"),
    "cancel": (CancelForm, "do_cancel_action"),
    "more_time": (MoreTimeForm, "do_ask_more_time"),
    "decline": (DeclineForm, "do_decline_action"),
}
_MESSAGES = {
    "edit": _lazy("The action has been changed."),
    "reassign": _lazy("The action has a new owner."),
    "reschedule": _lazy("The action has a new due date."),
    "cancel": _lazy("The action has been cancelled."),
    "more_time": _lazy("Your request has been sent."),
    "decline": _lazy("Your refusal has been sent."),
}


def _may(user: Any, action: Action, name: str) -> bool:
    if name in ("more_time", "decline"):
        return may_answer_for_owner(user, action)
    return may_edit_plan(user, action.case)


@login_required
@require_POST
def action_lifecycle(request: HttpRequest, slug: str, pk: int, name: str) -> HttpResponse:
    """One of the lifecycle changes, posted from the action page."""
    action = access_action(request.user, slug, pk)
    if name not in _LIFECYCLE or not _may(request.user, action, name):
        raise Http404
    form_class, function = _LIFECYCLE[name]
    kwargs: dict[str, Any] = {}
    if form_class in (EditActionForm, ReassignForm):
        kwargs["choices"] = lifecycle_choices(request.user, action.case, action)
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.update(_resolve(request.user, action.case, data))
        try:
            getattr(actions, function)(action, actor=request.user, **data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, str(_MESSAGES[name]))
            return redirect("plans:action", slug=slug, pk=action.pk)
    return _page(request, action, bound={f"{name}_form": form}, status=400)


@login_required
@require_POST
def request_decide(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    """The process director or case director decides on the owner's request."""
    action = access_action(request.user, slug, pk)
    target = (
        policy.visible(request.user, ActionRequest)
        .filter(action=action, pk=item, status=RequestStatus.PENDING)
        .first()
    )
    if target is None or not may_review(request.user, action):
        raise Http404
    form = DecideForm(request.POST, choices=lifecycle_choices(request.user, action.case, action))
    if form.is_valid():
        data = _resolve(request.user, action.case, dict(form.cleaned_data))
        try:
            actions.do_decide_request(
                target,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                owner_organisation=data["owner_organisation"],
                owner=data["owner"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your decision has been recorded."))
            return redirect("plans:action", slug=slug, pk=action.pk)
    return _page(request, action, bound={"decide_form": form}, status=400)


@login_required
@require_POST
def plan_add_action(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, house_slug=slug)
    if not may_edit_plan(request.user, case):
        raise Http404
    form = ActionForm(request.POST, choices=lifecycle_choices(request.user, case))
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.update(_resolve(request.user, case, data))
        try:
            actions.do_add_action(case, actions.ActionData(**data), actor=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The action has been added to the plan."))
            return redirect("plans:plan", slug=slug, pk=pk)
    return _plan_page(request, case, action_form=form)


def case_plan_context(user: Any, case: Case) -> dict[str, Any]:
    """For the case page: the actions the user may read, and counts per organisation for
    everyone who may see the case (decision 0012). Two queries whatever the size."""
    today = timezone.localdate()
    mine = list(
        policy.visible_in(user, Action, case.house)
        .filter(case=case)
        .select_related("owner_organisation", "owner")
        .order_by("number")
    )
    counts = list(progress_counts(user, case, today))
    return {"plan_actions": mine, "action_counts": counts, "today": today}


def _plan_page(request: HttpRequest, case: Case, **bound: Any) -> HttpResponse:
    user: Any = request.user
    plan = policy.visible(user, Plan).filter(case=case).first()
    editor = may_edit_plan(user, case) and case.is_open
    version = plan.version if plan else 1
    goals = list(policy.visible(user, Goal).filter(plan__case=case)) if plan else []
    log.record(
        actor=user,
        house=case.house,
        name="plan.read",
        operation=Operation.READ,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
    )
    return render(
        request,
        "plans/plan.html",
        {
            "house": case.house,
            "case": case,
            "plan": plan,
            "goals": goals,
            "editor": editor,
            "goal_form": bound.get("goal_form") or GoalForm(initial={"version": version}),
            "status_form": GoalStatusForm(initial={"version": version}),
            "status_error": bound.get("status_error"),
            "action_form": (
                bound.get("action_form") or ActionForm(choices=lifecycle_choices(user, case))
            )
            if editor
            else None,
            "pending_requests": policy.visible(user, ActionRequest)
            .filter(action__case=case, status=RequestStatus.PENDING)
            .select_related("action", "organisation"),
            "revisions": policy.visible(user, PlanRevision)
            .filter(plan__case=case)
            .select_related("actor")[:50],
            **case_plan_context(user, case),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def plan_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _plan_page(request, access_case(request.user, pk, house_slug=slug))


@login_required
@require_POST
def plan_add_goal(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, house_slug=slug)
    if not may_edit_plan(request.user, case):
        raise Http404
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_goal(case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The goal has been added to the plan."))
            return redirect("plans:plan", slug=slug, pk=pk)
    return _plan_page(request, case, goal_form=form)


@login_required
@require_POST
def plan_goal_status(request: HttpRequest, slug: str, pk: int, goal: int) -> HttpResponse:
    case = access_case(request.user, pk, house_slug=slug)
    target = policy.visible(request.user, Goal).filter(pk=goal, plan__case=case).first()
    if target is None or not may_edit_plan(request.user, case):
        raise Http404
    form = GoalStatusForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_goal_status(target, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            return _plan_page(request, case, status_error=" ".join(error.messages))
        messages.success(request, _("The goal has been updated."))
        return redirect("plans:plan", slug=slug, pk=pk)
    return _plan_page(request, case, status_error=_("Choose a status."))


@login_required
def plan_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, house_slug=slug)
    user: Any = request.user
    context = case_plan_context(user, case)
    goals = policy.visible(user, Goal).filter(plan__case=case)
    log.record(
        actor=user,
        house=case.house,
        name="plan.pdf",
        operation=Operation.READ,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
    )
    sections = [
        goals_section(goals),
        actions_section(context["plan_actions"], empty_text=_("No actions have been agreed yet.")),
        progress_section(context["action_counts"]),
    ]
    body = pdf.document(
        _("Plan of case %(ref)s") % {"ref": case.reference},
        timezone.localtime().strftime("%d-%m-%Y %H:%M"),
        sections,
        author="Casusregie",
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="plan-{case.reference}.pdf"'
    return response


@login_required
def case_file_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The case file as PDF, holding what this user may see (plans/casefile.py)."""
    case = access_case(request.user, pk, house_slug=slug)
    response = HttpResponse(case_file(request.user, case), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dossier-{case.reference}.pdf"'
    return response


# --- Stalled plans (decision 0052) -----------------------------------------------------------


def describe_stall(reasons: list[dict[str, Any]]) -> list[str]:
    """The stored reasons as sentences."""
    lines: list[str] = []
    for reason in reasons:
        code = reason.get("code")
        if code == "no_feedback":
            since = reason.get("since")
            lines.append(
                _("No feedback since %(date)s")
                % {"date": datetime.date.fromisoformat(since).strftime("%d-%m-%Y")}
                if since
                else _("No feedback yet")
            )
        elif code == "overdue":
            lines.append(
                ngettext("%(n)s overdue action", "%(n)s overdue actions", reason["count"])
                % {"n": reason["count"]}
            )
        elif code == "owner_left":
            lines.append(
                _("Owner left: %(actions)s")
                % {"actions": ", ".join(f"A{n}" for n in reason.get("actions", []))}
            )
    return lines


def _stalled_page(
    request: HttpRequest, house: Any, *, bound: Any = None, bound_pk: int | None = None
) -> HttpResponse:
    user: Any = request.user
    plans = list(
        policy.visible_in(user, Plan, house)
        .filter(stalled_at__isnull=False, case__phase__in=(Phase.PLAN, Phase.EXECUTION))
        .select_related("case")
        .order_by("stalled_at", "pk")
    )
    for plan in plans:
        plan.reason_lines = describe_stall(plan.stall_reasons)
        plan.form = (
            bound
            if bound is not None and plan.pk == bound_pk
            else StallDecisionForm(prefix=f"p{plan.pk}")
        )
    record_case_list(user, house, [p.case_id for p in plans], "plan.stalled.list")
    return render(
        request,
        "plans/stalled.html",
        {"house": house, "plans": plans, "weeks": house.plan_stall_weeks},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def stalled_list(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    if not may_see_stalled(request.user, house):
        raise Http404
    return _stalled_page(request, house)


@login_required
@require_POST
def stalled_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    if not may_see_stalled(request.user, house):
        raise Http404
    plan = (
        policy.visible_in(request.user, Plan, house)
        .filter(case_id=pk, stalled_at__isnull=False)
        .first()
    )
    if plan is None:
        raise Http404
    form = StallDecisionForm(request.POST, prefix=f"p{plan.pk}")
    if form.is_valid():
        try:
            actions.do_decide_stall(plan, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your decision has been recorded."))
            return redirect("plans:stalled", slug=slug)
    return _stalled_page(request, house, bound=form, bound_pk=plan.pk)
