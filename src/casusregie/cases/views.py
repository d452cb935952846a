"""Case pages: the list with search, the case page with both directors on top, and one page
per action (transition, directors, participants, assessment, closure)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.roles import Role
from casusregie.aftercare import work as aftercare_work
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House
from casusregie.plans.views import case_plan_context
from casusregie.privacy import log, lookups, policy, rights
from casusregie.privacy.models import Operation
from casusregie.referrals.models import KnownToQuery, Referral, ReferralConcern
from casusregie.web import exports
from casusregie.web.forms import apply_errors

from . import actions
from .access import access_case, house_municipalities, may_correct, subject_refs
from .bsn import bsn_search_digits, searched_bsn
from .forms import (
    AssessmentForm,
    CaseDetailsForm,
    CaseFilterForm,
    CloseForm,
    DirectorsForm,
    EndParticipationForm,
    FamilyMemberForm,
    ParticipationForm,
    PersonForm,
    ReasonForm,
    RelationForm,
    TransitionForm,
)
from .models import (
    Assessment,
    AssessmentMoment,
    Case,
    CaseSubject,
    Participation,
    Subject,
)
from .phases import TRANSITIONS, Phase

PAGE_SIZE = 50
_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


def search_cases(cases: QuerySet[Case], house: House, text: str) -> QuerySet[Case]:
    """By BSN (keyed hash, never decrypting), by date of birth (dd-mm-yyyy), else by name."""
    text = text.strip()
    links = CaseSubject.objects.filter(case=OuterRef("pk"))
    match = _DATE.match(text)
    if match:  # before the BSN test: 17-05-1980 also has eight digits
        day, month, year = (int(g) for g in match.groups())
        try:
            born = datetime.date(year, month, day)
        except ValueError:
            return cases.none()
        return cases.filter(Exists(links.filter(subject__date_of_birth=born)))
    if bsn_search_digits(text):
        bsn = searched_bsn(text)
        if not bsn:
            return cases.none()
        return cases.filter(Exists(links.filter(subject__bsn_hash=actions.bsn_lookup_hash(bsn))))
    words = text.lower().split()
    name_filter = Q()
    for word in words:
        name_filter &= Q(subject__search_name__contains=word)
    return cases.filter(Q(title__icontains=text) | Exists(links.filter(name_filter)))


def _export_cases(request: HttpRequest, house: House, cases: Any, fmt: str) -> HttpResponse:
    """The filtered list as a download (at most MAX_ROWS); every case in it is logged as on
    the page, because the titles name the main person."""
    rows = list(cases[: exports.MAX_ROWS])
    actions.record_case_list(request.user, house, [c.pk for c in rows])
    return exports.table_response(
        fmt,
        "casussen",
        [
            _("Case number"),
            _("Title"),
            _("Phase"),
            _("Urgency"),
            _("Process director"),
            _("Case director"),
            _("Case director's organisation"),
            _("Opened"),
        ],
        [
            [
                c.reference,
                c.title,
                c.get_phase_display(),
                c.get_urgency_display(),
                str(c.process_director or ""),
                str(c.case_director or ""),
                str(c.case_director_organisation or ""),
                c.created_at,
            ]
            for c in rows
        ],
    )


@login_required
def case_list(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    form = CaseFilterForm(request.GET or None, house=house)
    refused: lookups.LookUpRefused | None = None
    cases = (
        policy.visible_in(request.user, Case, house)
        .select_related("process_director", "case_director", "case_director_organisation")
        .order_by("-id")
    )
    if form.is_valid():
        data = form.cleaned_data
        phase = data.get("phase")
        if phase == "all":
            pass
        elif phase:
            cases = cases.filter(phase=phase)
        else:
            cases = cases.exclude(phase=Phase.CLOSED)
        if data.get("urgency"):
            cases = cases.filter(urgency=data["urgency"])
        if data.get("process_director"):
            cases = cases.filter(process_director=data["process_director"])
        if data.get("organisation"):
            cases = cases.filter(
                Exists(
                    Participation.objects.filter(
                        case=OuterRef("pk"),
                        organisation=data["organisation"],
                        ended_at__isnull=True,
                    )
                )
            )
        if data.get("domain"):
            cases = cases.filter(
                Exists(
                    ReferralConcern.objects.filter(
                        referral__case=OuterRef("pk"), domain=data["domain"]
                    )
                )
            )
        if data.get("older_than") is not None:
            cutoff = timezone.now() - datetime.timedelta(days=data["older_than"])
            cases = cases.filter(created_at__lt=cutoff)
        if data.get("zonder_casusregisseur"):
            cases = cases.filter(phase__in=Phase.after_meeting(), case_director__isnull=True)
        if data.get("q"):
            try:
                actions.admit_case_search(request.user, house, data["q"])
            except lookups.LookUpRefused as error:
                refused, cases = error, cases.none()
            else:
                cases = search_cases(cases, house, data["q"])
    else:
        cases = cases.exclude(phase=Phase.CLOSED)
    fmt = request.GET.get("formaat", "")
    if fmt in exports.FORMATS and refused is None:
        return _export_cases(request, house, cases, fmt)
    after = request.GET.get("na", "")
    if after.isdigit():
        cases = cases.filter(id__lt=int(after))
    page = list(cases[: PAGE_SIZE + 1])
    actions.record_case_list(request.user, house, [c.pk for c in page[:PAGE_SIZE]])
    query = request.GET.copy()
    query.pop("na", None)
    response = render(
        request,
        "cases/case_list.html",
        {
            "house": house,
            "form": form,
            "cases": page[:PAGE_SIZE],
            "next_after": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
            "query": query.urlencode(),
            "is_staff": policy.has_role(request.user, house, *policy.STAFF_ROLES),
            "refused": refused,
        },
        status=429 if refused is not None else 200,
    )
    if refused is not None:
        response["Retry-After"] = str(refused.wait)
    return response


def _chart(assessments: list[Assessment]) -> dict[str, Any]:
    """Per life domain the first and the latest score, with the geometry of a small bar chart
    (drawn as SVG; the same numbers are in the table next to it)."""
    rows: list[dict[str, Any]] = []
    labels = dict(LifeDomain.choices)
    for domain in LifeDomain.values:
        points = [s.score for a in assessments for s in a.scores.all() if s.domain == domain]
        if not points:
            continue
        y = 8 + len(rows) * 30
        first, last = points[0], points[-1]
        rows.append(
            {
                "domain": labels[domain],
                "first": first,
                "last": last,
                "change": last - first,
                "y": y,
                "text_y": y + 15,
                "last_y": y + 11,
                "first_width": first * 60,
                "last_width": last * 60,
            }
        )
    return {"rows": rows, "height": 16 + len(rows) * 30}


@login_required
def case_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, house_slug=slug)
    house = case.house
    user: Any = request.user
    links = list(case.case_subjects.select_related("subject").order_by("-is_main", "id"))
    is_staff = policy.has_role(user, house, *policy.STAFF_ROLES)
    is_director = policy.has_role(user, house, Role.PROCESS_DIRECTOR)
    assessments = list(case.assessments.prefetch_related("scores").select_related("assessed_by"))
    log.record(
        actor=user,
        house=house,
        name="case.read",
        operation=Operation.READ,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(link.subject for link in links),
    )
    return render(
        request,
        "cases/case_detail.html",
        {
            "house": house,
            "case": case,
            "links": links,
            "participations": case.participations.filter(ended_at__isnull=True)
            .select_related("organisation")
            .order_by("started_at"),
            "referrals": policy.visible(user, Referral)
            .filter(case=case)
            .select_related("referrer_organisation"),
            "known_to": policy.visible(user, KnownToQuery)
            .filter(case=case)
            .select_related("organisation")
            .order_by("organisation__name")
            if is_director
            else None,
            "history": case.phase_changes.select_related("actor"),
            "chart": _chart(assessments),
            "assessments": assessments,
            "transitions": [Phase(p) for p in Phase.values if p in TRANSITIONS[case.phase]],
            "is_staff": is_staff,
            "is_director": is_director,
            "may_correct": may_correct(user, case),
            "relations": case.relations.all().select_related("subject", "other").order_by("id"),
            "warn_no_case_director": case.lacks_case_director,
            "aftercare": aftercare_work.case_section(user, case, timezone.localdate()),
            **case_plan_context(user, case),
        },
    )


def _director_case(request: HttpRequest, slug: str, pk: int) -> Case:
    """The case, for a process director of its house; closed cases cannot change."""
    case = access_case(request.user, pk, house_slug=slug)
    if not policy.has_role(request.user, case.house, Role.PROCESS_DIRECTOR) or not case.is_open:
        raise Http404
    return case


def _form_page(
    request: HttpRequest, template: str, case: Case, form: Any, **extra: Any
) -> HttpResponse:
    status = 400 if request.method == "POST" and form.errors else 200
    # The form pages show the case's title: the main person (issue 22, finding 4).
    actions.record_case_list(request.user, case.house, [case.pk], "case.form.read")
    return render(
        request, template, {"house": case.house, "case": case, "form": form, **extra}, status=status
    )


@login_required
def case_transition(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = _director_case(request, slug, pk)
    form = TransitionForm(request.POST or None, initial={"target": request.GET.get("naar")})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_transition_case(
                case,
                form.cleaned_data["target"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The case is now in phase “%(phase)s”.")
                % {"phase": Phase(form.cleaned_data["target"]).label},
            )
            return redirect("cases:detail", slug=slug, pk=case.pk)
    return _form_page(request, "cases/transition.html", case, form)


@login_required
def case_directors(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = _director_case(request, slug, pk)
    form = DirectorsForm(
        request.POST or None,
        house=case.house,
        initial={
            "process_director": case.process_director_id,
            "case_director": case.case_director_id,
            "case_director_organisation": case.case_director_organisation_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_directors(case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The directors have been saved."))
            return redirect("cases:detail", slug=slug, pk=case.pk)
    return _form_page(request, "cases/directors.html", case, form)


@login_required
def case_add_participant(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The former page to add an organisation: adding is part of the participants page."""
    if request.method == "POST":
        return case_participants(request, slug, pk)
    case = _director_case(request, slug, pk)
    return redirect("cases:participants", slug=slug, pk=case.pk)


@login_required
def case_assess(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = _director_case(request, slug, pk)
    has_intake = case.assessments.filter(moment=AssessmentMoment.INTAKE).exists()
    form = AssessmentForm(
        request.POST or None,
        initial={"moment": AssessmentMoment.REVIEW if has_intake else AssessmentMoment.INTAKE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_assessment(
                case, moment=form.cleaned_data["moment"], scores=form.scores(), actor=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The assessment has been saved."))
            return redirect("cases:detail", slug=slug, pk=case.pk)
    return _form_page(request, "cases/assess.html", case, form)


@login_required
def case_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = _director_case(request, slug, pk)
    form = CloseForm(request.POST or None, skipping=case.phase == Phase.EXECUTION)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_close_case(
                case,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                final_scores=form.scores() or None,
                actor=request.user,
                skip_reason=form.cleaned_data.get("skip_reason", ""),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The case has been closed; the referrer and all participants have been told."),
            )
            return redirect("cases:detail", slug=slug, pk=case.pk)
    return _form_page(request, "cases/close.html", case, form)


# --- Corrections (decision 0044) ------------------------------------------------------------


def _corrector_case(request: HttpRequest, slug: str, pk: int, *, open_only: bool = False) -> Case:
    """The case, for a process director of its house or its case director (decision 0044);
    "not found" for everyone else, as the other case pages answer."""
    case = access_case(request.user, pk, house_slug=slug)
    if not may_correct(request.user, case) or (open_only and not case.is_open):
        raise Http404
    return case


def _people_page(
    request: HttpRequest,
    case: Case,
    *,
    name: str,
    forms: dict[str, Any],
    template: str,
    **extra: Any,
) -> HttpResponse:
    """A correction page shows the case's people: the read is logged per person."""
    links = list(case.case_subjects.select_related("subject").order_by("-is_main", "id"))
    log.record(
        actor=request.user,
        house=case.house,
        name=name,
        operation=Operation.READ,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(link.subject for link in links),
    )
    invalid = request.method == "POST" and any(f.is_bound and f.errors for f in forms.values())
    return render(
        request,
        template,
        {"house": case.house, "case": case, "links": links, **forms, **extra},
        status=400 if invalid else 200,
    )


@login_required
def case_people(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The people of a case and their relations: add a family member, add or remove a
    relation between two persons (each with a reason)."""
    case = _corrector_case(request, slug, pk)
    people = Subject.objects.filter(case_links__case=case).order_by("last_name", "first_name")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    person_form = FamilyMemberForm(request.POST if action == "add_person" else None)
    relation_form = RelationForm(request.POST if action == "add_relation" else None, people=people)
    remove_form = ReasonForm(request.POST if action == "remove_relation" else None, prefix="weg")
    try:
        if action == "add_person" and person_form.is_valid():
            data = person_form.cleaned_data
            actions.do_add_family_member(
                case,
                actions.SubjectData(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    date_of_birth=data["date_of_birth"],
                    bsn=data["bsn"],
                    address=data["address"],
                    relation_to_main=data["relation_to_main"],
                    has_authority=data["has_authority"],
                ),
                reason=data["reason"],
                actor=request.user,
            )
            messages.success(request, _("The person has been added to the case."))
            return redirect("cases:people", slug=slug, pk=case.pk)
        if action == "add_relation" and relation_form.is_valid():
            data = relation_form.cleaned_data
            actions.do_add_relation(
                case,
                data["subject"],
                data["other"],
                kind=data["kind"],
                has_authority=data["has_authority"],
                reason=data["reason"],
                actor=request.user,
            )
            messages.success(request, _("The relation has been recorded."))
            return redirect("cases:people", slug=slug, pk=case.pk)
        if action == "remove_relation":
            relation = case.relations.filter(pk=_int(request.POST.get("relation")) or 0).first()
            if relation is None:
                raise Http404
            if remove_form.is_valid():
                actions.do_remove_relation(
                    case, relation, reason=remove_form.cleaned_data["reason"], actor=request.user
                )
                messages.success(request, _("The relation has been removed."))
                return redirect("cases:people", slug=slug, pk=case.pk)
    except ValidationError as error:
        bound = {"add_person": person_form, "add_relation": relation_form}.get(action, remove_form)
        apply_errors(bound, error)
    relations = list(
        case.relations.all().select_related("subject", "other").order_by("subject__last_name", "id")
    )
    return _people_page(
        request,
        case,
        name="case.people.read",
        template="cases/people.html",
        forms={
            "person_form": person_form,
            "relation_form": relation_form,
            "remove_form": remove_form,
        },
        relations=relations,
        removing=_int(request.POST.get("relation")) if action == "remove_relation" else None,
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _person_of(case: Case, subject_pk: int) -> CaseSubject:
    link = case.case_subjects.select_related("subject").filter(subject_id=subject_pk).first()
    if link is None:
        raise Http404
    return link


@login_required
def case_correct_person(request: HttpRequest, slug: str, pk: int, subject: int) -> HttpResponse:
    """Correct a person's details, with a reason; optionally carrying out a correction request
    of the privacy pages."""
    case = _corrector_case(request, slug, pk)
    link = _person_of(case, subject)
    person = link.subject
    form = PersonForm(
        request.POST or None,
        is_main=link.is_main,
        requests=rights.open_corrections_about(case.house, person),
        initial={
            "first_name": person.first_name,
            "last_name": person.last_name,
            "date_of_birth": person.date_of_birth,
            "address": person.address,
            "relation_to_main": link.relation_to_main,
            "has_authority": link.has_authority,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_correct_subject(
                case,
                person,
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                bsn=form.new_bsn(),
                address=data["address"],
                relation_to_main=data.get("relation_to_main") if not link.is_main else None,
                has_authority=data.get("has_authority") if not link.is_main else None,
                request=data.get("request"),
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The person's details have been corrected."))
            return redirect("cases:people", slug=slug, pk=case.pk)
    return _people_page(
        request,
        case,
        name="case.person.read",
        template="cases/person.html",
        forms={"form": form},
        link=link,
    )


@login_required
def case_remove_person(request: HttpRequest, slug: str, pk: int, subject: int) -> HttpResponse:
    case = _corrector_case(request, slug, pk)
    link = _person_of(case, subject)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_remove_family_member(
                case, link.subject, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The person has been removed from the case."))
            return redirect("cases:people", slug=slug, pk=case.pk)
    return _people_page(
        request,
        case,
        name="case.person.read",
        template="cases/remove_person.html",
        forms={"form": form},
        link=link,
    )


@login_required
def case_details(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A case's title, urgency and where it plays (municipality, neighbourhood, postcode
    area), with a reason."""
    case = _corrector_case(request, slug, pk, open_only=True)
    form = CaseDetailsForm(
        request.POST or None,
        municipalities=house_municipalities(case.house),
        initial={
            "title": case.title,
            "urgency": case.urgency,
            "municipality": case.municipality,
            "neighbourhood": case.neighbourhood,
            "postcode_area": case.postcode_area,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_case_details(case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The case's details have been corrected."))
            return redirect("cases:detail", slug=slug, pk=case.pk)
    return _form_page(request, "cases/details.html", case, form)


# --- Who takes part, and until when (decision 0045) -----------------------------------------


@login_required
def case_participants(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The process director's page of the organisations that take (or took) part: role,
    purpose, since, until; add one here, end one on its own page."""
    case = _director_case(request, slug, pk)
    form = ParticipationForm(request.POST or None, house=case.house)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_participation(case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(org)s now takes part in the case.")
                % {"org": form.cleaned_data["organisation"]},
            )
            return redirect("cases:participants", slug=slug, pk=case.pk)
    participations = list(
        case.participations.select_related("organisation").order_by(
            F("ended_at").desc(nulls_first=True), "started_at", "id"
        )
    )
    return _form_page(
        request,
        "cases/participants.html",
        case,
        form,
        participations=participations,
        case_director_organisation=case.case_director_organisation_id
        if case.case_director_id
        else None,
    )


@login_required
def case_end_participation(
    request: HttpRequest, slug: str, pk: int, organisation: int
) -> HttpResponse:
    case = _director_case(request, slug, pk)
    participation = (
        case.participations.filter(organisation_id=organisation)
        .select_related("organisation")
        .order_by(F("ended_at").desc(nulls_first=True), "-id")
        .first()
    )
    if participation is None:
        raise Http404
    form = EndParticipationForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_end_participation(
                case,
                participation.organisation,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ended_on=form.cleaned_data["ended_on"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(org)s no longer takes part in the case; its people have been told.")
                % {"org": participation.organisation.name},
            )
            return redirect("cases:participants", slug=slug, pk=case.pk)
    return _form_page(
        request, "cases/end_participation.html", case, form, participation=participation
    )
