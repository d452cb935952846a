"""Encryption at rest and keyed hashes.

- BSNs are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with `CASUSREGIE_FIELD_KEYS`
  (comma-separated, newest first, so keys can be rotated: old rows still decrypt).
- Stored documents are encrypted the same way (`encrypt_bytes`), before they reach storage.
- A BSN is found by its keyed hash (HMAC-SHA256 with `CASUSREGIE_HASH_KEY`), never by
  decrypting rows. The same keyed hash pseudonymises data subjects in the processing log.

Outside production both keys are derived from SECRET_KEY so the demo needs no set-up.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derive(label: str) -> bytes:
    return hashlib.sha256(f"{label}:{settings.SECRET_KEY}".encode()).digest()


@cache
def _fernet() -> MultiFernet:
    keys = settings.FIELD_KEYS or [base64.urlsafe_b64encode(_derive("field-key")).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


@cache
def _hash_key() -> bytes:
    return settings.HASH_KEY.encode() if settings.HASH_KEY else _derive("hash-key")


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    return (try_decrypt(token) or "") if token else ""


def try_decrypt(token: str) -> str | None:
    """The plain text, or None when no configured key opens `token` (a key was removed)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def encrypt_bytes(data: bytes) -> bytes:
    """A file's bytes encrypted with the newest field key (stored documents)."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes | None:
    """The plain bytes, or None when no configured key opens `token`."""
    try:
        return _fernet().decrypt(token)
    except InvalidToken:
        return None


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def hmac_pads(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states fed the key xor ipad and xor opad (RFC 2104, what `hmac` does inside)."""
    if len(key) > 64:  # SHA-256's block size: a longer key is hashed first
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


def hmac_sha256(pads: tuple[Any, Any], message: bytes) -> str:
    """HMAC-SHA256 of `message` (hexadecimal) from the key's padded states (`hmac_pads`):
    copying two hash states costs about half of copying an `hmac.HMAC` object, and a bulk
    intake hashes a million values twice."""
    inner, outer = pads
    mac = inner.copy()
    mac.update(message)
    signed = outer.copy()
    signed.update(mac.digest())
    return signed.hexdigest()


@cache
def _keyed(purpose: str) -> tuple[Any, Any]:
    """The padded states already fed the purpose: keyed once per purpose, not per value."""
    inner, outer = hmac_pads(_hash_key())
    inner.update(f"{purpose}:".encode())
    return inner, outer


def keyed_hash(value: str, *, purpose: str) -> str:
    """A stable pseudonym for `value`; `purpose` keeps hashes for different uses unlinkable.
    HMAC-SHA256(hash key, "purpose:value")."""
    return hmac_sha256(_keyed(purpose), value.encode())


def rotate_bytes(token: bytes) -> bytes | None:
    """A file's bytes encrypted with the newest key; None when no configured key opens them."""
    try:
        return _fernet().rotate(token)
    except InvalidToken:
        return None


def rotate(token: str) -> str | None:
    """The same value encrypted with the newest key; None when no configured key opens it."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        return None
