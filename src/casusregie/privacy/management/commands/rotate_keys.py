"""Re-encrypt every encrypted value with the newest key (`casusregie rotate-keys`).

Procedure (docs/operations.md): put the new key first in CASUSREGIE_FIELD_KEYS and keep the old
ones after it, restart, run this command, then remove the old keys. Idempotent and resumable:
it works in batches, each its own transaction. A value no configured key opens is counted and
left untouched, never overwritten.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast

from casusregie.privacy.crypto import rotate
from casusregie.privacy.fields import EncryptedTextField

BATCH = 500


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    found: list[tuple[type[models.Model], str]] = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append((model, field.attname))
    from casusregie.cases.models import Subject

    found.append((Subject, "bsn_encrypted"))
    return found


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the newest key of CASUSREGIE_FIELD_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        unreadable = 0
        for model, field in encrypted_fields():
            raw = model._default_manager.exclude(**{field: ""}).annotate(
                raw=Cast(field, models.TextField())
            )
            total = raw.count()
            done = failed = 0
            last = 0
            while True:
                rows = list(raw.filter(pk__gt=last).order_by("pk").values_list("pk", "raw")[:BATCH])
                if not rows:
                    break
                with transaction.atomic():
                    for pk, token in rows:
                        fresh = rotate(token)
                        if fresh is None:
                            failed += 1
                            continue
                        model._default_manager.filter(pk=pk).update(
                            **{field: models.Value(fresh, output_field=models.TextField())}
                        )
                        done += 1
                last = rows[-1][0]
                self.stdout.write(f"{model.__name__}.{field}: {done + failed}/{total}")
            if failed:
                self.stderr.write(
                    f"{model.__name__}.{field}: {failed} value(s) no configured key can open "
                    "(left unchanged)"
                )
            unreadable += failed
        self.stdout.write(
            "OK" if not unreadable else f"done; {unreadable} value(s) could not be opened"
        )
