"""The benchmark suite: the main pages and API calls through gunicorn on loopback, against
PostgreSQL, at several data sizes, as a restricted partner user and as a process director.

    python3 dev.py bench                                   # 10,000 and 1,000,000 cases
    python3 dev.py bench --sizes 10000 100000
    python3 dev.py bench --sizes 10000 1000000 --databases cr_perf_10k cr_perf_national --reuse

For each size it (1) fills a PostgreSQL database with `casusregie generate-data` (30 houses;
the benchmark uses the largest house) unless `--reuse` finds it already generated, (2) starts
two gunicorn servers on loopback: one as in production, one with reads not logged
(bench/gunicorn_log_off.py), (3) logs in like a browser as the restricted partner participant
(their organisation takes part in ~5% of the house's cases) and as a process director,
(4) times every page on both servers in alternating order, (5) times the raw SQL floor of each
page (the same rows with one hand-written query through psycopg), (6) counts each page's
queries in-process, and (7) runs a mixed load for a bounded time with a threaded client.
Results: bench/results/suite-<date>.json and bench/results/suite.md. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - synthetic accounts (generate-data)
WARMUP, RUNS = 5, 30
HOUSES = 30

# Targets of issue 10 (medians on the benchmark machine).
TARGET_RATIO_TO_FLOOR = 3.0
TARGET_MS_AT_LARGEST = 50.0
TARGET_GROWTH = 1.5
TARGET_RPS = 300
TARGET_LOG_OVERHEAD = 1.10


def data_dir(database: str) -> Path:
    return ROOT / "var" / "bench" / database


def django_env(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASUSREGIE_")}
    env.update(
        {
            "CASUSREGIE_ENV": "development",
            "CASUSREGIE_DATA_DIR": str(data_dir(database)),
            "CASUSREGIE_REQUIRE_2FA": "false",
            "CASUSREGIE_LOG_LEVEL": "warning",
            # The suite drives the API as fast as it can from two people: measure speed, not
            # the per-person rate limit (api/throttling.py).
            "CASUSREGIE_API_USER_RATE": "1000000",
            "CASUSREGIE_API_CLIENT_RATE": "1000000",
            "DATABASE_URL": f"{PG}/{database}",
            "DJANGO_SETTINGS_MODULE": "casusregie.conf.settings",
        }
    )
    return env


def psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAqc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def prepare(size: int, database: str, reuse: bool) -> dict[str, Any]:
    """The generated database of `size` cases; returns generate-data's logins and counts."""
    out = data_dir(database) / "generated.json"
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1"
    if reuse and exists and out.exists():
        info = json.loads(out.read_text())
        if sum(h["cases"] for h in info["houses"]) == size:
            print(f"--- {size:,} cases: reusing {database}", flush=True)
            migrate = [PYTHON, "-m", "casusregie", "migrate", "-v0"]
            subprocess.run(migrate, env=django_env(database), check=True, cwd=ROOT)
            return dict(info)
    print(f"--- {size:,} cases: generating {database}", flush=True)
    psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    psql(f"CREATE DATABASE {database}")
    env = django_env(database)
    subprocess.run([PYTHON, "-m", "casusregie", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    command = [PYTHON, "-m", "casusregie", "generate-data", "--houses", str(HOUSES)]
    command += ["--cases", str(size), "--seed", "1"]
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    return dict(json.loads(out.read_text()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn on a free loopback port (sync workers, as `casusregie serve` runs it)."""

    def __init__(self, database: str, workers: int, config: Path | None = None) -> None:
        self.port = free_port()
        command = [PYTHON, "-m", "gunicorn", "casusregie.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        command += ["--log-level", "warning"]
        if config:
            command += ["--config", str(config)]
        self.process = subprocess.Popen(command, env=django_env(database), cwd=ROOT)
        for _ in range(120):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Session:
    """A logged-in browser session (cookies and CSRF like a browser); thread-safe: every
    request is its own connection, as gunicorn's sync workers close each one anyway."""

    def __init__(self, port: int, email: str | None) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        if email is None:  # anonymous: the health check
            return
        self.request("GET", "/inloggen/")
        body = urllib.parse.urlencode(
            {
                "username": email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies["casusregie_csrf"],
            }
        )
        self.request("POST", "/inloggen/", body)
        if "casusregie_session" not in self.cookies:
            raise RuntimeError(f"login failed for {email}")

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}/inloggen/"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, text

    def timed_get(self, path: str) -> float:
        start = time.perf_counter()
        status, _text = self.request("GET", path)
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        return elapsed


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p80_ms": round(ordered[max(0, int(len(ordered) * 0.8) - 1)], 2),
        "runs": len(ordered),
    }


def pages(house: dict[str, Any], case_id: int) -> list[tuple[str, str, str, str]]:
    """(key, label, user, path) of every page and API call the suite times."""
    slug = house["slug"]
    api = f"/api/v1/houses/{slug}"
    # The framework's floor: HTTP, WSGI and every middleware around one `SELECT 1`.
    rows = [("health.anonymous", "Health check (framework floor)", "anonymous", "/gezondheid/")]
    for who in ("restricted", "director"):
        rows += [
            (f"mijn_werk.{who}", "Mijn werk", who, f"/huizen/{slug}/mijn-werk/"),
            (f"case_list.{who}", "Case list", who, f"/huizen/{slug}/casussen/"),
            (f"case_detail.{who}", "Case detail", who, f"/huizen/{slug}/casussen/{case_id}/"),
            (f"api_cases.{who}", "API case list", who, f"{api}/cases"),
            (f"api_case.{who}", "API case", who, f"{api}/cases/{case_id}"),
            (f"api_actions.{who}", "API actions list", who, f"{api}/actions"),
        ]
    rows += [
        ("triage_queue.director", "Triage queue", "director", f"/huizen/{slug}/toegang/"),
        ("report.director", "Report page", "director", f"/huizen/{slug}/rapportages/"),
    ]
    return rows


ACCESS = (
    " EXISTS (SELECT 1 FROM cases_participation p JOIN accounts_membership m"
    " ON m.organisation_id = p.organisation_id WHERE p.case_id = c.id AND p.ended_at IS NULL"
    " AND m.user_id = %(user)s AND m.ended_at IS NULL AND m.house_id = c.house_id)"
)
CASE_ROWS = (
    "SELECT c.id, c.reference, c.title, c.phase, c.urgency, c.created_at, pd.full_name,"
    " cd.full_name FROM cases_case c LEFT JOIN accounts_user pd ON pd.id = c.process_director_id"
    " LEFT JOIN accounts_user cd ON cd.id = c.case_director_id WHERE c.house_id = %(house)s"
    " AND c.phase <> 'closed' {access} ORDER BY c.id DESC LIMIT 51"
)
CASE_DETAIL = (
    "SELECT c.*, (SELECT json_agg(s.*) FROM cases_casesubject cs JOIN cases_subject s"
    " ON s.id = cs.subject_id WHERE cs.case_id = c.id),"
    " (SELECT json_agg(o.name) FROM cases_participation p JOIN houses_organisation o"
    " ON o.id = p.organisation_id WHERE p.case_id = c.id AND p.ended_at IS NULL),"
    " (SELECT json_agg(a.*) FROM plans_action a WHERE a.case_id = c.id)"
    " FROM cases_case c WHERE c.id = %(case)s AND c.house_id = %(house)s {access}"
)
OPEN_ACTIONS = (
    "SELECT a.id, a.number, a.title, a.due_date, a.status, c.id, c.reference, c.title"
    " FROM plans_action a JOIN cases_case c ON c.id = a.case_id WHERE a.house_id = %(house)s"
    " AND a.status = 'open' {access} ORDER BY a.due_date, a.id LIMIT {limit}"
)
OWN_ORG = (
    " AND a.owner_organisation_id IN (SELECT organisation_id FROM accounts_membership"
    " WHERE user_id = %(user)s AND house_id = %(house)s AND ended_at IS NULL)"
)
FLOORS = {
    "health.anonymous": "SELECT 1",
    "case_list.restricted": CASE_ROWS.format(access="AND" + ACCESS),
    "case_list.director": CASE_ROWS.format(access=""),
    "api_cases.restricted": CASE_ROWS.format(access="AND" + ACCESS),
    "api_cases.director": CASE_ROWS.format(access=""),
    "case_detail.restricted": CASE_DETAIL.format(access="AND" + ACCESS),
    "case_detail.director": CASE_DETAIL.format(access=""),
    "api_case.restricted": CASE_DETAIL.format(access="AND" + ACCESS),
    "api_case.director": CASE_DETAIL.format(access=""),
    "mijn_werk.restricted": OPEN_ACTIONS.format(access=OWN_ORG, limit=20),
    "mijn_werk.director": OPEN_ACTIONS.format(
        access="AND c.process_director_id = %(user)s", limit=20
    ),
    "api_actions.restricted": OPEN_ACTIONS.format(access=OWN_ORG, limit=51),
    "api_actions.director": OPEN_ACTIONS.format(access="", limit=51),
    "triage_queue.director": (
        "SELECT r.id, r.urgency, r.submitted_at, o.name FROM referrals_referral r"
        " JOIN houses_organisation o ON o.id = r.referrer_organisation_id"
        " WHERE r.house_id = %(house)s AND r.status = 'submitted' AND r.routed_to_id IS NULL"
        " ORDER BY CASE r.urgency WHEN 'crisis' THEN 0 WHEN 'high' THEN 1 ELSE 2 END,"
        " r.submitted_at, r.id LIMIT 51"
    ),
    "report.director": (
        "SELECT c.phase, c.outcome, count(*) FROM cases_case c WHERE c.house_id = %(house)s"
        " AND c.created_at >= now() - interval '1 year' GROUP BY c.phase, c.outcome"
    ),
}


def sql_floor(database: str, key: str, params: dict[str, Any]) -> dict[str, float]:
    import psycopg

    # The same session settings as the application's connections (conf/settings.py: no JIT).
    with psycopg.connect(f"{PG}/{database}", options="-c jit=off") as connection:
        samples = []
        for index in range(WARMUP + RUNS):
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(FLOORS[key], params)  # type: ignore[arg-type]
                cursor.fetchall()
            if index >= WARMUP:
                samples.append((time.perf_counter() - start) * 1000)
    return summary(samples)


def count_queries(database: str, house: dict[str, Any], case_id: int) -> dict[str, int]:
    """Queries per page, counted in-process (a child process with Django set up)."""
    spec = json.dumps({"house": house, "case": case_id})
    done = subprocess.run(
        [PYTHON, __file__, "_count", spec],
        env=django_env(database),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _count(spec: str) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from casusregie.accounts.models import User

    data = json.loads(spec)
    counts = {}
    for key, _label, who, path in pages(data["house"], data["case"]):
        client = Client(HTTP_HOST="127.0.0.1")
        if who != "anonymous":
            client.force_login(User.objects.get(email=data["house"][who]))
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        counts[key] = len(queries) if response.status_code == 200 else -response.status_code
    print(json.dumps(counts))


def paired(on: Session, off: Session, path: str) -> tuple[dict[str, float], dict[str, float]]:
    """Time a page with logging on and off, alternating which goes first."""
    samples: dict[str, list[float]] = {"on": [], "off": []}
    for index in range(WARMUP + RUNS):
        order = [("on", on), ("off", off)] if index % 2 == 0 else [("off", off), ("on", on)]
        for mode, session in order:
            elapsed = session.timed_get(path)
            if index >= WARMUP:
                samples[mode].append(elapsed)
    return summary(samples["on"]), summary(samples["off"])


def load(
    sessions: dict[str, Session],
    rows: list[tuple[str, str, str, str]],
    seconds: float,
    concurrency: int,
) -> dict[str, Any]:
    """A mixed scenario for `seconds`: each client thread picks pages by weight (partners read
    cases and their work most; directors also triage and report) as fast as answers come."""
    weights = {
        "mijn_werk": 15,
        "case_list": 10,
        "case_detail": 25,
        "api_cases": 10,
        "api_case": 20,
        "api_actions": 10,
        "triage_queue": 5,
        "report": 1,
        "health": 0,
    }
    choices = [(who, path) for key, _l, who, path in rows]
    chance = [weights[key.split(".")[0]] for key, _l, _w, _p in rows]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            who, path = rng.choices(choices, chance)[0]
            start = time.perf_counter()
            try:
                status, _text = sessions[who].request("GET", path)
                ok = status == 200
            except OSError as error:
                ok, status = False, str(error)  # type: ignore[assignment]
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(f"{path}: {status}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    return {
        "seconds": round(took, 1),
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:5],
        "requests_per_second": round(len(latencies) / took, 1),
        "latency": summary(latencies) if latencies else {},
    }


def measure(size: int, database: str, args: argparse.Namespace) -> dict[str, Any]:
    info = prepare(size, database, args.reuse)
    house = info["houses"][0]  # the largest house
    case_id = int(
        psql(
            "SELECT c.id FROM cases_case c JOIN cases_participation p ON p.case_id = c.id"
            f" WHERE c.house_id = {house['house_id']} AND c.phase = 'execution'"
            f" AND p.organisation_id = {house['restricted_organisation_id']}"
            " ORDER BY c.id DESC LIMIT 1",
            database,
        )
    )
    result: dict[str, Any] = {
        "cases": size,
        "database": database,
        "house": {k: house[k] for k in ("slug", "cases", "open_cases", "restricted_open_cases")},
        "generation_seconds": info.get("seconds"),
        "counts": info.get("counts"),
        "queries": count_queries(database, house, case_id),
        "pages": {},
    }
    rows = pages(house, case_id)
    on_server = Server(database, args.workers)
    off_server = Server(database, args.workers, ROOT / "bench" / "gunicorn_log_off.py")
    try:
        users = {
            "restricted": house["restricted"],
            "director": house["director"],
            "anonymous": None,
        }
        on = {who: Session(on_server.port, email) for who, email in users.items()}
        off = {who: Session(off_server.port, email) for who, email in users.items()}
        for key, label, who, path in rows:
            status, _text = on[who].request("GET", path)
            entry: dict[str, Any] = {"label": label, "user": who, "path": path, "status": status}
            result["pages"][key] = entry
            if status != 200:
                print(f"  {key}: HTTP {status}, not timed", flush=True)
                continue
            page, page_off = paired(on[who], off[who], path)
            params = {"house": house["house_id"], "user": house.get(f"{who}_id"), "case": case_id}
            floor = sql_floor(database, key, params)
            entry.update(
                page=page,
                log_off=page_off,
                sql_floor=floor,
                ratio_to_floor=round(page["median_ms"] / max(floor["median_ms"], 0.01), 1),
                log_overhead=round(page["median_ms"] / max(page_off["median_ms"], 0.01), 2),
            )
            print(
                f"  {key}: {page['median_ms']} ms (log off {page_off['median_ms']}), "
                f"SQL {floor['median_ms']} ms, {result['queries'].get(key)} queries",
                flush=True,
            )
        if args.load_seconds:
            timed_rows = [r for r in rows if result["pages"][r[0]]["status"] == 200]
            result["load"] = load(on, timed_rows, args.load_seconds, args.concurrency)
            print(f"  load: {result['load']}", flush=True)
    finally:
        on_server.stop()
        off_server.stop()
    return result


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = match.group(1).strip() if match else ""
    start = time.perf_counter()
    sum(range(10**6))
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "postgresql": psql("SHOW server_version"),
        "platform": platform.platform(),
        "sum_range_1e6_ms": round((time.perf_counter() - start) * 1000, 1),
        "load_average": os.getloadavg(),
    }


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def write_report(runs: list[dict[str, Any]], args: argparse.Namespace) -> None:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%d")
    info = machine()
    report = {"benchmark": "suite", "date": stamp, "machine": info, "runs": runs}
    (out / f"suite-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    small, large = runs[0], runs[-1]
    lines = [
        f"# Benchmark suite ({stamp})",
        "",
        f"Machine: {info['cpus']} CPUs ({info['cpu_model']}), Python {info['python']}, "
        f"PostgreSQL {info['postgresql']}; `sum(range(10**6))` {info['sum_range_1e6_ms']} ms; "
        f"load average at the end {', '.join(f'{x:.1f}' for x in info['load_average'])}. "
        f"gunicorn with {args.workers} sync workers on loopback, client on the same machine; "
        f"{WARMUP} warm-ups and {RUNS} timed requests per page and per log mode, alternating. "
        "Medians in ms (p80 in brackets), client-side. The house is the largest of "
        f"{HOUSES} (its own cases in the *House cases* column of the next table).",
        "",
        "| Data set | Cases in total | House cases | Open in house | Open for restricted user |",
        "|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        h = run["house"]
        lines.append(
            f"| {run['database']} | {run['cases']:,} | {h['cases']:,} | {h['open_cases']:,} | "
            f"{h['restricted_open_cases']:,} |"
        )
    lines += [
        "",
        "| Page (user) | Cases | Page | SQL floor | Page / SQL | Log off | On / off | Queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key in small["pages"]:
        for run in runs:
            entry = run["pages"].get(key, {})
            label = f"{entry.get('label', key)} ({entry.get('user', '')})"
            if "page" not in entry:
                lines.append(
                    f"| {label} | {run['cases']:,} | HTTP {entry.get('status')} | | | | | |"
                )
                continue
            page, floor, off = entry["page"], entry["sql_floor"], entry["log_off"]
            lines.append(
                f"| {label} | {run['cases']:,} | {page['median_ms']} ({page['p80_ms']}) | "
                f"{floor['median_ms']} | {entry['ratio_to_floor']} | {off['median_ms']} | "
                f"{entry['log_overhead']} | {run['queries'].get(key)} |"
            )
    lines += ["", f"## Targets at {large['cases']:,} cases", ""]
    lines += [
        "| Page (user) | ≤ 3× floor | ≤ 50 ms | growth ≤ 1.5× | queries constant | log ≤ +10% |"
    ]
    lines += ["|---|---|---|---|---|---|"]
    for key, entry in large["pages"].items():
        if "page" not in entry:
            continue
        base = small["pages"].get(key, {})
        growth = entry["page"]["median_ms"] / base["page"]["median_ms"] if "page" in base else 0
        same = small["queries"].get(key) == large["queries"].get(key)
        lines.append(
            f"| {entry['label']} ({entry['user']}) "
            f"| {mark(entry['ratio_to_floor'] <= TARGET_RATIO_TO_FLOOR)} "
            f"{entry['ratio_to_floor']}× "
            f"| {mark(entry['page']['median_ms'] <= TARGET_MS_AT_LARGEST)} "
            f"{entry['page']['median_ms']} "
            f"| {mark(growth <= TARGET_GROWTH)} {growth:.2f}× "
            f"| {mark(same)} {small['queries'].get(key)} → {large['queries'].get(key)} "
            f"| {mark(entry['log_overhead'] <= TARGET_LOG_OVERHEAD)} {entry['log_overhead']} |"
        )
    lines += ["", "Mixed load (bounded in time, threaded client on the same machine):", ""]
    lines += ["| Cases | Clients | Seconds | Requests | Errors | Requests/s | Median (p80) |"]
    lines += ["|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        if "load" in run:
            ld = run["load"]
            met = ld["requests_per_second"] >= TARGET_RPS and not ld["errors"]
            lines.append(
                f"| {run['cases']:,} | {ld['concurrency']} | {ld['seconds']} | {ld['requests']:,} "
                f"| {ld['errors']} | {mark(met)} {ld['requests_per_second']} "
                f"| {ld['latency'].get('median_ms')} ({ld['latency'].get('p80_ms')}) |"
            )
    lines.append("")
    (out / "suite.md").write_text("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_count":
        _count(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 1_000_000])
    parser.add_argument(
        "--databases", nargs="+", help="database per size (default casusregie_bench_<size>)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep a database generated before")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load-seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--drop", action="store_true", help="drop the databases afterwards")
    args = parser.parse_args()
    names = args.databases or [f"casusregie_bench_{size}" for size in args.sizes]
    if len(names) != len(args.sizes):
        parser.error("give one database per size")
    runs = [measure(size, name, args) for size, name in zip(args.sizes, names, strict=True)]
    write_report(runs, args)
    if args.drop:
        for name in names:
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
