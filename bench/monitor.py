"""Benchmark: "Mijn werk" and the case page with its actions for a restricted partner user,
at 10,000 and 100,000 actions, against the raw SQL floor.

    .venv/bin/python bench/monitor.py                 # 10,000 and 100,000 actions
    .venv/bin/python bench/monitor.py --sizes 2000 20000

For each size it creates a fresh PostgreSQL database (`casusregie_bench_monitor`), migrates
it, bulk-inserts one house with 20 organisations, cases with 3 participating organisations and
5 actions per case, then times the pages in-process through Django's test client (the whole
request path: middleware, access policy, templates; no network) 30 times after 5 warm-ups, and
the SQL floor: the user's first 20 open actions with one hand-written query through the driver.
Writes bench/results/monitor-<date>.json and bench/results/monitor.md.
"""

from __future__ import annotations

import argparse
import datetime
import random
from typing import Any

from inprocess import (
    RUNS,
    WARMUP,
    bench_house,
    fresh_database,
    save_results,
    setup_django,
    timed,
    write_table,
)

DB = "casusregie_bench_monitor"
ACTIONS_PER_CASE = 5


def fill(actions: int, seed: int = 1) -> dict[str, Any]:
    from django.utils import timezone

    from casusregie.accounts.models import Membership, User
    from casusregie.accounts.roles import Role
    from casusregie.cases.models import Case, Participation
    from casusregie.houses.models import Organisation
    from casusregie.plans.models import Action
    from casusregie.privacy.models import Confirmation, WorkingMethod

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    house, _staff, orgs, director = bench_house()
    partner = User.objects.create_user(email="p@bench.invalid", password=None, full_name="P P")
    Confirmation.objects.create(method=WorkingMethod.objects.get(house=house), user=partner)
    restricted = orgs[0]  # takes part in ~5% of the cases
    Membership.objects.create(
        user=partner, house=house, organisation=restricted, role=Role.PARTNER_PARTICIPANT
    )
    n_cases = actions // ACTIONS_PER_CASE
    Case.objects.bulk_create(
        Case(
            house=house,
            reference=f"2026-{n:06d}",
            kind="person",
            title=f"Casus {n}",
            phase=rng.choice(["plan", "execution", "aftercare"]),
            phase_changed_at=now,
            process_director=director,
        )
        for n in range(n_cases)
    )
    case_ids = list(Case.objects.filter(house=house).values_list("pk", flat=True))
    participations = []
    plan: dict[int, list[Organisation]] = {}
    for case_id in case_ids:
        members = rng.sample(orgs[1:], 3)
        if rng.random() < 0.05:
            members[0] = restricted
        plan[case_id] = members
        participations += [
            Participation(case_id=case_id, organisation=o, role="Deelnemer", purpose="Bench")
            for o in members
        ]
    Participation.objects.bulk_create(participations, batch_size=5000)
    rows = []
    for case_id, members in plan.items():
        for number in range(1, ACTIONS_PER_CASE + 1):
            rows.append(
                Action(
                    case_id=case_id,
                    house=house,
                    number=number,
                    title=f"Actie {number}",
                    owner_organisation=rng.choice(members),
                    due_date=today + datetime.timedelta(days=rng.randint(-30, 60)),
                    status=rng.choice(["open", "open", "done", "feedback_given"]),
                    created_by=director,
                    created_at=now,
                )
            )
    Action.objects.bulk_create(rows, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a live system
    restricted_case = next(c for c, m in plan.items() if restricted in m)
    return {
        "house": house,
        "partner": partner,
        "director": director,
        "restricted_case": restricted_case,
        "organisation": restricted.pk,
    }


def measure(actions: int) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.test import Client

    connection.close()
    fresh_database(DB)
    ids = fill(actions)
    results: dict[str, Any] = {"actions": actions}
    for label, user in (("partner", ids["partner"]), ("director", ids["director"])):
        client = Client()
        client.force_login(user)
        work = "/huizen/bench/mijn-werk/"
        case = f"/huizen/bench/casussen/{ids['restricted_case']}/"
        assert client.get(work).status_code == 200
        assert client.get(case).status_code == 200
        results[f"mijn_werk_{label}"] = timed(lambda c=client, u=work: c.get(u))
        results[f"case_{label}"] = timed(lambda c=client, u=case: c.get(u))
    reset_queries()
    sql = (
        "SELECT a.id, a.number, a.title, a.due_date, c.reference FROM plans_action a "
        "JOIN cases_case c ON c.id = a.case_id WHERE a.house_id = %s AND a.status = 'open' "
        "AND a.owner_organisation_id = %s ORDER BY a.due_date, a.id LIMIT 20"
    )

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [ids["house"].pk, ids["organisation"]])
            cursor.fetchall()

    results["sql_floor"] = timed(floor)
    return results


def report(runs: list[dict[str, Any]]) -> None:
    info = save_results("monitor", runs)
    lines = [
        f"# Monitor benchmark ({info['date']})",
        "",
        f"Machine: {info['machine']['cpus']} CPUs, Python {info['machine']['python']}, "
        f"PostgreSQL {info['machine']['postgresql']}. In-process (Django test client), "
        f"{RUNS} runs after {WARMUP} warm-ups; milliseconds, median (p80).",
        "",
        "| Page (user) | Actions | Page | SQL floor | Page / SQL | vs smallest |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    first = runs[0]
    for key, label in (
        ("mijn_werk_partner", "Mijn werk (restricted partner)"),
        ("mijn_werk_director", "Mijn werk (process director)"),
        ("case_partner", "Case page with actions (restricted partner)"),
        ("case_director", "Case page with actions (process director)"),
    ):
        for run in runs:
            page, floor = run[key], run["sql_floor"]
            lines.append(
                f"| {label} | {run['actions']:,} | {page['median']:.1f} ({page['p80']:.1f}) | "
                f"{floor['median']:.2f} | {page['median'] / floor['median']:.0f}× | "
                f"{page['median'] / first[key]['median']:.2f}× |"
            )
    write_table("monitor", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    setup_django(DB)
    runs = []
    for size in args.sizes:
        print(f"{size:,} acties ...", flush=True)
        runs.append(measure(size))
    report(runs)


if __name__ == "__main__":
    main()
