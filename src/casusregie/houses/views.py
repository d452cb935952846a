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
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.accounts.models import RoleGrant
from casusregie.accounts.roles import Role
from casusregie.outbox.selectors import failed_mail_for_house
from casusregie.privacy import policy
from casusregie.web.forms import apply_errors

from . import access, actions
from .forms import (
    EndMembershipForm,
    HouseSettingsForm,
    MembershipForm,
    OrganisationForm,
    PersonForm,
    RejectGrantForm,
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
