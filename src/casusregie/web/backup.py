"""Backups of the database with PostgreSQL's own tools (`casusregie backup` / `restore`).

A backup is one file in pg_dump's custom format: compressed, restorable table by table, and
read by pg_restore of the same or a newer PostgreSQL. It holds everything, the processing log
and its hash chains included; BSNs and encrypted free text stay encrypted in it, so the keys
(`CASUSREGIE_FIELD_KEYS`, `CASUSREGIE_LOG_CHAIN_KEY`) must be kept apart from the backups and
are needed to use one (docs/operations.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

SQLITE_HELP = (
    "SQLite is only for the demo and development; the backup and restore commands need "
    "PostgreSQL. For an SQLite file, stop the app and copy the file, or run "
    '`sqlite3 casusregie.sqlite3 ".backup copy.sqlite3"` while it runs.'
)


def postgres_only() -> dict[str, Any]:
    """The default database's settings, or a clear refusal for SQLite."""
    if connection.vendor != "postgresql":
        raise CommandError(SQLITE_HELP)
    return dict(settings.DATABASES["default"])


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CommandError(f"{name} not found: install the PostgreSQL client tools")
    return found


def libpq(database: dict[str, Any], name: str | None = None) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for the PostgreSQL tools (the password in the
    environment, never on the command line where `ps` shows it)."""
    args = ["--dbname", name or database["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            args += [option, str(database[key])]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return args, env


def run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise CommandError(f"{Path(argv[0]).name} failed: {done.stderr.strip()}")


def backup(target: Path) -> int:
    """Dump the database into `target` (written beside it first, then renamed, so a failed
    backup never leaves a file that looks whole). Returns the size in bytes."""
    database = postgres_only()
    args, env = libpq(database)
    partial = target.with_name(target.name + ".partial")
    run(
        [
            tool("pg_dump"),
            *args,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(partial),
        ],
        env,
    )
    partial.replace(target)
    return target.stat().st_size


def is_empty(database: dict[str, Any], name: str) -> bool:
    args, env = libpq(database, name)
    query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    done = subprocess.run(
        [tool("psql"), *args, "--no-psqlrc", "-tAc", query],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise CommandError(f"Cannot reach database {name}: {done.stderr.strip()}")
    return done.stdout.strip() == "0"


def restore(source: Path, name: str | None = None) -> str:
    """Restore `source` into an EMPTY database (the configured one, or `name` on the same
    server) in one transaction: all of it or nothing. Returns the database's name."""
    database = postgres_only()
    name = name or database["NAME"]
    if not source.is_file():
        raise CommandError(f"No backup file at {source}")
    if not is_empty(database, name):
        raise CommandError(
            f"Database {name} is not empty. Restore into a fresh database "
            f"(createdb NEW, then DATABASE_URL=.../NEW casusregie restore FILE, or "
            f"--database NEW) and switch over when it checks out."
        )
    args, env = libpq(database, name)
    run(
        [
            tool("pg_restore"),
            *args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(source),
        ],
        env,
    )
    return name
