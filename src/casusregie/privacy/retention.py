"""Retention and destruction: extend a case's retention with a reason; a scheduled job proposes
what is past its period; two different people approve; destruction removes the personal data
and leaves a tombstone (what kind, when, by whose decision).

Log lines are not touched here: they are pseudonymised and follow their own retention
(`purge_log`), so the trail of what happened outlives the data it was about.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.roles import Role
from casusregie.houses.models import House

from . import chain, log, providers
from .audit import record_change
from .models import (
    DestructionApproval,
    DestructionItem,
    DestructionList,
    DestructionStatus,
    LogCheckpoint,
    LogHead,
    Operation,
    ProcessingLogEntry,
    RetentionExtension,
    Tombstone,
)

# Who may extend a retention period and approve a destruction list.
RETENTION_ROLES = (Role.PRIVACY_OFFICER, Role.PROCESS_DIRECTOR, Role.HOUSE_MANAGER)
APPROVALS_NEEDED = 2
MAX_EXTENSION_YEARS = 10

logger = logging.getLogger(__name__)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


# --- Extension -------------------------------------------------------------------------------


def do_extend(case: Any, *, actor: Any, until: datetime.date | None, reason: str) -> Any:
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if case.closed_at is None or case.retention_until is None:
        raise ValidationError(_("Only a closed case has a retention period to extend."))
    if until is None or until <= case.retention_until:
        errors["until"] = [
            _("Choose a date after the current end of retention (%(date)s).")
            % {"date": case.retention_until.strftime("%d-%m-%Y")}
        ]
    elif until > case.retention_until + datetime.timedelta(days=366 * MAX_EXTENSION_YEARS):
        errors["until"] = [
            _("Extend by at most %(years)s years at a time.") % {"years": MAX_EXTENSION_YEARS}
        ]
    if not reason:
        errors["reason"] = [_("Give the reason to keep this case longer.")]
    if errors:
        raise ValidationError(errors)
    assert until is not None
    with transaction.atomic():
        previous = case.retention_until
        RetentionExtension.objects.create(
            case=case, previous_until=previous, new_until=until, reason=reason, decided_by=actor
        )
        case.retention_until = until
        case.save(update_fields=["retention_until"])
        record_change(
            actor=actor,
            action="case.extend_retention",
            obj=case,
            house=case.house,
            before={"retention_until": previous.isoformat()},
            after={"retention_until": until.isoformat()},
            reason=reason,
        )
    return case


# --- Proposal --------------------------------------------------------------------------------


def due(house: House, today: datetime.date) -> dict[str, Any]:
    """Per kind of kept thing (closed cases, declined referrals, ...): its rows past the
    retention period, not yet on a list that is still open. Each kind is registered by its own
    app (privacy/providers.py)."""
    open_lists = DestructionItem.objects.filter(
        destruction_list__house=house,
        destruction_list__status__in=[DestructionStatus.PROPOSED, DestructionStatus.APPROVED],
        object_id=OuterRef("pk"),
    )
    return {
        kept.kind: kept.due(house, today).filter(~Exists(open_lists.filter(kind=kept.kind)))
        for kept in providers.kept_kinds()
    }


def propose(house: House, today: datetime.date) -> DestructionList | None:
    """A new destruction list with everything due; None when nothing is due (idempotent)."""
    items = []
    counts: dict[str, int] = {}
    for kind, rows in due(house, today).items():
        describe = providers.kept(kind).describe
        found = [
            DestructionItem(kind=kind, object_id=row.pk, reference=ref, summary=summary)
            for row in rows.order_by("pk")
            for ref, summary in [describe(row)]
        ]
        counts[f"{kind}s"] = len(found)
        items += found
    if not items:
        return None
    with transaction.atomic():
        proposal = DestructionList.objects.create(house=house)
        for item in items:
            item.destruction_list = proposal
        DestructionItem.objects.bulk_create(items)
        record_change(
            actor=None, action="destruction.propose", obj=proposal, house=house, after=counts
        )
    return proposal


def propose_all(today: datetime.date) -> int:
    return sum(1 for house in House.objects.all() if propose(house, today) is not None)


# --- Approval and destruction ----------------------------------------------------------------


def do_approve(proposal: DestructionList, *, actor: Any) -> DestructionList:
    """Record one approval; the second person's approval destroys the list's items."""
    with transaction.atomic():
        locked = DestructionList.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != DestructionStatus.PROPOSED:
            raise ValidationError(_("This list has already been approved."))
        if DestructionApproval.objects.filter(destruction_list=locked, user=actor).exists():
            raise ValidationError(
                _("You have already approved this list: a second person must approve it.")
            )
        DestructionApproval.objects.create(destruction_list=locked, user=actor)
        record_change(actor=actor, action="destruction.approve", obj=locked, house=locked.house)
        if locked.approvals.count() >= APPROVALS_NEEDED:
            locked.status = DestructionStatus.APPROVED
            locked.save(update_fields=["status"])
            transaction.on_commit(lambda: _enqueue(locked.pk))
    return locked


def _enqueue(list_id: int) -> None:
    from .tasks import destroy_list

    destroy_list.enqueue(list_id)


def execute(list_id: int) -> int:
    """Destroy every item of an approved list; returns how many were destroyed. Each item is
    its own transaction, so a long list shows progress and a failure stops at one item."""
    proposal = DestructionList.objects.select_related("house").get(pk=list_id)
    if proposal.status != DestructionStatus.APPROVED:
        return 0
    approvers = list(
        proposal.approvals.select_related("user").values_list("user__full_name", flat=True)
    )
    done = 0
    for item in proposal.items.filter(excluded_reason="").order_by("pk"):
        with transaction.atomic():
            if _destroy(proposal, item, approvers):
                done += 1
    with transaction.atomic():
        proposal.status = DestructionStatus.EXECUTED
        proposal.executed_at = timezone.now()
        proposal.save(update_fields=["status", "executed_at"])
        record_change(
            actor=None,
            action="destruction.execute",
            obj=proposal,
            house=proposal.house,
            after={"destroyed": done},
        )
    return done


def _destroy(proposal: DestructionList, item: DestructionItem, approvers: list[str]) -> bool:
    """Destroy one item: log it per person it names, let the other apps remove what goes with
    it, delete it, and forget the people no app names any more. A tombstone remains."""
    house = proposal.house
    kept = providers.kept(item.kind)
    target = kept.get(house, item.object_id)
    if target is None:
        return False
    subjects = providers.people_of(item.kind, target)
    log.record(
        actor=None,
        house=house,
        name=f"{item.kind}.destroy",
        operation=Operation.DELETE,
        obj=target,
        case_id=kept.case_id(target),
        subjects=providers.people().refs(subjects),
        activity=log.RETENTION,
        purpose="Vernietiging na afloop van de bewaartermijn",
        after={"list": proposal.pk, "approved_by": approvers},
    )
    object_type = target._meta.label_lower
    for removal in providers.removals(item.kind):
        removal(target)
    target.delete()
    orphans = providers.unnamed(sorted({s.pk for s in subjects}))
    providers.people().model._default_manager.filter(pk__in=orphans).delete()
    Tombstone.objects.create(
        house=house,
        kind=item.kind,
        reference=item.reference,
        summary={**item.summary, "approved_by": approvers, "object_type": object_type},
        destruction_list=proposal,
    )
    return True


# --- The processing log's own retention ------------------------------------------------------


def purge_log(house: House, today: datetime.date) -> int:
    """Remove log lines older than the house's log retention, from the start of the chain,
    and record the signed checkpoint `verify_log` restarts from."""
    zone = timezone.get_current_timezone()
    cutoff = datetime.datetime.combine(
        add_months(today, -12 * house.retention_log_years), datetime.time.min, zone
    )
    with transaction.atomic():
        LogHead.objects.select_for_update().filter(house_id=house.pk, kind="log").first()
        previous = (
            LogCheckpoint.objects.filter(house_id=house.pk, kind="log").order_by("-pk").first()
        )
        if previous is not None and not chain.checkpoint_signed(previous):
            # A new signed checkpoint would hide the forged one from verify-log: leave both.
            logger.error("log_purge_refused", extra={"house_id": house.pk})
            return 0
        old = ProcessingLogEntry.objects.filter(house=house, start_time__lt=cutoff)
        last = old.order_by("-pk").values("pk", "chain_hash", "start_time").first()
        if last is None:
            return 0
        # Lines are chained in id order; remove a prefix only, so the chain stays checkable.
        prefix = ProcessingLogEntry.objects.filter(house=house, pk__lte=last["pk"])
        count = prefix.count()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # the trigger lets only this job delete
                cursor.execute("SET LOCAL casusregie.log_purge = 'on'")
            cursor.execute(
                "DELETE FROM privacy_processinglogentry WHERE house_id = %s AND id <= %s",
                [house.pk, last["pk"]],
            )
        checkpoint = LogCheckpoint(
            house_id=house.pk,
            kind="log",
            last_removed_id=last["pk"],
            last_removed_hash=last["chain_hash"],
            last_removed_seq=(previous.last_removed_seq if previous else 0) + count,
            removed=count,
            removed_until=last["start_time"],
        )
        checkpoint.mac = chain.checkpoint_mac(checkpoint)
        checkpoint.save()
    return count
