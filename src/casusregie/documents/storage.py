"""Where a document's bytes live: the `documents` storage (STORAGES["documents"]: a folder by
default, S3-compatible object storage where a house configures it), always encrypted with the
field keys before they are written, so the storage never holds the plain file."""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils import timezone

from casusregie.privacy.crypto import decrypt_bytes, encrypt_bytes, rotate_bytes


class DocumentUnreadable(Exception):
    """The stored bytes are missing or no configured key opens them."""


def _storage() -> Storage:
    return storages["documents"]


def new_key() -> str:
    """A random name that says nothing about the document (no name, case or person)."""
    return f"{timezone.now():%Y/%m}/{secrets.token_hex(16)}.bin"


def write(key: str, data: bytes) -> str:
    """Store `data` encrypted under `key`; returns the key the storage used."""
    return _storage().save(key, ContentFile(encrypt_bytes(data)))


def read(key: str) -> bytes:
    try:
        with _storage().open(key, "rb") as handle:
            token = handle.read()
    except (OSError, FileNotFoundError) as error:
        raise DocumentUnreadable(key) from error
    plain = decrypt_bytes(token)
    if plain is None:
        raise DocumentUnreadable(key)
    return plain


def delete(key: str) -> None:
    _storage().delete(key)


def rotated_copy(key: str) -> str | None:
    """The stored file encrypted with the newest key, written under a new key (the old one is
    left for the caller to delete once the row points at the copy); None when no configured key
    opens it or it is missing."""
    try:
        with _storage().open(key, "rb") as handle:
            token = rotate_bytes(handle.read())
    except (OSError, FileNotFoundError):
        return None
    return None if token is None else _storage().save(new_key(), ContentFile(token))
