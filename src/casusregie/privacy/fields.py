"""Encrypted text at rest for special-category free text (health, justice, the shared picture).

The column holds Fernet ciphertext (`crypto.encrypt`, keys in CASUSREGIE_FIELD_KEYS, newest
first); Python, forms, templates and the API see plain text. An empty value stays "" in the
column, so "is it filled in?" still works.

The field cannot be searched, sorted or compared in the database: every encryption uses a fresh
IV, so equal texts have different ciphertexts. Only `isnull` and equality with "" are allowed;
any other lookup (`icontains`, `exact` with a text, `in`, ...) raises FieldError instead of
silently finding nothing. A page that must find text in such a field keeps that field plain
(decision 0015).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from .crypto import encrypt, try_decrypt

PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80 and a timestamp


class Unreadable(str):
    """A stored value no configured key opens: shown as "", saved back as the same ciphertext.

    So saving a model after a key went missing never overwrites the value with "";
    `rotate_keys` reports such values.
    """

    token: str

    def __new__(cls, token: str) -> Unreadable:
        value = super().__new__(cls, "")
        value.token = token
        return value


class EmptyOnlyExact(Exact):
    def get_prep_lookup(self) -> Any:
        if not (isinstance(self.rhs, str) and self.rhs == ""):
            raise FieldError(
                f"{self.lhs.output_field} is encrypted at rest: it can only be compared with '' "
                "(decision 0015)"
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (Fernet)"

    def get_lookup(self, lookup_name: str) -> Any:
        return {"exact": EmptyOnlyExact, "isnull": IsNull}.get(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        if not value.startswith(PREFIX):  # written before the migration encrypted the column
            return value
        plain = try_decrypt(value)
        return Unreadable(value) if plain is None else plain

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Unreadable):
            return value.token
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


# Migration helpers: the app's data migrations call these after altering a column to this field.


def encrypt_existing(model: Any, fields: list[str], batch: int = 500) -> None:
    """Rewrite every row through the field, which encrypts it; values already encrypted stay
    readable (they are decrypted and encrypted again), so a re-run does no harm."""
    manager = model._base_manager
    last = 0
    while rows := list(manager.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:batch]):
        manager.bulk_update(rows, fields)
        last = rows[-1].pk


def decrypt_existing(model: Any, fields: list[str], batch: int = 500) -> None:
    """Backwards: store the plain text again (a value no key opens keeps its ciphertext)."""
    manager = model._base_manager
    last = 0
    while rows := list(manager.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:batch]):
        for row in rows:
            values = {
                field: models.Value(value, output_field=models.TextField())
                for field in fields
                if (value := getattr(row, field)) and not isinstance(value, Unreadable)
            }
            if values:
                manager.filter(pk=row.pk).update(**values)
        last = rows[-1].pk


def encryption_step(app_label: str, fields: dict[str, list[str]]) -> Any:
    """The data step of a migration that turns text fields into EncryptedTextFields: encrypt
    the existing values going forwards, store them plain again going backwards."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        for name, names in fields.items():
            encrypt_existing(apps.get_model(app_label, name), names)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for name, names in fields.items():
            decrypt_existing(apps.get_model(app_label, name), names)

    return migrations.RunPython(forwards, backwards)
