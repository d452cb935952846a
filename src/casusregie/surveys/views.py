"""Survey pages: the house's list, composing from a questionnaire, inviting, the report, and
the public answer page behind a personal link (no login)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casusregie.privacy import policy
from casusregie.web.forms import apply_errors

from . import actions
from .forms import AnswerForm, EditItemForm, ItemForm, SurveyForm
from .models import Item, Survey
from .results import survey_results


def _house(request: HttpRequest, slug: str) -> Any:
    return policy.access_house(request.user, slug, roles=actions.COMPOSER_ROLES)


def _survey(request: HttpRequest, slug: str, pk: int) -> Survey:
    survey = (
        policy.visible(request.user, Survey)
        .filter(pk=pk, house__slug=slug)
        .select_related("house")
        .first()
    )
    if survey is None:
        raise Http404
    return survey


@login_required
def survey_list(request: HttpRequest, slug: str) -> HttpResponse:
    house = _house(request, slug)
    form = SurveyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                survey = actions.create_survey(
                    house,
                    actor=request.user,
                    template=data["template"],
                    title=data["title"],
                    groups=data["groups"],
                    min_responses=data["min_responses"],
                    opens_on=data["opens_on"],
                    closes_on=data["closes_on"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The survey has been created."))
                return redirect("surveys:detail", house.slug, survey.pk)
        status = 400
    surveys = policy.visible(request.user, Survey).filter(house=house)
    return render(
        request,
        "surveys/list.html",
        {"house": house, "surveys": surveys, "form": form},
        status=status,
    )


@login_required
def survey_detail(
    request: HttpRequest, slug: str, pk: int, item_form: ItemForm | None = None, status: int = 200
) -> HttpResponse:
    survey = _survey(request, slug, pk)
    invitations = survey.invitations.all()
    return render(
        request,
        "surveys/detail.html",
        {
            "house": survey.house,
            "survey": survey,
            "items": survey.items.all(),
            "invited": invitations.count(),
            "used": invitations.filter(used=True).count(),
            "results": survey_results(survey),
            "item_form": item_form or ItemForm(),
            "may_add": not invitations.exists() and not survey.responses.exists(),
        },
        status=status,
    )


@login_required
@require_POST
def survey_add_item(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    survey = _survey(request, slug, pk)
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            actions.add_item(survey, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The question has been added."))
            return redirect("surveys:detail", survey.house.slug, survey.pk)
    return survey_detail(request, slug, pk, item_form=form, status=400)


def _draft_item(request: HttpRequest, slug: str, pk: int, item: int) -> Item:
    survey = _survey(request, slug, pk)
    return get_object_or_404(Item, pk=item, survey=survey)


@login_required
def survey_edit_item(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    """Change the wording of a question of a draft survey."""
    found = _draft_item(request, slug, pk, item)
    survey = found.survey
    form = EditItemForm(
        request.POST or None, initial={"text": found.text, "section": found.section}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    actions.edit_item(found, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The question has been changed."))
                return redirect("surveys:detail", survey.house.slug, survey.pk)
        status = 400
    context = {"house": survey.house, "survey": survey, "item": found, "form": form}
    return render(request, "surveys/edit_item.html", context, status=status)


@login_required
@require_POST
def survey_remove_item(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    found = _draft_item(request, slug, pk, item)
    survey = found.survey
    try:
        with transaction.atomic():
            actions.remove_item(found, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return survey_detail(request, slug, pk, status=400)
    messages.success(request, _("The question has been removed."))
    return redirect("surveys:detail", survey.house.slug, survey.pk)


@login_required
@require_POST
def survey_invite(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    survey = _survey(request, slug, pk)
    try:
        count = actions.send_invitations(survey, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(count)d personal links have been sent.") % {"count": count})
    return redirect("surveys:detail", survey.house.slug, survey.pk)


@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = actions.find_invitation(token)
    if invitation is None:
        raise Http404
    survey = invitation.survey
    context: dict[str, Any] = {"survey": survey}
    if invitation.used:
        context["closed_message"] = _(
            "This link has already been used to answer. Thank you for taking part."
        )
        return render(
            request, "surveys/answer.html", context, status=409 if request.method == "POST" else 200
        )
    if not actions.is_open(survey):
        context["closed_message"] = _("This survey is not open.")
        return render(request, "surveys/answer.html", context)
    form = AnswerForm(survey, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.submit(token, form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return render(request, "surveys/thanks.html", {"survey": survey})
        context["form"] = form
        return render(request, "surveys/answer.html", context, status=400)
    context["form"] = form
    return render(request, "surveys/answer.html", context)
