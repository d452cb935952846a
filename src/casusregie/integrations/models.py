"""API clients (a partner system acting for one organisation in one house), their tokens, and
the stand-in device that records a second factor checked by the identity provider.

A client acts through its own system account: a user with an unusable password and one
membership (partner participant of the client's organisation in the client's house). So the
access policy, the processing log and the audit trail treat a client exactly like a person of
that organisation, and it never sees more than they would (docs/decisions/0017).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, DeviceManager


class ApiClient(models.Model):
    house = models.ForeignKey("houses.House", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "houses.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    # Space-separated scope names (scopes.py); kept sorted.
    scopes = models.CharField(_("scopes"), max_length=500)
    is_active = models.BooleanField(_("active"), default=True)
    # The system account the client acts as. Never logs in; see the module docstring.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.UniqueConstraint(fields=["house", "name"], name="api_client_name_per_house")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now),
            revoked_at__isnull=True,
            client__is_active=True,
        )


class ApiToken(models.Model):
    """A bearer token of a client. Only its SHA-256 is stored; the first characters (`prefix`)
    are kept in the clear so people can tell tokens apart in lists and logs."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="tokens")
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and not self.expired and self.client.is_active


class UnlistedDeviceManager(DeviceManager):
    def devices_for_user(self, user: Any, confirmed: bool | None = None) -> Any:
        return self.none()


class ProviderMfa(Device):
    """The second factor the identity provider checked (the ID token's `amr` said so).

    django-otp counts a session as two-factor verified when it names a confirmed device; single
    sign-on with the provider's MFA names this one. It never accepts a code and is left out of
    the user's device list, so it is never offered on the code page and never counts as a
    set-up authenticator app (a password login still needs the TOTP app).
    """

    # No reverse accessor on User: accounts need not know about this device.
    user: models.ForeignKey[Any, Any] = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    objects: ClassVar[Any] = UnlistedDeviceManager()

    class Meta:
        verbose_name = _("second factor at the identity provider")
        verbose_name_plural = _("second factors at the identity provider")

    def verify_token(self, token: Any) -> bool:
        return False
