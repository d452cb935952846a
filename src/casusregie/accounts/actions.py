"""State changes of accounts. Each writes the audit trail in the same transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.houses.models import House
from casusregie.inbox.actions import notify
from casusregie.privacy import policy
from casusregie.privacy.audit import record_change

from .models import StandIn, User, new_session_token
from .roles import Role


@transaction.atomic
def do_end_all_sessions(user: User, *, actor: User) -> None:
    """Log the user out on every device by changing the secret their sessions are bound to."""
    user.session_token = new_session_token()
    user.save(update_fields=["session_token"])
    record_change(actor=actor, action="end_all_sessions", obj=user, house=None)


@transaction.atomic
def do_confirm_totp_device(device: TOTPDevice, *, actor: User) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    record_change(actor=actor, action="confirm_two_factor_device", obj=device.user, house=None)


# --- Stand-ins during absence (docs/handover.md, decision 0046) ----------------------------

STAND_IN_MAX_DAYS = 366


def may_arrange_stand_in(actor: Any, house: House, absent: Any) -> bool:
    """The absent person themselves, a process director or a functional administrator."""
    if getattr(actor, "pk", None) is None:
        return False
    if actor.pk == getattr(absent, "pk", None) and policy.case_organisations(actor, house):
        return True
    return policy.has_role(actor, house, Role.PROCESS_DIRECTOR, Role.FUNCTIONAL_ADMIN)


def may_end_stand_in(actor: Any, arrangement: StandIn) -> bool:
    """Those who may arrange it, and the stand-in themselves."""
    if getattr(actor, "pk", None) == arrangement.stand_in_id:
        return True
    return may_arrange_stand_in(actor, arrangement.house, arrangement.absent)


def check_stand_in(house: House, absent: Any, stand_in: Any) -> None:
    """The stand-in holds a case-working role in an organisation the absent person works for
    in this house, or, for an absent process director, is a process director of the house.
    The privacy officer, administrator and auditor hold no case-working role: they cannot
    stand in for case work."""
    if stand_in is None:
        raise ValidationError({"stand_in": _("Choose the stand-in.")})
    if stand_in.pk == absent.pk:
        raise ValidationError({"stand_in": _("Someone cannot stand in for themselves.")})
    absent_orgs = set(policy.case_organisations(absent, house))
    if not absent_orgs:
        raise ValidationError(
            {"absent": _("%(name)s does no case work in this house.") % {"name": absent}}
        )
    if not stand_in.is_active or not policy.case_organisations(stand_in, house):
        raise ValidationError(
            {
                "stand_in": _("%(name)s does no case work in this house and cannot be a stand-in.")
                % {"name": stand_in}
            }
        )
    if policy.has_role(absent, house, Role.PROCESS_DIRECTOR):
        if not policy.has_role(stand_in, house, Role.PROCESS_DIRECTOR):
            raise ValidationError(
                {
                    "stand_in": _(
                        "A process director's stand-in must be a process director of this house."
                    )
                }
            )
        return
    if not absent_orgs & set(policy.case_organisations(stand_in, house)):
        raise ValidationError(
            {
                "stand_in": _(
                    "The stand-in must work on cases for the same organisation as %(name)s."
                )
                % {"name": absent}
            }
        )


def _period_errors(starts_on: Any, ends_on: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if starts_on is None:
        errors["starts_on"] = [_("Enter the first day.")]
    elif starts_on < today:
        errors["starts_on"] = [_("A stand-in cannot start in the past.")]
    if ends_on is None:
        errors["ends_on"] = [_("Enter the last day.")]
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The last day cannot be before the first day.")]
    elif starts_on is not None and (ends_on - starts_on).days >= STAND_IN_MAX_DAYS:
        errors["ends_on"] = [_("A stand-in is arranged for at most a year.")]
    return errors


@transaction.atomic
def do_set_stand_in(
    house: House,
    *,
    absent: User,
    stand_in: User | None,
    starts_on: Any,
    ends_on: Any,
    reason: str = "",
    actor: Any,
) -> StandIn:
    """Arrange a stand-in for `absent` in `house` from `starts_on` until `ends_on` (included).
    Periods of one absent person do not overlap. The stand-in (and the absent person, when
    someone else arranges it) is told."""
    if not may_arrange_stand_in(actor, house, absent):
        raise PermissionDenied(
            _(
                "Only the person themselves, a process director or a functional administrator "
                "arranges a stand-in."
            )
        )
    # One arrangement at a time per absent person: the overlap check below runs under a lock.
    User.objects.select_for_update().filter(pk=absent.pk).first()
    errors = _period_errors(starts_on, ends_on)
    try:
        check_stand_in(house, absent, stand_in)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if not errors and (
        StandIn.objects.filter(
            house=house,
            absent=absent,
            ended_at__isnull=True,
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        ).exists()
    ):
        errors["starts_on"] = [
            _("%(name)s already has a stand-in in this period; end that one first.")
            % {"name": absent}
        ]
    if errors:
        raise ValidationError(errors)
    assert stand_in is not None
    arrangement = StandIn.objects.create(
        house=house,
        absent=absent,
        stand_in=stand_in,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip()[:200],
        created_by=actor,
    )
    record_change(
        actor=actor,
        action="stand_in.set",
        obj=arrangement,
        house=house,
        after={
            "absent": absent.pk,
            "stand_in": stand_in.pk,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
        reason=arrangement.reason,
    )
    period = {
        "start": date_format(starts_on, "d-m-Y"),
        "end": date_format(ends_on, "d-m-Y"),
    }
    link = reverse("work:my_work", kwargs={"slug": house.slug})
    notify(
        [stand_in] if stand_in != actor else [],
        house=house,
        link=link,
        message=_("You stand in for %(name)s from %(start)s until %(end)s.")
        % {"name": absent.full_name, **period},
    )
    if absent != actor:
        notify(
            [absent],
            house=house,
            link=link,
            message=_("%(name)s stands in for you from %(start)s until %(end)s.")
            % {"name": stand_in.full_name, **period},
        )
    return arrangement


@transaction.atomic
def do_end_stand_in(arrangement: StandIn, *, actor: Any, reason: str = "") -> StandIn:
    """End a stand-in early (or withdraw one that has not begun): its powers end at once."""
    locked = (
        StandIn.objects.select_for_update()
        .select_related("house", "absent", "stand_in")
        .get(pk=arrangement.pk)
    )
    if not may_end_stand_in(actor, locked):
        raise PermissionDenied(_("You cannot end this stand-in."))
    if locked.ended_at is not None or locked.ends_on < timezone.localdate():
        raise ValidationError(_("This stand-in has already ended."))
    locked.ended_at = timezone.now()
    locked.ended_by = actor
    locked.save(update_fields=["ended_at", "ended_by"])
    record_change(
        actor=actor,
        action="stand_in.end",
        obj=locked,
        house=locked.house,
        before={"ended_at": None},
        after={"ended_at": locked.ended_at.isoformat()},
        reason=reason.strip(),
    )
    notify(
        [u for u in (locked.stand_in, locked.absent) if u != actor],
        house=locked.house,
        link=reverse("work:my_work", kwargs={"slug": locked.house.slug}),
        message=_("The stand-in of %(stand_in)s for %(name)s has ended.")
        % {"stand_in": locked.stand_in.full_name, "name": locked.absent.full_name},
    )
    arrangement.refresh_from_db()
    return locked
