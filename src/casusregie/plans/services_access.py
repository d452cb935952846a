"""Who may read and change the services map (*sociale kaart*, decision 0048).

- Read: everyone who works on cases in the house (`policy.CASE_ROLES`: house staff, partner
  participants and managers) and the house's functional administrators, who keep the map. The
  map holds no personal data, but it is a working tool of the house: the privacy officer and the
  auditor, who do no case work, see its changes in the audit trail, not the map; another house
  sees nothing (404).
- Change (edit, confirm the waiting time, stop offering): the owning organisation's people in a
  case-working role (`policy.works_for`) and the house's functional administrators.
- Add: a functional administrator for any partner organisation of the house; anyone else for the
  organisations they work for in a case-working role there.
- Import a file: the functional administrator only.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.roles import Role
from casusregie.houses.models import House, Organisation
from casusregie.privacy import policy

from .models import SERVICE_STALE_AFTER_WEEKS, Service, ServiceDomain

ADMIN = (Role.FUNCTIONAL_ADMIN,)
READ_ROLES = (*policy.CASE_ROLES, Role.FUNCTIONAL_ADMIN)


@policy.register(Service)
def service_predicate(user: Any) -> Q:
    return Q(
        Exists(policy.active_memberships(user).filter(house=OuterRef("house"), role__in=READ_ROLES))
    )


def access_services_house(user: Any, slug: str) -> House:
    """The house if the user may read its services map; "not found" otherwise."""
    return policy.access_house(user, slug, roles=READ_ROLES)


def with_details(rows: QuerySet[Service]) -> QuerySet[Service]:
    """Services with what every page and answer shows of them, in a constant number of
    queries: the organisation joined, the life domains in one more query."""
    return rows.select_related("organisation", "house").prefetch_related(
        Prefetch("domain_rows", queryset=ServiceDomain.objects.order_by("domain"))
    )


def services_of(user: Any, house: House) -> QuerySet[Service]:
    """The house's services the user may read."""
    return with_details(policy.visible(user, Service).filter(house=house))


def access_service(user: Any, house: House, pk: int) -> Service:
    found = services_of(user, house).filter(pk=pk).select_related("updated_by").first()
    if found is None:
        raise Http404
    return found


def stale_q(today: Any) -> Q:
    """Services whose waiting time is out of date on `today` (as `Service.waiting_is_stale`)."""
    cutoff = today - datetime.timedelta(weeks=SERVICE_STALE_AFTER_WEEKS)
    return Q(waiting_confirmed_on__isnull=True) | Q(waiting_confirmed_on__lt=cutoff)


def search(
    rows: QuerySet[Service],
    *,
    text: str = "",
    organisation: Any = None,
    domain: str = "",
    target_group: str = "",
    state: str = "active",
    today: Any = None,
) -> QuerySet[Service]:
    """The filters of the browse page and the API list. `state`: "active" (offered now, the
    default), "stale" (offered now, waiting time out of date) or "all"."""
    if text:
        rows = rows.filter(
            Q(name__icontains=text)
            | Q(description__icontains=text)
            | Q(target_group__icontains=text)
            | Q(organisation__name__icontains=text)
        )
    if organisation:
        rows = rows.filter(organisation=organisation)
    if domain:
        rows = rows.filter(
            Exists(ServiceDomain.objects.filter(service=OuterRef("pk"), domain=domain))
        )
    if target_group:
        rows = rows.filter(target_group__icontains=target_group)
    if state in ("active", "stale", ""):
        rows = rows.filter(active=True)
    if state == "stale":
        rows = rows.filter(stale_q(today or timezone.localdate()))
    return rows


def is_admin(user: Any, house: House) -> bool:
    return policy.has_role(user, house, *ADMIN)


def may_edit_service(user: Any, service: Service) -> bool:
    """The owning organisation's case workers and the house's functional administrators."""
    if getattr(user, "pk", None) is None:
        return False
    return is_admin(user, service.house) or policy.works_for(
        user, service.house, service.organisation
    )


def organisations_for_new_service(user: Any, house: House) -> QuerySet[Organisation]:
    """The organisations for which the user may add a service: every partner of the house for
    its functional administrator, otherwise the partners the user works for on cases."""
    partners = Organisation.objects.filter(partnerships__house=house)
    if not is_admin(user, house):
        partners = partners.filter(pk__in=policy.case_organisations(user, house))
    return partners.order_by("name")


def partner_organisations(user: Any, house: House) -> QuerySet[Organisation]:
    """The house's partner organisations (for the organisation filter), for its members."""
    return Organisation.objects.filter(
        pk__in=policy.partnerships_visible_to(user, house).values("organisation")
    ).order_by("name")


def services_for_picker(house: House, domain: str | None = None) -> list[Service]:
    """The services offered now in the house (in `domain`, when given), for the action form's
    service choice: each with its waiting time, `waiting_confirmed_on`, `waiting_is_stale` and
    `picker_label()`. The caller has already checked that the user works on the case; the map
    holds no personal data."""
    rows = with_details(Service.objects.filter(house=house, active=True))
    if domain:
        rows = rows.filter(
            Exists(ServiceDomain.objects.filter(service=OuterRef("pk"), domain=domain))
        )
    return list(rows.order_by("name", "organisation__name", "pk"))


def picker_choices(services: list[Service]) -> list[tuple[str, str]]:
    """(id, label) pairs for a form's ChoiceField, with an empty first choice."""
    return [("", _("— no service —"))] + [(str(s.pk), s.picker_label()) for s in services]
