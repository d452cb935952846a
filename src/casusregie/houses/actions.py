"""State changes of houses, organisations and memberships.

Each action validates, changes, writes the audit trail and queues side effects (e-mail) with
`transaction.on_commit`, all in one transaction. Views and the CLI call these; only the
demo loader writes its synthetic rows in bulk without them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from casusregie.accounts.models import GrantStatus, Membership, RoleGrant, User
from casusregie.accounts.roles import FOUR_EYES_ROLES, GRANT_APPROVER_ROLES, Role
from casusregie.privacy import policy
from casusregie.privacy.audit import record_change

from . import handover
from .access import HANDOVER_ROLES
from .models import House, Organisation, Partnership

HOUSE_SETTING_FIELDS = (
    "name",
    "region",
    "governance_form",
    "referral_rights",
    "invitee_choice",
    "has_triage_team",
    "may_take_cases",
    "care_form_recipient",
    "escalation_ladder",
    "reminder_days_before_deadline",
    "overdue_reminder_every_days",
    "plan_stall_weeks",
    "aftercare_weeks",
    "retention_case_years",
    "retention_declined_referral_months",
    "retention_signal_days",
    "retention_log_years",
    "signal_case_threshold",
    "working_hours_start",
    "working_hours_end",
)
ORGANISATION_FIELDS = ("name", "kind", "expertise", "email", "phone", "address")


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in fields:
        value = getattr(obj, field)
        values[field] = value.pk if hasattr(value, "pk") else value
    return values


def organisation_name_taken(name: str, *, exclude_pk: int | None = None) -> bool:
    query = Organisation.objects.filter(name__iexact=name.strip())
    if exclude_pk is not None:
        query = query.exclude(pk=exclude_pk)
    return query.exists()


@transaction.atomic
def do_add_organisation(
    house: House,
    *,
    name: str,
    kind: str,
    ring: str,
    covenant_signatory: bool,
    expertise: list[str] | None = None,
    email: str = "",
    phone: str = "",
    address: str = "",
    actor: Any,
) -> Partnership:
    """Create a partner organisation and make it a partner of this house."""
    name = name.strip()
    if organisation_name_taken(name):
        raise ValidationError({"name": _("An organisation with this name already exists.")})
    organisation = Organisation.objects.create(
        name=name,
        kind=kind,
        expertise=list(expertise or []),
        email=email,
        phone=phone,
        address=address,
    )
    partnership = Partnership.objects.create(
        house=house, organisation=organisation, ring=ring, covenant_signatory=covenant_signatory
    )
    record_change(
        actor=actor,
        action="add_organisation",
        obj=partnership,
        house=house,
        after={
            **_snapshot(organisation, ORGANISATION_FIELDS),
            "ring": ring,
            "covenant_signatory": covenant_signatory,
        },
    )
    return partnership


@transaction.atomic
def do_join_house(
    house: House, organisation: Organisation, *, ring: str, covenant_signatory: bool, actor: Any
) -> Partnership:
    """Make an existing organisation a partner of one more house."""
    if Partnership.objects.filter(house=house, organisation=organisation).exists():
        raise ValidationError(_("This organisation is already a partner of this house."))
    partnership = Partnership.objects.create(
        house=house, organisation=organisation, ring=ring, covenant_signatory=covenant_signatory
    )
    record_change(
        actor=actor,
        action="join_house",
        obj=partnership,
        house=house,
        after={
            "organisation": organisation.pk,
            "ring": ring,
            "covenant_signatory": covenant_signatory,
        },
    )
    return partnership


@transaction.atomic
def do_update_partnership(
    partnership: Partnership, *, changes: dict[str, Any], actor: Any
) -> Partnership:
    """Change an organisation's details and its ring and covenant status in this house.

    Organisation-wide fields (name, kind, expertise and contact details) change for every
    house the organisation is in, so they may only change while it is a partner of this house
    alone: one house's administrator changed the Openbaar Ministerie's e-mail address, phone
    and address in another house too (issue 22, finding 9). Ring and covenant are this house's.
    """
    organisation = partnership.organisation
    shared = organisation.partnerships.exclude(pk=partnership.pk).exists()
    changed = [
        f for f in ORGANISATION_FIELDS if f in changes and changes[f] != getattr(organisation, f)
    ]
    if shared and changed:
        raise ValidationError(
            {
                field: _(
                    "This organisation also takes part in another house; its details are the "
                    "same in every house and cannot be changed here."
                )
                for field in changed
            }
        )
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if organisation_name_taken(changes["name"], exclude_pk=organisation.pk):
            raise ValidationError({"name": _("An organisation with this name already exists.")})
    before = {
        **_snapshot(organisation, ORGANISATION_FIELDS),
        **_snapshot(partnership, ("ring", "covenant_signatory")),
    }
    org_fields = [f for f in ORGANISATION_FIELDS if f in changes]
    for field in org_fields:
        setattr(organisation, field, changes[field])
    if org_fields:
        organisation.save(update_fields=org_fields)
    partnership_fields = [f for f in ("ring", "covenant_signatory") if f in changes]
    for field in partnership_fields:
        setattr(partnership, field, changes[field])
    if partnership_fields:
        partnership.save(update_fields=partnership_fields)
    after = {
        **_snapshot(organisation, ORGANISATION_FIELDS),
        **_snapshot(partnership, ("ring", "covenant_signatory")),
    }
    record_change(
        actor=actor,
        action="update_partnership",
        obj=partnership,
        house=partnership.house,
        before=before,
        after=after,
    )
    return partnership


def _check_partner(house: House, organisation: Organisation) -> None:
    if not Partnership.objects.filter(house=house, organisation=organisation).exists():
        raise ValidationError(
            {"organisation": _("This organisation is not a partner of this house.")}
        )


def _already_holds() -> ValidationError:
    return ValidationError(
        {"role": _("This person already holds this role for this organisation in this house.")}
    )


def _check_grantable(user: User, house: House, organisation: Organisation, role: str) -> None:
    _check_partner(house, organisation)
    if (
        Membership.objects.active()
        .filter(user=user, house=house, organisation=organisation, role=role)
        .exists()
    ):
        raise _already_holds()


def _create_membership(
    user: User,
    house: House,
    organisation: Organisation,
    role: str,
    *,
    actor: Any,
    grant: RoleGrant | None = None,
) -> Membership:
    """The membership itself, once it may exist: given at once, or approved (`grant`)."""
    _check_grantable(user, house, organisation, role)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, house=house, organisation=organisation, role=role
            )
    except IntegrityError:  # a concurrent request added the same role a moment earlier
        raise _already_holds() from None
    after: dict[str, Any] = {"user": user.pk, "organisation": organisation.pk, "role": role}
    if grant is not None:
        after |= {"grant": grant.pk, "requested_by": grant.requested_by_id}
    record_change(actor=actor, action="add_membership", obj=membership, house=house, after=after)
    return membership


def _request_role(
    user: User, house: House, organisation: Organisation, role: str, *, actor: Any, invite: bool
) -> RoleGrant:
    """A pending grant that a second person approves or rejects."""
    if RoleGrant.objects.filter(
        user=user, house=house, organisation=organisation, role=role, status=GrantStatus.PENDING
    ).exists():
        raise ValidationError({"role": _("This role has already been asked for this person.")})
    try:
        with transaction.atomic():
            grant = RoleGrant.objects.create(
                user=user,
                house=house,
                organisation=organisation,
                role=role,
                requested_by=actor,
                invite=invite,
            )
    except IntegrityError:  # the same request a moment earlier
        raise ValidationError(
            {"role": _("This role has already been asked for this person.")}
        ) from None
    record_change(
        actor=actor,
        action="role_grant.request",
        obj=grant,
        house=house,
        after={"user": user.pk, "organisation": organisation.pk, "role": role, "status": "pending"},
    )
    return grant


def _needs_second_person(role: str, actor: Any) -> bool:
    """Whether giving `role` waits for a second person's approval (decision 0040). Only the
    command line (no actor: the operator who also set the house up) gives such a role at once."""
    return actor is not None and role in FOUR_EYES_ROLES


@transaction.atomic
def do_grant_role(
    user: User,
    house: House,
    organisation: Organisation,
    role: str,
    *,
    actor: Any,
    invite: bool = False,
) -> Membership | RoleGrant:
    """Give a person a role in this house. A role that opens case content, oversees or manages
    roles (`FOUR_EYES_ROLES`) becomes a pending grant that another functional administrator or
    the house manager approves; other roles take effect at once. Nobody gives themselves a role.
    `invite`: the account was just created, so its invitation goes out with the role."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(
            {
                "role": _(
                    "You cannot give yourself a role: another functional administrator does that."
                )
            }
        )
    if actor is not None and not policy.has_role(actor, house, Role.FUNCTIONAL_ADMIN):
        raise ValidationError(_("Only a functional administrator gives roles."))
    if role not in Role.values:
        raise ValidationError({"role": _("This is not a role.")})
    _check_grantable(user, house, organisation, role)
    if _needs_second_person(role, actor):
        return _request_role(user, house, organisation, role, actor=actor, invite=invite)
    membership = _create_membership(user, house, organisation, role, actor=actor)
    if invite:
        # Queued in the outbox with the new account (decision 0032).
        _send_invitation(user.pk)
    return membership


def _lock_pending(grant: RoleGrant, actor: Any) -> RoleGrant:
    locked = RoleGrant.objects.select_for_update().select_related("house").get(pk=grant.pk)
    if locked.status != GrantStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if actor is None or not policy.has_role(actor, locked.house, *GRANT_APPROVER_ROLES):
        raise ValidationError(
            _("Only a functional administrator or the house manager decides on roles.")
        )
    return locked


@transaction.atomic
def do_approve_role_grant(grant: RoleGrant, *, actor: Any) -> Membership:
    """The second person approves: the membership is created and the grant records it."""
    locked = _lock_pending(grant, actor)
    if actor.pk == locked.requested_by_id:
        raise ValidationError(
            _(
                "You asked for this role yourself: another functional administrator or the "
                "house manager approves it."
            )
        )
    if actor.pk == locked.user_id:
        raise ValidationError(_("You cannot approve a role for yourself."))
    membership = _create_membership(
        locked.user, locked.house, locked.organisation, locked.role, actor=actor, grant=locked
    )
    locked.status = GrantStatus.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.membership = membership
    locked.save(update_fields=["status", "decided_by", "decided_at", "membership"])
    record_change(
        actor=actor,
        action="role_grant.approve",
        obj=locked,
        house=locked.house,
        before={"status": "pending"},
        after={"status": "approved", "membership": membership.pk},
    )
    if locked.invite:
        _send_invitation(locked.user_id)
    grant.refresh_from_db()
    return membership


@transaction.atomic
def do_reject_role_grant(grant: RoleGrant, *, actor: Any, reason: str = "") -> RoleGrant:
    """Reject a pending grant (or, by the one who asked, withdraw it): no role is given."""
    locked = _lock_pending(grant, actor)
    locked.status = GrantStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.reason = reason.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    record_change(
        actor=actor,
        action="role_grant.reject",
        obj=locked,
        house=locked.house,
        before={"status": "pending"},
        after={"status": "rejected"},
        reason=locked.reason,
    )
    grant.refresh_from_db()
    return locked


def _send_invitation(user_pk: int) -> None:
    """E-mail a new user a link to choose their first password (valid PASSWORD_RESET_TIMEOUT).

    Django's password-reset form skips accounts without a usable password, which is exactly
    what a new account is, so the invitation builds the same signed link itself.
    """
    user = User.objects.get(pk=user_pk)
    context = {
        "user": user,
        "link": settings.BASE_URL
        + reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        ),
    }
    subject = render_to_string("accounts/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])


@transaction.atomic
def do_add_person(
    house: House,
    *,
    email: str,
    full_name: str,
    organisation: Organisation,
    role: str,
    actor: Any,
) -> tuple[User, Membership | RoleGrant, bool]:
    """Give a person a role in this house (`do_grant_role`: at once, or as a pending grant),
    creating their account if it does not exist yet.

    A new account gets no password: the person receives an e-mail with a link to choose one,
    when the role takes effect. Returns the user, the membership or pending grant, and whether
    the account was created.
    """
    _check_partner(house, organisation)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name.strip())
        record_change(
            actor=actor,
            action="create_user",
            obj=user,
            house=house,
            after={"email": email, "full_name": user.full_name},
        )
    granted = do_grant_role(user, house, organisation, role, actor=actor, invite=created)
    return user, granted, created


@transaction.atomic
def do_end_membership(membership: Membership, *, actor: Any, reason: str = "") -> Membership:
    if membership.ended_at is not None:
        raise ValidationError(_("This role has already ended."))
    if (
        membership.role == Role.FUNCTIONAL_ADMIN
        and not Membership.objects.active()
        .filter(house=membership.house, role=Role.FUNCTIONAL_ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(
            _("This is the last functional administrator of the house; add another one first.")
        )
    held = handover.holdings(membership.house, membership.user, ending=membership)
    if held:
        raise ValidationError(
            _(
                "%(name)s still holds work in this house: %(held)s. Hand it over first "
                "(Hand over work, on the person's page)."
            )
            % {
                "name": membership.user,
                "held": held.summary(
                    numbers=actor is not None
                    and policy.has_role(actor, membership.house, *policy.STAFF_ROLES)
                ),
            }
        )
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    record_change(
        actor=actor,
        action="end_membership",
        obj=membership,
        house=membership.house,
        before={"ended_at": None},
        after={"ended_at": membership.ended_at.isoformat()},
        reason=reason,
    )
    return membership


def _successor_error(house: House, successor: User, from_user: User) -> str:
    """Why `successor` cannot take over anything from `from_user`, or ""."""
    if successor.pk == from_user.pk:
        return _("%(name)s cannot take over from themselves.") % {"name": successor}
    if (
        not successor.is_active
        or not Membership.objects.active().filter(user=successor, house=house).exists()
    ):
        return _("%(name)s no longer works in this house.") % {"name": successor}
    return ""


@transaction.atomic
def do_handover(
    house: House,
    from_user: User,
    *,
    process_director: User | None = None,
    case_directors: dict[int, User] | None = None,
    action_owners: dict[int, User] | None = None,
    actor: Any,
    reason: str,
) -> handover.Holdings:
    """Hand over in one go what `from_user` holds in `house` (decision 0046): the process
    direction of their open cases and the chair of their meetings not yet held go to
    `process_director`; the case direction of a case (by case id) and the ownership of an
    action (by action id) to the chosen colleague of the same organisation. Everything is
    checked before anything changes; each item gets its processing-log line or audit row, the
    new holders are told by number. Returns what was handed over. What is not chosen stays."""
    if not policy.has_role(actor, house, *HANDOVER_ROLES):
        raise PermissionDenied(
            _("Only a process director or a functional administrator hands work over.")
        )
    from casusregie.cases.actions import do_hand_over_case
    from casusregie.inbox.actions import notify
    from casusregie.meetings.actions import do_hand_over_chair
    from casusregie.plans.actions import do_hand_over_actions

    case_directors = {k: v for k, v in (case_directors or {}).items() if v is not None}
    action_owners = {k: v for k, v in (action_owners or {}).items() if v is not None}
    held = handover.holdings(house, from_user)
    errors: dict[str, list[str]] = {}
    reason = reason.strip()
    if not reason:
        errors["reason"] = [_("Say why the work is handed over.")]
    if process_director is None and not case_directors and not action_owners:
        errors["__all__"] = [_("Choose at least one person to take over.")]
    if process_director is not None:
        problem = _successor_error(house, process_director, from_user)
        if not problem and not policy.has_role(process_director, house, Role.PROCESS_DIRECTOR):
            problem = _("%(name)s is not a process director of this house.") % {
                "name": process_director
            }
        if problem:
            errors["process_director"] = [problem]
    director_cases = {c.pk: c for c in held.director_cases}
    for case_id, successor in case_directors.items():
        case = director_cases.get(case_id)
        problem = _successor_error(house, successor, from_user)
        if case is None:
            problem = _("%(name)s is not the case director of this case.") % {"name": from_user}
        elif not problem and (
            case.case_director_organisation is None
            or not policy.works_for(successor, house, case.case_director_organisation)
        ):
            problem = _(
                "%(name)s does not work on cases for %(org)s, the organisation of case %(ref)s."
            ) % {"name": successor, "org": case.case_director_organisation, "ref": case.reference}
        if problem:
            errors[f"case_{case_id}"] = [problem]
    owned = {a.pk: a for a in held.actions}
    for action_id, successor in action_owners.items():
        action = owned.get(action_id)
        problem = _successor_error(house, successor, from_user)
        if action is None:
            problem = _("%(name)s does not own this action.") % {"name": from_user}
        elif not problem and not policy.works_for(successor, house, action.owner_organisation):
            problem = _(
                "%(name)s does not work on cases for %(org)s, the owner of action A%(number)s."
            ) % {"name": successor, "org": action.owner_organisation, "number": action.number}
        if problem:
            errors[f"action_{action_id}"] = [problem]
    if errors:
        raise ValidationError(errors)

    done = handover.Holdings()
    told: dict[int, tuple[User, list[str]]] = {}

    def tell(user: User, item: str) -> None:
        told.setdefault(user.pk, (user, []))[1].append(item)

    # Both directorships of one case change in one step (one log line for the case).
    for case in {c.pk: c for c in held.process_cases + held.director_cases}.values():
        new_process = process_director if case.process_director_id == from_user.pk else None
        new_case = case_directors.get(case.pk)
        if new_process is None and new_case is None:
            continue
        do_hand_over_case(
            case,
            from_user=from_user,
            process_director=new_process,
            case_director=new_case,
            actor=actor,
            reason=reason,
        )
        if new_process is not None:
            done.process_cases.append(case)
            tell(new_process, case.reference)
        if new_case is not None:
            done.director_cases.append(case)
            tell(new_case, case.reference)
    if action_owners:
        pairs = [(owned[pk], successor) for pk, successor in action_owners.items()]
        done.actions = do_hand_over_actions(pairs, from_user=from_user, actor=actor, reason=reason)
        for action, successor in pairs:
            tell(successor, f"A{action.number} ({action.case.reference})")
    if process_director is not None:
        for meeting in held.meetings:
            do_hand_over_chair(
                meeting, chair=process_director, from_user=from_user, actor=actor, reason=reason
            )
            done.meetings.append(meeting)
            tell(process_director, meeting.reference)
    record_change(
        actor=actor,
        action="handover",
        obj=from_user,
        house=house,
        after={
            "process_cases": [c.pk for c in done.process_cases],
            "director_cases": [c.pk for c in done.director_cases],
            "actions": [a.pk for a in done.actions],
            "meetings": [m.pk for m in done.meetings],
            "process_director": getattr(process_director, "pk", None),
        },
        reason=reason,
    )
    link = reverse("work:my_work", kwargs={"slug": house.slug})
    for user, items in told.values():
        if user.pk != getattr(actor, "pk", None):
            notify(
                [user],
                house=house,
                link=link,
                message=_("Work has been handed over to you: %(items)s")
                % {"items": ", ".join(items)},
            )
    return done


@transaction.atomic
def do_update_house_settings(house: House, *, changes: dict[str, Any], actor: Any) -> House:
    fields = [f for f in HOUSE_SETTING_FIELDS if f in changes]
    # A bound ModelForm has already changed `house` in memory: read "before" from the database.
    before = _snapshot(House.objects.select_for_update().get(pk=house.pk), tuple(fields))
    for field in fields:
        setattr(house, field, changes[field])
    house.full_clean(exclude=["slug"])
    house.save(update_fields=fields)
    record_change(
        actor=actor,
        action="update_house_settings",
        obj=house,
        house=house,
        before=before,
        after=_snapshot(house, tuple(fields)),
    )
    return house


@transaction.atomic
def do_create_house(
    *, name: str, slug: str, region: str, governance_form: str, actor: Any = None, **choices: Any
) -> House:
    house = House(name=name, slug=slug, region=region, governance_form=governance_form, **choices)
    house.full_clean()
    house.save()
    record_change(
        actor=actor,
        action="create_house",
        obj=house,
        house=house,
        after={"name": name, "slug": slug, "region": region, "governance_form": governance_form},
    )
    return house
