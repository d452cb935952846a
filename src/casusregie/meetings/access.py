"""Who may see which meeting and what was shared in it.

- A meeting (its time, slots, invitations, attendance): the house's staff and the members of
  the invited organisations.
- An agenda item and its decisions: the house's staff and the members of organisations that
  take part in that case (decisions are shared with every participant of the case).
- A contribution: the process directors of the house, the author's own organisation, and by
  its audience: every participating organisation, the named organisations, or nobody else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from casusregie.accounts.roles import Role
from casusregie.cases.models import Case, Participation
from casusregie.houses.models import InviteeChoice, Organisation
from casusregie.plans.models import Action
from casusregie.privacy import policy, providers
from casusregie.referrals.models import Referral, ReferralConcern

from .models import (
    AgendaItem,
    Attendance,
    Audience,
    Availability,
    Contribution,
    Decision,
    Invitation,
    Meeting,
    TimeSlot,
)


def _invited(user: Any, meeting_ref: str, house_ref: str) -> Exists:
    return Exists(
        Invitation.objects.filter(
            meeting=OuterRef(meeting_ref),
            organisation__in=policy.case_memberships(user)
            .filter(house=OuterRef(OuterRef(house_ref)))
            .values("organisation"),
        )
    )


def _takes_part(user: Any, case_ref: str, house_ref: str) -> Exists:
    return Exists(
        Participation.objects.filter(
            case=OuterRef(case_ref),
            ended_at__isnull=True,
            organisation__memberships__user=user,
            organisation__memberships__ended_at__isnull=True,
            organisation__memberships__role__in=policy.PARTNER_ROLES,
            organisation__memberships__house=OuterRef(house_ref),
        )
    )


@policy.register(Meeting, staff_see_all="house")
def meeting_predicate(user: Any) -> Q:
    return Q(policy.staff_of(user)) | Q(_invited(user, "pk", "house"))


def _meeting_child(user: Any) -> Q:
    return Q(policy.staff_of(user, "meeting__house")) | Q(
        _invited(user, "meeting", "meeting__house")
    )


policy.register(Invitation)(_meeting_child)
policy.register(TimeSlot)(_meeting_child)
policy.register(Attendance)(_meeting_child)


@policy.register(Availability)
def availability_predicate(user: Any) -> Q:
    return Q(policy.staff_of(user, "slot__meeting__house")) | Q(
        _invited(user, "slot__meeting", "slot__meeting__house")
    )


@policy.register(AgendaItem, staff_see_all="meeting__house")
def agenda_item_predicate(user: Any) -> Q:
    return Q(policy.staff_of(user, "meeting__house")) | Q(
        _takes_part(user, "case", "meeting__house")
    )


@policy.register(Decision)
def decision_predicate(user: Any) -> Q:
    house = "agenda_item__meeting__house"
    return Q(policy.staff_of(user, house)) | Q(_takes_part(user, "agenda_item__case", house))


@policy.register(Contribution)
def contribution_predicate(user: Any) -> Q:
    house = "agenda_item__meeting__house"
    directors = policy.staff_of(user, house, roles=(Role.PROCESS_DIRECTOR,))
    other_staff = policy.staff_of(user, house, roles=(Role.TRIAGE_MEMBER, Role.HOUSE_MANAGER))
    own = policy.member_of(user, "organisation", house)
    everyone = Q(audience=Audience.ALL_PARTICIPANTS) & (
        Q(other_staff) | Q(_takes_part(user, "agenda_item__case", house))
    )
    named = Q(audience=Audience.ORGANISATIONS) & Q(
        Exists(
            Contribution.audience_organisations.through.objects.filter(
                contribution=OuterRef("pk"),
                organisation__in=policy.case_memberships(user)
                .filter(house=OuterRef(OuterRef(house)))
                .values("organisation"),
            )
        )
    )
    return Q(directors) | Q(own) | everyone | named


def access_meeting(user: Any, slug: str, pk: int) -> Meeting:
    """The meeting if the user may see it, in the house of the URL; else 404 (pages and API)."""
    meeting = (
        policy.visible(user, Meeting)
        .filter(pk=pk, house__slug=slug)
        .select_related("house", "chair")
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def is_director(user: Any, house_id: int) -> bool:
    return policy.has_role(user, house_id, Role.PROCESS_DIRECTOR)


# A destroyed case leaves the agendas it was on (privacy/providers.py; the meeting itself and
# its minutes of other cases stay).
providers.remove_with("case", lambda case: AgendaItem.objects.filter(case=case).delete())


# --- Read helpers of the meeting pages ------------------------------------------------------


def suggested_invitees(house: Any, cases: list[Case]) -> list[Organisation]:
    """Organisations taking part, the referrer's proposed invitees (where the referrer
    proposes), and partners whose expertise covers the cases' life domains."""
    taking_part = Organisation.objects.filter(
        participations__case__in=cases, participations__ended_at__isnull=True
    )
    found = {o.pk: o for o in taking_part}
    if house.invitee_choice == InviteeChoice.REFERRER:
        for org in Organisation.objects.filter(
            pk__in=Referral.proposed_invitees.through.objects.filter(
                referral__case__in=cases
            ).values("organisation")
        ):
            found.setdefault(org.pk, org)
    domains = set(
        ReferralConcern.objects.filter(referral__case__in=cases).values_list("domain", flat=True)
    )
    for org in Organisation.objects.filter(partnerships__house=house).order_by("name"):
        if domains & set(org.expertise or []):
            found.setdefault(org.pk, org)
    return list(found.values())


def excerpt(user: Any, meeting: Meeting, organisation: Organisation | None) -> dict[str, Any]:
    """What the organisation receives: decisions and picture of the cases it takes part in,
    contributions it may read, its own actions from this meeting, and the actions of others
    its actions depend on. Built through the access policy of the viewing user."""
    items = list(
        policy.visible(user, AgendaItem)
        .filter(meeting=meeting)
        .select_related("case")
        .order_by("position")
    )
    if organisation is not None:
        items = [
            i
            for i in items
            if i.case.participations.filter(
                organisation=organisation, ended_at__isnull=True
            ).exists()
        ]
    decisions = list(policy.visible(user, Decision).filter(agenda_item__in=items))
    contributions = list(
        policy.visible(user, Contribution)
        .filter(agenda_item__in=items)
        .select_related("organisation")
    )
    visible_actions = policy.visible(user, Action).filter(case__in=[i.case for i in items])
    own = visible_actions.filter(meeting=meeting)
    if organisation is not None:
        own = own.filter(owner_organisation=organisation)
        needed = visible_actions.filter(dependents__in=own.values("pk")).exclude(
            owner_organisation=organisation
        )
    else:
        needed = visible_actions.none()
    return {
        "items": [
            {
                "item": i,
                "decisions": [d for d in decisions if d.agenda_item_id == i.pk],
                "contributions": [c for c in contributions if c.agenda_item_id == i.pk],
                "actions": [
                    a
                    for a in own.select_related("owner_organisation", "owner")
                    if a.case_id == i.case_id
                ],
                "needed": [
                    a
                    for a in needed.select_related("owner_organisation").distinct()
                    if a.case_id == i.case_id
                ],
            }
            for i in items
        ]
    }


def attendee_names(meeting: Meeting) -> list[str]:
    """Who is registered at the table, as "name (organisation)": the disclosure register records
    them with what was shared at the meeting (empty before the meeting)."""
    return [
        f"{name} ({organisation})"
        for name, organisation in meeting.attendance.order_by(
            "organisation__name", "name"
        ).values_list("name", "organisation__name")
    ]
