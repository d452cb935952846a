"""Backup and restore (`casusregie backup FILE`, `casusregie restore FILE`, docs/operations.md).

On PostgreSQL: the cast, a case and what was read through the pages are backed up, restored
into a fresh database, and every table holds the same number of rows there; `verify-log`, run
as its own process against the restored database, finds the hash chains intact, and finds a
forged line once one is changed. A restore into a database that is not empty is refused. On
SQLite both commands refuse and say what to do instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from casusregie.conftest import Cast, verified_client
from casusregie.privacy.models import ProcessingLogEntry

CASUSREGIE = [sys.executable, "-m", "casusregie"]


def url_of(name: str) -> str:
    database = settings.DATABASES["default"]
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{database.get('PORT') or 5432}/{name}"


def verify_log(name: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASUSREGIE_ENV": "test", "DATABASE_URL": url_of(name)}
    return subprocess.run(
        [*CASUSREGIE, "verify-log"], env=env, capture_output=True, text=True, timeout=120
    )


def counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    result = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from introspection
        result[table] = cursor.fetchone()[0]
    return result


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database_whole_and_verifiable(
    cast: Cast, case: Any, tmp_path: Path
) -> None:
    if connection.vendor == "sqlite":
        for command, args in (("backup", [tmp_path / "b.dump"]), ("restore", [tmp_path / "b"])):
            with pytest.raises(CommandError, match="SQLite is only for the demo") as refused:
                call_command(command, *map(str, args))
            assert "sqlite3" in str(refused.value)  # says what to do instead
        assert not (tmp_path / "b.dump").exists()
        return

    # Reading the case writes the processing log; the case itself wrote the audit trail.
    client = verified_client(cast.participant_a)
    page = client.get(reverse("cases:detail", args=[cast.house.slug, case.pk]))
    assert page.status_code == 200
    assert ProcessingLogEntry.objects.filter(house=cast.house).exists()

    dump = tmp_path / "casusregie.dump"
    call_command("backup", str(dump))
    assert dump.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))

    fresh = f"{settings.DATABASES['default']['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        call_command("restore", str(dump), database=fresh)
        tables = connection.introspection.table_names()
        with connection.cursor() as cursor:
            before = counts(cursor, tables)
        with psycopg.connect(url_of(fresh), autocommit=True) as restored:
            after = counts(restored.cursor(), tables)
        assert before == after
        assert after["privacy_processinglogentry"] > 0
        assert after["cases_case"] == 1

        checked = verify_log(fresh)
        assert checked.returncode == 0, checked.stderr
        assert "OK:" in checked.stdout

        # A second restore into the now full database is refused, and changes nothing.
        with pytest.raises(CommandError, match="is not empty"):
            call_command("restore", str(dump), database=fresh)

        # verify-log is no formality: a line changed behind the triggers' back is found.
        with psycopg.connect(url_of(fresh), autocommit=True) as restored:
            restored.execute("ALTER TABLE privacy_processinglogentry DISABLE TRIGGER ALL")
            restored.execute(
                "UPDATE privacy_processinglogentry SET purpose = 'vervalst' "
                "WHERE id = (SELECT min(id) FROM privacy_processinglogentry)"
            )
        forged = verify_log(fresh)
        assert forged.returncode == 1
        assert "BROKEN" in forged.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
