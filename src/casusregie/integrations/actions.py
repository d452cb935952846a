"""Changes to API clients and their tokens. Each checks the actor, validates, changes and writes
the audit trail in one transaction. A token is returned once, by the action that makes it; only
its hash is stored."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.houses.actions import do_grant_role
from casusregie.houses.models import House, Organisation, OrganisationKind, Partnership
from casusregie.inbox.models import EmailChoice, Preference
from casusregie.privacy import policy
from casusregie.privacy.audit import record_change
from casusregie.privacy.models import Confirmation, WorkingMethod

from .models import ApiClient, ApiToken
from .scopes import clean_scopes

TOKEN_PREFIX = "crt_"  # noqa: S105 - a marker, not a secret
# What stays readable of a token: "crt_" and 8 random characters.
VISIBLE = len(TOKEN_PREFIX) + 8
# System accounts get an address in the reserved .invalid domain: mail to it goes nowhere.
SYSTEM_DOMAIN = "api-clients.invalid"
# Writing "last used" on every call would make every read a write; once a minute is enough.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def digest(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is enough (no slow password hash): a
    guess is as hopeless as guessing the token, and the look-up stays one indexed query."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class NewToken:
    token: ApiToken
    text: str  # shown once, never stored


def _issue(client: ApiClient, expires_at: datetime.datetime | None, actor: Any) -> NewToken:
    text = TOKEN_PREFIX + secrets.token_urlsafe(32).replace("-", "x").replace("_", "y")
    token = ApiToken.objects.create(
        client=client,
        prefix=text[:VISIBLE],
        digest=digest(text),
        expires_at=expires_at,
        created_by=actor,
    )
    return NewToken(token, text)


def _check_admin(actor: Any, house: House) -> None:
    if not policy.has_role(actor, house, Role.FUNCTIONAL_ADMIN):
        raise PermissionDenied


def client_organisations(house: House) -> Any:
    """The organisations a client may act for: the house's partners, not its own staff."""
    return Organisation.objects.filter(
        Exists(Partnership.objects.filter(house=house, organisation=OuterRef("pk")))
    ).exclude(kind=OrganisationKind.HOUSE_STAFF)


def _validate(
    house: House,
    *,
    name: str,
    scopes: list[str],
    expires_at: datetime.datetime | None = None,
    organisation: Organisation | None = None,
    client: ApiClient | None = None,
) -> list[str]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the client a name.")]
    else:
        same = ApiClient.objects.filter(house=house, name=name.strip())
        if client is not None:
            same = same.exclude(pk=client.pk)
        if same.exists():
            errors["name"] = [_("This house already has a client with this name.")]
    try:
        cleaned = clean_scopes(scopes)
    except ValueError as unknown:
        errors["scopes"] = [_("Unknown scope: %(names)s.") % {"names": unknown}]
        cleaned = []
    else:
        if not cleaned:
            errors["scopes"] = [_("Choose at least one scope.")]
    if organisation is not None and not client_organisations(house).filter(pk=organisation.pk):
        errors["organisation"] = [_("Choose a partner organisation of this house.")]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("Choose a moment in the future.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _confirm_method(client: ApiClient, house: House, actor: Any) -> WorkingMethod | None:
    """The administrator confirms the house's current working method on the client's behalf:
    the system account cannot read it, and its organisation is bound by the covenant."""
    method = WorkingMethod.objects.filter(house=house).order_by("-version").first()
    if method is None:
        return None
    _confirmation, created = Confirmation.objects.get_or_create(method=method, user=client.user)
    if created:
        record_change(
            actor=actor,
            house=house,
            action="api_client.confirm_working_method",
            obj=client,
            after={"working_method": method.pk, "version": method.version},
        )
    return method


@transaction.atomic
def do_create_api_client(
    house: House,
    *,
    name: str,
    organisation: Organisation,
    scopes: list[str],
    expires_at: datetime.datetime | None = None,
    actor: Any,
) -> tuple[ApiClient, NewToken]:
    """A client with its system account and a first token. Its membership of the organisation
    (partner participant) is asked for like any person's role (decision 0040): the client
    reads nothing until a second person approves it on the People page; otherwise one
    administrator could read a partner's cases through a client of his own making (issue 22)."""
    _check_admin(actor, house)
    cleaned = _validate(
        house, name=name, scopes=scopes, expires_at=expires_at, organisation=organisation
    )
    name = name.strip()
    with translation.override("nl"):
        full_name = _("API client %(name)s") % {"name": name}
    user = User.objects.create_user(
        email=f"client-{secrets.token_hex(8)}@{SYSTEM_DOMAIN}",
        password=None,
        full_name=full_name[:200],
    )
    do_grant_role(user, house, organisation, Role.PARTNER_PARTICIPANT, actor=actor)
    # Notifications stay in the app (a client reads them through webhooks); no e-mail.
    Preference.objects.create(user=user, email=EmailChoice.OFF)
    client = ApiClient.objects.create(
        house=house,
        organisation=organisation,
        name=name,
        scopes=" ".join(cleaned),
        user=user,
        created_by=actor,
    )
    new = _issue(client, expires_at, actor)
    record_change(
        actor=actor,
        house=house,
        action="api_client.create",
        obj=client,
        after={
            "name": name,
            "organisation": organisation.pk,
            "scopes": cleaned,
            "token": new.token.prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    _confirm_method(client, house, actor)
    return client, new


@transaction.atomic
def do_update_api_client(
    client: ApiClient, *, name: str, scopes: list[str], is_active: bool, actor: Any
) -> ApiClient:
    _check_admin(actor, client.house)
    cleaned = _validate(client.house, name=name, scopes=scopes, client=client)
    before = {"name": client.name, "scopes": client.scope_list, "is_active": client.is_active}
    client.name = name.strip()
    client.scopes = " ".join(cleaned)
    client.is_active = is_active
    client.save(update_fields=["name", "scopes", "is_active"])
    after = {"name": client.name, "scopes": cleaned, "is_active": is_active}
    if before["name"] != client.name:
        with translation.override("nl"):
            client.user.full_name = (_("API client %(name)s") % {"name": client.name})[:200]
        client.user.save(update_fields=["full_name"])
    record_change(
        actor=actor,
        house=client.house,
        action="api_client.update",
        obj=client,
        before=before,
        after=after,
    )
    return client


def _revoke_all(client: ApiClient, now: datetime.datetime) -> list[str]:
    live = list(client.tokens.filter(revoked_at__isnull=True).values_list("prefix", flat=True))
    client.tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
    return live


@transaction.atomic
def do_rotate_token(
    client: ApiClient, *, expires_at: datetime.datetime | None = None, actor: Any
) -> NewToken:
    """A new token; the old one stops working at once (rotate when it may have leaked, or on
    schedule)."""
    _check_admin(actor, client.house)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": [_("Choose a moment in the future.")]})
    revoked = _revoke_all(client, timezone.now())
    new = _issue(client, expires_at, actor)
    record_change(
        actor=actor,
        house=client.house,
        action="api_client.rotate_token",
        obj=client,
        before={"tokens": revoked},
        after={
            "token": new.token.prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return new


@transaction.atomic
def do_revoke_token(client: ApiClient, *, actor: Any, reason: str = "") -> int:
    """Stop every token of the client now; it can be given a new one by rotating."""
    _check_admin(actor, client.house)
    revoked = _revoke_all(client, timezone.now())
    if revoked:
        record_change(
            actor=actor,
            house=client.house,
            action="api_client.revoke_token",
            obj=client,
            before={"tokens": revoked},
            reason=reason,
        )
    return len(revoked)


@transaction.atomic
def do_confirm_method_for_client(client: ApiClient, *, actor: Any) -> WorkingMethod | None:
    """After the house publishes a new working method, the administrator confirms it for the
    client again (until then the client's calls answer 403 onboarding_required)."""
    _check_admin(actor, client.house)
    return _confirm_method(client, client.house, actor)


def note_use(token: ApiToken) -> None:
    """Remember when a token was last used (at most one write a minute; not audited: the
    processing log already records what the client read)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
