"""The case journal's pages: the timeline (entries merged with the case's events, filtered and
paged), writing an entry, one entry with its versions, and correcting an entry."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.cases.access import access_case, case_subjects, subject_refs
from casusregie.cases.models import Case, Subject
from casusregie.houses.models import Organisation
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.web.forms import apply_errors

from . import actions
from .access import (
    TimelineFilter,
    access_entry,
    may_correct,
    may_write,
    timeline_items,
    timeline_rows,
    writing_organisations,
)
from .forms import EntryForm, TimelineFilterForm
from .models import Audience, JournalEntry

PAGE_SIZE = 25


def _participants(case: Case) -> Any:
    return Organisation.objects.filter(
        participations__case=case, participations__ended_at__isnull=True
    ).order_by("name")


def _log_read(request: HttpRequest, case: Case, people: list[Subject], name: str, obj: Any) -> None:
    """The timeline and an entry show information about the people of the case."""
    log.record(
        actor=request.user,
        house=case.house,
        name=name,
        operation=Operation.READ,
        obj=obj,
        case_id=case.pk,
        subjects=subject_refs(people) or [log.SubjectRef(f"case-{case.pk}", "area")],
    )


@login_required
def timeline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, house_slug=slug)
    user: Any = request.user
    form = TimelineFilterForm(request.GET or None, organisations=_participants(case))
    found = TimelineFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        found = TimelineFilter(
            kind=data.get("kind") or "",
            organisation=data["organisation"].pk if data.get("organisation") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
    rows = timeline_rows(user, case, found)
    source: Any = rows if rows is not None else []
    page: Any = Paginator(source, PAGE_SIZE).get_page(request.GET.get("pagina"))
    items = timeline_items(user, case, list(page.object_list))
    people = case_subjects(case)
    _log_read(request, case, people, "journal.read", case)
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "journal/timeline.html",
        {
            "house": case.house,
            "case": case,
            "form": form,
            "page": page,
            "items": items,
            "query": query.urlencode(),
            "may_write": may_write(user, case),
            "filtered": any((found.kind, found.organisation, found.date_from, found.date_to)),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _entry_form(
    request: HttpRequest, case: Case, *, correcting: JournalEntry | None = None
) -> EntryForm:
    subjects = Subject.objects.filter(case_links__case=case).order_by("last_name", "first_name")
    initial: dict[str, Any] = {
        "audience": Audience.ALL_PARTICIPANTS,
        "occurred_on": timezone.localdate(),
    }
    if correcting is not None:
        initial = {
            "kind": correcting.kind,
            "occurred_on": correcting.occurred_on,
            "subject": correcting.subject_id,
            "text": correcting.text,
            "advice_only": correcting.advice_only,
            "audience": correcting.audience,
            "organisations": list(correcting.audience_organisations.all()),
            "purpose": correcting.purpose,
            "categories": correcting.data_categories,
        }
    writing_for = None
    if correcting is None:
        writing_for = Organisation.objects.filter(
            pk__in=[o.pk for o in writing_organisations(request.user, case)]
        ).order_by("name")
    return EntryForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        subjects=subjects,
        organisations=_participants(case),
        writing_for=writing_for,
        correcting=correcting is not None,
    )


def _form_page(
    request: HttpRequest, case: Case, form: EntryForm, entry: JournalEntry | None = None
) -> HttpResponse:
    # The form shows the case's title and its people to choose from.
    _log_read(request, case, case_subjects(case), "journal.form.read", entry or case)
    return render(
        request,
        "journal/entry_form.html",
        {"house": case.house, "case": case, "form": form, "entry": entry},
        status=400 if request.method == "POST" and form.errors else 200,
    )


def _entry_data(form: EntryForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "text": data["text"],
        "occurred_on": data["occurred_on"],
        "purpose": data["purpose"],
        "audience": data["audience"],
        "organisations": list(data["organisations"]),
        "subject": data.get("subject"),
        "advice_only": data["advice_only"],
        "categories": data["categories"],
    }


@login_required
def entry_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    case = access_case(request.user, pk, house_slug=slug)
    if not may_write(request.user, case):
        raise Http404
    form = _entry_form(request, case)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_write_entry(
                case,
                **_entry_data(form),
                organisation=form.cleaned_data.get("organisation"),
                actor=request.user,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your entry has been added to the journal."))
            return redirect("journal:timeline", slug=slug, pk=case.pk)
    return _form_page(request, case, form)


def _case_entry(request: HttpRequest, slug: str, pk: int, entry: int) -> tuple[Case, JournalEntry]:
    case = access_case(request.user, pk, house_slug=slug)
    found = access_entry(request.user, slug, entry)
    if found.case_id != case.pk:
        raise Http404
    return case, found


@login_required
def entry_detail(request: HttpRequest, slug: str, pk: int, entry: int) -> HttpResponse:
    case, found = _case_entry(request, slug, pk, entry)
    # Every version of this entry the user may read, newest first.
    root = found.original_id or found.pk
    versions = (
        policy.visible(request.user, JournalEntry)
        .filter(Q(pk=root) | Q(original_id=root), case=case)
        .select_related("organisation", "author", "subject")
        .prefetch_related("audience_organisations")
        .order_by("-created_at", "-pk")
    )
    people = [found.subject] if found.subject else case_subjects(case)
    _log_read(request, case, people, "journal.entry.read", found)
    return render(
        request,
        "journal/entry_detail.html",
        {
            "house": case.house,
            "case": case,
            "entry": found,
            "versions": list(versions),
            "may_correct": may_correct(request.user, found),
        },
    )


@login_required
def entry_correct(request: HttpRequest, slug: str, pk: int, entry: int) -> HttpResponse:
    case, found = _case_entry(request, slug, pk, entry)
    if not may_correct(request.user, found):
        raise Http404
    form = _entry_form(request, case, correcting=found)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_correct_entry(
                found, reason=form.cleaned_data["reason"], **_entry_data(form), actor=request.user
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("The entry has been corrected; the earlier version is kept.")
            )
            return redirect("journal:timeline", slug=slug, pk=case.pk)
    return _form_page(request, case, form, found)
