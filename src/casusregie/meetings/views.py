"""Case meeting pages: list, planning, the meeting with availability, table mode for the
chair, and each organisation's excerpt of the minutes (page and PDF)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from casusregie.accounts.roles import Role
from casusregie.cases.access import subject_refs_of_cases
from casusregie.cases.actions import record_case_list
from casusregie.cases.models import Case
from casusregie.cases.phases import Phase
from casusregie.houses.models import InviteeChoice, Organisation
from casusregie.plans.actions import do_create_actions
from casusregie.plans.models import Action
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.web import pdf
from casusregie.web.forms import apply_errors

from . import actions
from .access import (
    access_meeting,
    access_placed_case,
    attendance_groups,
    excerpt,
    guest_organisation_ids,
    invitee_choices_of,
    is_director,
    suggested_invitees,
    table_overview,
)
from .forms import (
    ActionGridForm,
    AttendanceForm,
    AvailabilityForm,
    CancelForm,
    ContributionForm,
    DecisionForm,
    GuestForm,
    InviteesForm,
    MeetingForm,
    PickCasesForm,
    PictureForm,
    ScheduleForm,
    TableContributionForm,
    house_people,
    partner_organisations,
)
from .models import AgendaItem, Availability, Contribution, Meeting, MeetingStatus


def _director_meeting(request: HttpRequest, slug: str, pk: int) -> Meeting:
    meeting = access_meeting(request.user, slug, pk)
    if not is_director(request.user, meeting.house_id):
        raise Http404
    return meeting


@login_required
def meeting_list(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    meetings = (
        policy.visible(request.user, Meeting)
        .filter(house=house)
        .select_related("chair")
        .order_by("-id")[:100]
    )
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "house": house,
            "meetings": meetings,
            "is_director": is_director(request.user, house.pk),
        },
    )


INVITEE_HELP: dict[str, Any] = {
    InviteeChoice.REFERRER: _lazy(
        "In this house the referrer proposes whom to invite: ticked are the organisations "
        "taking part and the referrer's proposals."
    ),
    InviteeChoice.PLACING_ORGANISATION: _lazy(
        "In this house the organisation the case is placed with chooses whom to invite: "
        "ticked are the organisations taking part and its choice (until it has chosen, the "
        "referrer's proposals)."
    ),
    InviteeChoice.PROCESS_DIRECTOR: _lazy(
        "Suggested: the organisations taking part and partners with expertise in the cases' "
        "life domains."
    ),
}


@login_required
def meeting_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Planning in two steps: choose the cases (a GET form), then the meeting form starts with
    the invitees the house's setting suggests for them (decision 0050)."""
    house = policy.access_house(request.user, slug, roles=(Role.PROCESS_DIRECTOR,))
    cases = (
        policy.visible(request.user, Case)
        .filter(house=house)
        .exclude(phase=Phase.CLOSED)
        .order_by("-id")
    )
    # The case picker shows every open case's title (its main person).
    record_case_list(request.user, house, list(cases.values_list("pk", flat=True)), "meeting.plan")
    chosen = [int(c) for c in request.GET.getlist("casus") if c.isdigit()]
    if request.method != "POST" and not chosen:
        return render(
            request,
            "meetings/meeting_new.html",
            {"house": house, "pick_form": PickCasesForm(cases=cases)},
        )
    organisations = partner_organisations(house)
    initial: dict[str, Any] = {}
    picked = list(cases.filter(pk__in=chosen)) if chosen else []
    if picked:
        initial["cases"] = picked
        initial["invitees"] = suggested_invitees(house, picked)
        initial["title"] = _("Case meeting")
    form = MeetingForm(
        request.POST or None, initial=initial, cases=cases, organisations=organisations
    )
    form.fields["invitees"].help_text = INVITEE_HELP.get(house.invitee_choice, "")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        optional = set(data["optional"])
        try:
            meeting = actions.do_plan_meeting(
                house,
                title=data["title"],
                cases=list(data["cases"]),
                invitees=[(org, org not in optional) for org in data["invitees"]],
                slots=data["slots"],
                duration_minutes=data["duration_minutes"],
                location=data["location"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The meeting is planned; the invitees have been asked for their availability."),
            )
            return redirect("meetings:detail", slug=slug, pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "meetings/meeting_new.html",
        {
            "house": house,
            "form": form,
            "choices_made": invitee_choices_of(request.user, picked),
            "placing_chooses": house.invitee_choice == InviteeChoice.PLACING_ORGANISATION,
        },
        status=status,
    )


@login_required
def choose_invitees(request: HttpRequest, slug: str, case: int) -> HttpResponse:
    """The placing organisation chooses whom to invite to the meetings about its case
    (house setting `invitee_choice=placing_organisation`)."""
    placed = access_placed_case(request.user, slug, case)
    chosen = invitee_choices_of(request.user, [placed])
    if chosen:
        start = [c.organisation for c in chosen]
    else:
        start = suggested_invitees(placed.house, [placed])
    form = InviteesForm(
        request.POST if request.method == "POST" else None,
        organisations=partner_organisations(placed.house),
        initial={"organisations": start},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_choose_invitees(
                placed, organisations=list(form.cleaned_data["organisations"]), actor=request.user
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("Your choice is saved; the process director plans the meeting with it.")
            )
            return redirect("cases:detail", slug=slug, pk=placed.pk)
    log.record(
        actor=request.user,
        house=placed.house,
        name="case.invitees.read",
        operation=Operation.READ,
        obj=placed,
        case_id=placed.pk,
        subjects=subject_refs_of_cases([placed]),
    )
    return render(
        request,
        "meetings/choose_invitees.html",
        {"house": placed.house, "case": placed, "form": form, "chosen": chosen},
        status=400 if request.method == "POST" else 200,
    )


def _detail(request: HttpRequest, meeting: Meeting, **forms: Any) -> HttpResponse:
    user: Any = request.user
    directs = is_director(user, meeting.house_id)
    invitation = actions.invitation_of(meeting, user)
    slots = list(meeting.slots.all())
    answers = list(
        policy.visible(user, Availability)
        .filter(slot__meeting=meeting)
        .select_related("invitation__organisation")
    )
    invitations = list(
        meeting.invitations.select_related("organisation").order_by("organisation__name")
    )
    grid = [
        {
            "invitation": inv,
            "cells": [
                next((a for a in answers if a.invitation_id == inv.pk and a.slot_id == s.pk), None)
                for s in slots
            ],
        }
        for inv in invitations
    ]
    planning = meeting.status == MeetingStatus.PLANNING
    if invitation is not None and planning and "availability_form" not in forms:
        mine = {a.slot_id: a.answer for a in answers if a.invitation_id == invitation.pk}
        forms["availability_form"] = AvailabilityForm(slots=slots, initial_answers=mine)
    suggestion = actions.suggest_slot(meeting) if directs and planning else None
    if directs and meeting.status in (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED):
        forms.setdefault(
            "schedule_form",
            ScheduleForm(
                slots=[s for s in slots if s.starts_at > timezone.now()],
                initial={"slot": suggestion.pk if suggestion else None, "version": meeting.version},
            ),
        )
    items = list(policy.visible(user, AgendaItem).filter(meeting=meeting).select_related("case"))
    contributions = list(
        policy.visible(user, Contribution)
        .filter(agenda_item__in=items)
        .select_related("organisation", "author")
    )
    _log_read(request, meeting, items)
    open_for_input = meeting.status not in (MeetingStatus.CANCELLED, MeetingStatus.HELD)
    my_orgs = set(
        policy.case_memberships(user)
        .filter(house=meeting.house_id)
        .values_list("organisation", flat=True)
    )
    agenda = []
    for item in items:
        participants = Organisation.objects.filter(
            participations__case=item.case, participations__ended_at__isnull=True
        ).order_by("name")
        can_contribute = open_for_input and any(p.pk in my_orgs for p in participants)
        form = forms.get(f"contribution_{item.pk}") or ContributionForm(
            organisations=participants, initial={"audience": "all"}
        )
        agenda.append(
            {
                "item": item,
                "contributions": [c for c in contributions if c.agenda_item_id == item.pk],
                "form": form if can_contribute else None,
            }
        )
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "house": meeting.house,
            "meeting": meeting,
            "items": items,
            "agenda": agenda,
            "slots": slots,
            "grid": grid,
            "invitation": invitation,
            "is_director": directs,
            "suggestion": suggestion,
            **forms,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _detail(request, access_meeting(request.user, slug, pk))


@login_required
@require_POST
def meeting_availability(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, slug, pk)
    form = AvailabilityForm(request.POST, slots=list(meeting.slots.all()), initial_answers={})
    if form.is_valid():
        try:
            actions.do_answer_availability(meeting, answers=form.answers(), actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your availability has been saved."))
            return redirect("meetings:detail", slug=slug, pk=pk)
    return _detail(request, meeting, availability_form=form)


@login_required
@require_POST
def meeting_schedule(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _director_meeting(request, slug, pk)
    form = ScheduleForm(request.POST, slots=list(meeting.slots.all()))
    if form.is_valid():
        slot = meeting.slots.filter(pk=form.cleaned_data["slot"]).first()
        try:
            if slot is None:
                raise ValidationError({"slot": [_("Choose one of the proposed time slots.")]})
            actions.do_schedule_meeting(
                meeting, slot, actor=request.user, version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The meeting is scheduled; the invitations with a calendar item have been sent."),
            )
            return redirect("meetings:detail", slug=slug, pk=pk)
    return _detail(request, meeting, schedule_form=form)


@login_required
def meeting_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _director_meeting(request, slug, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_cancel_meeting(
                meeting, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The meeting has been cancelled and the invitees told."))
            return redirect("meetings:detail", slug=slug, pk=pk)
    return render(
        request,
        "meetings/meeting_cancel.html",
        {"house": meeting.house, "meeting": meeting, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Table mode -------------------------------------------------------------------------------


def _table_page(request: HttpRequest, meeting: Meeting, **bound: Any) -> HttpResponse:
    house = meeting.house
    people = house_people(house)
    items = list(meeting.agenda.select_related("case").order_by("position"))
    _log_read(request, meeting, items)
    overview = table_overview(request.user, meeting, items)
    version = {"version": meeting.version}
    sections = []
    for item in items:
        organisations = Organisation.objects.filter(
            participations__case=item.case, participations__ended_at__isnull=True
        ).order_by("name")
        sections.append(
            {
                "item": item,
                **overview["per_item"][item.pk],
                "decisions": list(item.decisions.all()),
                "actions": list(
                    policy.visible(request.user, Action)
                    .filter(case=item.case, meeting=meeting)
                    .select_related("owner_organisation", "owner")
                ),
                "picture_form": bound.get(f"picture_{item.pk}")
                or PictureForm(
                    auto_id=_ids(item, "beeld"),
                    initial={
                        "shared_picture": item.shared_picture,
                        "scenarios": item.scenarios,
                        **version,
                    },
                ),
                "contribution_form": bound.get(f"contribution_{item.pk}")
                or TableContributionForm(
                    organisations=organisations,
                    auto_id=_ids(item, "inbreng"),
                    initial={"audience": "all", **version},
                ),
                "decision_form": bound.get(f"decision_{item.pk}")
                or DecisionForm(people=people, initial=version),
                "action_form": bound.get(f"actions_{item.pk}")
                or ActionGridForm(organisations=organisations, people=people, initial=version),
            }
        )
    return render(
        request,
        "meetings/table.html",
        {
            "house": house,
            "meeting": meeting,
            "sections": sections,
            "attendance": overview["attendance"],
            "absent": overview["absent"],
            "attendance_form": bound.get("attendance")
            or AttendanceForm(people=people, initial=version),
            "attendance_groups": attendance_groups(house),
            "guest_form": bound.get("guest")
            or GuestForm(
                organisations=_guest_organisations(meeting), auto_id="gast-%s", initial=version
            ),
            "earlier": earlier_representatives(request.user, meeting),
        },
        status=400 if request.method == "POST" else 200,
    )


def _ids(item: AgendaItem, form: str) -> str:
    """Field ids unique on the table page, where every agenda item has the same forms."""
    return f"{form}-{item.pk}-%s"


def _guest_organisations(meeting: Meeting) -> Any:
    return Organisation.objects.filter(pk__in=guest_organisation_ids(meeting)).order_by("name")


def earlier_representatives(user: Any, meeting: Meeting) -> list[Any]:
    """Who represented each organisation at earlier meetings about these cases."""
    from .models import Attendance

    return list(
        policy.visible(user, Attendance)
        .filter(
            meeting__agenda__case__in=meeting.agenda.values("case"), meeting__held_at__isnull=False
        )
        .exclude(meeting=meeting)
        .select_related("organisation", "meeting")
        .distinct()
        .order_by("organisation__name", "-meeting__held_at")[:50]
    )


@login_required
def table_mode(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _table_page(request, _director_meeting(request, slug, pk))


def _table_error(error: ValidationError, form: Any) -> None:
    apply_errors(form, error)


@login_required
@require_POST
def table_attendance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _director_meeting(request, slug, pk)
    form = AttendanceForm(request.POST, people=house_people(meeting.house))
    if form.is_valid():
        try:
            actions.do_register_attendance(
                meeting,
                people=list(form.cleaned_data["people"]),
                actor=request.user,
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            _table_error(error, form)
        else:
            return redirect("meetings:table", slug=slug, pk=pk)
    return _table_page(request, meeting, attendance=form)


def _item(meeting: Meeting, item_pk: int) -> AgendaItem:
    item = meeting.agenda.filter(pk=item_pk).select_related("case", "case__house").first()
    if item is None:
        raise Http404
    return item


@login_required
@require_POST
def table_guest(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _director_meeting(request, slug, pk)
    form = GuestForm(request.POST, organisations=_guest_organisations(meeting), auto_id="gast-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_register_guest(
                meeting,
                name=data["name"],
                organisation=data["organisation"],
                role=data["role"],
                actor=request.user,
                version=data["version"],
            )
        except ValidationError as error:
            _table_error(error, form)
        else:
            messages.success(request, _("The guest is registered present."))
            return redirect("meetings:table", slug=slug, pk=pk)
    return _table_page(request, meeting, guest=form)


def _back_to_item(request: HttpRequest, item: AgendaItem) -> HttpResponse:
    return redirect(f"{request.path.rsplit('/', 3)[0]}/#agenda-{item.pk}")


@login_required
@require_POST
def table_picture(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    meeting = _director_meeting(request, slug, pk)
    agenda_item = _item(meeting, item)
    form = PictureForm(request.POST, auto_id=_ids(agenda_item, "beeld"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_write_picture(
                agenda_item,
                shared_picture=data["shared_picture"],
                scenarios=data["scenarios"],
                actor=request.user,
                version=data["version"],
            )
        except ValidationError as error:
            _table_error(error, form)
        else:
            messages.success(request, _("The shared picture and scenarios are saved."))
            return _back_to_item(request, agenda_item)
    return _table_page(request, meeting, **{f"picture_{agenda_item.pk}": form})


@login_required
@require_POST
def table_contribution(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    meeting = _director_meeting(request, slug, pk)
    agenda_item = _item(meeting, item)
    participants = Organisation.objects.filter(
        participations__case=agenda_item.case, participations__ended_at__isnull=True
    ).order_by("name")
    form = TableContributionForm(
        request.POST, organisations=participants, auto_id=_ids(agenda_item, "inbreng")
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_record_contribution_at_table(
                agenda_item,
                organisation=data["organisation"],
                text=data["text"],
                purpose=data["purpose"],
                audience=data["audience"],
                organisations=list(data["organisations"]),
                advice_only=data["advice_only"],
                categories=data["categories"],
                actor=request.user,
                version=data["version"],
            )
        except ValidationError as error:
            _table_error(error, form)
        else:
            messages.success(request, _("What was said is recorded for its audience."))
            return _back_to_item(request, agenda_item)
    return _table_page(request, meeting, **{f"contribution_{agenda_item.pk}": form})


@login_required
@require_POST
def table_decision(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    meeting = _director_meeting(request, slug, pk)
    agenda_item = _item(meeting, item)
    form = DecisionForm(request.POST, people=house_people(meeting.house))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_record_decision(
                agenda_item,
                kind=data["kind"],
                text=data["text"],
                case_director=data["case_director"],
                actor=request.user,
                version=data["version"],
            )
        except ValidationError as error:
            _table_error(error, form)
        else:
            return redirect(f"{request.path.rsplit('/', 3)[0]}/#agenda-{agenda_item.pk}")
    return _table_page(request, meeting, **{f"decision_{agenda_item.pk}": form})


@login_required
@require_POST
def table_actions(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    meeting = _director_meeting(request, slug, pk)
    agenda_item = _item(meeting, item)
    organisations = Organisation.objects.filter(
        participations__case=agenda_item.case, participations__ended_at__isnull=True
    )
    form = ActionGridForm(
        request.POST, organisations=organisations, people=house_people(meeting.house)
    )
    if form.is_valid():
        filled = form.filled()
        try:
            if form.cleaned_data["version"] != meeting.version:
                actions.check_version(meeting, form.cleaned_data["version"])
            if not filled:
                raise ValidationError(_("Enter at least one action."))
            rows = [data for _row, data in filled]
            try:
                do_create_actions(agenda_item.case, rows, actor=request.user, meeting=meeting)
            except ValidationError as error:
                # Row numbers of the filled rows map back to the grid's rows.
                if hasattr(error, "error_dict"):
                    renamed = {}
                    for key, value in error.message_dict.items():
                        parts = key.split("-", 2)
                        if len(parts) == 3 and parts[0] == "row":
                            key = f"row-{filled[int(parts[1]) - 1][0]}-{parts[2]}"
                        renamed[key] = value
                    raise ValidationError(renamed) from None
                raise
            actions.touch_meeting(meeting)
        except ValidationError as error:
            _table_error(error, form)
        else:
            messages.success(request, _("%(count)s action(s) recorded.") % {"count": len(filled)})
            return redirect(f"{request.path.rsplit('/', 3)[0]}/#agenda-{agenda_item.pk}")
    return _table_page(request, meeting, **{f"actions_{agenda_item.pk}": form})


@login_required
@require_POST
def table_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _director_meeting(request, slug, pk)
    try:
        actions.do_close_meeting(meeting, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("meetings:table", slug=slug, pk=pk)
    messages.success(
        request, _("The meeting is closed; each organisation has been told its minutes are ready.")
    )
    return redirect("meetings:detail", slug=slug, pk=pk)


# --- Minutes per organisation -----------------------------------------------------------------


def _excerpt_org(request: HttpRequest, meeting: Meeting) -> tuple[Organisation | None, list[Any]]:
    user: Any = request.user
    invited = list(
        Organisation.objects.filter(meeting_invitations__meeting=meeting).order_by("name")
    )
    if is_director(user, meeting.house_id):
        wanted = request.GET.get("organisatie", "")
        chosen = next((o for o in invited if str(o.pk) == wanted), None)
        return chosen, invited
    mine = (
        policy.case_memberships(user)
        .filter(house=meeting.house_id)
        .values_list("organisation", flat=True)
    )
    own = Organisation.objects.filter(pk__in=list(mine)).first()
    return own, []


def _log_read(
    request: HttpRequest, meeting: Meeting, items: list[AgendaItem], name: str = "meeting.read"
) -> None:
    """A meeting page, its table mode or minutes show the agenda's cases and what one may read
    about them: a read of the people of those cases (issue 22: the page and table mode wrote no
    log line). The minutes are logged even without people (an area case), against the meeting."""
    refs = subject_refs_of_cases(item.case for item in items)
    if refs or name == "meeting.minutes.read":
        log.record(
            actor=request.user,
            house=meeting.house,
            name=name,
            operation=Operation.READ,
            obj=meeting,
            subjects=refs or [log.SubjectRef(f"meeting-{meeting.pk}", "meeting")],
        )


def _log_excerpt(request: HttpRequest, meeting: Meeting, content: dict[str, Any]) -> None:
    items = [entry["item"] for entry in content["items"]]
    _log_read(request, meeting, items, "meeting.minutes.read")


@login_required
def minutes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, slug, pk)
    organisation, choices = _excerpt_org(request, meeting)
    content = excerpt(request.user, meeting, organisation)
    _log_excerpt(request, meeting, content)
    return render(
        request,
        "meetings/minutes.html",
        {
            "house": meeting.house,
            "meeting": meeting,
            "organisation": organisation,
            "choices": choices,
            **content,
        },
    )


def _contribution_line(contribution: Contribution) -> str:
    advice = f", {_('advice only')}" if contribution.advice_only else ""
    kind = contribution.get_kind_display().lower()
    return f"{contribution.organisation.name} ({kind}{advice}): {contribution.text}"


def _picture_lines(item: AgendaItem) -> list[str]:
    """The shared picture and scenarios of a case, as the excerpt's first paragraphs."""
    lines = []
    if item.shared_picture:
        lines.append(f"{_('Shared picture')}: {item.shared_picture}")
    if item.scenarios:
        lines.append(f"{_('Scenarios')}: {item.scenarios}")
    return lines


@login_required
def minutes_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, slug, pk)
    organisation, _choices = _excerpt_org(request, meeting)
    content = excerpt(request.user, meeting, organisation)
    _log_excerpt(request, meeting, content)
    sections = []
    for entry in content["items"]:
        item = entry["item"]
        sections.append(
            pdf.Section(
                _("Case %(ref)s") % {"ref": item.case.reference},
                paragraphs=_picture_lines(item)
                + [f"{d.get_kind_display()}: {d.text}" for d in entry["decisions"]]
                + [_contribution_line(c) for c in entry["contributions"]],
                empty_text=_("No decisions recorded."),
                children=[
                    pdf.Section(
                        _("Our actions"),
                        rows=[[_("Action"), _("Owner"), _("Due date")]]
                        + [
                            [
                                f"A{a.number} {a.title}",
                                a.owner_organisation.name,
                                a.due_date.strftime("%d-%m-%Y"),
                            ]
                            for a in entry["actions"]
                        ],
                        empty_text=_("No actions for your organisation."),
                    ),
                    pdf.Section(
                        _("Actions ours depend on"),
                        rows=[[_("Action"), _("Owner"), _("Due date")]]
                        + [
                            [
                                f"A{a.number} {a.title}",
                                a.owner_organisation.name,
                                a.due_date.strftime("%d-%m-%Y"),
                            ]
                            for a in entry["needed"]
                        ],
                        empty_text="—",
                    ),
                ],
            )
        )
    when = (
        timezone.localtime(meeting.starts_at).strftime("%d-%m-%Y %H:%M")
        if meeting.starts_at
        else ""
    )
    body = pdf.document(
        _("Minutes of case meeting %(ref)s") % {"ref": meeting.reference},
        f"{organisation.name if organisation else _('All organisations')} · {when}",
        sections,
        author="Casusregie",
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="verslag-{meeting.reference}.pdf"'
    return response


@login_required
@require_POST
def meeting_contribution(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    meeting = access_meeting(request.user, slug, pk)
    agenda_item = (
        policy.visible(request.user, AgendaItem)
        .filter(meeting=meeting, pk=item)
        .select_related("case", "meeting__house")
        .first()
    )
    if agenda_item is None:
        raise Http404
    participants = Organisation.objects.filter(
        participations__case=agenda_item.case, participations__ended_at__isnull=True
    )
    form = ContributionForm(request.POST, organisations=participants)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_add_contribution(
                agenda_item,
                text=data["text"],
                purpose=data["purpose"],
                audience=data["audience"],
                organisations=list(data["organisations"]),
                advice_only=data["advice_only"],
                categories=data["categories"],
                actor=request.user,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your contribution has been shared with its audience."))
            return redirect("meetings:detail", slug=slug, pk=pk)
    return _detail(request, meeting, **{f"contribution_{agenda_item.pk}": form})
