"""Shared parts of the in-process benchmarks (`monitor.py`, `privacy_log.py`): Django set-up
against a throw-away PostgreSQL database, a fresh database, the bench house, timing and the
machine description."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
WARMUP, RUNS = 5, 30


def setup_django(database: str) -> None:
    os.environ.update(
        {
            "CASUSREGIE_ENV": "development",
            "CASUSREGIE_LOG_LEVEL": "warning",
            "CASUSREGIE_REQUIRE_2FA": "false",
            "DATABASE_URL": f"{PG}/{database}",
            "DJANGO_SETTINGS_MODULE": "casusregie.conf.settings",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def fresh_database(database: str) -> None:
    for sql in (f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", f"CREATE DATABASE {database}"):
        subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True)


def bench_house(organisations: int = 20) -> tuple[Any, Any, list[Any], Any]:
    """Migrate, then create the house "bench" with its staff organisation, partner
    organisations and a process director who has confirmed the working method."""
    from django.core.management import call_command

    from casusregie.accounts.models import Membership, User
    from casusregie.accounts.roles import Role
    from casusregie.houses.models import House, Organisation, OrganisationKind, Partnership
    from casusregie.privacy.models import Confirmation, WorkingMethod

    call_command("migrate", verbosity=0)
    house = House.objects.create(name="Bench", slug="bench", region="Bench", governance_form="lead")
    staff = Organisation.objects.create(name="Bench team", kind=OrganisationKind.HOUSE_STAFF)
    orgs = [
        Organisation.objects.create(name=f"Partner {n:02d}", kind=OrganisationKind.OTHER)
        for n in range(organisations)
    ]
    Partnership.objects.bulk_create(
        Partnership(house=house, organisation=o, ring="key") for o in [staff, *orgs]
    )
    director = User.objects.create_user(email="pr@bench.invalid", password=None, full_name="P R")
    Membership.objects.create(
        user=director, house=house, organisation=staff, role=Role.PROCESS_DIRECTOR
    )
    Confirmation.objects.create(method=WorkingMethod.objects.get(house=house), user=director)
    return house, staff, orgs, director


def summary(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {"median": statistics.median(samples), "p80": samples[int(len(samples) * 0.8)]}


def timed(fn: Callable[[], Any]) -> dict[str, float]:
    for _ in range(WARMUP):
        fn()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return summary(samples)


def machine() -> dict[str, Any]:
    from django.db import connection

    settings = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        for name in ("shared_buffers", "max_wal_size", "wal_compression"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "postgresql": server,
        "postgresql_settings": settings,
    }


def save_results(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Write bench/results/<name>-<date>.json with the machine; return it for the report."""
    import datetime
    import json

    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    info = {
        "date": datetime.datetime.now(tz=datetime.UTC).date().isoformat(),
        "machine": machine(),
        "runs": runs,
    }
    (out / f"{name}-{info['date']}.json").write_text(json.dumps(info, indent=2))
    return info


def write_table(name: str, lines: list[str]) -> None:
    """Write bench/results/<name>.md (the latest table) and print it."""
    (ROOT / "bench" / "results" / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
