"""Privacy actions: confirming the working method, break-the-glass access, reviewing signals.

Each validates first, then changes everything in one transaction with its audit row.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.models import Membership
from casusregie.accounts.roles import Role
from casusregie.houses.models import House

from . import log, providers
from .audit import record_change
from .models import (
    Confirmation,
    GlassBreak,
    Operation,
    SignalDecision,
    SignalKind,
    UsageSignal,
    WorkingMethod,
)

# Roles that never need the working method: they see no case data (docs/privacy.md).
NO_CASE_DATA_ROLES = (Role.FUNCTIONAL_ADMIN,)
# Who may open a case outside the policy, and for how long (docs/decisions/0016).
GLASS_ROLES = (Role.PARTNER_PARTICIPANT, Role.PARTNER_MANAGER)
GLASS_HOURS = 4
MIN_REASON = 20


# --- Onboarding ------------------------------------------------------------------------------


def unconfirmed_methods(user: Any, house_slug: str | None = None) -> Any:
    """The current working method of each house (or of one house) where the user may see case
    data but has not confirmed that version: one query."""
    houses = (
        Membership.objects.active()
        .filter(user=user)
        .exclude(role__in=NO_CASE_DATA_ROLES)
        .values("house")
    )
    newer = WorkingMethod.objects.filter(house=OuterRef("house"), version__gt=OuterRef("version"))
    confirmed = Confirmation.objects.filter(method=OuterRef("pk"), user=user)
    methods = WorkingMethod.objects.filter(house__in=houses).filter(
        ~Exists(newer), ~Exists(confirmed)
    )
    if house_slug is not None:
        methods = methods.filter(house__slug=house_slug)
    return methods


def do_confirm_method(method: WorkingMethod, *, actor: Any, read: bool) -> Confirmation:
    if not read:
        raise ValidationError(
            {"read": [_("Confirm that you have read the working method and privacy rules.")]}
        )
    with transaction.atomic():
        confirmation, created = Confirmation.objects.get_or_create(method=method, user=actor)
        if created:
            record_change(
                actor=actor,
                action="working_method.confirm",
                obj=method,
                house=method.house,
                after={"version": method.version},
            )
    return confirmation


# --- Break the glass -------------------------------------------------------------------------


def may_break_glass(user: Any, house: House) -> bool:
    from . import policy

    return policy.has_role(user, house, *GLASS_ROLES)


def glass_case_ids(user: Any) -> list[int]:
    """Cases the user opened with break-the-glass that are still open to them (cached on the
    user object for the request)."""
    cached = getattr(user, "_glass_case_ids", None)
    if cached is None:
        cached = list(
            GlassBreak.objects.filter(user=user, expires_at__gt=timezone.now()).values_list(
                "case_id", flat=True
            )
        )
        user._glass_case_ids = cached
    return cached


def do_break_glass(house: House, *, actor: Any, reference: str, reason: str) -> GlassBreak:
    """Open one case outside the policy for GLASS_HOURS, with a reason; logged and flagged for
    the privacy officer."""

    errors: dict[str, list[str]] = {}
    membership = (
        Membership.objects.active()
        .filter(user=actor, house=house, role__in=GLASS_ROLES)
        .select_related("organisation")
        .first()
    )
    if membership is None:
        raise ValidationError(_("Your role does not allow emergency access."))
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        errors["reason"] = [
            _("Give a reason of at least %(count)s characters: it is reviewed.")
            % {"count": MIN_REASON}
        ]
    case = providers.oversight().case(house, reference=reference)
    if case is None:
        errors["reference"] = [_("There is no case with this number in this house.")]
    if errors:
        raise ValidationError(errors)
    assert case is not None
    now = timezone.now()
    with transaction.atomic():
        glass = GlassBreak.objects.create(
            house=house,
            case=case,
            user=actor,
            organisation=membership.organisation,
            reason=reason,
            opened_at=now,
            expires_at=now + datetime.timedelta(hours=GLASS_HOURS),
        )
        log.record(
            actor=actor,
            house=house,
            name="case.break_glass",
            operation=Operation.READ,
            obj=case,
            case_id=case.pk,
            actor_organisation=membership.organisation,
            subjects=providers.people().refs(providers.oversight().people_of_case(case)),
            reason=reason,
            after={"expires_at": glass.expires_at.isoformat()},
        )
        UsageSignal.objects.create(
            house=house,
            kind=SignalKind.BREAK_GLASS,
            user=actor,
            day=timezone.localdate(now),
            key=f"glass-{glass.pk}",
            details={"case": case.reference, "reason": reason},
        )
    return glass


def active_glass(user: Any, case: Any) -> GlassBreak | None:
    return (
        GlassBreak.objects.filter(user=user, case=case, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


# --- Review list -----------------------------------------------------------------------------


def do_decide_signal(signal: UsageSignal, *, actor: Any, decision: str, note: str) -> UsageSignal:
    note = note.strip()
    if decision not in (SignalDecision.JUSTIFIED, SignalDecision.FOLLOW_UP):
        raise ValidationError({"decision": [_("Choose a decision.")]})
    if not note:
        raise ValidationError({"note": [_("Write down what you checked.")]})
    with transaction.atomic():
        locked = UsageSignal.objects.select_for_update().get(pk=signal.pk)
        before = {"decision": locked.decision, "note": locked.note}
        locked.decision = decision
        locked.note = note
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["decision", "note", "decided_by", "decided_at"])
        record_change(
            actor=actor,
            action="signal.decide",
            obj=locked,
            house=locked.house,
            before=before,
            after={"decision": decision, "note": note},
        )
    return locked
