"""Benchmark: triage queue and case list through the real HTTP stack, at two data sizes.

    python3 dev.py bench            # 1,000 and 100,000 cases (a few minutes on two cores)
    python3 dev.py bench --sizes 1000 10000

For each size it (1) creates a fresh PostgreSQL database, migrates it and fills it with COPY,
(2) starts gunicorn on loopback, (3) logs in as a restricted partner participant (whose
organisation takes part in ~5% of the cases), a triage member and a process director, and
times the pages, (4) times the raw SQL floor: the same first page of rows with one hand-written
query through psycopg, in the same run. It writes bench/results/case_process-<date>.json and
bench/results/case_process.md. Only 127.0.0.1 is contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import datetime
import http.cookiejar
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
DB = "casusregie_bench"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - synthetic accounts on a throw-away database
WARMUP, RUNS = 5, 30
PAGE = 50


def django_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASUSREGIE_")}
    env.update(
        {
            "CASUSREGIE_ENV": "development",
            "CASUSREGIE_DATA_DIR": str(ROOT / "var" / "bench"),
            "CASUSREGIE_REQUIRE_2FA": "false",
            "CASUSREGIE_LOG_LEVEL": "warning",
            "DATABASE_URL": f"{PG}/{DB}",
            "DJANGO_SETTINGS_MODULE": "casusregie.conf.settings",
            **(extra or {}),
        }
    )
    return env


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qc", sql],
        check=True,
        capture_output=True,
    )


def fresh_database() -> None:
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    subprocess.run(
        [PYTHON, "-m", "casusregie", "migrate", "-v0"], env=django_env(), check=True, cwd=ROOT
    )


def generate(cases: int, seed: int = 1) -> None:
    """Fill the database in a child process (Django set up against the bench database)."""
    subprocess.run(
        [PYTHON, str(Path(__file__).with_name("generate.py")), str(cases), str(seed)],
        env=django_env(),
        check=True,
        cwd=ROOT,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Session:
    """A logged-in browser session over loopback (cookies and CSRF like a real browser)."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.open(f"{base}/inloggen/", timeout=30).read()
        token = next(c.value for c in self.jar if c.name == "casusregie_csrf")
        body = urllib.parse.urlencode(
            {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            f"{base}/inloggen/", data=body, headers={"Referer": f"{base}/inloggen/"}
        )
        self.opener.open(request, timeout=30).read()
        if not any(c.name == "casusregie_session" for c in self.jar):
            raise RuntimeError(f"login failed for {email}")

    def get(self, path: str) -> tuple[float, str]:
        start = time.perf_counter()
        with self.opener.open(f"{self.base}{path}", timeout=60) as response:
            text = response.read().decode()
            status = response.status
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        return elapsed, text


def timed(fn: Any) -> dict[str, float]:
    for _ in range(WARMUP):
        fn()
    samples = sorted(fn() for _ in range(RUNS))
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p90_ms": round(samples[int(len(samples) * 0.9) - 1], 2),
        "runs": RUNS,
    }


def sql_floor(house_id: int, user_id: int, kind: str) -> dict[str, float]:
    import psycopg

    queries = {
        "restricted_case_list": (
            "SELECT c.id, c.reference, c.title, c.phase, c.urgency, c.created_at,"
            " pd.full_name, cd.full_name FROM cases_case c"
            " LEFT JOIN accounts_user pd ON pd.id = c.process_director_id"
            " LEFT JOIN accounts_user cd ON cd.id = c.case_director_id"
            " WHERE c.house_id = %(house)s AND c.phase <> 'closed' AND EXISTS ("
            "  SELECT 1 FROM cases_participation p JOIN accounts_membership m"
            "  ON m.organisation_id = p.organisation_id WHERE p.case_id = c.id"
            "  AND p.ended_at IS NULL AND m.user_id = %(user)s AND m.ended_at IS NULL"
            "  AND m.house_id = c.house_id) ORDER BY c.id DESC LIMIT 51"
        ),
        "director_case_list": (
            "SELECT c.id, c.reference, c.title, c.phase, c.urgency, c.created_at,"
            " pd.full_name, cd.full_name FROM cases_case c"
            " LEFT JOIN accounts_user pd ON pd.id = c.process_director_id"
            " LEFT JOIN accounts_user cd ON cd.id = c.case_director_id"
            " WHERE c.house_id = %(house)s AND c.phase <> 'closed'"
            " ORDER BY c.id DESC LIMIT 51"
        ),
        "triage_queue": (
            "SELECT r.id, r.urgency, r.submitted_at, o.name FROM referrals_referral r"
            " JOIN houses_organisation o ON o.id = r.referrer_organisation_id"
            " WHERE r.house_id = %(house)s AND r.status = 'submitted' AND r.routed_to_id IS NULL"
            " ORDER BY CASE r.urgency WHEN 'crisis' THEN 0 WHEN 'high' THEN 1 ELSE 2 END,"
            " r.submitted_at, r.id LIMIT 51"
        ),
    }
    with psycopg.connect(f"{PG}/{DB}") as connection:

        def run() -> float:
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(queries[kind], {"house": house_id, "user": user_id})
                cursor.fetchall()
            return (time.perf_counter() - start) * 1000

        return timed(run)


def measure(size: int) -> dict[str, Any]:
    print(f"--- {size} cases: database", flush=True)
    fresh_database()
    generate(size)
    ids = json.loads((ROOT / "var" / "bench" / "ids.json").read_text())
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "casusregie.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=django_env(),
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{base}/gezondheid/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        slug = ids["slug"]
        sessions = {name: Session(base, ids[name]) for name in ("restricted", "triage", "director")}
        pages = {
            "restricted_case_list": ("restricted", f"/huizen/{slug}/casussen/"),
            "director_case_list": ("director", f"/huizen/{slug}/casussen/"),
            "triage_queue": ("triage", f"/huizen/{slug}/toegang/"),
        }
        results: dict[str, Any] = {"cases": size, "visible_to_restricted": ids["visible"]}
        for key, (who, path) in pages.items():
            _ms, text = sessions[who].get(path)
            rows = len(re.findall(r"<tr>\s*<td><a href=", text))
            page = timed(lambda who=who, path=path: sessions[who].get(path)[0])
            user = ids[f"{who}_id"]
            floor = sql_floor(ids["house_id"], user, key)
            results[key] = {
                "rows_on_page": rows,
                "page": page,
                "sql_floor": floor,
                "ratio_page_to_sql": round(page["median_ms"] / max(floor["median_ms"], 0.001), 1),
            }
            print(
                f"  {key}: page {page['median_ms']} ms, SQL {floor['median_ms']} ms, {rows} rows",
                flush=True,
            )
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = match.group(1).strip() if match else ""
    version = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "postgresql": version,
        "platform": platform.platform(),
    }


def write_report(runs: list[dict[str, Any]]) -> None:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%d")
    report = {"benchmark": "case_process", "date": stamp, "machine": machine(), "runs": runs}
    (out / f"case_process-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    small, large = runs[0], runs[-1]
    lines = [
        "# Case process benchmark",
        "",
        f"Date {stamp}; {report['machine']['cpus']} CPUs ({report['machine']['cpu_model']}), "
        f"Python {report['machine']['python']}, {report['machine']['postgresql']}. "
        f"gunicorn with 2 workers on loopback; {WARMUP} warm-up and {RUNS} timed requests each; "
        "times are client-side medians (p90 in brackets), in milliseconds.",
        "",
        "| Page (user) | Cases | Rows | Page median (p90) | SQL floor median | Page / SQL |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        for key in ("restricted_case_list", "director_case_list", "triage_queue"):
            r = run[key]
            lines.append(
                f"| {key} | {run['cases']:,} | {r['rows_on_page']} | {r['page']['median_ms']} "
                f"({r['page']['p90_ms']}) | {r['sql_floor']['median_ms']} | "
                f"{r['ratio_page_to_sql']} |"
            )
    lines += [
        "",
        f"Growth from {small['cases']:,} to {large['cases']:,} cases (page median ratio):",
        "",
    ]
    for key in ("restricted_case_list", "director_case_list", "triage_queue"):
        ratio = large[key]["page"]["median_ms"] / max(small[key]["page"]["median_ms"], 0.001)
        lines.append(f"- {key}: × {ratio:.2f}")
    lines.append("")
    (out / "case_process.md").write_text("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 100000])
    args = parser.parse_args()
    random.seed(1)
    runs = [measure(size) for size in args.sizes]
    write_report(runs)
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
