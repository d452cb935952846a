"""Encrypted text at rest for special-category free text (health, justice, the shared picture).

The column holds Fernet ciphertext (`crypto.encrypt`, keys in CASUSREGIE_FIELD_KEYS, newest
first); Python sees plain text. The database cannot search or sort such a field: only
`isnull` and equality with "" make sense, so pages never filter on one (decision 0017).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .crypto import decrypt, encrypt

PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80 and a timestamp


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value) if value.startswith(PREFIX) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def encrypt_existing(model: Any, fields: list[str], batch: int = 500) -> None:
    """Migration helper: rewrite plain values through the field, which encrypts them."""
    rows = list(model._default_manager.only("pk", *fields))
    for start in range(0, len(rows), batch):
        model._default_manager.bulk_update(rows[start : start + batch], fields)


def decrypt_existing(model: Any, fields: list[str]) -> None:
    """Migration helper (backwards): store the plain text again."""
    for row in model._default_manager.only("pk", *fields):
        model._default_manager.filter(pk=row.pk).update(
            **{
                f: models.Value(getattr(row, f) or "", output_field=models.TextField())
                for f in fields
            }
        )
