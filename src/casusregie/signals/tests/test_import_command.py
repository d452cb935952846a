"""`casusregie import_signals`: a large export read on the server, past the upload limit, with
the checks, report and log of an upload, a progress bar, and clear refusals."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from casusregie.conftest import Cast
from casusregie.privacy.models import ProcessingLogEntry
from casusregie.signals.models import Intake, IntakeStatus, PendingSignal, Signal

from .helpers import BSN_1, BSN_2, FIRST, LAST, today

pytestmark = pytest.mark.django_db


def export(tmp_path: Path, *rows: str, name: str = "politie.csv") -> Path:
    path = tmp_path / name
    path.write_text("bsn,category,date\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


def run(cast: Cast, path: Path, *extra: str, user=None, org=None) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "import_signals",
        str(path),
        "--house",
        cast.house.slug,
        "--organisation",
        (org or cast.org_a).name,
        "--as",
        (user or cast.participant_a).email,
        *extra,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def test_a_police_export_is_saved_with_progress_and_a_report(cast: Cast, tmp_path: Path) -> None:
    day = today().isoformat()
    path = export(tmp_path, f"{BSN_1},overlast,{day}", f"{BSN_2},schulden,{day}")
    out, err = run(cast, path)
    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.DONE
    assert Signal.objects.filter(organisation=cast.org_a, intake=intake).count() == 2
    assert not PendingSignal.objects.exists()
    assert "status: done" in out
    assert "2/2 signalen" in err  # the progress bar reached the end
    assert (tmp_path / "politie-rapport.csv").exists()
    assert ProcessingLogEntry.objects.filter(name="signal.intake").count() == 2
    for value in (BSN_1, BSN_2, FIRST, LAST):
        assert value not in out + err
        assert value not in (tmp_path / "politie-rapport.csv").read_text(encoding="utf-8")


def test_a_file_past_the_upload_limit_is_read_up_to_max_mb(
    cast: Cast, tmp_path: Path, settings
) -> None:
    settings.IMPORTS_MAX_BYTES = 40  # the web upload would refuse this file
    path = export(tmp_path, f"{BSN_1},overlast,{today().isoformat()}")
    run(cast, path)
    assert Signal.objects.count() == 1
    big = tmp_path / "big.csv"
    big.write_bytes(b"bsn,category,date\n" + b"1" * (1024 * 1024 + 1))
    with pytest.raises(CommandError, match="groter dan 1 MB"):
        run(cast, big, "--max-mb", "1")
    assert Intake.objects.count() == 1


def test_rejected_rows_store_nothing_unless_keep_valid(cast: Cast, tmp_path: Path) -> None:
    day = today().isoformat()
    path = export(tmp_path, f"{BSN_1},overlast,{day}", f"123456789,overlast,{day}")
    with pytest.raises(SystemExit):
        run(cast, path)
    assert Intake.objects.get().status == IntakeStatus.REJECTED
    assert not Signal.objects.exists()
    out, _err = run(cast, path, "--keep-valid")
    assert "rij 3 [bsn]" in out
    assert "123456789" not in out
    assert Signal.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"house": "nergens"}, "Onbekend huis"),
        ({"org": "Bestaat niet"}, "Onbekende organisatie"),
        ({"as": "niemand@example.invalid"}, "Onbekende gebruiker"),
        ({"as": "participant_b"}, "namens deze organisatie"),  # B may not speak for A
        ({"as": "admin"}, "namens deze organisatie"),  # nor may the functional administrator
        ({"file": "ontbreekt.csv"}, "ontbreekt.csv"),
    ],
)
def test_who_and_what_is_refused(cast: Cast, tmp_path: Path, change: dict, message: str) -> None:
    path = export(tmp_path, f"{BSN_1},overlast,{today().isoformat()}")
    who = change.get("as", "participant_a")
    email = getattr(cast, who).email if hasattr(cast, who) else who
    with pytest.raises(CommandError, match=message):
        call_command(
            "import_signals",
            str(tmp_path / change["file"]) if "file" in change else str(path),
            "--house",
            change.get("house", cast.house.slug),
            "--organisation",
            change.get("org", cast.org_a.name),
            "--as",
            email,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not Signal.objects.exists()
    assert not Intake.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the advisory lock is PostgreSQL's; .ci/run runs this on PostgreSQL",
)
def test_a_second_run_of_the_same_intake_leaves_it_to_the_first(
    cast: Cast, as_user, tmp_path: Path
) -> None:
    """A task requeued while its first worker still saves (web/task_queue.py) must not save the
    same rows beside it: the second run sees the lock and leaves."""
    import psycopg

    from casusregie.signals import intake as intake_module
    from casusregie.signals.tests.test_intake import good_file, upload

    upload(as_user(cast.participant_a), cast, cast.org_a, good_file())  # staged, not saved
    intake = Intake.objects.get()
    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [intake_module.RUN_LOCK, intake.pk])
        intake_module.run(intake.pk)  # the "first worker" holds the lock
        intake.refresh_from_db()
        assert intake.status == IntakeStatus.WORKING
        assert not Signal.objects.exists()
        other.execute("SELECT pg_advisory_unlock(%s, %s)", [intake_module.RUN_LOCK, intake.pk])
    finally:
        other.close()
    intake_module.run(intake.pk)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.DONE
    assert Signal.objects.count() == 3
