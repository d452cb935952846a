"""Partner organisations, people and house settings, managed by functional administrators.

Every member of a house can see its partner list and its people (the directory they need to
invite and address partners); only a functional administrator can change them. Objects are
fetched through the access policy: another house's objects answer "not found".
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.accounts import actions as account_actions
from casusregie.accounts.models import RoleGrant
from casusregie.accounts.roles import Role
from casusregie.cases.actions import record_case_list
from casusregie.outbox.selectors import failed_mail_for_house
from casusregie.privacy import policy
from casusregie.web.forms import apply_errors

from . import access, actions, handover
from .forms import (
    EndMembershipForm,
    EndStandInForm,
    HandoverForm,
    HouseSettingsForm,
    MembershipForm,
    OrganisationForm,
    PersonForm,
    RejectGrantForm,
    StandInForm,
)
from .models import House

ADMIN = (Role.FUNCTIONAL_ADMIN,)


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], form: Any = None
) -> HttpResponse:
    status = 400 if form is not None and request.method == "POST" and form.errors else 200
    return render(request, template, context, status=status)


@login_required
def organisations(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    partnerships = policy.partnerships_visible_to(request.user, house).order_by(
        "ring", "organisation__name"
    )
    return render(
        request,
        "houses/organisations.html",
        {
            "house": house,
            "partnerships": partnerships,
            "is_admin": policy.has_role(request.user, house, *ADMIN),
        },
    )


@login_required
def organisation_add(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partnership = actions.do_add_organisation(
                house, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s has been added as a partner.") % {"name": partnership.organisation},
            )
            return redirect("houses:organisations", slug=house.slug)
    return _render(
        request,
        "houses/organisation_form.html",
        {"house": house, "form": form, "adding": True},
        form,
    )


@login_required
def organisation_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    partnership = (
        policy.partnerships_visible_to(request.user, house).filter(organisation_id=pk).first()
    )
    if partnership is None:
        raise Http404
    organisation = partnership.organisation
    initial = {
        "name": organisation.name,
        "kind": organisation.kind,
        "ring": partnership.ring,
        "covenant_signatory": partnership.covenant_signatory,
        "expertise": organisation.expertise,
        "email": organisation.email,
        "phone": organisation.phone,
        "address": organisation.address,
    }
    form = OrganisationForm(request.POST or None, initial=initial, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_partnership(
                partnership, changes=dict(form.cleaned_data), actor=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("houses:organisations", slug=house.slug)
    return _render(
        request,
        "houses/organisation_form.html",
        {"house": house, "form": form, "adding": False, "organisation": organisation},
        form,
    )


@login_required
def people(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    grouped: OrderedDict[int, dict[str, Any]] = OrderedDict()
    for membership in policy.memberships_visible_to(request.user, house).order_by(
        "user__full_name", "organisation__name", "role"
    ):
        entry = grouped.setdefault(membership.user_id, {"user": membership.user, "memberships": []})
        entry["memberships"].append(membership)
    return render(
        request,
        "houses/people.html",
        {
            "house": house,
            "people": list(grouped.values()),
            "is_admin": policy.has_role(request.user, house, *ADMIN),
            **_pending_grants(request, house),
        },
    )


def _pending_grants(request: HttpRequest, house: House, **filters: Any) -> dict[str, Any]:
    """The pending role grants and whether this user may approve each, for those who decide."""
    if not access.may_decide_grants(request.user, house):
        return {"may_decide": False, "pending_grants": []}
    grants = list(access.pending_grants_visible_to(request.user, house).filter(**filters))
    return {
        "may_decide": True,
        "pending_grants": [
            {"grant": grant, "may_approve": access.may_approve(request.user, grant)}
            for grant in grants
        ],
    }


def _granted_message(request: HttpRequest, granted: Any) -> None:
    if isinstance(granted, RoleGrant):
        messages.success(
            request,
            _(
                "The role has been requested. It takes effect when another functional "
                "administrator or the house manager approves it."
            ),
        )
    else:
        messages.success(request, _("The role has been added."))


@login_required
def person_add(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    form = PersonForm(request.POST or None, house=house)
    if request.method == "POST" and form.is_valid():
        try:
            user, granted, created = actions.do_add_person(
                house, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if isinstance(granted, RoleGrant):
                # The person may hold no role in this house yet: back to the list, where the
                # request waits for its approval.
                if created:
                    messages.success(
                        request,
                        _(
                            "%(name)s has been added. When another functional administrator or "
                            "the house manager approves the role, it takes effect and %(name)s "
                            "receives an e-mail to choose a password."
                        )
                        % {"name": user},
                    )
                else:
                    _granted_message(request, granted)
                return redirect("houses:people", slug=house.slug)
            if created:
                messages.success(
                    request,
                    _("%(name)s has been added and will receive an e-mail to choose a password.")
                    % {"name": user},
                )
            else:
                messages.success(
                    request,
                    _("%(name)s already had an account; the role has been added to it.")
                    % {"name": user},
                )
            return redirect("houses:person", slug=house.slug, pk=user.pk)
    return _render(request, "houses/person_add.html", {"house": house, "form": form}, form)


def _person(request: HttpRequest, house: House, pk: int) -> Any:
    person = policy.users_visible_to(request.user, house).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


@login_required
def person(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    person = _person(request, house, pk)
    is_admin = policy.has_role(request.user, house, *ADMIN)
    form = MembershipForm(request.POST or None, house=house)
    if request.method == "POST":
        if not is_admin:
            raise Http404
        if form.is_valid():
            try:
                granted = actions.do_grant_role(
                    person,
                    house,
                    form.cleaned_data["organisation"],
                    form.cleaned_data["role"],
                    actor=request.user,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                _granted_message(request, granted)
                return redirect("houses:person", slug=house.slug, pk=person.pk)
    memberships = (
        policy.memberships_visible_to(request.user, house)
        .filter(user=person)
        .order_by("organisation__name", "role")
    )
    return _render(
        request,
        "houses/person.html",
        {
            "house": house,
            "person": person,
            "memberships": memberships,
            "form": form,
            "is_admin": is_admin,
            "end_form": EndMembershipForm(),
            "may_hand_over": access.may_hand_over(request.user, house),
            "may_see_stand_ins": access.may_see_stand_ins(request.user, house, person),
            **_pending_grants(request, house, user=person),
        },
        form,
    )


@require_POST
@login_required
def membership_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    membership = policy.memberships_visible_to(request.user, house).filter(pk=pk).first()
    if membership is None:
        raise Http404
    form = EndMembershipForm(request.POST)
    if form.is_valid():
        try:
            actions.do_end_membership(
                membership, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The role has been ended."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("houses:person", slug=house.slug, pk=membership.user_id)


@require_POST
@login_required
def grant_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    grant = access.access_grant(request.user, house, pk)
    try:
        actions.do_approve_role_grant(grant, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s now holds the role “%(role)s”.")
            % {"name": grant.user, "role": grant.get_role_display()},
        )
    return redirect("houses:people", slug=house.slug)


@require_POST
@login_required
def grant_reject(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    grant = access.access_grant(request.user, house, pk)
    form = RejectGrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("houses:people", slug=house.slug)
    try:
        actions.do_reject_role_grant(grant, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The request has been rejected; no role was given."))
    return redirect("houses:people", slug=house.slug)


@login_required
def house_settings(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ADMIN)
    form = HouseSettingsForm(request.POST or None, instance=house)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_house_settings(
                house, changes=dict(form.cleaned_data), actor=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The house settings have been saved."))
            return redirect("houses:settings", slug=house.slug)
    # Mail to the house's people that could not be delivered (decision 0032).
    failed_mail = failed_mail_for_house(house)
    return _render(
        request,
        "houses/settings.html",
        {"house": house, "form": form, "failed_mail": failed_mail},
        form,
    )


# --- Handover and stand-ins (decision 0046) -------------------------------------------------


@login_required
def person_handover(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """What a person holds, and who takes it over: for process directors and functional
    administrators. Case titles show only to those who may read the cases (process
    directors); the functional administrator sees numbers."""
    house = policy.access_house(request.user, slug)
    person = access.person_for_handover(request.user, house, pk)
    held = handover.holdings(house, person)
    detailed = policy.has_role(request.user, house, *policy.STAFF_ROLES)
    form = HandoverForm(
        request.POST or None,
        holdings=held,
        candidates=access.handover_candidates(house, person),
        detailed=detailed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = actions.do_handover(house, person, actor=request.user, **form.choices())
        except ValidationError as error:
            apply_errors(form, _field_errors(error, held, detailed))
        else:
            messages.success(
                request, _("Handed over: %(done)s.") % {"done": done.summary(numbers=detailed)}
            )
            return redirect("houses:person_handover", slug=house.slug, pk=person.pk)
    if detailed and held:
        record_case_list(request.user, house, held.case_ids(), name="handover.list")
    return _render(
        request,
        "houses/handover.html",
        {
            "house": house,
            "person": person,
            "held": held,
            "counts": held.by_organisation(),
            "form": form,
            "detailed": detailed,
        },
        form,
    )


def _field_errors(error: ValidationError, held: Any, detailed: bool) -> ValidationError:
    """The action names the case or action an error is about (`case_12`); without fields per
    item (the functional administrator's form) it goes to its organisation's field."""
    if detailed or not hasattr(error, "error_dict"):
        return error
    organisation_of = {
        f"case_{c.pk}": f"case_director_org_{c.case_director_organisation_id}"
        for c in held.director_cases
    }
    organisation_of |= {
        f"action_{a.pk}": f"owner_org_{a.owner_organisation_id}" for a in held.actions
    }
    moved: dict[str, list[Any]] = {}
    for field, errors in error.error_dict.items():
        target = organisation_of.get(field, field)
        for item in errors:
            for message in item.messages:
                if message not in moved.setdefault(target, []):
                    moved[target].append(message)
    return ValidationError(moved)


@login_required
def person_stand_ins(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A person's stand-ins during absence, and for whom they stand in: for the person
    themselves, process directors and functional administrators."""
    house = policy.access_house(request.user, slug)
    person = _person(request, house, pk)
    if not access.may_see_stand_ins(request.user, house, person):
        raise Http404
    form = StandInForm(request.POST or None, candidates=access.stand_in_candidates(house, person))
    if request.method == "POST" and form.is_valid():
        try:
            arrangement = account_actions.do_set_stand_in(
                house, absent=person, actor=request.user, **form.cleaned_data
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s stands in from %(start)s until %(end)s.")
                % {
                    "name": arrangement.stand_in,
                    "start": date_format(arrangement.starts_on, "d-m-Y"),
                    "end": date_format(arrangement.ends_on, "d-m-Y"),
                },
            )
            return redirect("houses:person_stand_ins", slug=house.slug, pk=person.pk)
    return _render(
        request,
        "houses/stand_ins.html",
        {
            "house": house,
            "person": person,
            "form": form,
            "may_arrange": account_actions.may_arrange_stand_in(request.user, house, person),
            "stand_ins": list(access.stand_ins_for(house, person)),
            "standing_in": list(access.standing_in(house, person)),
            "end_form": EndStandInForm(),
            "today": timezone.localdate(),
        },
        form,
    )


@require_POST
@login_required
def stand_in_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    house = policy.access_house(request.user, slug)
    arrangement = access.access_stand_in(request.user, house, pk)
    form = EndStandInForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            account_actions.do_end_stand_in(
                arrangement, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The stand-in has ended."))
    return redirect("houses:person_stand_ins", slug=house.slug, pk=arrangement.absent_id)
