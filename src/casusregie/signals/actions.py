"""Registering signals, convergence alerts and their handling, "already a case?".

Every action validates, changes, and writes the processing log in one transaction. Log lines
name the person only by a pseudonym of the pseudonym (`log-subject`, as for case subjects), so
the processing log of a signal and of a case about the same BSN name the same data subject.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.cases.models import CaseSubject
from casusregie.cases.phases import Phase
from casusregie.houses.models import House, Organisation
from casusregie.inbox.actions import notify
from casusregie.privacy import log, lookups, policy
from casusregie.privacy.crypto import keyed_hash
from casusregie.privacy.models import Operation

from .access import SIGNAL_ROLES
from .models import Alert, AlertStatus, Category, Signal
from .pseudonym import BSN, Identity, local_pseudonym, subject_pseudonyms

EARLY_WARNING = "vroegsignalering"
PURPOSE_EARLY_WARNING = "Vroegsignalering: samenloop van zorgsignalen (WGS)"


def min_organisations() -> int:
    return int(getattr(settings, "SIGNALS_MIN_ORGANISATIONS", 2))


def window_days() -> int:
    return int(getattr(settings, "SIGNALS_WINDOW_DAYS", 90))


def subject_ref(pseudonym: str, id_kind: str) -> log.SubjectRef:
    return log.SubjectRef(keyed_hash(pseudonym, purpose="log-subject"), id_kind)


def alert_link(alert: Alert) -> str:
    return reverse("signals:alert", args=[alert.house.slug, alert.pk])


def alert_label(alert: Alert) -> str:
    return f"S-{alert.pk}"


def _check_organisation(house: House, organisation: Organisation | None, actor: Any) -> None:
    if (
        organisation is None
        or policy.membership_in(actor, house, organisations=[organisation], roles=SIGNAL_ROLES)
        is None
    ):
        raise ValidationError(
            {"organisation": _("You cannot give signals on behalf of this organisation.")}
        )


CATEGORIES = frozenset(Category.values)


def check_signal_fields(
    house: House,
    category: str,
    observed_on: datetime.date | None,
    today: datetime.date | None = None,
) -> None:
    errors: dict[str, str] = {}
    if category not in CATEGORIES:
        errors["category"] = _("Choose one of the categories.")
    today = today or timezone.localdate()
    if observed_on is None:
        errors["observed_on"] = _("Enter the date of the signal.")
    elif observed_on > today:
        errors["observed_on"] = _("The date of a signal cannot be in the future.")
    elif observed_on + datetime.timedelta(days=house.retention_signal_days) < today:
        errors["observed_on"] = _(
            "This signal is older than the house keeps signals (%(days)s days)."
        ) % {"days": house.retention_signal_days}
    if errors:
        raise ValidationError(errors)


def expires_on(house: House, observed_on: datetime.date) -> datetime.date:
    return observed_on + datetime.timedelta(days=house.retention_signal_days)


@dataclass
class Registered:
    signal: Signal
    alert: Alert | None


@transaction.atomic
def do_register_signal(
    house: House,
    identity: Identity,
    *,
    category: str,
    observed_on: datetime.date | None,
    organisation: Organisation | None,
    actor: User,
) -> Registered:
    _check_organisation(house, organisation, actor)
    check_signal_fields(house, category, observed_on)
    assert observed_on is not None
    assert organisation is not None
    pseudonym = local_pseudonym(identity)
    duplicate = Signal.objects.filter(
        house=house,
        pseudonym=pseudonym,
        organisation=organisation,
        category=category,
        observed_on=observed_on,
    ).exists()
    if duplicate:
        raise ValidationError(
            _(
                "Your organisation already gave this signal (same person, category and date). "
                "Nothing was added."
            ),
            code="duplicate",
        )
    try:
        with transaction.atomic():
            signal = Signal.objects.create(
                house=house,
                pseudonym=pseudonym,
                id_kind=identity.kind,
                category=category,
                observed_on=observed_on,
                organisation=organisation,
                contact=actor,
                expires_on=expires_on(house, observed_on),
            )
    except IntegrityError:  # the same signal given at the same moment
        raise ValidationError(
            _("Your organisation already gave this signal. Nothing was added."), code="duplicate"
        ) from None
    log.record(
        actor=actor,
        actor_organisation=organisation,
        house=house,
        name="signal.create",
        operation=Operation.CREATE,
        obj=signal,
        subjects=[subject_ref(pseudonym, identity.kind)],
        activity=EARLY_WARNING,
        purpose=PURPOSE_EARLY_WARNING,
        after={"category": category, "observed_on": observed_on.isoformat()},
    )
    alert = converge(house, [pseudonym], actor=actor)
    return Registered(signal, alert.get(pseudonym))


def _directors(house: House) -> list[User]:
    return list(policy.case_workers(house, roles=(Role.PROCESS_DIRECTOR,)))


def converge(house: House, pseudonyms: Any, *, actor: Any) -> dict[str, Alert]:
    """Raise or widen alerts for the pseudonyms (a list, or a query of pseudonyms such as an
    intake's) with signals from enough organisations inside the window. One aggregate query
    finds them, whatever the number of pseudonyms."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=window_days())
    wanted = pseudonyms if isinstance(pseudonyms, QuerySet) else list(pseudonyms)
    recent = Signal.objects.filter(house=house, observed_on__gte=start, expires_on__gte=today)
    candidates = recent.filter(pseudonym__in=wanted)
    converged = [
        row["pseudonym"]
        for row in candidates.values("pseudonym")
        .annotate(n=Count("organisation", distinct=True))
        .filter(n__gte=min_organisations())
    ]
    alerts: dict[str, Alert] = {}
    for pseudonym in converged:
        alert = _raise_alert(house, pseudonym, recent.filter(pseudonym=pseudonym), actor=actor)
        if alert is not None:
            alerts[pseudonym] = alert
    return alerts


def _raise_alert(house: House, pseudonym: str, signals: Any, *, actor: Any) -> Alert | None:
    rows = list(signals.values_list("organisation_id", "category", "contact_id", "id_kind"))
    org_ids = sorted({r[0] for r in rows})
    categories = sorted({r[1] for r in rows})
    now = timezone.now()
    alert = (
        Alert.objects.select_for_update()
        .filter(house=house, pseudonym=pseudonym, status__in=(AlertStatus.OPEN, "requested"))
        .first()
    )
    if alert is None:
        alert = Alert.objects.create(
            house=house,
            pseudonym=pseudonym,
            id_kind=rows[0][3],
            categories=categories,
            created_at=now,
            updated_at=now,
        )
        before: set[int] = set()
    else:
        before = set(alert.organisations.values_list("pk", flat=True))
        if before == set(org_ids) and alert.categories == categories:
            return alert
        alert.categories = categories
        alert.updated_at = now
        alert.save(update_fields=["categories", "updated_at"])
    alert.organisations.set(org_ids)
    organisations = list(Organisation.objects.filter(pk__in=org_ids).order_by("name"))
    log.record(
        actor=actor,
        house=house,
        name="signal.alert",
        operation=Operation.CREATE if not before else Operation.UPDATE,
        obj=alert,
        subjects=[subject_ref(pseudonym, rows[0][3])],
        recipients=organisations,
        activity=EARLY_WARNING,
        purpose=PURPOSE_EARLY_WARNING,
        categories=("signal",),
        before={"organisations": sorted(before)} if before else None,
        after={"organisations": org_ids, "categories": categories},
    )
    contacts = list(User.objects.filter(pk__in={r[2] for r in rows}, is_active=True))
    message = _(
        "Convergence alert %(ref)s: signals from %(n)s organisations (%(orgs)s) about one "
        "person. Categories: %(cats)s."
    ) % {
        "ref": alert_label(alert),
        "n": len(organisations),
        "orgs": ", ".join(o.name for o in organisations),
        "cats": ", ".join(alert.category_labels()),
    }
    notify([*_directors(house), *contacts], house=house, message=message, link=alert_link(alert))
    if not before:
        from casusregie.aftercare import hooks as aftercare_hooks

        # A person of a case in aftercare or recently closed: the director may re-open it.
        aftercare_hooks.signal_alert_raised(alert, actor=actor)
    return alert


def _lock(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().select_related("house").get(pk=alert.pk)


def _require_director(alert: Alert, actor: Any) -> None:
    if not policy.has_role(actor, alert.house, Role.PROCESS_DIRECTOR):
        raise PermissionDenied(_("Only a process director handles convergence alerts."))


def _alert_log(
    alert: Alert, actor: Any, name: str, after: dict[str, Any], reason: str = ""
) -> None:
    log.record(
        actor=actor,
        house=alert.house,
        name=name,
        operation=Operation.UPDATE,
        obj=alert,
        subjects=[subject_ref(alert.pseudonym, alert.id_kind)],
        activity=EARLY_WARNING,
        purpose=PURPOSE_EARLY_WARNING,
        after=after,
        reason=reason,
    )


def signalling_contacts(alert: Alert) -> list[User]:
    ids = Signal.objects.filter(
        house=alert.house,
        pseudonym=alert.pseudonym,
        organisation__in=alert.organisations.all(),
        expires_on__gte=timezone.localdate(),
    ).values_list("contact_id", flat=True)
    return list(User.objects.filter(pk__in=set(ids), is_active=True))


@transaction.atomic
def do_request_referral(alert: Alert, *, actor: User) -> Alert:
    """The process director asks the signalling contacts to file a referral."""
    alert = _lock(alert)
    _require_director(alert, actor)
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(_("A referral can only be asked for an open alert."))
    alert.status = AlertStatus.REFERRAL_REQUESTED
    alert.handled_at = timezone.now()
    alert.handled_by = actor
    alert.save(update_fields=["status", "handled_at", "handled_by"])
    _alert_log(alert, actor, "signal.alert.request-referral", {"status": alert.status})
    link = reverse("referrals:new", args=[alert.house.slug]) + f"?samenloop={alert.pk}"
    notify(
        signalling_contacts(alert),
        house=alert.house,
        link=link,
        message=_("The process director asks you to file a referral for convergence alert %(ref)s.")
        % {"ref": alert_label(alert)},
    )
    return alert


@transaction.atomic
def do_close_alert(alert: Alert, *, actor: User, reason: str) -> Alert:
    alert = _lock(alert)
    _require_director(alert, actor)
    if not alert.is_open:
        raise ValidationError(_("This alert has been dealt with already."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the alert is closed without a referral.")})
    alert.status = AlertStatus.CLOSED
    alert.handled_at = timezone.now()
    alert.handled_by = actor
    alert.save(update_fields=["status", "handled_at", "handled_by"])
    _alert_log(alert, actor, "signal.alert.close", {"status": alert.status}, reason=reason[:500])
    return alert


# --- The referral flow ----------------------------------------------------------------------


def referral_pseudonyms(referral: Any) -> list[str]:
    found: list[str] = []
    for link in referral.subjects.select_related("subject"):
        s = link.subject
        found += subject_pseudonyms(
            bsn_hash=s.bsn_hash,
            first_name=s.first_name,
            last_name=s.last_name,
            date_of_birth=s.date_of_birth,
        )
    return found


def known_organisations(house: House, pseudonyms: Iterable[str]) -> int:
    """How many organisations gave a signal (not expired) about these people."""
    return (
        Signal.objects.filter(
            house=house, pseudonym__in=list(pseudonyms), expires_on__gte=timezone.localdate()
        )
        .values("organisation")
        .distinct()
        .count()
    )


def link_referral(referral: Any, *, actor: Any) -> int:
    """A referral was submitted: open alerts about its people point to it (their status
    becomes "referral filed"). Returns the number of alerts linked."""
    pseudonyms = referral_pseudonyms(referral)
    if not pseudonyms:
        return 0
    alerts = list(
        Alert.objects.select_for_update()
        .select_related("house")
        .filter(
            house=referral.house,
            pseudonym__in=pseudonyms,
            status__in=(AlertStatus.OPEN, AlertStatus.REFERRAL_REQUESTED),
        )
    )
    for alert in alerts:
        alert.status = AlertStatus.REFERRED
        alert.referral = referral
        alert.save(update_fields=["status", "referral"])
        _alert_log(alert, actor, "signal.alert.referred", {"referral": referral.pk})
    return len(alerts)


def record_known_read(actor: Any, referral: Any, count: int) -> None:
    """The referral page showed how many organisations gave signals: a logged look-up."""
    log.record(
        actor=actor,
        house=referral.house,
        name="signal.known-to-referral",
        operation=Operation.READ,
        obj=referral,
        subjects=[
            log.subject_ref(subject_pk=link.subject_id, bsn_hash=link.subject.bsn_hash)
            for link in referral.subjects.select_related("subject")
        ],
        activity=EARLY_WARNING,
        purpose=PURPOSE_EARLY_WARNING,
        after={"organisations": count},
    )


# --- "Already a case?" ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    known: bool
    house: str = ""
    contact: str = ""


def contact_of(case: Any) -> str:
    director = case.process_director
    if director is not None:
        return f"{director.full_name} <{director.email}>"
    return case.house.name


def local_case(house: House, identity: Identity, pseudonym: str) -> Any:
    """An open or aftercare case of this house about the person, or None."""
    links = CaseSubject.objects.filter(case__house=house).exclude(case__phase=Phase.CLOSED)
    if identity.kind == BSN:
        links = links.filter(subject__bsn_hash=pseudonym)
    else:
        assert identity.subject_key is not None
        name, born = identity.subject_key
        links = links.filter(subject__search_name=name, subject__date_of_birth=born)
    link = links.select_related("case__house", "case__process_director").order_by("case_id").first()
    return link.case if link else None


def already_a_case(
    house: House, identity: Identity, *, actor: Any, organisation: Organisation | None = None
) -> Answer:
    """Yes (house, contact) or no: this house first, then the houses of the region that take
    part in the exchange (exchange.py). The look-up is logged, its answer too.

    It counts against the look-up limits of the person and the organisation
    (privacy/lookups.py); over them it raises `LookUpRefused` before anything is looked up.
    The contact named is the case's process director, also to an organisation that does not
    take part in the case: the way to the ordinary, logged known-to procedure (decision 0039).
    """
    from . import exchange

    lookups.admit(actor, house, organisation, what="already-a-case")
    pseudonym = local_pseudonym(identity)
    case = local_case(house, identity, pseudonym)
    where = "local"
    if case is not None:
        answer = Answer(True, house.name, contact_of(case))
    else:
        answer = exchange.ask(house, identity) or Answer(False)
        where = "exchange" if answer.known else "none"
    log.record(
        actor=actor,
        actor_organisation=organisation,
        house=house,
        name="signal.already-a-case",
        operation=Operation.READ,
        obj=case if case is not None else house,
        case_id=case.pk if case is not None else None,
        subjects=[subject_ref(pseudonym, identity.kind)],
        activity=log.KNOWN_TO,
        purpose=PURPOSE_EARLY_WARNING,
        after={"known": answer.known, "where": where},
    )
    return answer


def log_exchange_answer(referral: Any, identity: Identity, answer: Any, *, actor: Any) -> None:
    log.record(
        actor=actor,
        house=referral.house,
        name="signal.already-a-case.referral",
        operation=Operation.READ,
        obj=referral,
        subjects=[subject_ref(local_pseudonym(identity), identity.kind)],
        activity=log.KNOWN_TO,
        purpose=PURPOSE_EARLY_WARNING,
        after={"known": bool(answer and answer.known), "where": "exchange"},
    )


def purge_expired_signals(today: datetime.date | None = None) -> int:
    """Delete signals past their expiry (the house's retention for signals), per house with one
    audit row naming the count; alerts stay (they hold no signal, only organisations and
    categories). Run daily by `run_schedule`."""
    from casusregie.privacy.audit import record_change

    today = today or timezone.localdate()
    total = 0
    expired = Signal.objects.filter(expires_on__lt=today)
    for house_id in expired.values_list("house_id", flat=True).distinct():
        with transaction.atomic():
            count = expired.filter(house_id=house_id).delete()[0]
            house = House.objects.get(pk=house_id)
            record_change(
                actor=None,
                action="signal.expire",
                obj=house,
                house=house,
                after={"signals": count, "before": today.isoformat()},
            )
        total += count
    return total
