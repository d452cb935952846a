"""Re-encrypt every encrypted value with the newest key (`casusregie rotate-keys`).

Covers every `EncryptedTextField` and `cases.Subject.bsn_encrypted`. Procedure (docs/operations.md,
decision 0015): put the new key first in CASUSREGIE_FIELD_KEYS and keep the old ones after it,
restart, run this command, then remove the old keys.

Safe to run again and to interrupt: it works in batches of rows, each batch locked and rewritten
in its own transaction, so a user's edit in between is neither lost nor blocked for long. A value
no configured key opens is counted per model and left untouched, never overwritten; the command
then exits with status 1 so the old key is not removed by mistake.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from casusregie.privacy import providers
from casusregie.privacy.crypto import rotate
from casusregie.privacy.fields import EncryptedTextField

BATCH = 500


def encrypted_columns() -> dict[type[models.Model], list[str]]:
    """Each concrete model with the columns that hold Fernet tokens."""
    found: dict[type[models.Model], list[str]] = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        names = [
            field.attname
            for field in model._meta.local_concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if names:
            found[model] = names
    people = providers.people()
    found.setdefault(people.model, []).extend(people.encrypted_columns)
    return found


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the newest key of CASUSREGIE_FIELD_KEYS."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=BATCH, help="rows per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        unreadable = 0
        for model, fields in encrypted_columns().items():
            unreadable += self.rotate_model(model, fields, options["batch"])
        for rotation in providers.rotations():
            unreadable += rotation(self.stdout.write)
        if unreadable:
            raise CommandError(
                f"{unreadable} value(s) could not be opened with any configured key and were "
                "left unchanged; keep the old key(s) until they are resolved"
            )
        self.stdout.write("OK")

    def rotate_model(self, model: type[models.Model], fields: list[str], batch: int) -> int:
        # Cast to a plain text column: read the tokens as stored, not through from_db_value.
        raw = {f"raw_{field}": Cast(field, models.TextField()) for field in fields}
        rows = model._base_manager.exclude(**dict.fromkeys(fields, "")).annotate(**raw)
        total = rows.count()
        seen = failed = 0
        last: Any = None
        while True:
            with transaction.atomic():
                page = (rows if last is None else rows.filter(pk__gt=last)).order_by("pk")
                found = list(page.select_for_update().values_list("pk", *raw)[:batch])
                failed += rotate_rows(model, fields, found)
            if not found:
                break
            seen += len(found)
            last = found[-1][0]
            self.stdout.write(f"{model.__name__}: {seen}/{total}")
        if failed:
            self.stderr.write(
                f"{model.__name__}: {failed} value(s) no configured key can open (left unchanged)"
            )
        return failed


def rotate_rows(model: type[models.Model], fields: list[str], rows: list[Any]) -> int:
    """Rewrite `rows` ((pk, token, ...) in `fields` order) under the newest key in one UPDATE;
    the number of tokens no key opens, which keep their value."""
    failed = 0
    changes: dict[str, list[models.When]] = {field: [] for field in fields}
    for pk, *tokens in rows:
        for field, token in zip(fields, tokens, strict=True):
            if not token:
                continue
            fresh = rotate(token)
            if fresh is None:
                failed += 1
                continue
            value = models.Value(fresh, output_field=models.TextField())
            changes[field].append(models.When(pk=pk, then=value))
    update = {
        field: models.Case(*whens, default=models.F(field), output_field=models.TextField())
        for field, whens in changes.items()
        if whens
    }
    if update:
        model._base_manager.filter(pk__in=[row[0] for row in rows]).update(**update)
    return failed
