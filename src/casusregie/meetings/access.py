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
from casusregie.cases.models import Participation
from casusregie.privacy import policy

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
