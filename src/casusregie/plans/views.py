"""The action page with feedback and its review, and the actions block of the case page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.cases.access import access_case, case_subjects, subject_refs
from casusregie.cases.models import Case
from casusregie.plans.access import may_edit_plan, may_review, progress_counts
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.web import pdf
from casusregie.web.forms import apply_errors

from . import actions
from .casefile import actions_section, case_file, goals_section, progress_section
from .forms import FeedbackForm, GoalForm, GoalStatusForm, ReviewForm
from .models import (
    Action,
    ActionStatus,
    Escalation,
    Feedback,
    Goal,
    Plan,
    PlanRevision,
    ReviewStatus,
)


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
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
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
