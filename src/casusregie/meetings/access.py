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
from casusregie.houses.models import InviteeChoice, Organisation, OrganisationKind, Partnership
from casusregie.plans.models import Action
from casusregie.privacy import policy, providers
from casusregie.referrals.models import Referral, ReferralConcern

from .models import (
    AgendaItem,
    Attendance,
    Audience,
    Availability,
    ChosenInvitee,
    Contribution,
    ContributionKind,
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
    # The author's organisation, and the named ones, read it while they take part in the case:
    # after a participation ends, nothing of the case, their own words included (decision 0045).
    own = Q(policy.member_of(user, "organisation", house)) & Q(
        Exists(
            Participation.objects.filter(
                case=OuterRef("agenda_item__case"),
                organisation=OuterRef("organisation"),
                ended_at__isnull=True,
            )
        )
    )
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
                organisation__participations__case=OuterRef("agenda_item__case"),
                organisation__participations__ended_at__isnull=True,
            )
        )
    )
    return Q(directors) | own | everyone | named


@policy.register(ChosenInvitee)
def chosen_invitee_predicate(user: Any) -> Q:
    """The house's staff, and the organisations taking part in the case."""
    return Q(policy.staff_of(user, "case__house")) | Q(_takes_part(user, "case", "case__house"))


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
    """The invitees the planning form starts with, by who chooses them in this house
    (`House.invitee_choice`, decision 0050), always with the organisations taking part:

    - the referrer: the referrer's proposed invitees;
    - the placing organisation: what it chose (`ChosenInvitee`); until it has chosen, the
      referrer's proposals;
    - the process director: partners whose expertise covers the cases' life domains.
    """
    taking_part = Organisation.objects.filter(
        participations__case__in=cases, participations__ended_at__isnull=True
    ).order_by("name")
    found = {o.pk: o for o in taking_part}
    proposed = Organisation.objects.filter(
        pk__in=Referral.proposed_invitees.through.objects.filter(referral__case__in=cases).values(
            "organisation"
        )
    ).order_by("name")
    if house.invitee_choice == InviteeChoice.REFERRER:
        extra = list(proposed)
    elif house.invitee_choice == InviteeChoice.PLACING_ORGANISATION:
        chosen = list(
            Organisation.objects.filter(
                pk__in=ChosenInvitee.objects.filter(case__in=cases).values("organisation")
            ).order_by("name")
        )
        extra = chosen or list(proposed)
    else:
        domains = set(
            ReferralConcern.objects.filter(referral__case__in=cases).values_list(
                "domain", flat=True
            )
        )
        extra = [
            org
            for org in Organisation.objects.filter(partnerships__house=house).order_by("name")
            if domains & set(org.expertise or [])
        ]
    for org in extra:
        found.setdefault(org.pk, org)
    return list(found.values())


def invitee_choices_of(user: Any, cases: list[Case]) -> list[ChosenInvitee]:
    """What the placing organisations chose for these cases, as the user may see it."""
    return list(
        policy.visible(user, ChosenInvitee)
        .filter(case__in=cases)
        .select_related("case__placing_organisation", "organisation", "chosen_by")
        .order_by("case_id", "organisation__name")
    )


def access_placed_case(user: Any, slug: str, pk: int) -> Case:
    """A case the user's organisation was placed with, in a house where that organisation
    chooses the invitees; else 404."""
    case = (
        policy.visible(user, Case)
        .filter(pk=pk, house__slug=slug, house__invitee_choice=InviteeChoice.PLACING_ORGANISATION)
        .select_related("house", "placing_organisation")
        .first()
    )
    if (
        case is None
        or case.placing_organisation is None
        or not case.is_open
        or not policy.works_for(user, case.house, case.placing_organisation)
    ):
        raise Http404
    return case


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
        .prefetch_related("audience_organisations")
    )
    if organisation is not None:
        # The director reading another organisation's excerpt sees what that one may read.
        contributions = [c for c in contributions if readable_by(c, organisation)]
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


def readable_by(contribution: Contribution, organisation: Organisation) -> bool:
    """Whether a contribution's audience includes the organisation (which takes part in the
    case): everyone, the author's own, or named (audience organisations prefetched)."""
    if contribution.organisation_id == organisation.pk:
        return True
    if contribution.audience == Audience.ALL_PARTICIPANTS:
        return True
    if contribution.audience == Audience.ORGANISATIONS:
        return any(o.pk == organisation.pk for o in contribution.audience_organisations.all())
    return False


def guest_organisation_ids(meeting: Meeting) -> set[int]:
    """Organisations a guest may sit at the table for: those invited, and the house's staff."""
    invited = set(meeting.invitations.values_list("organisation", flat=True))
    staff = set(
        Partnership.objects.filter(
            house=meeting.house_id, organisation__kind=OrganisationKind.HOUSE_STAFF
        ).values_list("organisation", flat=True)
    )
    return invited | staff


def attendance_groups(house: Any) -> list[tuple[Organisation, list[tuple[int, str]]]]:
    """The house's people per organisation, for ticking who is present (one query)."""
    rows = (
        Organisation.objects.filter(
            memberships__house=house,
            memberships__ended_at__isnull=True,
            memberships__user__is_active=True,
        )
        .values_list("pk", "name", "memberships__user", "memberships__user__full_name")
        .order_by("name", "memberships__user__full_name", "memberships__user")
        .distinct()
    )
    groups: dict[int, tuple[Organisation, list[tuple[int, str]]]] = {}
    for org_pk, org_name, user_pk, full_name in rows:
        _org, people = groups.setdefault(org_pk, (Organisation(pk=org_pk, name=org_name), []))
        if all(pk != user_pk for pk, _name in people):
            people.append((user_pk, full_name))
    return list(groups.values())


def table_overview(user: Any, meeting: Meeting, items: list[AgendaItem]) -> dict[str, Any]:
    """What table mode shows next to each agenda item, in a fixed number of queries: who is
    present (members and guests), which invited organisations are absent (invited, nobody
    registered present), every contribution per item (the chair reads them all), and which of
    the written input comes from an absent organisation."""
    attendance = list(meeting.attendance.select_related("organisation", "user"))
    present = {a.organisation_id for a in attendance}
    invited = list(
        meeting.invitations.select_related("organisation").order_by("organisation__name")
    )
    absent = [i.organisation for i in invited if i.organisation_id not in present]
    absent_ids = {o.pk for o in absent}
    contributions = list(
        policy.visible(user, Contribution)
        .filter(agenda_item__in=items)
        .select_related("organisation", "author")
        .prefetch_related("audience_organisations")
        .order_by("created_at", "pk")
    )
    per_item: dict[int, dict[str, list[Contribution]]] = {
        i.pk: {"absent_input": [], "at_the_table": [], "written": []} for i in items
    }
    for c in contributions:
        entry = per_item[c.agenda_item_id]
        if c.kind == ContributionKind.AT_THE_TABLE:
            entry["at_the_table"].append(c)
        elif c.organisation_id in absent_ids:
            entry["absent_input"].append(c)
        else:
            entry["written"].append(c)
    return {"attendance": attendance, "absent": absent, "per_item": per_item}


def attendee_names(meeting: Meeting) -> list[str]:
    """Who is registered at the table, as "name (organisation)": the disclosure register records
    them with what was shared at the meeting (empty before the meeting)."""
    return [
        f"{name} ({organisation}, {role})" if role else f"{name} ({organisation})"
        for name, organisation, role in meeting.attendance.order_by(
            "organisation__name", "name"
        ).values_list("name", "organisation__name", "role")
    ]
