"""A tamper-evident end of the log (issue 22, finding 6; decision 0038): heads and checkpoints
signed with the chain key, and seals kept outside the database that `verify-log --against`
checks. Each attack is done as someone with write access to the database but without the key
would do it, in raw SQL; the suite runs on SQLite and, in CI, on PostgreSQL."""

from __future__ import annotations

import datetime
import importlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from casusregie.privacy import chain, retention, seal
from casusregie.privacy.models import LogCheckpoint, LogHead, ProcessingLogEntry
from casusregie.privacy.tasks import seal_log
from casusregie.privacy.tests.test_log_chain import bulk_line, case_page, tampering

pytestmark = pytest.mark.django_db


def verify_log(*against: Path) -> tuple[int, str]:
    """verify-log's exit status and what it printed (the command line exits with a
    CommandError's return code)."""
    out, err = StringIO(), StringIO()
    try:
        call_command(
            "verify_log", *[f"--against={path}" for path in against], stdout=out, stderr=err
        )
    except CommandError as error:
        return error.returncode, f"{err.getvalue()}{error}"
    return 0, out.getvalue()


def seal_to(path: Path) -> Path:
    call_command("seal_log", f"--out={path}", stdout=StringIO())
    return path


def reads(as_user: Any, cast: Any, case: Any, times: int) -> None:
    for _ in range(times):
        case_page(as_user, cast, case)


def log_rows(cast: Any) -> list[ProcessingLogEntry]:
    return list(ProcessingLogEntry.objects.filter(house=cast.house).order_by("pk"))


def delete_lines_after(cursor: Any, cast: Any, pk: int) -> None:
    cursor.execute(
        "DELETE FROM privacy_processinglogentry WHERE house_id = %s AND id > %s",
        [cast.house.pk, pk],
    )


def _long_ago() -> datetime.datetime:
    """A line's time past any retention period: the next purge removes it."""
    return datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


# --- Heads and checkpoints are signed -------------------------------------------------------


def test_heads_count_their_rows_and_are_signed(cast: Any, case: Any, as_user: Any) -> None:
    reads(as_user, cast, case, 3)
    head = LogHead.objects.get(house_id=cast.house.pk, kind=chain.LOG)
    assert head.last_seq == len(log_rows(cast))
    assert chain.head_signed(head)
    status, output = verify_log()
    assert status == 0, output


def test_a_cut_tail_with_the_head_moved_back_is_found(cast: Any, case: Any, as_user: Any) -> None:
    """The attack of the finding: delete the newest lines of a house's log and set the head's
    last_hash to the new last line. It passed before heads were signed."""
    reads(as_user, cast, case, 4)
    rows = log_rows(cast)
    keep = rows[-3]
    with tampering() as cursor:
        delete_lines_after(cursor, cast, keep.pk)
        cursor.execute(
            "UPDATE privacy_loghead SET last_hash = %s WHERE house_id = %s AND kind = 'log'",
            [keep.chain_hash, cast.house.pk],
        )
    status, output = verify_log()
    assert status == 1
    assert f"processing log, house {cast.house.pk}, head: head does not match its signature" in (
        output
    )


def test_a_cut_tail_with_the_head_moved_back_and_recounted_is_found(
    cast: Any, case: Any, as_user: Any
) -> None:
    reads(as_user, cast, case, 4)
    rows = log_rows(cast)
    with tampering() as cursor:
        delete_lines_after(cursor, cast, rows[1].pk)
        cursor.execute(
            "UPDATE privacy_loghead SET last_hash = %s, last_seq = 2"
            " WHERE house_id = %s AND kind = 'log'",
            [rows[1].chain_hash, cast.house.pk],
        )
    status, output = verify_log()
    assert status == 1
    assert "head does not match its signature" in output


def test_writing_on_after_a_forged_head_does_not_sign_it_again(
    cast: Any, case: Any, as_user: Any
) -> None:
    """The application goes on logging onto a forged head, but never signs it: otherwise the
    next page read would launder the attack within seconds."""
    reads(as_user, cast, case, 3)
    rows = log_rows(cast)
    with tampering() as cursor:
        delete_lines_after(cursor, cast, rows[0].pk)
        cursor.execute(
            "UPDATE privacy_loghead SET last_hash = %s, last_seq = 1"
            " WHERE house_id = %s AND kind = 'log'",
            [rows[0].chain_hash, cast.house.pk],
        )
    reads(as_user, cast, case, 2)
    assert len(log_rows(cast)) > 1
    status, output = verify_log()
    assert status == 1
    assert "head does not match its signature" in output
    with pytest.raises(CommandError, match="does not match its signature"):
        call_command("seal_log", "--out=-", stdout=StringIO())


def forge_checkpoint(cursor: Any, cast: Any, last: ProcessingLogEntry, removed: int) -> None:
    cursor.execute(
        "INSERT INTO privacy_logcheckpoint (house_id, kind, last_removed_id, last_removed_hash,"
        " last_removed_seq, removed, removed_until, created_at, mac)"
        " VALUES (%s, 'log', %s, %s, %s, %s, %s, %s, %s)",
        [
            cast.house.pk,
            last.pk,
            last.chain_hash,
            removed,
            removed,
            last.start_time,
            timezone.now(),
            "0" * 64,
        ],
    )


def test_rows_rewritten_behind_a_forged_checkpoint_are_found(
    cast: Any, case: Any, as_user: Any
) -> None:
    """The second attack of the finding: rewrite old lines, then add a checkpoint after them so
    verify-log would start behind the rewritten part."""
    reads(as_user, cast, case, 4)
    rows = log_rows(cast)
    hidden = rows[2]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE privacy_processinglogentry SET purpose = %s WHERE house_id = %s AND id <= %s",
            ["iets onschuldigs", cast.house.pk, hidden.pk],
        )
        forge_checkpoint(cursor, cast, hidden, removed=3)
    status, output = verify_log()
    assert status == 1
    assert "checkpoint does not match its signature" in output


def test_rows_deleted_behind_a_forged_checkpoint_are_found(
    cast: Any, case: Any, as_user: Any
) -> None:
    reads(as_user, cast, case, 4)
    rows = log_rows(cast)
    with tampering() as cursor:
        cursor.execute(
            "DELETE FROM privacy_processinglogentry WHERE house_id = %s AND id <= %s",
            [cast.house.pk, rows[2].pk],
        )
        forge_checkpoint(cursor, cast, rows[2], removed=3)
    status, output = verify_log()
    assert status == 1
    assert f"house {cast.house.pk}, checkpoint" in output
    assert "does not match its signature" in output


def test_purged_rows_put_back_behind_a_signed_checkpoint_are_found(cast: Any) -> None:
    """A genuine checkpoint is only believed while the rows it removed stay gone: rows put back
    behind it (from a backup, say) would never be walked."""
    chain.append([], [bulk_line(cast.house.pk, n, start_time=_long_ago()) for n in range(3)])
    chain.append([], [bulk_line(cast.house.pk, n) for n in range(3, 5)])
    first = ProcessingLogEntry.objects.filter(house=cast.house).order_by("pk").values()[0]
    retention.purge_log(cast.house, timezone.localdate())
    assert verify_log()[0] == 0
    ProcessingLogEntry.objects.bulk_create([ProcessingLogEntry(**first)])
    status, output = verify_log()
    assert status == 1
    assert "checkpoint says rows were removed that are still there" in output


# --- Seals --------------------------------------------------------------------------------


def test_an_intact_log_passes_against_its_seals(
    cast: Any, case: Any, as_user: Any, tmp_path: Path
) -> None:
    reads(as_user, cast, case, 2)
    first = seal_to(tmp_path / "log-seal-1.json")
    reads(as_user, cast, case, 2)
    seal_to(tmp_path / "log-seal-2.json")
    reads(as_user, cast, case, 1)
    assert verify_log(first) == (
        0,
        f"OK: {LogHead.objects.count()} chain(s) intact; 1 seal file(s) hold\n",
    )
    status, output = verify_log(tmp_path)
    assert status == 0, output
    assert "2 seal file(s) hold" in output
    document = json.loads(first.read_text())
    assert {(c["house"], c["kind"]) for c in document["chains"]} >= {(cast.house.pk, chain.LOG)}


def test_a_cut_tail_with_an_old_signed_head_put_back_is_found_by_a_seal(
    cast: Any, case: Any, as_user: Any, tmp_path: Path
) -> None:
    """Someone who copied the head row earlier can put it back after deleting the newer lines:
    its signature holds, so only a seal written meanwhile shows it."""
    reads(as_user, cast, case, 2)
    old = LogHead.objects.get(house_id=cast.house.pk, kind=chain.LOG)
    kept = log_rows(cast)[-1]
    reads(as_user, cast, case, 2)
    sealed = seal_to(tmp_path / "log-seal-today.json")
    with tampering() as cursor:
        delete_lines_after(cursor, cast, kept.pk)
        cursor.execute(
            "UPDATE privacy_loghead SET last_hash = %s, last_seq = %s, mac = %s WHERE id = %s",
            [old.last_hash, old.last_seq, old.mac, old.pk],
        )
    assert verify_log()[0] == 0  # what the chain alone cannot see
    status, output = verify_log(sealed)
    assert status == 1
    assert (
        f"processing log, house {cast.house.pk}, end of chain: the chain ends at sequence "
        f"{old.last_seq}, but seal log-seal-today.json sealed it at"
    ) in output


def test_a_cut_tail_with_the_head_moved_back_is_found_by_a_seal_too(
    cast: Any, case: Any, as_user: Any, tmp_path: Path
) -> None:
    reads(as_user, cast, case, 3)
    sealed = seal_to(tmp_path / "log-seal-x.json")
    rows = log_rows(cast)
    with tampering() as cursor:
        delete_lines_after(cursor, cast, rows[0].pk)
        cursor.execute(
            "UPDATE privacy_loghead SET last_hash = %s WHERE house_id = %s AND kind = 'log'",
            [rows[0].chain_hash, cast.house.pk],
        )
    status, output = verify_log(sealed)
    assert status == 1
    assert "head does not match its signature" in output


@pytest.mark.parametrize(
    ("kind", "table"),
    [(chain.LOG, "privacy_processinglogentry"), (chain.AUDIT, "privacy_auditevent")],
)
def test_a_whole_chain_deleted_with_its_head_is_found_by_a_seal(
    cast: Any, case: Any, as_user: Any, tmp_path: Path, kind: str, table: str
) -> None:
    """The third attack of the finding: a house's chain and its head row deleted together.
    Nothing in the database is left to compare with; the seal names the chain."""
    reads(as_user, cast, case, 2)
    sealed = seal_to(tmp_path / "log-seal-before.json")
    with tampering() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE house_id = %s", [cast.house.pk])  # noqa: S608
        cursor.execute(
            "DELETE FROM privacy_loghead WHERE house_id = %s AND kind = %s", [cast.house.pk, kind]
        )
    assert verify_log()[0] == 0  # what the chain alone cannot see
    status, output = verify_log(sealed)
    assert status == 1
    assert f"house {cast.house.pk}, whole chain: the chain is missing" in output
    assert "log-seal-before.json" in output


def test_a_chain_deleted_and_begun_again_is_found_by_a_seal(
    cast: Any, case: Any, as_user: Any, tmp_path: Path
) -> None:
    reads(as_user, cast, case, 3)
    sealed = seal_to(tmp_path / "log-seal-before.json")
    with tampering() as cursor:
        cursor.execute(
            "DELETE FROM privacy_processinglogentry WHERE house_id = %s", [cast.house.pk]
        )
        cursor.execute(
            "DELETE FROM privacy_loghead WHERE house_id = %s AND kind = 'log'", [cast.house.pk]
        )
    reads(as_user, cast, case, 1)  # a fresh chain, signed by the application
    status, output = verify_log(sealed)
    assert status == 1
    assert "rows at the end of the chain were removed" in output


def test_a_rewritten_chain_is_found_by_a_seal(
    cast: Any, case: Any, as_user: Any, tmp_path: Path
) -> None:
    """A chain rebuilt from the start (as only a key holder could) differs from the seal at
    the sealed row."""
    lines = [bulk_line(cast.house.pk, n) for n in range(3)]
    chain.append([], lines)
    sealed = seal_to(tmp_path / "log-seal-a.json")
    with tampering() as cursor:
        cursor.execute(
            "DELETE FROM privacy_processinglogentry WHERE house_id = %s", [cast.house.pk]
        )
        cursor.execute(
            "DELETE FROM privacy_loghead WHERE house_id = %s AND kind = 'log'", [cast.house.pk]
        )
    chain.append([], [bulk_line(cast.house.pk, n, purpose="anders") for n in range(20)])
    [sealed_seq] = [
        c["seq"]
        for c in json.loads(sealed.read_text())["chains"]
        if (c["house"], c["kind"]) == (cast.house.pk, chain.LOG)
    ]
    status, output = verify_log(sealed)
    assert status == 1
    assert (
        f"differs from seal log-seal-a.json (sequence {sealed_seq}): the chain was rewritten"
    ) in output


def test_seals_before_and_at_a_purge_still_verify(cast: Any, tmp_path: Path) -> None:
    """The retention job removes old lines from the start: a seal of a position it removed is
    vouched for by the signed checkpoint; one at the checkpoint must have its hash."""
    chain.append([], [bulk_line(cast.house.pk, n, start_time=_long_ago()) for n in range(3)])
    seal_to(tmp_path / "log-seal-1.json")
    chain.append([], [bulk_line(cast.house.pk, n, start_time=_long_ago()) for n in range(3, 5)])
    seal_to(tmp_path / "log-seal-2.json")
    chain.append([], [bulk_line(cast.house.pk, n) for n in range(5, 8)])
    seal_to(tmp_path / "log-seal-3.json")
    assert retention.purge_log(cast.house, timezone.localdate()) == 5
    checkpoint = LogCheckpoint.objects.get(house_id=cast.house.pk)
    assert checkpoint.last_removed_seq == 5
    assert chain.checkpoint_signed(checkpoint)
    status, output = verify_log(tmp_path)
    assert status == 0, output
    assert "3 seal file(s) hold" in output


def test_a_forged_seal_entry_for_the_checkpoint_position_is_found(
    cast: Any, tmp_path: Path
) -> None:
    chain.append([], [bulk_line(cast.house.pk, n, start_time=_long_ago()) for n in range(3)])
    chain.append([], [bulk_line(cast.house.pk, n) for n in range(3, 5)])
    retention.purge_log(cast.house, timezone.localdate())
    sealed = seal.current()
    head = LogHead.objects.get(house_id=cast.house.pk, kind=chain.LOG)
    marks = {(cast.house.pk, chain.LOG): [chain.Mark(3, "f" * 64, "seal test")]}
    assert [str(b) for b in chain.verify(seals=marks)] == [
        f"processing log, house {cast.house.pk}, sequence 3: the chain's start differs from "
        "seal test: the chain was rewritten"
    ]
    assert {"house": cast.house.pk, "kind": "log", "seq": 5, "hash": head.last_hash} in sealed[
        "chains"
    ]


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such seal file or directory"),
        (b"", "not a seal file (not JSON text)"),
        (b"{garbled", "not a seal file (not JSON text)"),
        (b"\xff\xfe\x00 not utf-8", "not a seal file (not JSON text)"),
        (b"[1, 2, 3]", "not a seal file (no casusregie-log-seal/1 document)"),
        (b'{"format": "casusregie-log-seal/1"}', "no casusregie-log-seal/1 document"),
        (b'{"format": "casusregie-log-seal/1", "mac": "\xc3\xa9"}', "signature does not match"),
    ],
)
def test_an_unusable_seal_file_is_a_clear_error(
    cast: Any, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "log-seal-bad.json"
    if content is not None:
        path.write_bytes(content)
    status, output = verify_log(path)
    assert status == 2
    assert output.startswith(f"unusable seal: {path}: ")
    assert message in output
    assert "Traceback" not in output


def test_a_changed_seal_is_refused(cast: Any, case: Any, as_user: Any, tmp_path: Path) -> None:
    """Lowering a sealed sequence number (to let a cut tail pass) breaks the seal's own
    signature."""
    reads(as_user, cast, case, 2)
    path = seal_to(tmp_path / "log-seal-1.json")
    document = json.loads(path.read_text())
    document["chains"][0]["seq"] = 1
    path.write_text(json.dumps(document))
    status, output = verify_log(path)
    assert status == 2
    assert "signature does not match: the file was changed" in output


def test_a_seal_with_malformed_chains_is_refused(tmp_path: Path) -> None:
    body = {"format": seal.FORMAT, "sealed_at": "x", "chains": [{"house": "1", "kind": "log"}]}
    path = tmp_path / "log-seal-odd.json"
    path.write_text(json.dumps({**body, "mac": seal._mac(body)}))
    status, output = verify_log(path)
    assert (status, output) == (2, f"unusable seal: {path}: not a seal file (malformed chains)")


def test_an_empty_seal_directory_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("geen zegel")
    status, output = verify_log(tmp_path)
    assert status == 2
    assert "no seal files (log-seal-*.json) in this directory" in output


# --- Writing seals ------------------------------------------------------------------------


def test_seal_log_never_overwrites_and_needs_a_place(
    cast: Any, case: Any, as_user: Any, tmp_path: Path, settings: Any
) -> None:
    reads(as_user, cast, case, 1)
    path = seal_to(tmp_path / "log-seal-1.json")
    before = path.read_text()
    with pytest.raises(CommandError, match="exists already"):
        seal_to(path)
    assert path.read_text() == before
    settings.LOG_SEAL_DIR = ""
    with pytest.raises(CommandError, match="CASUSREGIE_LOG_SEAL_DIR"):
        call_command("seal_log", stdout=StringIO())
    settings.LOG_SEAL_DIR = str(tmp_path / "zegels")
    out = StringIO()
    call_command("seal_log", stdout=out)
    assert "chain(s) sealed in" in out.getvalue()
    [written] = (tmp_path / "zegels").glob("log-seal-*.json")
    assert verify_log(written)[0] == 0
    printed = StringIO()
    call_command("seal_log", "--out=-", stdout=printed)
    assert json.loads(printed.getvalue())["format"] == seal.FORMAT


def test_the_schedule_seals_once_a_day(
    cast: Any, case: Any, as_user: Any, tmp_path: Path, settings: Any
) -> None:
    reads(as_user, cast, case, 1)
    settings.LOG_SEAL_DIR = str(tmp_path)
    out = StringIO()
    call_command("run_schedule", "--today", "2026-03-02", stdout=out)
    assert "logzegel: log-seal-2026-03-02.json" in out.getvalue()
    assert seal_log.call("2026-03-02") == "al gezegeld / already sealed"
    assert [p.name for p in tmp_path.iterdir()] == ["log-seal-2026-03-02.json"]
    assert verify_log(tmp_path)[0] == 0
    settings.LOG_SEAL_DIR = ""
    assert seal_log.call("2026-03-03") == "geen zegelmap / no seal directory"


def test_the_schedule_reports_a_seal_it_could_not_write(
    cast: Any, case: Any, as_user: Any, tmp_path: Path, settings: Any
) -> None:
    reads(as_user, cast, case, 1)
    blocked = tmp_path / "file"
    blocked.write_text("")
    settings.LOG_SEAL_DIR = str(blocked / "zegels")  # a directory below a file
    assert seal_log.call("2026-03-02").startswith("MISLUKT / FAILED: ")


# --- The migration signs what exists ------------------------------------------------------


def test_the_migration_numbers_and_signs_existing_heads_and_checkpoints(
    cast: Any, case: Any, as_user: Any
) -> None:
    chain.append([], [bulk_line(cast.house.pk, n, start_time=_long_ago()) for n in range(3)])
    retention.purge_log(cast.house, timezone.localdate())
    reads(as_user, cast, case, 2)
    LogHead.objects.update(last_seq=0, mac="")
    LogCheckpoint.objects.update(last_removed_seq=0, mac="")
    assert verify_log()[0] == 1
    migration = importlib.import_module("casusregie.privacy.migrations.0012_sign_log_heads")
    migration.forwards(apps, None)
    status, output = verify_log()
    assert status == 0, output
    head = LogHead.objects.get(house_id=cast.house.pk, kind=chain.LOG)
    removed = LogCheckpoint.objects.get(house_id=cast.house.pk).removed
    assert head.last_seq == removed + len(log_rows(cast))
