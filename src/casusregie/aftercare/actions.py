"""The end of the aftercare watch period and relapse alerts (decision 0053). Each state change
validates, writes with update_fields, logs per person and tells people after the commit, in
one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.cases.access import case_subjects, subject_refs
from casusregie.cases.actions import case_link, people_of
from casusregie.cases.models import Case, CaseSubject, PhaseChange, Subject
from casusregie.cases.phases import Phase
from casusregie.houses.models import House
from casusregie.inbox.actions import notify
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation

from .models import RelapseAlert, RelapseDecision, SourceKind, WatchEnd

# How long after closing a case news about its person still raises a relapse alert. A
# constant, not a house setting (decision 0053): a case closed longer ago is a new case.
RELAPSE_WATCH_MONTHS = 12
MIN_REASON = 10
# How far an extension of the watch period may reach.
MAX_EXTENSION_WEEKS = 104
REOPEN_TARGETS = (Phase.EXECUTION, Phase.PREPARATION)


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment `months` earlier (the last day of a shorter month when needed)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def alert_link(alert: RelapseAlert) -> str:
    return reverse("aftercare:alert", kwargs={"slug": alert.house.slug, "pk": alert.pk})


def directors_of(case: Case) -> list[User]:
    """The case's process director; without one (or an inactive one) every process director."""
    if case.process_director is not None and case.process_director.is_active:
        return [case.process_director]
    return list(policy.case_workers(case.house, roles=(Role.PROCESS_DIRECTOR,)))


def _require_director(house: House, actor: Any) -> None:
    if not policy.has_role(actor, house, Role.PROCESS_DIRECTOR):
        raise PermissionDenied(_("Only a process director of this house can do this."))


def _clean_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationError(
            {field: _("Give the reason in at least %(n)d characters.") % {"n": MIN_REASON}}
        )
    if len(reason) > 1000:
        raise ValidationError({field: _("Keep the reason under 1000 characters.")})
    return reason


# --- The end of the watch period --------------------------------------------------------------


def run_watch_ends(today: datetime.date) -> int:
    """Ask the process director, once per watch date, to close or extend each case in
    aftercare whose watch period has passed. Idempotent: returns the number asked now."""
    asked = 0
    due = Case.objects.filter(phase=Phase.AFTERCARE, aftercare_until__lt=today).select_related(
        "house", "process_director"
    )
    for case in due.iterator(chunk_size=500):
        until = case.aftercare_until
        assert until is not None  # filtered above
        with transaction.atomic():
            try:
                with transaction.atomic():
                    WatchEnd.objects.create(case=case, until=until, asked_at=timezone.now())
            except IntegrityError:
                continue  # asked before about this watch date
            notify(
                directors_of(case),
                house=case.house,
                link=case_link(case),
                message=_(
                    "The aftercare of case %(ref)s ended on %(date)s: close the case with its "
                    "outcome, or extend the watch period."
                )
                % {"ref": case.reference, "date": until.strftime("%d-%m-%Y")},
            )
            asked += 1
    return asked


@transaction.atomic
def do_extend_aftercare(
    case: Case, *, until: datetime.date | None, reason: str, actor: Any
) -> Case:
    case = Case.objects.select_for_update().select_related("house").get(pk=case.pk)
    _require_director(case.house, actor)
    if case.phase != Phase.AFTERCARE:
        raise ValidationError(_("Only a case in aftercare has a watch period to extend."))
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if until is None:
        errors["until"] = [_("Enter the new end date of the watch period.")]
    elif until <= today:
        errors["until"] = [_("The new end date must be after today.")]
    elif until > today + datetime.timedelta(weeks=MAX_EXTENSION_WEEKS):
        errors["until"] = [
            _("Extend by at most %(n)d weeks at a time.") % {"n": MAX_EXTENSION_WEEKS}
        ]
    try:
        reason = _clean_reason(reason)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    assert until is not None
    before = case.aftercare_until
    case.aftercare_until = until
    case.save(update_fields=["aftercare_until"])
    log.record(
        actor=actor,
        house=case.house,
        name="case.aftercare.extend",
        operation=Operation.UPDATE,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        before={"aftercare_until": before.isoformat() if before else None},
        after={"aftercare_until": until.isoformat()},
        reason=reason,
    )
    return case


# --- Relapse alerts -----------------------------------------------------------------------------


def _watched_links(house: House) -> Any:
    """Persons of the house's cases in aftercare or closed within the relapse watch."""
    cutoff = months_before(timezone.now(), RELAPSE_WATCH_MONTHS)
    return CaseSubject.objects.filter(case__house=house).filter(
        Q(case__phase=Phase.AFTERCARE) | Q(case__phase=Phase.CLOSED, case__closed_at__gte=cutoff)
    )


def watched_cases_of(house: House, subjects: Iterable[Subject]) -> list[Case]:
    """Cases in aftercare or recently closed about one of these persons: the same BSN, else
    the same name and date of birth (as `cases.actions.open_case_for`)."""
    hashes: set[str] = set()
    names = Q(pk__in=[])
    for subject in subjects:
        if subject.bsn_hash:
            hashes.add(subject.bsn_hash)
        elif subject.date_of_birth:
            names |= Q(
                subject__search_name=subject.search_name,
                subject__date_of_birth=subject.date_of_birth,
            )
    if not hashes and names == Q(pk__in=[]):
        return []
    links = _watched_links(house).filter(Q(subject__bsn_hash__in=hashes) | names)
    case_ids = set(links.values_list("case_id", flat=True))
    return list(Case.objects.filter(pk__in=case_ids).select_related("house", "process_director"))


def watched_cases_of_pseudonym(house: House, pseudonym: str, id_kind: str) -> list[Case]:
    """The same for a concern-signal pseudonym: a BSN pseudonym is the subject's BSN hash; a
    name pseudonym is compared with the watched persons' own (one query)."""
    from casusregie.signals.pseudonym import subject_pseudonyms

    links = _watched_links(house)
    if id_kind == "bsn":
        case_ids = set(links.filter(subject__bsn_hash=pseudonym).values_list("case_id", flat=True))
    else:
        case_ids = {
            case_id
            for case_id, first, last, born in links.filter(
                subject__date_of_birth__isnull=False
            ).values_list(
                "case_id", "subject__first_name", "subject__last_name", "subject__date_of_birth"
            )
            if pseudonym
            in subject_pseudonyms(bsn_hash="", first_name=first, last_name=last, date_of_birth=born)
        }
    return list(Case.objects.filter(pk__in=case_ids).select_related("house", "process_director"))


def raise_relapse_alerts(
    cases: Iterable[Case],
    *,
    source_kind: str,
    source_id: int,
    actor: Any,
    exclude_case_id: int | None = None,
) -> list[RelapseAlert]:
    """One alert per watched case (never twice for the same source); logged per person of the
    case; its process director is told after the commit. The asker hears nothing of it."""
    raised = []
    now = timezone.now()
    for case in cases:
        if case.pk == exclude_case_id:
            continue
        alert, created = RelapseAlert.objects.get_or_create(
            case=case,
            source_kind=source_kind,
            source_id=source_id,
            defaults={"house": case.house, "created_at": now},
        )
        if not created:
            continue
        raised.append(alert)
        log.record(
            actor=actor,
            house=case.house,
            name="case.relapse.alert",
            operation=Operation.CREATE,
            obj=alert,
            case_id=case.pk,
            subjects=subject_refs(case_subjects(case)),
            after={"source": source_kind, "source_id": source_id, "phase": case.phase},
        )
        notify(
            directors_of(case),
            house=case.house,
            link=alert_link(alert),
            message=_(
                "Possible relapse in case %(ref)s (%(phase)s): %(source)s about the same person. "
                "Re-open the case or record that no action is needed."
            )
            % {
                "ref": case.reference,
                "phase": Phase(case.phase).label,
                "source": SourceKind(source_kind).label,
            },
        )
    return raised


def _lock_open_alert(alert: RelapseAlert, actor: Any) -> RelapseAlert:
    alert = (
        RelapseAlert.objects.select_for_update().select_related("house", "case").get(pk=alert.pk)
    )
    _require_director(alert.house, actor)
    if not alert.is_open:
        raise ValidationError(_("This relapse alert has already been dealt with."))
    return alert


def _handle(alert: RelapseAlert, decision: str, reason: str, actor: Any) -> None:
    alert.handled_at = timezone.now()
    alert.handled_by = actor
    alert.decision = decision
    alert.reason = reason
    alert.save(update_fields=["handled_at", "handled_by", "decision", "reason"])


@transaction.atomic
def do_dismiss_relapse(alert: RelapseAlert, *, reason: str, actor: Any) -> RelapseAlert:
    """*No action*: the director records why the news needs no re-opening."""
    alert = _lock_open_alert(alert, actor)
    reason = _clean_reason(reason)
    _handle(alert, RelapseDecision.NO_ACTION, reason, actor)
    log.record(
        actor=actor,
        house=alert.house,
        name="case.relapse.no_action",
        operation=Operation.UPDATE,
        obj=alert,
        case_id=alert.case_id,
        subjects=subject_refs(case_subjects(alert.case)),
        after={"decision": RelapseDecision.NO_ACTION},
        reason=reason,
    )
    return alert


@transaction.atomic
def do_reopen_case(alert: RelapseAlert, *, target: str, reason: str, actor: Any) -> Case:
    """Re-open the alert's case (in aftercare or closed) back to execution or preparation,
    with the reason; everyone working on it is told."""
    alert = _lock_open_alert(alert, actor)
    errors: dict[str, list[str]] = {}
    if target not in REOPEN_TARGETS:
        errors["target"] = [_("Choose execution or preparation.")]
    try:
        reason = _clean_reason(reason)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    case = Case.objects.select_for_update().select_related("house").get(pk=alert.case_id)
    if case.phase not in (Phase.AFTERCARE, Phase.CLOSED):
        raise ValidationError(_("This case is already open again."))
    before = {"phase": case.phase, "outcome": case.outcome}
    now = timezone.now()
    from_phase = case.phase
    case.phase = target
    case.phase_changed_at = now
    case.aftercare_until = None
    case.closed_at = None
    case.outcome = ""
    case.retention_until = None
    case.save(
        update_fields=[
            "phase",
            "phase_changed_at",
            "aftercare_until",
            "closed_at",
            "outcome",
            "retention_until",
        ]
    )
    PhaseChange.objects.create(
        case=case,
        from_phase=from_phase,
        to_phase=target,
        actor=actor,
        changed_at=now,
        reason=reason,
    )
    _handle(alert, RelapseDecision.REOPENED, reason, actor)
    log.record(
        actor=actor,
        house=case.house,
        name="case.reopen",
        operation=Operation.UPDATE,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
        before=before,
        after={"phase": target, "relapse_alert": alert.pk},
        reason=reason,
    )
    notify(
        [u for u in people_of(case) if u != actor],
        house=case.house,
        link=case_link(case),
        message=_("Case %(ref)s has been re-opened (%(phase)s).")
        % {"ref": case.reference, "phase": Phase(target).label},
    )
    return case
