"""Load, soak and fault runs against gunicorn on a private PostgreSQL cluster (loopback only).

    .venv/bin/python reliability/run.py load  --users 100 --seconds 300
    .venv/bin/python reliability/run.py soak  --users 30 --seconds 1800
    .venv/bin/python reliability/run.py fault-db-restart --users 30 --seconds 90

Each run makes its own PostgreSQL cluster (initdb and pg_ctl from /usr/lib/postgresql/*/bin)
in a temporary directory on a free port, never touching the shared server; migrates it; fills
it with the test cast, 20 cases and an API client of organisation A (setup_data.py); starts
gunicorn as `casusregie serve` does (sync workers); and lets N virtual partner systems work
through the API with a think time of 1–2 s each: the case list (4), a case (3), the action
list (2), the health check (1), and filing a referral (1, a write). Every request has a 30 s
timeout; the run stops by itself after --seconds.

- load: zero errors expected; prints and saves requests, errors, throughput, p50/p95/p99.
- soak: the same, longer, sampling the resident memory of gunicorn's workers every 30 s.
- fault-db-restart: restarts PostgreSQL (pg_ctl restart -m fast) in the middle of the load;
  expects only 503 answers with Retry-After while it is down (no other error), recovery
  without restarting the app, and every referral that was answered 201 present afterwards.
- fault-db-readonly: makes the database read-only for the middle third of the run (as a full
  disk or a read-only replica would); the same expectations. Reads fail too, because every
  read of personal data writes the processing log: no disclosure without its log line.
- fault-worker-killed: no load; TASKS_INLINE off, so tasks go through the database queue. A
  management report is started, a psql session locks the cases table so the task worker
  (`casusregie db_worker`) is stuck mid-task, and the worker is killed with SIGKILL. After
  --stale-minutes (default 1) `run_schedule --stale-minutes 1` must put the task back in the
  queue, a new worker must finish it, and there must be one report run, done, for that house.
- fault-smtp-down: the mail server is down while partner systems file referrals (each one
  notifies the triage team by e-mail): EMAIL_HOST points at a loopback port where nothing
  listens, --users (try 10) work for --seconds (try 40). Every referral must still be answered
  201 and every mail must wait in the outbox (decision 0032). Then an SMTP server (aiosmtpd)
  starts on that port, the run waits until the first retry is due, `run_schedule` runs twice,
  and every queued mail must have arrived exactly once (counted by Message-ID).

Results: reliability/results/<kind>-<date>.json, summarised in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
RESULTS = ROOT / "reliability" / "results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_bin(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not versions:
        raise SystemExit("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
    return str(versions[-1] / name)


class Cluster:
    """A throw-away PostgreSQL cluster in a temporary directory (run as a non-root user)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="casusregie-reliability-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        os.chmod(self.dir, 0o777)  # noqa: S103 - the postgres user writes its socket and log here
        self.run([pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"])
        self.start()
        self.run(
            [
                pg_bin("createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "casusregie",
            ]
        )

    def run(self, argv: list[str]) -> None:
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        subprocess.run(argv, check=True, capture_output=True)

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.run(
            [
                pg_bin("pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.dir / "log"),
                "-w",
                "-o",
                options,
                *args,
            ]
        )

    def start(self) -> None:
        self.pg_ctl("start")

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    def set_read_only(self, on: bool) -> None:
        """The database refuses every write (as on a full disk or a read-only replica); open
        connections are ended so the application's next ones get the setting."""
        value = "on" if on else "off"
        # From the maintenance database: a session in a read-only database cannot undo it.
        self.query(
            f"ALTER DATABASE casusregie SET default_transaction_read_only = {value}", "postgres"
        )
        self.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'casusregie'",
            "postgres",
        )

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/casusregie"

    def query(self, sql: str, database: str = "casusregie") -> str:
        done = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-tAqc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def stop(self) -> None:
        try:
            self.pg_ctl("stop", "-m", "fast")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def app_env(cluster: Cluster) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASUSREGIE_")}
    env.update(
        {
            "CASUSREGIE_ENV": "development",
            "CASUSREGIE_DATA_DIR": str(cluster.dir / "app"),
            "CASUSREGIE_LOG_LEVEL": "warning",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "CASUSREGIE_FIELD_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": cluster.url(),
            "DJANGO_SETTINGS_MODULE": "casusregie.conf.settings",
            "TASKS_INLINE": "true",
        }
    )
    return env


class Server:
    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            "casusregie.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        # The server's own output (access log, development e-mails) goes to a file.
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT
        )
        for _ in range(120):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not start")

    def worker_rss_mib(self) -> float:
        pids = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        total = 0
        for pid in [str(self.process.pid), *pids]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return round(total / 1024, 1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


class Load:
    """N virtual partner systems through the API, each with a think time of 1–2 s."""

    def __init__(self, port: int, data: dict[str, Any], users: int, seconds: float) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.data = data
        self.users = users
        self.until = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.samples: list[tuple[float, str, int, float, str]] = []  # at, kind, status, s, hint
        self.created: list[int] = []
        self.started = time.monotonic()

    def request(self, kind: str, method: str, path: str, body: Any = None) -> None:
        headers = {"Authorization": f"Bearer {self.data['token']}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        began = time.monotonic()
        status, hint, payload = 0, "", b""
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, payload = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, hint = error.code, error.headers.get("Retry-After", "")
            error.read()
        except OSError as error:
            status, hint = 0, type(error).__name__
        took = time.monotonic() - began
        with self.lock:
            self.samples.append((began - self.started, kind, status, took, hint))
            if kind == "file referral" and status == 201:
                self.created.append(json.loads(payload)["id"])

    def user(self, number: int) -> None:
        rng = random.Random(number)
        slug, cases = self.data["slug"], self.data["cases"]
        api = f"/api/v1/houses/{slug}"
        choices = ["list"] * 4 + ["case"] * 3 + ["actions"] * 2 + ["health", "write"]
        while time.monotonic() < self.until:
            what = rng.choice(choices)
            if what == "list":
                self.request("case list", "GET", f"{api}/cases")
            elif what == "case":
                self.request("case", "GET", f"{api}/cases/{rng.choice(cases)}")
            elif what == "actions":
                self.request("action list", "GET", f"{api}/actions")
            elif what == "health":
                self.request("health", "GET", "/gezondheid/")
            else:
                self.request("file referral", "POST", f"{api}/referrals", referral(self.data, rng))
            time.sleep(rng.uniform(1.0, 2.0))

    def run(self) -> None:
        threads = [
            threading.Thread(target=self.user, args=(n,), daemon=True) for n in range(self.users)
        ]
        for thread in threads:
            thread.start()
            time.sleep(0.02)  # ramp up over a few seconds
        for thread in threads:
            thread.join(timeout=max(0.0, self.until - time.monotonic()) + 60)


def referral(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {
        "kind": "person",
        "organisation": data["org"],
        "subjects": [
            {
                "first_name": "Last",
                "last_name": f"Proef{rng.randrange(10**6)}",
                "date_of_birth": "1980-01-01",
            }
        ],
        "concerns": {"housing": "Huurachterstand"},
        "urgency": "normal",
        "goal": "Eén plan",
        "subject_informed": True,
        "submit": True,
    }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(load: Load, seconds: float) -> dict[str, Any]:
    times = [s[3] for s in load.samples]
    statuses = Counter(str(s[2]) for s in load.samples)
    errors = [s for s in load.samples if s[2] >= 500 or s[2] == 0 or s[2] in {400, 401, 403}]
    per_kind = {}
    for kind in sorted({s[1] for s in load.samples}):
        own = [s[3] for s in load.samples if s[1] == kind]
        per_kind[kind] = {
            "n": len(own),
            "p50_ms": round(1000 * statistics.median(own)),
            "p95_ms": round(1000 * percentile(own, 0.95)),
        }
    return {
        "requests": len(load.samples),
        "per_second": round(len(load.samples) / seconds, 1),
        "statuses": dict(statuses),
        "errors": len(errors),
        "p50_ms": round(1000 * statistics.median(times)) if times else 0,
        "p95_ms": round(1000 * percentile(times, 0.95)),
        "p99_ms": round(1000 * percentile(times, 0.99)),
        "max_ms": round(1000 * max(times)) if times else 0,
        "per_kind": per_kind,
        "referrals_created": len(load.created),
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "postgresql": subprocess.run(
            [pg_bin("postgres"), "--version"], capture_output=True, text=True
        ).stdout.strip(),
    }


def shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "casusregie", "shell", "-c", code],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def worker_killed(cluster: Cluster, data: dict[str, Any], stale_minutes: int) -> dict[str, Any]:
    """Kill the task worker mid-task; the scheduler must requeue the task, a new worker must
    finish it, and its effect (one finished report run) must happen once."""
    env = {**app_env(cluster), "TASKS_INLINE": "false"}
    began = time.monotonic()
    run_id = shell(
        env,
        "import datetime; from casusregie.houses.models import House; "
        "from casusregie.insights import background, report; "
        f"house = House.objects.get(slug={data['slug']!r}); "
        "period = report.Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)); "
        "print(background.start(house, period, 'nl').pk)",
    )
    task = "django_tasks_database_dbtaskresult WHERE task_path LIKE '%run_report'"
    lock = subprocess.Popen(
        ["psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "casusregie"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert lock.stdin is not None
    lock.stdin.write("BEGIN; LOCK TABLE cases_case IN ACCESS EXCLUSIVE MODE;\n")
    lock.stdin.flush()
    time.sleep(2)
    worker_argv = [PYTHON, "-m", "casusregie", "db_worker", "--no-startup-delay"]
    first = subprocess.Popen(
        [*worker_argv, "--worker-id", "killed", "--interval", "0.5"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        if cluster.query(f"SELECT status FROM {task}") == "RUNNING":
            break
        time.sleep(0.5)
    time.sleep(2)  # the task is now blocked on the locked table, mid-task
    first.kill()  # SIGKILL: no chance to mark the task failed or finished
    first.wait()
    killed_at = round(time.monotonic() - began, 1)
    lock.stdin.write("ROLLBACK;\n")
    lock.stdin.close()
    lock.wait()
    status_after_kill = cluster.query(f"SELECT status FROM {task}")
    time.sleep(stale_minutes * 60 + 2)
    schedule = subprocess.run(
        [PYTHON, "-m", "casusregie", "run_schedule", "--stale-minutes", str(stale_minutes)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    requeued_line = next(line for line in schedule.splitlines() if "abandoned" in line)
    status_after_schedule = cluster.query(f"SELECT status FROM {task}")
    subprocess.run(
        [*worker_argv, "--worker-id", "second", "--batch"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    finished = cluster.query(f"SELECT status || ' ' || worker_ids::text FROM {task}")
    report_runs = cluster.query(
        "SELECT count(*) || ' ' || string_agg(status, ',') FROM insights_reportrun"
    )
    result = {
        "report_run_id": int(run_id),
        "killed_at_s": killed_at,
        "task_status_after_kill": status_after_kill,
        "scheduler_said": requeued_line,
        "task_status_after_schedule": status_after_schedule,
        "task_after_second_worker": finished,
        "report_runs": report_runs,
        "took_s": round(time.monotonic() - began, 1),
    }
    problems = []
    if status_after_kill != "RUNNING":
        problems.append(f"task was {status_after_kill} after the kill, not stuck RUNNING")
    if status_after_schedule != "READY":
        problems.append("the scheduler did not requeue the abandoned task")
    if finished != 'SUCCESSFUL ["killed", "second"]':
        problems.append(f"task not finished by the second worker: {finished}")
    if report_runs != "1 done":
        problems.append(f"report runs: {report_runs} (expected exactly one, done)")
    result["problems"] = problems
    return result


class SmtpSink:
    """aiosmtpd on a loopback port, counting what arrives by Message-ID."""

    def __init__(self, port: int) -> None:
        import email
        import email.policy

        from aiosmtpd.controller import Controller

        self.messages: list[dict[str, str]] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
                sink.messages.append(
                    {
                        "message_id": str(parsed["Message-ID"]),
                        "to": ",".join(envelope.rcpt_tos),
                        "subject": str(parsed["Subject"]),
                    }
                )
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def smtp_down(
    cluster: Cluster, data: dict[str, Any], users: int, seconds: float, workers: int
) -> dict[str, Any]:
    """File referrals while nothing listens on the SMTP port; then start a mail server and
    let the scheduler deliver: every queued mail must arrive exactly once."""
    smtp_port = free_port()  # nothing listens here until the sink starts
    env = {
        **app_env(cluster),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
    }
    server = Server(env, workers, RESULTS / "fault-smtp-down-server.log")
    try:
        load = Load(server.port, data, users, seconds)
        load.run()
    finally:
        server.stop()
    loaded = summary(load, seconds)
    mail_sql = "SELECT status || ':' || count(*) FROM outbox_queuedmail GROUP BY status"
    while_down = sorted(cluster.query(mail_sql).split())
    attempts = cluster.query(
        "SELECT coalesce(min(attempts), 0) || '..' || coalesce(max(attempts), 0) "
        "FROM outbox_queuedmail"
    )
    queued_ids = set(cluster.query("SELECT message_id FROM outbox_queuedmail").split())
    sink = SmtpSink(smtp_port)
    try:
        # The first retry is due a minute after the failed attempt right after the commit.
        due = cluster.query(
            "SELECT coalesce(ceil(extract(epoch FROM max(next_attempt_at) - now())), 0) "
            "FROM outbox_queuedmail WHERE status = 'queued'"
        )
        waited = max(0, int(float(due or 0))) + 2
        time.sleep(waited)
        ticks = []
        for _ in range(2):
            ticks.append(
                next(
                    line
                    for line in subprocess.run(
                        [PYTHON, "-m", "casusregie", "run_schedule"],
                        env=env,
                        cwd=ROOT,
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout.splitlines()
                    if line.startswith("e-mail")
                )
            )
        time.sleep(1)
    finally:
        sink.stop()
    after = sorted(cluster.query(mail_sql).split())
    arrived = Counter(m["message_id"] for m in sink.messages)
    result = {
        "users": users,
        "seconds": seconds,
        "workers": workers,
        **loaded,
        "mail_while_down": while_down,
        "attempts_while_down": attempts,
        "waited_for_retry_s": waited,
        "scheduler_said": ticks,
        "mail_after": after,
        "queued": len(queued_ids),
        "arrived": len(sink.messages),
        "arrived_distinct": len(arrived),
        "arrived_twice": sorted(i for i, n in arrived.items() if n > 1),
        "missing": sorted(queued_ids - set(arrived)),
    }
    problems = []
    if loaded["errors"] or loaded["referrals_created"] == 0:
        problems.append(f"{loaded['errors']} request error(s), {loaded['referrals_created']} filed")
    if not queued_ids:
        problems.append("no mail was queued")
    if any(not s.startswith("queued:") for s in while_down):
        problems.append(f"mail left the queue while the server was down: {while_down}")
    if result["missing"]:
        problems.append(f"{len(result['missing'])} queued mail(s) never arrived")
    if result["arrived_twice"] or len(sink.messages) != len(queued_ids):
        problems.append(f"{len(sink.messages)} arrived for {len(queued_ids)} queued")
    if after != [f"sent:{len(queued_ids)}"]:
        problems.append(f"not all marked sent: {after}")
    result["problems"] = problems
    return result


def write_result(kind: str, result: dict[str, Any]) -> int:
    result = {
        "kind": kind,
        "at": datetime.datetime.now(datetime.UTC).isoformat(),
        "machine": machine(),
        **result,
    }
    out = RESULTS / f"{kind}-{datetime.datetime.now(datetime.UTC).date()}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "per_kind"}, indent=2))
    problems = result["problems"]
    print("PROBLEMS: " + "; ".join(problems) if problems else "OK")
    print(f"written: {out.relative_to(ROOT)}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "kind",
        choices=[
            "load",
            "soak",
            "fault-db-restart",
            "fault-db-readonly",
            "fault-worker-killed",
            "fault-smtp-down",
        ],
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--stale-minutes", type=int, default=1)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    cluster = Cluster()
    server = None
    try:
        env = app_env(cluster)
        subprocess.run(
            [PYTHON, "-m", "casusregie", "migrate", "-v0"], env=env, check=True, cwd=ROOT
        )
        data = json.loads(
            subprocess.run(
                [PYTHON, "reliability/setup_data.py"],
                env=env,
                check=True,
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        if args.kind == "fault-worker-killed":
            return write_worker_killed(worker_killed(cluster, data, args.stale_minutes))
        if args.kind == "fault-smtp-down":
            return write_result(
                args.kind, smtp_down(cluster, data, args.users, args.seconds, args.workers)
            )
        server = Server(env, args.workers, RESULTS / f"{args.kind}-server.log")
        load = Load(server.port, data, args.users, args.seconds)
        memory: list[tuple[float, float]] = []
        fault: dict[str, Any] = {}

        def watch() -> None:
            while time.monotonic() < load.until:
                memory.append((round(time.monotonic() - load.started), server.worker_rss_mib()))
                time.sleep(30 if args.kind == "soak" else 10)

        def restart_db() -> None:
            time.sleep(args.seconds / 3)
            fault["restart_at_s"] = round(time.monotonic() - load.started, 1)
            cluster.restart()
            fault["back_at_s"] = round(time.monotonic() - load.started, 1)

        def read_only_db() -> None:
            time.sleep(args.seconds / 3)
            fault["read_only_at_s"] = round(time.monotonic() - load.started, 1)
            cluster.set_read_only(True)
            time.sleep(args.seconds / 3)
            cluster.set_read_only(False)
            fault["back_at_s"] = round(time.monotonic() - load.started, 1)

        helpers = [threading.Thread(target=watch, daemon=True)]
        if args.kind == "fault-db-restart":
            helpers.append(threading.Thread(target=restart_db, daemon=True))
        if args.kind == "fault-db-readonly":
            helpers.append(threading.Thread(target=read_only_db, daemon=True))
        for helper in helpers:
            helper.start()
        load.run()
        result = {
            "kind": args.kind,
            "users": args.users,
            "seconds": args.seconds,
            "workers": args.workers,
            "at": datetime.datetime.now(datetime.UTC).isoformat(),
            "machine": machine(),
            **summary(load, args.seconds),
            "memory_mib": memory,
        }
        ids = ",".join(str(i) for i in load.created) or "0"
        stored = int(cluster.query(f"SELECT count(*) FROM referrals_referral WHERE id IN ({ids})"))
        result["referrals_answered_201_and_stored"] = stored
        problems = []
        if stored != len(load.created):
            problems.append(f"{len(load.created) - stored} referral(s) answered 201 are missing")
        if args.kind.startswith("fault-"):
            result["fault"] = fault
            during = [s for s in load.samples if s[2] not in (200, 201)]
            result["non_2xx"] = Counter(f"{s[2]} {s[4]}".strip() for s in during)
            bad = [s for s in during if not (s[2] == 503 and s[4])]
            if bad:
                problems.append(f"{len(bad)} failure(s) other than 503 with Retry-After")
            after = [s for s in load.samples if s[0] > fault.get("back_at_s", 0) + 10]
            if not after or any(s[2] not in (200, 201) for s in after):
                problems.append("not recovered 10 s after the database was back")
        elif result["errors"]:
            problems.append(f"{result['errors']} error(s)")
        result["problems"] = problems
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"{args.kind}-{datetime.datetime.now(datetime.UTC).date().isoformat()}.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
        keys = [
            "requests",
            "per_second",
            "errors",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "max_ms",
            "referrals_created",
            "referrals_answered_201_and_stored",
        ]
        print(json.dumps({k: result[k] for k in keys}, indent=2))
        if memory:
            print(
                f"gunicorn RSS (MiB) first/last/max: {memory[0][1]} / {memory[-1][1]} / "
                f"{max(m for _t, m in memory)}"
            )
        if args.kind.startswith("fault-"):
            print(f"fault: {fault}; non-2xx: {result['non_2xx']}")
        print("PROBLEMS: " + "; ".join(problems) if problems else "OK")
        print(f"written: {out.relative_to(ROOT)}")
        return 1 if problems else 0
    finally:
        if server is not None:
            server.stop()
        cluster.stop()


def write_worker_killed(result: dict[str, Any]) -> int:
    result = {
        "kind": "fault-worker-killed",
        "at": datetime.datetime.now(datetime.UTC).isoformat(),
        "machine": machine(),
        **result,
    }
    out = RESULTS / f"fault-worker-killed-{datetime.datetime.now(datetime.UTC).date()}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    problems = result["problems"]
    print("PROBLEMS: " + "; ".join(problems) if problems else "OK")
    print(f"written: {out.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
