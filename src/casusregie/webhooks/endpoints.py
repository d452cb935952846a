"""Which endpoint addresses a subscription may use, and where a delivery may connect.

A webhook makes this server send requests to an address a user typed: without checks that is
server-side request forgery (SSRF) into the house's own network. So:

- only `https://` addresses, without a user name or password in them;
- the host must resolve, and every address it resolves to must be public (not loopback,
  private, link-local, carrier-grade NAT, multicast, reserved or unspecified);
- the check is repeated at every delivery, and the request goes to the very address that was
  checked (the connection is pinned to it; TLS still verifies the host name), so a DNS answer
  that changes between check and request cannot reach an internal address;
- redirects are not followed.

`WEBHOOKS_ALLOW_LOCAL` (setting) allows `http://` and local addresses, for development and the
tests' local receiver only.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 500


def allow_local() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOCAL", False))


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (tests replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class Refused(Exception):
    """The address may not be used now (at delivery time)."""


def check_url(url: str) -> str:
    """The address, cleaned, or a ValidationError saying what is wrong with it. Resolves the
    host name."""
    url = (url or "").strip()
    if not url:
        raise ValidationError(_("Enter the address of your endpoint."), code="required")
    if len(url) > MAX_LENGTH:
        raise ValidationError(
            _("The address is longer than %(max)d characters.") % {"max": MAX_LENGTH}
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError(_("This is not a valid web address.")) from None
    schemes = ("https", "http") if allow_local() else ("https",)
    if parts.scheme not in schemes:
        raise ValidationError(
            _("Use an https:// address: events are only sent over an encrypted connection.")
        )
    if not parts.hostname:
        raise ValidationError(_("This is not a valid web address."))
    if parts.username or parts.password:
        raise ValidationError(
            _("Leave the user name and password out of the address; every event is signed.")
        )
    if parts.fragment:
        raise ValidationError(_("Leave the part after # out of the address."))
    try:
        addresses(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except Refused as refused:
        raise ValidationError(str(refused)) from None
    return url


def addresses(host: str, port: int) -> list[str]:
    """The addresses a delivery may connect to, or Refused with the reason."""
    try:
        found = resolve(host, port)
    except (OSError, UnicodeError):
        raise Refused(_("The host %(host)s cannot be found.") % {"host": host}) from None
    if not found:
        raise Refused(_("The host %(host)s cannot be found.") % {"host": host})
    if not allow_local() and not all(is_public(a) for a in found):
        raise Refused(
            _(
                "%(host)s is a local or private address. Events are only sent to public "
                "addresses on the internet."
            )
            % {"host": host}
        )
    return found
