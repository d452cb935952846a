"""Number and sign the existing chain heads and checkpoints with the chain key (decision 0038).

A checkpoint's sequence number is the sum of the rows removed up to it; a head's is its newest
checkpoint's plus the rows still in the chain (one count per chain: seconds on a log of ten
million lines). The stored values are signed as they are, so a chain that was already broken
stays broken for `verify-log`; signing does not repair it."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from casusregie.privacy import chain

    LogHead = apps.get_model("privacy", "LogHead")
    tables = {
        chain.AUDIT: apps.get_model("privacy", "AuditEvent"),
        chain.LOG: apps.get_model("privacy", "ProcessingLogEntry"),
    }
    for head in LogHead.objects.all():
        start_seq, after_id = _sign_checkpoints(apps, head.house_id, head.kind)
        house = None if head.house_id == chain.NO_HOUSE else head.house_id
        rows = tables[head.kind].objects.filter(house_id=house, pk__gt=after_id)
        head.last_seq = start_seq + rows.count()
        head.mac = chain.head_mac(head.house_id, head.kind, head.last_seq, head.last_hash)
        head.save(update_fields=["last_seq", "mac"])


def _sign_checkpoints(apps: Any, house_id: int, kind: str) -> tuple[int, int]:
    """Number and sign a chain's checkpoints, oldest first; returns the newest one's sequence
    number and last removed id (0, 0 without checkpoints)."""
    from casusregie.privacy import chain

    LogCheckpoint = apps.get_model("privacy", "LogCheckpoint")
    seq = after_id = 0
    for checkpoint in LogCheckpoint.objects.filter(house_id=house_id, kind=kind).order_by("pk"):
        seq += checkpoint.removed
        after_id = checkpoint.last_removed_id
        checkpoint.last_removed_seq = seq
        checkpoint.mac = chain.checkpoint_mac(checkpoint)
        checkpoint.save(update_fields=["last_removed_seq", "mac"])
    return seq, after_id


class Migration(migrations.Migration):
    dependencies = [("privacy", "0011_authenticated_log_heads")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
