"""Users and their memberships: a user holds roles in organisations within houses."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from casusregie.houses.models import House, Organisation

from .roles import ROLES_REQUIRING_2FA, Role


def new_session_token() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=(username or "").strip().lower())

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)  # None gives an unusable password (invite by reset link)
        user.save()
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("full_name", "Systeembeheer")
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Their rights come from memberships, never from the user itself."""

    # Stored in lower case (see UserManager and the forms), so a plain unique index is
    # case-insensitive in practice and serves the login look-up.
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of the session hash: changing it ends every session of this user ("log out
    # everywhere") without touching the password.
    session_token = models.CharField(max_length=32, default=new_session_token, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_session_auth_hash(self) -> str:
        key_salt = "casusregie.accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_token}", algorithm="sha256"
        ).hexdigest()

    def requires_2fa(self) -> bool:
        return self.memberships.filter(ended_at__isnull=True, role__in=ROLES_REQUIRING_2FA).exists()


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(ended_at__isnull=True)


class Membership(models.Model):
    """One role of one user for one organisation in one house."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "house", "organisation", "role"],
                condition=models.Q(ended_at__isnull=True),
                name="membership_role_once_while_active",
            ),
        ]
        indexes = [models.Index(fields=["house", "role"], name="membership_house_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organisation} ({self.house})"


class GrantStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RoleGrant(models.Model):
    """A role that was asked for and waits for a second person's approval (four-eyes,
    docs/decisions/0040). Approval creates the membership; the row stays as the record of who
    asked, who decided and when."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_grants")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="role_grants")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="role_grants"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.PENDING
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # The account was created with the request: its invitation e-mail goes out on approval.
    invite = models.BooleanField(default=False)
    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="grant"
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "house", "organisation", "role"],
                condition=models.Q(status="pending"),
                name="role_grant_pending_once",
            ),
            # The rules of the actions, held by the database too: nobody asks a role for
            # themselves, and nobody approves what they asked for or what they receive.
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("user")),
                name="role_grant_not_for_oneself",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | (
                    models.Q(decided_by__isnull=False)
                    & ~models.Q(decided_by=models.F("requested_by"))
                    & ~models.Q(decided_by=models.F("user"))
                ),
                name="role_grant_approved_by_a_second_person",
            ),
        ]
        indexes = [models.Index(fields=["house", "status"], name="role_grant_house_status")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organisation} ({self.house})"


class StandInQuerySet(models.QuerySet["StandIn"]):
    def active(self, day: Any = None) -> StandInQuerySet:
        """Arrangements in force on `day` (today by default): begun, not past their end date
        and not ended early."""
        day = day or timezone.localdate()
        return self.filter(starts_on__lte=day, ends_on__gte=day, ended_at__isnull=True)

    def current_or_coming(self, day: Any = None) -> StandInQuerySet:
        """Arrangements not yet over: in force now or later."""
        day = day or timezone.localdate()
        return self.filter(ends_on__gte=day, ended_at__isnull=True)


class StandIn(models.Model):
    """A stand-in (*vervanger*) during someone's absence: from `starts_on` until `ends_on`
    (both included) `stand_in` receives the absent person's notifications in this house and may
    act for them on what they hold, recorded "on behalf of" them (docs/handover.md, decision
    0046). Ending early sets `ended_at`; the row stays as the record."""

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="stand_ins")
    absent = models.ForeignKey(User, on_delete=models.PROTECT, related_name="stood_in_for")
    stand_in = models.ForeignKey(User, on_delete=models.PROTECT, related_name="standing_in")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = StandInQuerySet.as_manager()

    class Meta:
        verbose_name = _("stand-in")
        verbose_name_plural = _("stand-ins")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(stand_in=models.F("absent")), name="stand_in_not_oneself"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="stand_in_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["house", "absent", "ends_on"], name="stand_in_absent"),
            models.Index(fields=["stand_in", "ends_on"], name="stand_in_person"),
        ]

    def __str__(self) -> str:
        return f"{self.stand_in} for {self.absent} ({self.starts_on}–{self.ends_on})"
