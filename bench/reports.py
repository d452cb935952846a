"""Benchmark: the outcome report (insights) on a generated house of N cases.

    .venv/bin/python bench/reports.py            # 10,000 cases
    .venv/bin/python bench/reports.py --cases 50000

Creates a fresh PostgreSQL database `cr_bench_reports` on 127.0.0.1, migrates it, fills it
with `casusregie generate-data --houses 1` (cases, referrals, concerns, meetings, actions,
processing log), adds a synthetic police count to every closed case, then builds the whole
report (every figure, including the police bootstrap) in-process for the default period,
unfiltered and with a filter, and prints the median of five runs and the number of queries.
Only 127.0.0.1 is contacted; the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
DB = os.environ.get("BENCH_REPORTS_DB", "cr_bench_reports")
RUNS = 5


def env() -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("CASUSREGIE_")}
    values.update(
        {
            "CASUSREGIE_ENV": "development",
            "CASUSREGIE_DATA_DIR": str(ROOT / "var" / "bench-reports"),
            "CASUSREGIE_REQUIRE_2FA": "false",
            "CASUSREGIE_LOG_LEVEL": "warning",
            "DATABASE_URL": f"{PG}/{DB}",
            "DJANGO_SETTINGS_MODULE": "casusregie.conf.settings",
        }
    )
    return values


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
        check=True,
        capture_output=True,
    )


def prepare(cases: int) -> None:
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    subprocess.run([PYTHON, "-m", "casusregie", "migrate", "-v0"], env=env(), check=True, cwd=ROOT)
    subprocess.run(
        [PYTHON, "-m", "casusregie", "generate-data", "--houses", "1", "--cases", str(cases)],
        env=env(),
        check=True,
        cwd=ROOT,
    )


def measure() -> None:
    import django

    os.environ.update(env())
    sys.path.insert(0, str(ROOT / "src"))
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from casusregie.accounts.models import User
    from casusregie.cases.models import Case
    from casusregie.houses.models import House, Organisation
    from casusregie.insights import report
    from casusregie.insights.models import PoliceCount

    house = House.objects.get(slug="regio-01")
    police = Organisation.objects.filter(kind="police").first()
    user = User.objects.first()
    rng = random.Random(1)
    closed = Case.objects.filter(house=house, closed_at__isnull=False).values_list("pk", flat=True)
    PoliceCount.objects.bulk_create(
        PoliceCount(
            case_id=pk,
            house=house,
            before=rng.choice([0, 0, 1, 2, 3, 5, 8]),
            after=rng.choice([0, 0, 0, 1, 1, 2, 4]),
            organisation=police,
            recorded_by=user,
            recorded_at=timezone.now(),
        )
        for pk in closed
    )
    # Their twelve months after closure must end in the period for the police figure to count.
    Case.objects.filter(pk__in=list(closed)).update(
        closed_at=timezone.now() - timezone.timedelta(days=400)
    )
    start, end = report.default_period()
    variants = {
        "unfiltered": report.Period(start=start, end=end),
        "domain=housing": report.Period(start=start, end=end, domain="housing"),
    }
    total = Case.objects.filter(house=house).count()
    print(f"{total:,} cases, {len(closed):,} police counts")
    for name, period in variants.items():
        times = []
        began = time.perf_counter()
        report.build(house, period)
        first = time.perf_counter() - began
        for _ in range(RUNS):
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                report.build(house, period)
            times.append(time.perf_counter() - began)
        print(
            f"{name:>16}: first {first:.2f} s, then median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}), {len(queries)} queries"
        )
    # The same report as a background task (insights/background.py): the task's whole run,
    # then serving the cached result as the page does.
    from casusregie.insights import background
    from casusregie.insights.models import ReportRun

    period = variants["unfiltered"]
    run = background.start(house, period, "nl")
    began = time.perf_counter()
    background.compute(run.pk, background._params(period), "nl")
    task = time.perf_counter() - began
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        cached = ReportRun.objects.get(pk=run.pk)
        background.figures_of(cached)
    served = time.perf_counter() - began
    print(
        f"{'task':>16}: whole run {task:.2f} s; cached result served in {served * 1000:.0f} ms "
        f"({len(queries)} query)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        measure()
        return
    prepare(args.cases)
    try:
        subprocess.run([PYTHON, __file__, "--measure-only"], env=env(), check=True, cwd=ROOT)
    finally:
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
