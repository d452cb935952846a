"""The privacy officer's demo: something on every list, all made through the real actions.

Per house: the community officer opens a case outside their organisation's cases in an
emergency (break-the-glass); a triage member read many cases yesterday and a partner read a case
late at night (usage signals); the nightly job proposes destroying declined referrals past their
retention and one process director has already approved, so the officer's approval is the
second; and an access request waits for the person with the most organisations involved.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Count
from django.utils import timezone

from casusregie.accounts.models import GrantStatus, Membership, RoleGrant, User
from casusregie.accounts.roles import Role
from casusregie.cases.access import case_subjects, subject_refs
from casusregie.cases.models import Case, Subject
from casusregie.houses.actions import do_grant_role
from casusregie.houses.models import House, OrganisationKind
from casusregie.privacy import actions, log, retention, rights, usage
from casusregie.privacy.models import Operation

from .cases import Clock


def _login(house: House, prefix: str) -> User:
    return User.objects.get(email=f"{prefix}@{house.slug}.demo.invalid")


def _read(clock: Clock, user: User, house: House, cases: list[Case], at: datetime.datetime) -> None:
    clock.at = at
    for case in cases:
        log.record(
            actor=user,
            house=house,
            name="case.read",
            operation=Operation.READ,
            obj=case,
            case_id=case.pk,
            subjects=subject_refs(case_subjects(case)),
        )
    clock.at = None


def _role_waiting_for_approval(house: House) -> None:
    """Four-eyes for role grants (decision 0040): the functional administrator has asked for a
    municipal case worker to join the triage team; the house manager (`ketenmanager@`) approves
    or rejects it on the People page and sees it in My work."""
    worker = (
        Membership.objects.filter(
            house=house,
            role=Role.PARTNER_PARTICIPANT,
            organisation__kind=OrganisationKind.MUNICIPALITY,
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    staff = (
        Membership.objects.filter(house=house, organisation__kind=OrganisationKind.HOUSE_STAFF)
        .select_related("organisation")
        .first()
    )
    if worker is None or staff is None:
        return
    waiting = RoleGrant.objects.filter(
        user=worker.user, house=house, role=Role.TRIAGE_MEMBER, status=GrantStatus.PENDING
    )
    if waiting.exists():  # loaded again on top of the demo: the request is there already
        return
    do_grant_role(
        worker.user,
        house,
        staff.organisation,
        Role.TRIAGE_MEMBER,
        actor=_login(house, "beheerder"),
    )


def load_privacy(progress: Callable[[str], None], houses: list[House]) -> None:
    zone = timezone.get_current_timezone()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    clock = Clock()
    for number, house in enumerate(houses, start=1):
        police = _login(house, "wijkagent")
        police_orgs = Membership.objects.filter(user=police, house=house).values("organisation")
        outside = (
            Case.objects.filter(house=house, closed_at__isnull=True)
            .exclude(participations__organisation__in=police_orgs)
            .order_by("pk")
            .first()
        )
        if outside is not None:
            actions.do_break_glass(
                house,
                actor=police,
                reference=outside.reference,
                reason="Melding van geweld op het adres vannacht; ik moet weten wie de regie "
                "heeft voordat we ter plaatse gaan.",
            )
        with clock.running():
            triage = _login(house, "toegang")
            many = list(
                Case.objects.filter(house=house).order_by("-pk")[: house.signal_case_threshold + 4]
            )
            _read(
                clock,
                triage,
                house,
                many,
                datetime.datetime.combine(yesterday, datetime.time(14, 5), zone),
            )
            housing = _login(house, "woningcorporatie")
            theirs = list(
                Case.objects.filter(
                    house=house,
                    participations__organisation__memberships__user=housing,
                ).distinct()[:1]
            )
            _read(
                clock,
                housing,
                house,
                theirs,
                datetime.datetime.combine(yesterday, datetime.time(23, 40), zone),
            )
        signals = usage.detect(yesterday, houses=[house])
        proposal = retention.propose(house, timezone.localdate())
        if proposal is not None:
            retention.do_approve(proposal, actor=_login(house, "procesregisseur"))
        person = (
            Subject.objects.filter(
                house=house, case_links__isnull=False, date_of_birth__isnull=False
            )
            .annotate(orgs=Count("case_links__case__participations", distinct=True))
            .order_by("-orgs", "pk")
            .first()
        )
        if person is not None:
            rights.do_register(
                house,
                actor=_login(house, "privacy"),
                kind="access",
                requester=f"{person.first_name} {person.last_name}, legitimatie gezien",
                question="Welke organisaties hebben gegevens over mij gedeeld, en waarom?",
                received_on=timezone.localdate() - datetime.timedelta(days=9),
                last_name=person.last_name,
                born=person.date_of_birth,
            )
        if house.slug == "heuvelland":
            _role_waiting_for_approval(house)
        items = proposal.items.count() if proposal else 0
        progress(
            f"[{number}/{len(houses)}] {house.name}: privacy — noodtoegang, {signals} signalen, "
            f"{items} te vernietigen, inzageverzoek"
        )
