"""THE access policy: for a user and a kind of object, which rows may they see?

Each function returns a queryset filtered by one SQL predicate, so list pages stay one query
whatever their size. Views never query protected models directly; they call these functions
(or the `access_*` gates, which answer "not found" for both missing and forbidden objects).

This first part covers houses, organisations and users. The case-level policy (participation
and audience) joins it in the privacy issue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from casusregie.accounts.models import Membership, StandIn, User
from casusregie.accounts.roles import Role
from casusregie.houses.models import House, Organisation, Partnership

# Roles of house staff who work on every referral and case of their house.
STAFF_ROLES = (Role.PROCESS_DIRECTOR, Role.TRIAGE_MEMBER, Role.HOUSE_MANAGER)
# Roles through which a partner organisation's people read the cases it takes part in. Other
# roles held in a partner organisation (privacy officer, administrator, auditor) read no case
# content through it (docs/privacy.md, "Who sees what").
PARTNER_ROLES = (Role.PARTNER_PARTICIPANT, Role.PARTNER_MANAGER)
# The case-working roles: the only roles through which anyone reads or acts on case content
# (referrals, cases, meetings, actions, signals). The privacy officer, functional administrator
# and auditor read registers, logs, counts and settings, never content through their
# organisation (issue 22, docs/privacy.md "Who sees what").
CASE_ROLES = (*STAFF_ROLES, *PARTNER_ROLES)

# Feature apps register, per model, a function that builds the visibility predicate for a
# user. `visible(user, Model)` is then the one entry point every read path uses.
_PREDICATES: dict[type[Model], Callable[[Any], Q]] = {}
# Models whose predicate lets the house's staff (STAFF_ROLES) see every row of their house,
# with the path from the model to that house: `visible_in` skips the per-row predicate for them.
_STAFF_SEE_ALL: dict[type[Model], str] = {}
# Where a request keeps the user's memberships per house (on the user object, loaded anew for
# every request): filled by the house gate, read by `house_memberships`, `house_roles` and
# `has_role`.
_MEMBERSHIPS_CACHE = "_casusregie_house_memberships"


def register(
    model: type[Model], *, staff_see_all: str | None = None
) -> Callable[[Callable[[Any], Q]], Callable[[Any], Q]]:
    """Register the predicate builder of `model`. `staff_see_all` names the path to the row's
    house when the predicate grants the house's staff every row of it (tested against the
    predicate itself: privacy/tests/test_visible_in.py)."""

    def decorate(builder: Callable[[Any], Q]) -> Callable[[Any], Q]:
        _PREDICATES[model] = builder
        if staff_see_all:
            _STAFF_SEE_ALL[model] = staff_see_all
        return builder

    return decorate


def visible(user: Any, model: type[Model]) -> QuerySet[Any]:
    """Every row of `model` the user may see: one query with one predicate."""
    if model not in _PREDICATES:
        raise LookupError(f"no access policy registered for {model.__name__}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return model._default_manager.none()
    return model._default_manager.filter(_PREDICATES[model](user))


def visible_in(user: Any, model: type[Model], house: House) -> QuerySet[Any]:
    """The rows of `model` in `house` the user may see: `visible(user, model)` within the
    house, except that the house's own staff, who may see every such row, get them without the
    per-row predicate. Their roles are read once per request (`house_roles`); at national scale
    the predicate's subqueries, checked for each of tens of thousands of rows, were most of the
    cost of a process director's pages (issue 10, docs/performance.md)."""
    path = _STAFF_SEE_ALL.get(model)
    if path is None:
        raise LookupError(f"{model.__name__} is not registered with staff_see_all")
    if house_roles(user, house) & set(STAFF_ROLES) and user.is_active:
        return model._default_manager.filter(**{path: house})
    return visible(user, model).filter(**{path: house})


def active_memberships(user: Any) -> QuerySet[Membership]:
    """The user's active memberships, for building predicates (public for feature apps)."""
    return _memberships(user)


def staff_of(user: Any, house_ref: str = "house", roles: tuple[Role, ...] = STAFF_ROLES) -> Exists:
    """True for rows whose house (`house_ref`, an outer reference) the user staffs with one of
    `roles`."""
    return Exists(_memberships(user).filter(house=OuterRef(house_ref), role__in=roles))


def member_of(
    user: Any, organisation_ref: str, house_ref: str = "house", roles: tuple[Role, ...] = CASE_ROLES
) -> Exists:
    """True for rows whose organisation field (`organisation_ref`) the user works for in the
    row's house in one of `roles`: a case-working role unless said otherwise. Membership alone
    is not enough: the staff organisation's privacy officer, administrator and auditor are
    members too (issue 22)."""
    return Exists(
        _memberships(user).filter(
            house=OuterRef(house_ref), organisation=OuterRef(organisation_ref), role__in=roles
        )
    )


def works_for(user: Any, house: House, organisation: Organisation) -> bool:
    """Whether the user works for `organisation` in `house` in a case-working role (the
    memberships the house gate read, within a request)."""
    return any(
        m.organisation_id == organisation.pk and m.role in CASE_ROLES
        for m in house_memberships(user, house)
    )


def memberships_in(
    house: House | int, roles: tuple[Role, ...] | tuple[str, ...] = CASE_ROLES
) -> QuerySet[Membership]:
    """The house's active memberships in one of `roles` (e.g. whom a survey asks)."""
    return Membership.objects.active().filter(house=house, role__in=roles)


def case_workers(
    house: House | int,
    organisation: Organisation | int | None = None,
    roles: tuple[Role, ...] = CASE_ROLES,
    *,
    organisations: Any = None,
) -> QuerySet[User]:
    """Active people who work on cases in `house` (for `organisation`, or one of
    `organisations`, when given) in one of `roles`: whom to tell about a referral, question,
    meeting or action. Never the privacy officer, administrator or auditor, unless `roles`
    names them."""
    members = memberships_in(house, roles)
    if organisation is not None:
        members = members.filter(organisation=organisation)
    if organisations is not None:
        members = members.filter(organisation__in=organisations)
    return User.objects.filter(pk__in=members.values("user"), is_active=True)


def membership_in(
    user: Any,
    house: House | int,
    *,
    organisations: list[Any] | None = None,
    roles: tuple[Role, ...] = CASE_ROLES,
) -> Membership | None:
    """The user's first active membership in the house in one of `roles` (for one of
    `organisations`, when given), with its organisation: on whose behalf a person acts."""
    held = _memberships(user).filter(house=house, role__in=roles)
    if organisations is not None:
        held = held.filter(organisation__in=organisations)
    return held.select_related("organisation").order_by("pk").first()


def case_organisations(user: Any, house: House) -> list[int]:
    """Ids of the organisations for which the user works on cases in `house`."""
    return sorted(
        {m.organisation_id for m in house_memberships(user, house) if m.role in CASE_ROLES}
    )


def case_memberships(user: Any) -> QuerySet[Membership]:
    """The user's active memberships in a case-working role: through these, and only these, a
    person reads an organisation's case content (invitations, audiences, owned actions)."""
    return _memberships(user).filter(role__in=CASE_ROLES)


# --- Stand-ins (vervanging bij afwezigheid, docs/handover.md, decision 0046) --------------


def acting_for(user: Any, house: House | int, holder: Any) -> bool:
    """Whether `user` may act for `holder` in `house` today as their stand-in: an arrangement
    in force (begun, not past its end date, not ended early) and the stand-in still holds a
    case-working role there. The one check every permission that a stand-in inherits asks
    (the case director's plan and review work, feedback on the absent person's actions)."""
    holder_id = getattr(holder, "pk", holder)
    if holder_id is None or not getattr(user, "is_authenticated", False):
        return False
    if holder_id == user.pk or not user.is_active:
        return False
    house_id = house if isinstance(house, int) else house.pk
    return StandIn.objects.active().filter(
        house=house_id, absent=holder_id, stand_in=user
    ).exists() and has_role(user, house_id, *CASE_ROLES)


def stands_in_for(user: Any, holder_ref: str, house_ref: str = "house") -> Q:
    """For predicates: True for rows whose holder (`holder_ref`, an outer reference to a user,
    e.g. "case__case_director") `user` stands in for today in the row's house (`house_ref`),
    while `user` holds a case-working role there. `acting_for` as one SQL predicate."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    return Q(
        Exists(
            StandIn.objects.active().filter(
                stand_in=user,
                house=OuterRef(house_ref),
                absent=OuterRef(holder_ref),
            )
        )
    ) & Q(Exists(_memberships(user).filter(house=OuterRef(house_ref), role__in=CASE_ROLES)))


def _memberships(user: Any) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.active().filter(user=user)


def houses_visible_to(user: Any) -> QuerySet[House]:
    """Houses in which the user holds at least one active membership."""
    return House.objects.filter(Exists(_memberships(user).filter(house=OuterRef("pk"))))


def access_house(user: Any, slug: str, *, roles: tuple[Role, ...] = ()) -> House:
    """The house with this slug if the user is a member (with one of `roles`, when given).
    One query, which also gives the user's memberships of the house for the rest of the
    request (`house_memberships`)."""
    held = list(_memberships(user).filter(house__slug=slug).select_related("house"))
    if not held:
        raise Http404
    house = held[0].house
    user.__dict__.setdefault(_MEMBERSHIPS_CACHE, {})[house.pk] = held
    if roles and not {m.role for m in held} & set(roles):
        raise Http404
    return house


def has_role(user: Any, house: House | int, *roles: Role) -> bool:
    """Whether the user holds one of `roles` in the house (a house or its id). Within a request
    that passed the house gate (`access_house`) the memberships read there answer; elsewhere
    (tasks, actions called outside a request) it asks the database."""
    house_id = house if isinstance(house, int) else house.pk
    cached = user.__dict__.get(_MEMBERSHIPS_CACHE, {}).get(house_id)
    if cached is not None:
        return any(m.role in roles for m in cached)
    return _memberships(user).filter(house=house_id, role__in=roles).exists()


def house_memberships(user: Any, house: House) -> list[Membership]:
    """The user's active memberships in the house, read once per request: kept on the user
    object, which Django loads anew for every request, so the gate (`access_house`), the menus
    and the page that each need them do not query them again (issue 10: per-request caching of
    policy look-ups). A change shows on the next request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cache: dict[int, list[Membership]] = user.__dict__.setdefault(_MEMBERSHIPS_CACHE, {})
    if house.pk not in cache:
        cache[house.pk] = list(_memberships(user).filter(house=house))
    return cache[house.pk]


def house_roles(user: Any, house: House) -> frozenset[str]:
    """The user's active roles in the house (`house_memberships`, read once per request)."""
    return frozenset(m.role for m in house_memberships(user, house))


def partnerships_visible_to(user: Any, house: House) -> QuerySet[Partnership]:
    """The partner organisations of a house, for its members only."""
    return Partnership.objects.filter(
        Exists(_memberships(user).filter(house=OuterRef("house"))), house=house
    ).select_related("organisation")


def organisations_visible_to(user: Any) -> QuerySet[Organisation]:
    """Organisations that are a partner in at least one house the user belongs to."""
    member_houses = _memberships(user).values("house")
    return Organisation.objects.filter(
        Exists(Partnership.objects.filter(organisation=OuterRef("pk"), house__in=member_houses))
    )


def users_visible_to(user: Any, house: House) -> QuerySet[User]:
    """People with an active membership in a house the requesting user belongs to."""
    if not _memberships(user).filter(house=house).exists():
        return User.objects.none()
    return User.objects.filter(
        Exists(Membership.objects.active().filter(user=OuterRef("pk"), house=house))
    )


def memberships_visible_to(user: Any, house: House) -> QuerySet[Membership]:
    return (
        Membership.objects.active()
        .filter(Exists(_memberships(user).filter(house=OuterRef("house"))), house=house)
        .select_related("user", "organisation")
    )


def memberships_of(user: Any) -> QuerySet[Membership]:
    """The user's own active memberships, for their home and account pages."""
    return (
        _memberships(user)
        .select_related("house", "organisation")
        .order_by("house__name", "organisation__name", "role")
    )
