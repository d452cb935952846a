"""Benchmark: what logging reads costs — the case page, the case list and the API case list with
the processing log on and off, in the same run, at two data sizes.

    .venv/bin/python bench/privacy_log.py                  # 2,000 and 20,000 cases
    .venv/bin/python bench/privacy_log.py --sizes 500 5000

For each size it creates a fresh PostgreSQL database (`casusregie_bench_log`), migrates it and
bulk-inserts one house with 20 organisations and N cases, each with two data subjects and three
participating organisations. It then requests each page in-process through Django's test client
(the whole request path: middleware, access policy, templates, the log's batch insert and hash
chain) as a process director: 5 warm-ups, then 30 timed rounds in which "log on" and "log off"
alternate, so both see the same machine state. "Log off" replaces the read-logging calls by
no-ops for the duration of one request (never possible in the product). The SQL floor is the
first page of the list with one hand-written query. Writes bench/results/privacy_log-<date>.json
and bench/results/privacy_log.md.
"""

from __future__ import annotations

import argparse
import random
import time
from contextlib import ExitStack
from typing import Any
from unittest import mock

from inprocess import (
    RUNS,
    WARMUP,
    bench_house,
    fresh_database,
    save_results,
    setup_django,
    summary,
    timed,
    write_table,
)

DB = "casusregie_bench_log"


def fill(cases: int, seed: int = 1) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from casusregie.cases.models import Case, CaseSubject, Participation, Subject
    from casusregie.privacy.crypto import keyed_hash

    rng = random.Random(seed)
    now = timezone.now()
    house, _staff, orgs, director = bench_house()
    Subject.objects.bulk_create(
        (
            Subject(
                house=house,
                first_name=f"Voornaam{n}",
                last_name=f"Achternaam{n}",
                bsn_hash=keyed_hash(f"bench-{n}", purpose="bsn-lookup") if n % 3 else "",
                search_name=f"voornaam{n} achternaam{n}",
            )
            for n in range(2 * cases)
        ),
        batch_size=5000,
    )
    subject_ids = list(Subject.objects.filter(house=house).values_list("pk", flat=True))
    Case.objects.bulk_create(
        (
            Case(
                house=house,
                reference=f"2026-{n:06d}",
                kind="person",
                title=f"Voornaam{2 * n} Achternaam{2 * n}",
                phase=rng.choice(["plan", "execution", "aftercare"]),
                phase_changed_at=now,
                process_director=director,
            )
            for n in range(cases)
        ),
        batch_size=5000,
    )
    case_ids = list(Case.objects.filter(house=house).order_by("pk").values_list("pk", flat=True))
    CaseSubject.objects.bulk_create(
        (
            CaseSubject(case_id=case_id, subject_id=subject_ids[2 * i + k], is_main=k == 0)
            for i, case_id in enumerate(case_ids)
            for k in (0, 1)
        ),
        batch_size=5000,
    )
    Participation.objects.bulk_create(
        (
            Participation(case_id=case_id, organisation=o, role="Deelnemer", purpose="Bench")
            for case_id in case_ids
            for o in rng.sample(orgs, 3)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"house": house, "director": director, "case": case_ids[len(case_ids) // 2]}


def logging_off() -> ExitStack:
    """No read is logged during the block (the benchmark's baseline only)."""
    from casusregie.cases import actions as case_actions
    from casusregie.privacy import log

    real = log.record

    def record(**kwargs: Any) -> str:
        if kwargs.get("operation") == "read" and not kwargs.get("recipients"):
            return ""
        return real(**kwargs)

    stack = ExitStack()
    stack.enter_context(mock.patch.object(log, "record", record))
    stack.enter_context(mock.patch.object(case_actions, "record_case_list", return_value=None))
    return stack


def paired(fn: Any) -> dict[str, dict[str, float]]:
    for _ in range(WARMUP):
        fn()
        with logging_off():
            fn()
    on: list[float] = []
    off: list[float] = []
    for round_ in range(RUNS):
        for mode in ("on", "off") if round_ % 2 == 0 else ("off", "on"):
            start = time.perf_counter()
            if mode == "on":
                fn()
            else:
                with logging_off():
                    fn()
            (on if mode == "on" else off).append((time.perf_counter() - start) * 1000)
    return {name: summary(samples) for name, samples in (("on", on), ("off", off))}


def measure(cases: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from casusregie.privacy.models import ProcessingLogEntry

    connection.close()
    fresh_database(DB)
    ids = fill(cases)
    client = Client()
    client.force_login(ids["director"])
    pages = {
        "case_page": f"/huizen/bench/casussen/{ids['case']}/",
        "case_list": "/huizen/bench/casussen/",
        "api_case_list": "/api/v1/houses/bench/cases",
    }
    results: dict[str, Any] = {"cases": cases}
    for key, url in pages.items():
        assert client.get(url).status_code == 200, url
        results[key] = paired(lambda u=url: client.get(u))
    results["log_lines"] = ProcessingLogEntry.objects.count()
    sql = (
        "SELECT c.id, c.reference, c.title, c.phase FROM cases_case c "
        "WHERE c.house_id = %s AND c.phase <> 'closed' ORDER BY c.id DESC LIMIT 50"
    )

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [ids["house"].pk])
            cursor.fetchall()

    results["sql_floor"] = timed(floor)
    return results


def report(runs: list[dict[str, Any]]) -> None:
    info = save_results("privacy_log", runs)
    lines = [
        f"# Processing-log benchmark ({info['date']})",
        "",
        f"Machine: {info['machine']['cpus']} CPUs, Python {info['machine']['python']}, "
        f"PostgreSQL {info['machine']['postgresql']}. In-process (Django test client), "
        f"{RUNS} alternating rounds after {WARMUP} warm-ups; milliseconds, median (p80). "
        "Target: logging adds at most 10% (on / off ≤ 1.10).",
        "",
        "| Page (process director) | Cases | Log on | Log off | On / off | On / SQL floor "
        "| On vs smallest |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    first = runs[0]
    for key, label in (
        ("case_page", "Case page"),
        ("case_list", "Case list (50 rows)"),
        ("api_case_list", "API case list (50 rows)"),
    ):
        for run in runs:
            on, off, floor = run[key]["on"], run[key]["off"], run["sql_floor"]
            lines.append(
                f"| {label} | {run['cases']:,} | {on['median']:.1f} ({on['p80']:.1f}) | "
                f"{off['median']:.1f} ({off['p80']:.1f}) | {on['median'] / off['median']:.2f} | "
                f"{on['median'] / floor['median']:.0f}× | "
                f"{on['median'] / first[key]['on']['median']:.2f}× |"
            )
    write_table("privacy_log", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000])
    args = parser.parse_args()
    setup_django(DB)
    runs = []
    for size in args.sizes:
        print(f"{size:,} casussen ...", flush=True)
        runs.append(measure(size))
    report(runs)


if __name__ == "__main__":
    main()
