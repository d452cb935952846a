"""Encryption at rest and keyed hashes.

- BSNs are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with `CASUSREGIE_FIELD_KEYS`
  (comma-separated, newest first, so keys can be rotated: old rows still decrypt).
- A BSN is found by its keyed hash (HMAC-SHA256 with `CASUSREGIE_HASH_KEY`), never by
  decrypting rows. The same keyed hash pseudonymises data subjects in the processing log.

Outside production both keys are derived from SECRET_KEY so the demo needs no set-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

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


@cache
def _keyed(purpose: str) -> hmac.HMAC:
    """The HMAC already fed the key and the purpose; copied per value (a bulk intake hashes a
    million values: keying once saves a third of the hashing)."""
    return hmac.new(_hash_key(), f"{purpose}:".encode(), hashlib.sha256)


def keyed_hash(value: str, *, purpose: str) -> str:
    """A stable pseudonym for `value`; `purpose` keeps hashes for different uses unlinkable.
    HMAC-SHA256(hash key, "purpose:value")."""
    mac = _keyed(purpose).copy()
    mac.update(value.encode())
    return mac.hexdigest()


def rotate(token: str) -> str | None:
    """The same value encrypted with the newest key; None when no configured key opens it."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        return None
