"""Fill a PostgreSQL database with N synthetic cases of one house, fast, for benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casusregie_bench \\
    CASUSREGIE_ENV=development .venv/bin/python bench/generate.py 100000 [SEED]

`bench/case_process.py` runs it for each size; it reads the logins and ids this script writes
to `<CASUSREGIE_DATA_DIR>/ids.json`.

The database must be migrated and empty. Small tables (house, organisations, people, roles) go
through the ORM; the big ones (subjects, cases, participations, referrals, concerns) are
streamed with PostgreSQL COPY. This is test data, not history: no actions, no processing log.

Shape of the data (one house, "bench"):
- 20 partner organisations; every case has a referrer organisation and 1–3 more participants;
- the *restricted* organisation (a housing corporation) takes part in about 5% of the cases
  and in nothing else, so its participant is the restricted user of the benchmark;
- phases: about 30% closed, the rest spread over preparation .. aftercare; cases past the
  meeting have a process and a case director;
- every case has its accepted referral, with 2–3 concerns; on top of that 2% of N referrals
  are submitted and wait in the triage queue.

Prints progress lines and, last, one JSON line with the logins and counts the benchmark needs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# The same password as bench/case_process.py logs in with (synthetic accounts, loopback only).
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105
HOUSE_SLUG = "bench"
RESTRICTED_SHARE = 0.05
SUBMITTED_SHARE = 0.02
PHASES = [
    ("preparation", 0.12),
    ("meeting", 0.08),
    ("plan", 0.08),
    ("execution", 0.30),
    ("aftercare", 0.12),
    ("closed", 0.30),
]
AFTER_MEETING = {"plan", "execution", "aftercare", "closed"}
DOMAINS = [
    "housing",
    "finances",
    "daytime",
    "mental_health",
    "physical_health",
    "addiction",
    "family",
    "social_network",
    "justice",
    "parenting",
    "education",
]
FIRST = ["Jan", "Sandra", "Mohamed", "Esther", "Kevin", "Fatima", "Peter", "Naima", "Erik"]
FIRST += ["Monique", "Ricardo", "Ilse", "Mehmet", "Linda", "Sem", "Emma", "Noah", "Yara"]
LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer"]
LAST += ["de Boer", "Mulder", "Yilmaz", "El Idrissi", "Bos", "Vos", "Hendriks", "Dekker"]
ORGANISATIONS = [  # (name, kind, weight as referrer, weight as participant)
    ("Zorg- en Veiligheidshuis Benchmark", "house_staff", 0, 0),
    ("Politie, district Benchmark", "police", 35, 30),
    ("GGZ Benchmark", "mental_health", 10, 25),
    ("Veilig Thuis Benchmark", "veilig_thuis", 8, 12),
    ("Gemeente Noordstad", "municipality", 8, 12),
    ("Gemeente Zuidstad", "municipality", 6, 10),
    ("Gemeente Oostdorp", "municipality", 4, 6),
    ("Gemeente Westdorp", "municipality", 3, 5),
    ("Woonstichting Benchmark", "housing", 10, 12),
    ("Maatschappelijk werk Benchmark", "social_work", 6, 15),
    ("Verslavingszorg Benchmark", "addiction_care", 3, 12),
    ("Jeugdbescherming Benchmark", "youth_protection", 3, 10),
    ("Jeugdzorg Benchmark", "youth_care", 2, 8),
    ("Reclassering Benchmark", "probation", 2, 10),
    ("Openbaar Ministerie Benchmark", "prosecution", 0, 5),
    ("Raad voor de Kinderbescherming Benchmark", "child_protection", 0, 4),
    ("Forensische zorg Benchmark", "forensic_care", 0, 4),
    ("Zorggroep Benchmark", "disability_care", 1, 4),
    ("UWV Benchmark", "benefits", 0, 3),
    # The restricted organisation: in about 5% of the cases, chosen apart (see below).
    ("Wooncorporatie Beperkt Zicht", "housing", 0, 0),
]
RESTRICTED_ORG = ORGANISATIONS[-1][0]


def say(message: str) -> None:
    print(message, flush=True)


class Progress:
    """Progress lines every 10% of a long table."""

    def __init__(self, label: str, total: int, report: Callable[[str], None]) -> None:
        self.label, self.total, self.report = label, total, report
        self.step = max(1, total // 10)
        self.started = time.perf_counter()

    def tick(self, done: int) -> None:
        if done % self.step == 0 or done == self.total:
            seconds = time.perf_counter() - self.started
            self.report(f"  {self.label}: {done:,}/{self.total:,} ({seconds:.1f} s)")


def synthetic_bsns() -> Iterable[str]:
    """Nine-digit numbers from 900000000 up that pass the eleven-test: clearly synthetic."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2)
    body = 90_000_000
    while True:
        digits = f"{body:08d}"
        check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if check < 10:
            yield digits + str(check)
        body += 1


def copy_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def generate(cases: int, *, seed: int = 1, report: Callable[[str], None] = say) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from casusregie.accounts.models import Membership, User
    from casusregie.houses.models import House, Organisation, Partnership
    from casusregie.privacy.crypto import encrypt, keyed_hash

    rng = random.Random(seed)  # synthetic data, not security
    now = timezone.now()
    started = time.perf_counter()
    if House.objects.exists():
        raise SystemExit("the database is not empty: create a fresh one first")

    # --- Small tables through the ORM ---------------------------------------------------------
    report("house, organisations, people")
    house = House.objects.create(
        slug=HOUSE_SLUG,
        name="Zorg- en Veiligheidshuis Benchmark",
        region="Benchmark",
        governance_form="lead",
    )
    orgs = [
        Organisation.objects.create(name=name, kind=kind, expertise=[])
        for name, kind, _r, _p in ORGANISATIONS
    ]
    Partnership.objects.bulk_create(
        Partnership(house=house, organisation=o, ring="key") for o in orgs
    )
    staff, restricted_org = orgs[0], orgs[-1]
    house.care_form_recipient = next(o for o in orgs if o.kind == "veilig_thuis")
    house.save(update_fields=["care_form_recipient"])
    password = make_password(BENCH_PASSWORD)

    from casusregie.privacy.models import Confirmation, WorkingMethod

    method = WorkingMethod.objects.get(house=house)

    def person(email: str, org: Organisation, role: str) -> User:
        user = User.objects.create(email=email, full_name=email.split("@")[0], password=password)
        Membership.objects.create(user=user, house=house, organisation=org, role=role)
        Confirmation.objects.create(method=method, user=user)  # has read the working method
        return user

    # The first director, triage member and restricted participant are the benchmark's logins.
    directors = [person("director@bench.invalid", staff, "process_director")]
    directors += [person(f"director{i}@bench.invalid", staff, "process_director") for i in (2, 3)]
    triage = [person("triage@bench.invalid", staff, "triage_member")]
    triage += [person(f"triage{i}@bench.invalid", staff, "triage_member") for i in (2, 3)]
    restricted = person("restricted@bench.invalid", restricted_org, "partner_participant")
    participants: dict[int, list[User]] = {restricted_org.pk: [restricted]}
    for index, org in enumerate(orgs[1:], start=1):
        participants.setdefault(org.pk, [])
        participants[org.pk] += [
            person(f"participant{i}.org{index}@bench.invalid", org, "partner_participant")
            for i in range(1 if org == restricted_org else 3)
        ]

    referrer_orgs = [o for o, spec in zip(orgs, ORGANISATIONS, strict=True) if spec[2] > 0]
    referrer_weights = [spec[2] for spec in ORGANISATIONS if spec[2] > 0]
    pool = [o for o, spec in zip(orgs, ORGANISATIONS, strict=True) if spec[3] > 0]
    pool_weights = [spec[3] for spec in ORGANISATIONS if spec[3] > 0]
    phase_names = [p for p, _w in PHASES]
    phase_weights = [w for _p, w in PHASES]
    bsns = iter(synthetic_bsns())
    days = 3 * 365

    # --- Big tables with COPY -------------------------------------------------------------------
    submitted = max(1, round(cases * SUBMITTED_SHARE))
    report(f"{cases:,} cases and {submitted:,} referrals awaiting triage (COPY)")
    subjects_rows: list[tuple[Any, ...]] = []
    case_rows: list[tuple[Any, ...]] = []
    case_subject_rows: list[tuple[Any, ...]] = []
    participation_rows: list[tuple[Any, ...]] = []
    referral_rows: list[tuple[Any, ...]] = []
    referral_subject_rows: list[tuple[Any, ...]] = []
    concern_rows: list[tuple[Any, ...]] = []
    counts = {"open": 0, "restricted_open": 0, "restricted_all": 0}
    per_year: dict[int, int] = {}
    moments = sorted(now - datetime.timedelta(days=rng.uniform(1, days)) for _ in range(cases))
    criteria = json.dumps(["multiple_domains", "cross_chain", "system"])
    building = Progress("rows built", cases + submitted, report)

    def new_subject(created: datetime.datetime) -> tuple[int, str]:
        sid = len(subjects_rows) + 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        bsn = next(bsns) if rng.random() < 0.8 else ""
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 60))
        subjects_rows.append(
            (
                sid,
                house.pk,
                first,
                last,
                born,
                encrypt(bsn),
                keyed_hash(bsn, purpose="bsn-lookup") if bsn else "",
                f"Benchmarkstraat {rng.randint(1, 300)}, 9999 ZZ Noordstad",
                f"{first} {last}".lower(),
                created,
            )
        )
        return sid, f"{first} {last}"

    def new_referral(
        created: datetime.datetime, status: str, case_id: int | None, subject_id: int
    ) -> None:
        rid = len(referral_rows) + 1
        org = rng.choices(referrer_orgs, referrer_weights)[0]
        urgency = rng.choices(["normal", "high", "crisis"], [75, 20, 5])[0]
        submitted_at = created + datetime.timedelta(hours=rng.uniform(0, 48))
        decided = submitted_at + datetime.timedelta(days=rng.uniform(1, 10)) if case_id else None
        referral_rows.append(
            (
                rid,
                house.pk,
                "person",
                "regular",
                status,
                rng.choice(participants[org.pk]).pk,
                org.pk,
                "",
                urgency,
                "Een gezamenlijk plan met alle betrokken partners.",
                "",
                True,
                "",
                "",
                created,
                submitted_at,
                decided,
                rng.choice(triage).pk if case_id else None,
                "",
                criteria if case_id else "[]",
                case_id,
            )
        )
        referral_subject_rows.append(
            (len(referral_subject_rows) + 1, rid, subject_id, True, "", False)
        )
        for domain in rng.sample(DOMAINS, rng.randint(2, 3)):
            concern_rows.append(
                (len(concern_rows) + 1, rid, domain, "Zorgen op dit leefgebied (synthetisch).")
            )

    for number, created in enumerate(moments, start=1):
        phase = rng.choices(phase_names, phase_weights)[0]
        year = timezone.localtime(created).year
        per_year[year] = per_year.get(year, 0) + 1
        subject_id, name = new_subject(created)
        takes_part = [rng.choices(referrer_orgs, referrer_weights)[0]]
        for org in rng.choices(pool, pool_weights, k=rng.randint(1, 3)):
            if org not in takes_part:
                takes_part.append(org)
        if rng.random() < RESTRICTED_SHARE:
            takes_part.append(restricted_org)
            counts["restricted_all"] += 1
            counts["restricted_open"] += phase != "closed"
        counts["open"] += phase != "closed"
        lead = next((o for o in takes_part[1:] if o != restricted_org), takes_part[0])
        past_meeting = phase in AFTER_MEETING
        closed = phase == "closed"
        changed = created + datetime.timedelta(days=rng.uniform(0, (now - created).days or 1))
        case_rows.append(
            (
                number,
                house.pk,
                f"{year}-{per_year[year]:05d}",
                "person",
                name,
                phase,
                rng.choices(["normal", "high", "crisis"], [80, 17, 3])[0],
                rng.choice(directors).pk,
                rng.choice(participants[lead.pk]).pk if past_meeting else None,
                lead.pk if past_meeting else None,
                None,
                created,
                changed,
                None,
                changed if closed else None,
                "manageable" if closed else "",
                "Afgesloten (synthetisch)." if closed else "",
                (changed + datetime.timedelta(days=5 * 365)).date() if closed else None,
            )
        )
        case_subject_rows.append((number, number, subject_id, True, "", False))
        for org in takes_part:
            participation_rows.append(
                (len(participation_rows) + 1, number, org.pk, "Deelnemer", "Benchmark", created)
            )
        referred = created - datetime.timedelta(days=rng.uniform(1, 14))
        new_referral(referred, "accepted", number, subject_id)
        building.tick(number)
    for index in range(submitted):
        created = now - datetime.timedelta(days=rng.uniform(0, 30))
        subject_id, _name = new_subject(created)
        new_referral(created, "submitted", None, subject_id)
        building.tick(cases + index + 1)

    tables: list[tuple[str, Sequence[str], list[tuple[Any, ...]]]] = [
        (
            "cases_subject",
            [
                "id",
                "house_id",
                "first_name",
                "last_name",
                "date_of_birth",
                "bsn_encrypted",
                "bsn_hash",
                "address",
                "search_name",
                "created_at",
            ],
            subjects_rows,
        ),
        (
            "cases_case",
            [
                "id",
                "house_id",
                "reference",
                "kind",
                "title",
                "phase",
                "urgency",
                "process_director_id",
                "case_director_id",
                "case_director_organisation_id",
                "placing_organisation_id",
                "created_at",
                "phase_changed_at",
                "aftercare_until",
                "closed_at",
                "outcome",
                "closing_note",
                "retention_until",
            ],
            case_rows,
        ),
        (
            "cases_casesubject",
            ["id", "case_id", "subject_id", "is_main", "relation_to_main", "has_authority"],
            case_subject_rows,
        ),
        (
            "cases_participation",
            ["id", "case_id", "organisation_id", "role", "purpose", "started_at"],
            participation_rows,
        ),
        (
            "referrals_referral",
            [
                "id",
                "house_id",
                "kind",
                "variant",
                "status",
                "referrer_id",
                "referrer_organisation_id",
                "area_description",
                "urgency",
                "goal",
                "stuck_statement",
                "subject_informed",
                "not_informed_reason",
                "not_informed_explanation",
                "created_at",
                "submitted_at",
                "decided_at",
                "decided_by_id",
                "decision_reason",
                "criteria",
                "case_id",
            ],
            referral_rows,
        ),
        (
            "referrals_referralsubject",
            ["id", "referral_id", "subject_id", "is_main", "relation_to_main", "has_authority"],
            referral_subject_rows,
        ),
        (
            "referrals_referralconcern",
            ["id", "referral_id", "domain", "description"],
            concern_rows,
        ),
    ]
    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor() as cursor:
        for table, columns, rows in tables:
            began = time.perf_counter()
            written = copy_rows(cursor, table, columns, rows)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # fixed table names
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
            report(f"  {table}: {written:,} rows ({time.perf_counter() - began:.1f} s)")
    report("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    report(f"generated in {time.perf_counter() - started:.1f} s")
    return {
        # What bench/case_process.py reads:
        "slug": house.slug,
        "house_id": house.pk,
        "visible": counts["restricted_open"],
        "director": directors[0].email,
        "triage": triage[0].email,
        "restricted": restricted.email,
        "director_id": directors[0].pk,
        "triage_id": triage[0].pk,
        "restricted_id": restricted.pk,
        # For the record:
        "restricted_organisation": restricted_org.name,
        "cases": cases,
        "open_cases": counts["open"],
        "restricted_cases": counts["restricted_all"],
        "restricted_open_cases": counts["restricted_open"],
        "submitted_referrals": submitted,
        "participations": len(participation_rows),
        "referrals": len(referral_rows),
        "subjects": len(subjects_rows),
        "concerns": len(concern_rows),
    }


def count_queries(result: dict[str, Any]) -> dict[str, int]:
    """Queries each benchmarked page runs, measured in-process with Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from casusregie.accounts.models import User

    slug = result["slug"]
    pages = {
        "triage_queue": (result["triage"], f"/huizen/{slug}/toegang/"),
        "case_list_restricted": (result["restricted"], f"/huizen/{slug}/casussen/"),
        "case_list_director": (result["director"], f"/huizen/{slug}/casussen/"),
    }
    counts = {}
    for name, (email, path) in pages.items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(email=email))
        client.get(path)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} as {email}: HTTP {response.status_code}")
        counts[name] = len(queries)
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=int, nargs="?", default=1000)
    parser.add_argument("seed", type=int, nargs="?", default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casusregie.conf.settings")
    import django
    from django.conf import settings

    django.setup()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("bench/generate.py needs PostgreSQL (set DATABASE_URL=postgres://...)")
    result = generate(args.cases, seed=args.seed)
    result["queries"] = count_queries(result)
    say(f"queries per page: {result['queries']}")
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    (settings.DATA_DIR / "ids.json").write_text(json.dumps(result) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
