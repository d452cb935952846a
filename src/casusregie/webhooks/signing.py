"""Signatures in the Standard Webhooks shape (https://www.standardwebhooks.com/).

Headers of every delivery:

- `webhook-id`: the CloudEvents id (the same on every retry: receivers de-duplicate on it);
- `webhook-timestamp`: seconds since 1970 when this attempt was signed;
- `webhook-signature`: `v1,<base64 HMAC-SHA256>` over `"{id}.{timestamp}.{body}"` with the
  secret's key; after a rotation, for a day, also the signature with the previous secret,
  separated by a space.

A secret is `whsec_` followed by 32 random bytes in base64; the key is those bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def key_of(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    secrets_in_use: Iterable[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_in_use if secret
        ),
    }


def verify(secret: str, message_id: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does (and the tests do): one of the signatures must match."""
    expected = signature(secret, message_id, int(timestamp), body)
    return any(hmac.compare_digest(expected, given) for given in header.split())
