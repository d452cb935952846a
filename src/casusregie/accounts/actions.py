"""State changes of accounts. Each writes the audit trail in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.privacy.audit import record_change

from .models import User, new_session_token


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
