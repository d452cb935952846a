"""Benchmark: concern signals at scale (docs/performance.md, "Concern signals").

    .venv/bin/python bench/signals.py          # 10,000,000 stored, 1,000,000 imported
    .venv/bin/python bench/signals.py --stored 1000000 --import-rows 100000

It creates a fresh PostgreSQL database (`casusregie_bench_signals`), migrates it and makes one
house with 20 partner organisations, then:

1. **stored signals**: fills `signals_signal` with N rows in the database itself
   (`generate_series`; the pseudonym is 64 hexadecimal characters like the keyed hash, each
   pseudonym given by two organisations, dates spread over the window) and ANALYZEs it;
2. **matching a new signal**: times (5 warm-ups, 30 runs) the convergence query for one
   pseudonym (the aggregate `converge` runs, through the ORM), the same query hand-written
   through psycopg (the SQL floor), and the whole action of registering a new signal
   (`do_register_signal`: duplicate check, insert, processing log, convergence);
3. **importing**: builds a CSV of M rows (synthetic BSNs passing the eleven-test), then times
   the check on arrival (`intake.check`: read, validate, pseudonymise, look up the stored
   signals about the file's people chunk by chunk in a second thread, then `intake.stage`:
   COPY the checked rows into the staging table, as an upload does) and the save
   (`intake.run`: batches of 10,000 moved by `INSERT … SELECT`, each with its processing-log
   lines, and alerts where another organisation knows the person), once (a second run would
   import duplicates; `--reuse` removes the earlier import first).

Writes bench/results/signals-<date>.json and bench/results/signals.md.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time
from typing import Any

from inprocess import (
    bench_house,
    fresh_database,
    save_results,
    setup_django,
    timed,
    write_table,
)

DB = "casusregie_bench_signals"


def fill(house: Any, orgs: list[Any], contact: Any, stored: int) -> float:
    """N signals written by PostgreSQL itself, in steps of a million rows."""
    from django.db import connection

    start = time.perf_counter()
    step = 1_000_000
    with connection.cursor() as cursor:
        for first in range(0, stored, step):
            last = min(stored, first + step)
            cursor.execute(
                """
                INSERT INTO signals_signal (house_id, pseudonym, id_kind, category, observed_on,
                    organisation_id, contact_id, created_at, expires_on)
                SELECT %s, md5((n / 2)::text) || md5(((n / 2) + 7)::text), 'bsn',
                    (ARRAY['nuisance','confused_behaviour','domestic_violence','debts','housing',
                           'youth','radicalisation','other'])[1 + n %% 8],
                    current_date - (n %% 80), (%s::bigint[])[1 + n %% 2 + (n / 2) %% 10 * 2],
                    %s, now(), current_date + 100
                FROM generate_series(%s, %s - 1) AS n
                """,
                [house.pk, [o.pk for o in orgs[:20]], contact.pk, first, last],
            )
        cursor.execute("ANALYZE signals_signal")
    return time.perf_counter() - start


def synthetic_bsns(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    weights = (9, 8, 7, 6, 5, 4, 3, 2)
    found: list[str] = []
    seen: set[str] = set()
    while len(found) < count:
        body = f"{rng.randrange(10_000_000, 99_999_999):08d}"
        check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        if check < 10 and body not in seen:
            seen.add(body)
            found.append(body + str(check))
    return found


def csv_file(rows: int) -> bytes:
    from django.utils import timezone

    today = timezone.localdate()
    lines = ["bsn,category,date"]
    categories = ("overlast", "schulden", "wonen", "jeugd")
    for n, bsn in enumerate(synthetic_bsns(rows)):
        day = today - datetime.timedelta(days=n % 60)
        lines.append(f"{bsn},{categories[n % 4]},{day.isoformat()}")
    return ("\n".join(lines) + "\n").encode()


def reuse_house() -> tuple[Any, list[Any], list[Any], float]:
    """The house, organisations and partner users of an earlier run (`--reuse`)."""
    from casusregie.accounts.models import User
    from casusregie.houses.models import House, Organisation

    house = House.objects.get(slug="bench")
    orgs = list(Organisation.objects.filter(name__startswith="Partner ").order_by("name"))
    users = [User.objects.get(email=f"p{n}@bench.invalid") for n in range(2)]
    return house, orgs, users, 0.0


def run(stored: int, import_rows: int, reuse: bool = False) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from casusregie.accounts.models import Membership, User
    from casusregie.accounts.roles import Role
    from casusregie.privacy import log
    from casusregie.signals import actions, intake
    from casusregie.signals.models import Intake, IntakeStatus, Signal
    from casusregie.signals.pseudonym import identify

    if reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # a database filled by an older version
        house, orgs, users, fill_seconds = reuse_house()
        # Signals of an earlier import are removed and the table vacuumed (not timed), so
        # every run imports into the same 10,000,000 rows; the stored set stays.
        Signal.objects.filter(intake__isnull=False).delete()
        Intake.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE signals_signal")
            cursor.execute("VACUUM ANALYZE signals_pendingsignal")
    else:
        house, _staff, orgs, _director = bench_house()
        users = []
        for n, org in enumerate(orgs[:2]):
            user = User.objects.create_user(
                email=f"p{n}@bench.invalid", password=None, full_name="P"
            )
            Membership.objects.create(
                user=user, house=house, organisation=org, role=Role.PARTNER_PARTICIPANT
            )
            users.append(user)
        fill_seconds = fill(house, orgs, users[0], stored)
    count = Signal.objects.count()

    some = Signal.objects.filter(house=house).values_list("pseudonym", flat=True)[count // 2]
    today = timezone.localdate()
    window = today - datetime.timedelta(days=actions.window_days())

    def match() -> Any:
        return list(
            Signal.objects.filter(
                house=house, pseudonym=some, observed_on__gte=window, expires_on__gte=today
            )
            .values("pseudonym")
            .annotate(n=Count("organisation", distinct=True))
            .filter(n__gte=2)
        )

    raw = connection.cursor().cursor

    def floor() -> Any:
        raw.execute(
            "SELECT pseudonym, count(DISTINCT organisation_id) FROM signals_signal "
            "WHERE house_id = %s AND pseudonym = %s AND observed_on >= %s AND expires_on >= %s "
            "GROUP BY pseudonym HAVING count(DISTINCT organisation_id) >= 2",
            [house.pk, some, window, today],
        )
        return raw.fetchall()

    assert match(), "the stored pseudonym should converge"
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT 1 FROM signals_signal WHERE house_id = %s AND pseudonym = %s",
            [house.pk, some],
        )
        plan = " / ".join(r[0].strip() for r in cursor.fetchall())
    new_bsns = iter(synthetic_bsns(40, seed=time.time_ns()))  # new people on every run

    def register() -> Any:
        with log.processing():
            return actions.do_register_signal(
                house,
                identify(bsn=next(new_bsns)),
                category="nuisance",
                observed_on=today,
                organisation=orgs[0],
                actor=users[0],
            )

    results: dict[str, Any] = {
        "stored": count,
        "fill_seconds": round(fill_seconds, 1),
        "plan": plan,
        "match_orm": timed(match),
        "match_floor": timed(floor),
        "register": timed(register),
    }

    data = csv_file(import_rows)
    # A million rows is more than the default upload limit (CASUSREGIE_IMPORTS_MAX_MB, 20 MB).
    settings.IMPORTS_MAX_BYTES = max(settings.IMPORTS_MAX_BYTES, 2 * len(data))
    start = time.perf_counter()
    checked = intake.check(house, orgs[1], data, "bench.csv")
    assert not checked.issues, checked.issues[:3]
    assert len(checked.valid) == import_rows
    job = Intake.objects.create(
        house=house,
        organisation=orgs[1],
        created_by=users[1],
        filename="bench.csv",
        keep_valid=False,
        status=IntakeStatus.WORKING,
        total_rows=len(checked.valid),
        checked_up_to=checked.up_to,
    )
    staged = time.perf_counter()
    intake.stage(job, checked)
    check_seconds = time.perf_counter() - start  # as on upload: checked rows kept as pending
    stage_seconds = time.perf_counter() - staged
    read = checked.read
    del checked  # the upload's request has ended when the task saves: its rows are gone
    start = time.perf_counter()
    intake.run(job.pk)
    save_seconds = time.perf_counter() - start
    job.refresh_from_db()
    assert job.status == IntakeStatus.DONE, job.status
    results.update(
        {
            "import_rows": read,
            "import_check_seconds": round(check_seconds, 1),
            "import_stage_seconds": round(stage_seconds, 1),  # part of the check's time
            "import_save_seconds": round(save_seconds, 1),
            "import_total_seconds": round(check_seconds + save_seconds, 1),
        }
    )
    return results


def report(info: dict[str, Any]) -> None:
    lines = [
        f"# Concern signals ({info['date']})",
        "",
        "| stored signals | match (ORM) median | SQL floor median | ORM / floor "
        "| register a signal median | import rows | check on arrival | save (background) "
        "| total | per row |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in info["runs"]:
        ratio = r["match_orm"]["median"] / r["match_floor"]["median"]
        lines.append(
            f"| {r['stored']:,} | {r['match_orm']['median']:.2f} ms "
            f"| {r['match_floor']['median']:.2f} ms | {ratio:.1f} "
            f"| {r['register']['median']:.1f} ms | {r['import_rows']:,} "
            f"| {r['import_check_seconds']} s | {r['import_save_seconds']} s "
            f"| {r['import_total_seconds']} s "
            f"| {r['import_total_seconds'] / r['import_rows'] * 1e6:.0f} µs |"
        )
    pg = info["machine"].get("postgresql_settings", {})
    lines += [
        "",
        "Plan of the look-up: " + info["runs"][-1]["plan"],
        "",
        f"PostgreSQL {info['machine']['postgresql']}: "
        + ", ".join(f"{k} {v}" for k, v in pg.items()),
    ]
    write_table("signals", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stored", type=int, default=10_000_000)
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--database", default=DB)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the stored signals of an earlier run"
    )
    args = parser.parse_args()
    if not args.reuse:
        fresh_database(args.database)
    setup_django(args.database)
    result = run(args.stored, args.import_rows, reuse=args.reuse)
    report(save_results("signals", [result]))


if __name__ == "__main__":
    main()
