"""Referral, triage and known-to pages. Every object comes through the access policy."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case as When_
from django.db.models import IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.cases.access import access_case, case_subjects
from casusregie.cases.actions import SubjectData, open_case_for
from casusregie.cases.models import Case, Phase
from casusregie.houses.models import House
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.web.forms import apply_errors

from . import actions
from .access import access_referral, may_decide
from .forms import (
    AcceptForm,
    AnswerKnownToForm,
    AskKnownToForm,
    DeclineForm,
    ForwardForm,
    ReferralForm,
    SubjectFormSet,
    WithdrawForm,
)
from .models import KnownToQuery, Referral, ReferralStatus

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    """The logged-in user (every view here is behind login_required)."""
    return cast(User, request.user)


def _status(request: HttpRequest, *forms: Any) -> int:
    return (
        400 if request.method == "POST" and any(f is not None and f.errors for f in forms) else 200
    )


# --- Filing a referral ------------------------------------------------------------------------


def _referral_data(form: ReferralForm, subjects: Any) -> actions.ReferralData:
    cleaned = form.cleaned_data
    people = [
        SubjectData(
            first_name=f.cleaned_data["first_name"],
            last_name=f.cleaned_data["last_name"],
            date_of_birth=f.cleaned_data.get("date_of_birth"),
            bsn=f.cleaned_data.get("bsn", ""),
            address=f.cleaned_data.get("address", ""),
            relation_to_main=f.cleaned_data.get("relation_to_main", ""),
            has_authority=f.cleaned_data.get("has_authority", False),
        )
        for f in subjects.forms
        if f.is_valid() and f.is_filled()
    ]
    return actions.ReferralData(
        kind=cleaned["kind"],
        variant=cleaned.get("variant") or "regular",
        subjects=people,
        area_description=cleaned.get("area_description", ""),
        concerns=form.concerns(),
        urgency=cleaned["urgency"],
        goal=cleaned.get("goal", ""),
        stuck_statement=cleaned.get("stuck_statement", ""),
        subject_informed=form.informed(),
        not_informed_reason=cleaned.get("not_informed_reason", ""),
        not_informed_explanation=cleaned.get("not_informed_explanation", ""),
        proposed_invitees=list(cleaned.get("proposed_invitees") or []),
    )


def _apply_referral_errors(form: ReferralForm, subjects: Any, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    filled = [f for f in subjects.forms if f.is_valid() and f.is_filled()]
    for key, errors in error.error_dict.items():
        if key.startswith("subject_"):
            _prefix, number, field = key.split("_", 2)
            target = filled[int(number) - 1]
            target.add_error(field if field in target.fields else None, errors)
        elif key == "concerns":
            form.add_error("concern_housing" if "concern_housing" in form.fields else None, errors)
        elif key in form.fields:
            form.add_error(key, errors)
        else:
            form.add_error(None, errors)


def _initial(referral: Referral) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    initial: dict[str, Any] = {
        "organisation": referral.referrer_organisation_id,
        "variant": referral.variant,
        "kind": referral.kind,
        "area_description": referral.area_description,
        "urgency": referral.urgency,
        "goal": referral.goal,
        "stuck_statement": referral.stuck_statement,
        "subject_informed": ""
        if referral.subject_informed is None
        else ("yes" if referral.subject_informed else "no"),
        "not_informed_reason": referral.not_informed_reason,
        "not_informed_explanation": referral.not_informed_explanation,
        "proposed_invitees": list(referral.proposed_invitees.all()),
    }
    for concern in referral.concerns.all():
        initial[f"concern_{concern.domain}"] = concern.description
    people = [
        {
            "first_name": link.subject.first_name,
            "last_name": link.subject.last_name,
            "date_of_birth": link.subject.date_of_birth,
            "bsn": link.subject.bsn,
            "address": link.subject.address,
            "relation_to_main": link.relation_to_main,
            "has_authority": link.has_authority,
        }
        for link in referral.subjects.select_related("subject")
    ]
    return initial, people


def _referral_form_page(
    request: HttpRequest, house: House, referral: Referral | None
) -> HttpResponse:
    organisations = actions.referrer_organisations(_actor(request), house)
    if not organisations:
        return render(request, "referrals/cannot_refer.html", {"house": house}, status=403)
    initial, people = _initial(referral) if referral else ({}, [])
    form = ReferralForm(
        request.POST or None,
        house=house,
        organisations=organisations,
        initial=initial or {"organisation": organisations[0].pk},
    )
    # Initial values only when not bound: a bound extra form equal to its initial value
    # would count as "unchanged" and be skipped as empty.
    subjects = (
        SubjectFormSet(request.POST, prefix="persoon")
        if request.method == "POST"
        else SubjectFormSet(prefix="persoon", initial=people)
    )
    if request.method == "POST":
        form_ok = form.is_valid()
        subjects_ok = subjects.is_valid()
        if form_ok and subjects_ok:
            submit = request.POST.get("action") == "submit"
            try:
                referral = actions.do_save_referral(
                    house,
                    _referral_data(form, subjects),
                    actor=_actor(request),
                    organisation=form.cleaned_data["organisation"],
                    referral=referral,
                    submit=submit,
                )
            except ValidationError as error:
                _apply_referral_errors(form, subjects, error)
            else:
                messages.success(
                    request,
                    _("Referral %(ref)s has been submitted.") % {"ref": referral.reference}
                    if submit
                    else _("Draft saved."),
                )
                return redirect("referrals:detail", slug=house.slug, pk=referral.pk)
    status = 400 if request.method == "POST" else 200
    # Family members stay folded away unless the referral is about a family or has them.
    family_open = len(people) > 1 or (
        form.is_bound and (form.data.get("kind") == "family" or subjects.total_error_count())
    )
    return render(
        request,
        "referrals/referral_form.html",
        {
            "house": house,
            "form": form,
            "subjects": subjects,
            "referral": referral,
            "family_open": family_open,
        },
        status=status,
    )


@login_required
def referral_new(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    return _referral_form_page(request, house, None)


@login_required
def referral_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    referral = access_referral(request.user, house, pk)
    if referral.status != ReferralStatus.DRAFT or referral.referrer_id != request.user.pk:
        raise Http404
    return _referral_form_page(request, house, referral)


# --- Reading ---------------------------------------------------------------------------------


def _log_read(
    request: HttpRequest, house: House, obj: Any, subjects: list[Any], case_id: int | None
) -> None:
    from casusregie.cases.access import subject_refs

    log.record(
        actor=_actor(request),
        house=house,
        name=f"{obj._meta.model_name}.read",
        operation=Operation.READ,
        obj=obj,
        case_id=case_id,
        subjects=subject_refs(subjects)
        or [log.SubjectRef(f"{obj._meta.model_name}-{obj.pk}", "area")],
    )


@login_required
def referral_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    referral = access_referral(request.user, house, pk)
    links = list(referral.subjects.select_related("subject"))
    user: Any = request.user
    is_referrer_org = (
        policy.case_memberships(user)
        .filter(house=house, organisation=referral.referrer_organisation_id)
        .exists()
    )
    can_decide = referral.status == ReferralStatus.SUBMITTED and may_decide(user, referral)
    is_director = policy.has_role(user, house, Role.PROCESS_DIRECTOR)
    _log_read(request, house, referral, [link.subject for link in links], referral.case_id)
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "house": house,
            "referral": referral,
            "links": links,
            "concerns": referral.concerns.all(),
            "invitees": referral.proposed_invitees.all(),
            "can_edit": referral.status == ReferralStatus.DRAFT and referral.referrer_id == user.pk,
            "can_withdraw": referral.status in actions.OPEN_STATUSES and is_referrer_org,
            "can_decide": can_decide,
            "known_to": referral.known_to.select_related("organisation") if is_director else None,
            "withdraw_form": WithdrawForm(),
        },
    )


@login_required
def referral_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The referrals this user may see: their organisation's, or all of the house for staff."""
    house = policy.access_house(request.user, slug)
    referrals = (
        policy.visible(request.user, Referral)
        .filter(house=house)
        .select_related("referrer_organisation", "case")
        .prefetch_related("subjects__subject")
        .order_by("-id")
    )
    status = request.GET.get("status", "")
    if status in ReferralStatus.values:
        referrals = referrals.filter(status=status)
    after = request.GET.get("na", "")
    if after.isdigit():
        referrals = referrals.filter(id__lt=int(after))
    page = list(referrals[: PAGE_SIZE + 1])
    actions.record_referral_list(request.user, house, page[:PAGE_SIZE])
    return render(
        request,
        "referrals/referral_list.html",
        {
            "house": house,
            "referrals": page[:PAGE_SIZE],
            "statuses": ReferralStatus.choices,
            "status": status,
            "next_after": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
        },
    )


@login_required
def triage_queue(request: HttpRequest, slug: str) -> HttpResponse:
    """Submitted referrals awaiting a decision, most urgent and longest waiting first."""
    house = policy.access_house(request.user, slug)
    referrals = (
        policy.visible(request.user, Referral)
        .filter(house=house, status=ReferralStatus.SUBMITTED)
        .select_related("referrer_organisation", "routed_to")
        .prefetch_related("subjects__subject", "concerns")
        .annotate(
            rank=When_(
                When(urgency="crisis", then=Value(0)),
                When(urgency="high", then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "submitted_at", "id")
    )
    page = list(referrals[: PAGE_SIZE + 1])
    actions.record_referral_list(request.user, house, page[:PAGE_SIZE])
    return render(
        request,
        "referrals/triage_queue.html",
        {
            "house": house,
            "referrals": page[:PAGE_SIZE],
            "more": len(page) > PAGE_SIZE,
        },
    )


# --- Triage decisions ------------------------------------------------------------------------


def _decision_referral(request: HttpRequest, slug: str, pk: int) -> tuple[House, Referral]:
    house = policy.access_house(request.user, slug)
    referral = access_referral(request.user, house, pk)
    if referral.status != ReferralStatus.SUBMITTED or not may_decide(_actor(request), referral):
        raise Http404
    return house, referral


def _open_cases_for(user: Any, referral: Referral) -> Any:
    link = referral.subjects.select_related("subject").first()
    case = open_case_for(referral.house, link.subject) if link else None
    cases = policy.visible(user, Case)
    return cases.filter(pk=case.pk) if case else cases.none()


@login_required
def referral_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house, referral = _decision_referral(request, slug, pk)
    directors = (
        User.objects.filter(
            memberships__house=house,
            memberships__role=Role.PROCESS_DIRECTOR,
            memberships__ended_at__isnull=True,
        )
        .distinct()
        .order_by("full_name")
    )
    open_cases = _open_cases_for(request.user, referral)
    form = AcceptForm(request.POST or None, house=house, directors=directors, open_cases=open_cases)
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.do_accept_referral(
                referral,
                actor=_actor(request),
                criteria=form.cleaned_data["criteria"],
                placing_organisation=form.cleaned_data.get("placing_organisation"),
                process_director=form.cleaned_data.get("process_director"),
                add_to_case=form.cleaned_data.get("add_to_case"),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("Referral accepted: case %(ref)s.") % {"ref": case.reference}
            )
            return redirect("cases:detail", slug=house.slug, pk=case.pk)
    return render(
        request,
        "referrals/decide.html",
        {
            "house": house,
            "referral": referral,
            "form": form,
            "decision": "accept",
            "existing": open_cases.first(),
        },
        status=_status(request, form),
    )


@login_required
def referral_decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house, referral = _decision_referral(request, slug, pk)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_decline_referral(
                referral,
                actor=_actor(request),
                reason=form.cleaned_data["reason"],
                criteria=form.cleaned_data["criteria"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Referral declined; the referrer has been told."))
            return redirect("referrals:triage", slug=house.slug)
    return render(
        request,
        "referrals/decide.html",
        {"house": house, "referral": referral, "form": form, "decision": "decline"},
        status=_status(request, form),
    )


@login_required
def referral_forward(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house, referral = _decision_referral(request, slug, pk)
    form = ForwardForm(request.POST or None, house=house)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_forward_referral(
                referral,
                actor=_actor(request),
                organisation=form.cleaned_data["organisation"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Referral forwarded; the referrer has been told."))
            return redirect("referrals:triage", slug=house.slug)
    return render(
        request,
        "referrals/decide.html",
        {"house": house, "referral": referral, "form": form, "decision": "forward"},
        status=_status(request, form),
    )


@require_POST
@login_required
def referral_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    referral = access_referral(request.user, house, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        actions.do_withdraw_referral(
            referral,
            actor=_actor(request),
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The referral has been withdrawn."))
    return redirect("referrals:detail", slug=house.slug, pk=referral.pk)


# --- Known-to queries ------------------------------------------------------------------------


def _ask_page(
    request: HttpRequest, house: House, *, case: Case | None, referral: Referral | None
) -> HttpResponse:
    """Ask partners about the people of a case or of a referral awaiting triage."""
    form = AskKnownToForm(request.POST or None, house=house)
    if request.method == "POST" and form.is_valid():
        try:
            queries = actions.do_ask_known_to(
                house=house,
                organisations=form.cleaned_data["organisations"],
                deadline=form.cleaned_data["deadline"],
                actor=_actor(request),
                case=case,
                referral=referral,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("%(n)s organisations have been asked.") % {"n": len(queries)}
            )
            if case is not None:
                return redirect("cases:detail", slug=house.slug, pk=case.pk)
            assert referral is not None
            return redirect("referrals:detail", slug=house.slug, pk=referral.pk)
    if case is not None:
        subjects = case_subjects(case)
        _log_read(request, house, case, subjects, case.pk)
    else:
        assert referral is not None
        subjects = [link.subject for link in referral.subjects.select_related("subject")]
        _log_read(request, house, referral, subjects, referral.case_id)
    return render(
        request,
        "referrals/known_to_ask.html",
        {"house": house, "case": case, "referral": referral, "form": form, "subjects": subjects},
        status=_status(request, form),
    )


@login_required
def known_to_ask(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=(Role.PROCESS_DIRECTOR,))
    case = access_case(request.user, pk, house_slug=slug)
    if case.phase == Phase.CLOSED:
        raise Http404
    return _ask_page(request, house, case=case, referral=None)


@login_required
def known_to_ask_referral(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=(Role.PROCESS_DIRECTOR,))
    referral = access_referral(request.user, house, pk)
    if referral.status != ReferralStatus.SUBMITTED or not referral.subjects.exists():
        raise Http404
    return _ask_page(request, house, case=None, referral=referral)


@login_required
def known_to_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Process directors: every question and answer. Partners: questions to their
    organisation."""
    house = policy.access_house(request.user, slug)
    queries = (
        policy.visible(request.user, KnownToQuery)
        .filter(house=house)
        .select_related("organisation", "case", "referral", "asked_by")
        .order_by("answer", "deadline", "id")
    )[:200]
    return render(
        request,
        "referrals/known_to_list.html",
        {
            "house": house,
            "queries": queries,
            "today": timezone.localdate(),
            "is_staff": policy.has_role(request.user, house, *policy.STAFF_ROLES),
        },
    )


@login_required
def known_to_answer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    query = (
        policy.visible(request.user, KnownToQuery)
        .filter(house=house, pk=pk)
        .select_related("organisation", "case", "referral")
        .first()
    )
    if query is None:
        raise Http404
    is_asked = policy.works_for(request.user, house, query.organisation)
    form = AnswerKnownToForm(request.POST or None) if is_asked and query.is_open else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                actions.do_answer_known_to(
                    query,
                    actor=_actor(request),
                    answer=form.cleaned_data["answer"],
                    contact_person=form.cleaned_data["contact_person"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("Thank you, your answer has been sent to the process director.")
                )
                return redirect("referrals:known_to_list", slug=house.slug)
    subjects = actions.known_to_subjects(query)
    _log_read(request, house, query, subjects, query.case_id)
    return render(
        request,
        "referrals/known_to_answer.html",
        {"house": house, "query": query, "form": form, "subjects": subjects},
        status=_status(request, form),
    )
