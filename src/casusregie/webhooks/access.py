"""Who may see and manage webhooks.

A subscription belongs to one organisation in one house. It is managed by that organisation's
partner managers in the house and by the house's functional administrators (for any partner
organisation of the house). Nobody else sees it, its secret or its deliveries: missing and
forbidden both answer "not found".
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from casusregie.accounts.roles import Role
from casusregie.houses.models import House, Organisation, Partnership
from casusregie.privacy import policy

from .models import Attempt, Delivery, Subscription

ADMIN = (Role.FUNCTIONAL_ADMIN,)


SCOPE = "webhooks:manage"


def _api_clients() -> Any:
    """The API clients' model, when that app is installed (a client with the scope
    `webhooks:manage` manages its own organisation's webhooks)."""
    from django.apps import apps

    try:
        return apps.get_model("integrations", "ApiClient")
    except LookupError:
        return None


def _manages(user: Any, house_ref: str, organisation_ref: str) -> Q:
    admin = policy.staff_of(user, house_ref, roles=ADMIN)
    manager = Exists(
        policy.active_memberships(user).filter(
            house=OuterRef(house_ref),
            organisation=OuterRef(organisation_ref),
            role=Role.PARTNER_MANAGER,
        )
    )
    allowed = Q(admin) | Q(manager)
    clients = _api_clients()
    if clients is not None and getattr(user, "pk", None) is not None:
        allowed |= Q(
            Exists(
                clients.objects.filter(
                    user=user,
                    is_active=True,
                    house=OuterRef(house_ref),
                    organisation=OuterRef(organisation_ref),
                    scopes__contains=SCOPE,
                )
            )
        )
    return allowed


@policy.register(Subscription)
def subscription_predicate(user: Any) -> Q:
    return _manages(user, "house", "organisation")


@policy.register(Delivery)
def delivery_predicate(user: Any) -> Q:
    return _manages(user, "subscription__house", "subscription__organisation")


@policy.register(Attempt)
def attempt_predicate(user: Any) -> Q:
    return _manages(user, "delivery__subscription__house", "delivery__subscription__organisation")


def manageable_organisations(user: Any, house: House) -> QuerySet[Organisation]:
    """Organisations whose webhooks the user may manage in this house."""
    if policy.has_role(user, house, *ADMIN):
        return Organisation.objects.filter(
            Exists(Partnership.objects.filter(house=house, organisation=OuterRef("pk")))
        ).order_by("name")
    managed = policy.active_memberships(user).filter(house=house, role=Role.PARTNER_MANAGER)
    found = Q(pk__in=managed.values("organisation"))
    clients = _api_clients()
    if clients is not None and getattr(user, "pk", None) is not None:
        mine = clients.objects.filter(
            user=user, is_active=True, house=house, scopes__contains=SCOPE
        ).values("organisation")
        found |= Q(pk__in=mine)
    members = policy.active_memberships(user).filter(house=house).values("organisation")
    return Organisation.objects.filter(found, pk__in=members).order_by("name")


def access_webhooks_house(user: Any, slug: str) -> House:
    """The house, if the user may manage webhooks of at least one organisation in it."""
    from django.http import Http404

    house = policy.access_house(user, slug)
    if not manageable_organisations(user, house).exists():
        raise Http404
    return house


def subscriptions_of(user: Any, house: House) -> QuerySet[Subscription]:
    return (
        policy.visible(user, Subscription)
        .filter(house=house)
        .select_related("organisation", "house")
    )


def access_subscription(user: Any, house: House, pk: int) -> Subscription:
    from django.http import Http404

    subscription = subscriptions_of(user, house).filter(pk=pk).first()
    if subscription is None:
        raise Http404
    return subscription
