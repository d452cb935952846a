"""A synthetic national data set for benchmarks and load tests (`casusregie generate-data`).

N houses of very different size (a few large cities, many small regions), each with its own
partner organisations and people; M cases spread over the houses, each with its subject,
participating organisations, accepted referral and concerns; cases past the meeting phase sit
on the agenda of a meeting (with invitations and attendance) and carry a plan with about six
actions, done actions with their feedback; every case has about 20 processing-log lines, chained
like the real log so `verify-log` accepts them. The distributions are in docs/performance.md.

Rows are built in Python from one seeded random generator (the same seed and the same day give
the same data) and written per table in chunks: PostgreSQL COPY with foreign-key triggers off
and secondary indexes rebuilt after loading, or plain bulk inserts elsewhere (SQLite, small
sizes: tests). The database must be migrated and hold no houses yet.
"""

from __future__ import annotations

import datetime
import json
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connections, models, transaction
from django.utils import timezone

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.cases.models import Case, CaseSubject, Participation, Subject
from casusregie.houses.models import House, Organisation, Partnership
from casusregie.meetings.models import AgendaItem, Attendance, Invitation, Meeting
from casusregie.plans.models import Action, Feedback, Plan
from casusregie.privacy import chain
from casusregie.privacy.crypto import encrypt, keyed_hash
from casusregie.privacy.log import CASE_PROCESS, PURPOSE_CASE_APPROACH, subject_ref
from casusregie.privacy.models import (
    Confirmation,
    LogHead,
    ProcessingLogEntry,
    WorkingMethod,
    activity_uri,
)
from casusregie.referrals.models import Referral, ReferralConcern, ReferralSubject
from casusregie.signals.actions import expires_on
from casusregie.signals.models import Signal

# Every generated account has this password (synthetic accounts for a benchmark database).
PASSWORD = "bench-password-not-secret"  # noqa: S105
YEARS = 5
CHUNK = 20_000
RESTRICTED_SHARE = 0.05
SUBMITTED_SHARE = 0.02
CASES_PER_MEETING = 8
# How long a case stays in each phase, in days (uniform between the bounds): a case is
# prepared, discussed at the meeting 14 days after it began, gets its plan, is carried out,
# watched in aftercare and closed. Its phase today follows from its age, so old cases are
# closed and the open ones are the last year's, as in a real house.
PHASE_DAYS = [
    ("preparation", 3, 10),
    ("meeting", None, None),  # until the meeting, 14 days after the case began
    ("plan", 3, 21),
    ("execution", 60, 240),
    ("aftercare", 30, 180),
]
AFTER_MEETING = {"plan", "execution", "aftercare", "closed"}
DOMAINS = ["housing", "finances", "daytime", "mental_health", "physical_health", "addiction"]
DOMAINS += ["family", "social_network", "justice", "parenting", "education"]
FIRST = ["Jan", "Sandra", "Mohamed", "Esther", "Kevin", "Fatima", "Peter", "Naima", "Erik"]
FIRST += ["Monique", "Ricardo", "Ilse", "Mehmet", "Linda", "Sem", "Emma", "Noah", "Yara"]
LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer"]
LAST += ["de Boer", "Mulder", "Yilmaz", "El Idrissi", "Bos", "Vos", "Hendriks", "Dekker"]
# (name, kind, weight as referrer, weight as participant); names get the region appended.
ORGANISATIONS = [
    ("Zorg- en Veiligheidshuis", "house_staff", 0, 0),
    ("Politie, district", "police", 35, 30),
    ("GGZ", "mental_health", 10, 25),
    ("Veilig Thuis", "veilig_thuis", 8, 12),
    ("Gemeente Noord", "municipality", 8, 12),
    ("Gemeente Zuid", "municipality", 6, 10),
    ("Gemeente Oost", "municipality", 4, 6),
    ("Gemeente West", "municipality", 3, 5),
    ("Woonstichting", "housing", 10, 12),
    ("Maatschappelijk werk", "social_work", 6, 15),
    ("Verslavingszorg", "addiction_care", 3, 12),
    ("Jeugdbescherming", "youth_protection", 3, 10),
    ("Jeugdzorg", "youth_care", 2, 8),
    ("Reclassering", "probation", 2, 10),
    ("Openbaar Ministerie", "prosecution", 0, 5),
    ("Raad voor de Kinderbescherming", "child_protection", 0, 4),
    ("Forensische zorg", "forensic_care", 0, 4),
    ("Zorggroep", "disability_care", 1, 4),
    ("UWV", "benefits", 0, 3),
    # Takes part in about 5% of the cases and nothing else: the benchmark's restricted user.
    ("Wooncorporatie Beperkt Zicht", "housing", 0, 0),
]
# Concern signals (issue 7) before a case of the last year: 40% of those with a BSN.
SIGNAL_DAYS, SIGNAL_SHARE = 365, 0.4
SIGNAL_CATEGORIES = ["nuisance", "confused_behaviour", "domestic_violence", "debts", "housing"]
ACTION_STATUS_OPEN = [("open", 55), ("feedback_given", 15), ("done", 25), ("cancelled", 5)]
# Processing-log lines of a case: (name, operation, weight) — mostly reads of the case page.
LOG_LINES = [
    ("case.read", "read", 55),
    ("case.list", "read", 20),
    ("plan.read", "read", 8),
    ("meeting.minutes.read", "read", 5),
    ("action.feedback", "update", 5),
    ("case.set_directors", "update", 4),
    ("meeting.contribution", "create", 3),
]


@dataclass
class Result:
    """What the benchmark needs (logins, ids) and what was made (counts per table)."""

    houses: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"houses": self.houses, "counts": self.counts, "seconds": round(self.seconds, 1)}


Progress = Callable[[int, int, str], None]


def house_sizes(houses: int, cases: int) -> list[int]:
    """Cases per house: weight 1/sqrt(rank), so the largest house has about three times the
    cases of the median one (the big cities); largest remainders make the sum exact."""
    weights = [1 / (rank**0.5) for rank in range(1, houses + 1)]
    total = sum(weights)
    raw = [cases * w / total for w in weights]
    sizes = [int(r) for r in raw]
    for index in sorted(range(houses), key=lambda i: raw[i] - sizes[i], reverse=True):
        if sum(sizes) == cases:
            break
        sizes[index] += 1
    return sizes


def synthetic_bsn(body: int) -> str:
    """A nine-digit number from 900000000 up that passes the eleven-test (clearly synthetic),
    or "" when this body cannot be completed."""
    digits = f"{90_000_000 + body:08d}"
    check = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    return digits + str(check) if check < 10 else ""


class Table:
    """Rows for one table, written in chunks: COPY on PostgreSQL, bulk INSERT elsewhere.

    Columns are attnames of the model; NOT NULL columns the generator does not know (added by
    a later migration) get the field's default, so a new column does not break generation."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], using: str) -> None:
        self.connection = connections[using]
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        with self.connection.cursor() as cursor:
            present = {
                c.name
                for c in self.connection.introspection.get_table_description(cursor, self.table)
            }
        self.tail: list[Any] = []
        extra = []
        for name, f in fields.items():
            if name in columns or f.null or f.primary_key or f.column not in present:
                continue
            value = f.get_default()  # "" for text fields without a default
            if value is None and getattr(f, "auto_now_add", False):
                value = timezone.now()
            if value is None:
                raise RuntimeError(f"generate-data does not know how to fill {self.table}.{name}")
            extra.append(name)
            self.tail.append(value)
        self.columns = [*columns, *extra]
        self.fields = [fields[c] for c in self.columns]
        self.adapt = [self._adapter(f) for f in self.fields]
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def _adapter(self, f: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
        ops = self.connection.ops
        if isinstance(f, models.JSONField):
            return json.dumps
        if self.connection.vendor == "postgresql":
            return None
        if isinstance(f, models.DateTimeField):
            return ops.adapt_datetimefield_value
        if isinstance(f, models.DateField):
            return ops.adapt_datefield_value
        if isinstance(f, models.UUIDField):
            return lambda v: v.hex
        return None

    def add(self, *row: Any) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows = [
            [v if a is None or v is None else a(v) for v, a in zip(r, self.adapt, strict=True)]
            for r in (row + tuple(self.tail) for row in self.rows)
        ]
        names = ", ".join(self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {self.table} ({names}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, rows)
        self.count += len(rows)
        self.rows = []


@dataclass
class HouseWorld:
    house: House
    staff: Organisation
    restricted_org: Organisation
    directors: list[User]
    triage: list[User]
    restricted: User
    participants: dict[int, list[User]]
    referrers: list[Organisation]
    referrer_weights: list[int]
    pool: list[Organisation]
    pool_weights: list[int]


def _house(number: int, password: str) -> HouseWorld:
    region = f"Regio {number:02d}"
    house = House.objects.create(
        slug=f"regio-{number:02d}",
        name=f"Zorg- en Veiligheidshuis {region}",
        region=region,
        governance_form="lead",
    )
    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"{name} {region}", kind=kind, expertise=[])
        for name, kind, _r, _p in ORGANISATIONS
    )
    Partnership.objects.bulk_create(
        Partnership(house=house, organisation=o, ring="key") for o in orgs
    )
    staff, restricted_org = orgs[0], orgs[-1]
    house.care_form_recipient = next(o for o in orgs if o.kind == "veilig_thuis")
    house.save(update_fields=["care_form_recipient"])
    slug = house.slug
    people: list[tuple[str, Organisation, str]] = []
    people += [(f"director{i}@{slug}.invalid", staff, Role.PROCESS_DIRECTOR) for i in (1, 2, 3)]
    people += [(f"triage{i}@{slug}.invalid", staff, Role.TRIAGE_MEMBER) for i in (1, 2, 3)]
    people += [(f"restricted@{slug}.invalid", restricted_org, Role.PARTNER_PARTICIPANT)]
    people += [
        (f"participant{i}.org{n}@{slug}.invalid", org, Role.PARTNER_PARTICIPANT)
        for n, org in enumerate(orgs[1:-1], start=1)
        for i in (1, 2, 3)
    ]
    users = User.objects.bulk_create(
        User(email=email, full_name=email.split("@")[0], password=password)
        for email, _o, _r in people
    )
    Membership.objects.bulk_create(
        Membership(user=u, house=house, organisation=o, role=r)
        for u, (_e, o, r) in zip(users, people, strict=True)
    )
    method = WorkingMethod.objects.get(house=house)
    Confirmation.objects.bulk_create(Confirmation(method=method, user=u) for u in users)
    participants: dict[int, list[User]] = {}
    for user, (_e, org, role) in zip(users, people, strict=True):
        if role == Role.PARTNER_PARTICIPANT:
            participants.setdefault(org.pk, []).append(user)
    specs = list(zip(orgs, ORGANISATIONS, strict=True))
    return HouseWorld(
        house=house,
        staff=staff,
        restricted_org=restricted_org,
        directors=users[0:3],
        triage=users[3:6],
        restricted=users[6],
        participants=participants,
        referrers=[o for o, s in specs if s[2] > 0],
        referrer_weights=[s[2] for _o, s in specs if s[2] > 0],
        pool=[o for o, s in specs if s[3] > 0],
        pool_weights=[s[3] for _o, s in specs if s[3] > 0],
    )


def generate(
    *,
    houses: int,
    cases: int,
    seed: int = 1,
    using: str = "default",
    progress: Progress | None = None,
) -> Result:
    """Fill an empty, migrated database; returns logins, ids and counts."""
    started = time.perf_counter()
    if House.objects.using(using).exists():
        raise ValueError("the database already holds houses: generate into an empty database")
    if houses < 1 or cases < houses:
        raise ValueError("at least one house and at least one case per house")
    password = make_password(PASSWORD)
    with transaction.atomic(using=using):
        worlds = [_house(n, password) for n in range(1, houses + 1)]
    sizes = house_sizes(houses, cases)
    total = cases + sum(max(1, round(n * SUBMITTED_SHARE)) for n in sizes)
    generator = _Generator(seed, using, total, progress or (lambda _d, _t, _l: None))
    connection = connections[using]
    postgres = connection.vendor == "postgresql"
    tables = [t.table for t in generator.tables.values()]
    dropped = _drop_secondary_indexes(connection, tables) if postgres else []
    result = Result()
    heads: dict[int, tuple[str, int]] = {}
    for world, size in zip(worlds, sizes, strict=True):
        info, last_hash = generator.house(world, size)
        heads[world.house.pk] = (last_hash, generator.chained)
        result.houses.append(info)
    for table in generator.tables.values():
        table.flush()
    _set_log_heads(heads, using)
    if postgres:
        generator.report(total, total, "indexes")
        _restore_indexes(connection, dropped)
        _reset_sequences(connection, tables)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    result.counts = {t.table: t.count for t in generator.tables.values()}
    result.seconds = time.perf_counter() - started
    return result


def _tables(using: str) -> dict[str, Table]:
    return {
        "subject": Table(
            Subject,
            [
                *("id", "house_id", "first_name", "last_name", "date_of_birth", "bsn_encrypted"),
                *("bsn_hash", "address", "search_name", "created_at"),
            ],
            using,
        ),
        "case": Table(
            Case,
            [
                *("id", "house_id", "reference", "kind", "title", "phase", "urgency"),
                *("process_director_id", "case_director_id", "case_director_organisation_id"),
                *("created_at", "phase_changed_at", "closed_at", "outcome", "closing_note"),
                "retention_until",
            ],
            using,
        ),
        "case_subject": Table(
            CaseSubject, ["id", "case_id", "subject_id", "is_main", "relation_to_main"], using
        ),
        "participation": Table(
            Participation,
            ["id", "case_id", "organisation_id", "role", "purpose", "started_at"],
            using,
        ),
        "referral": Table(
            Referral,
            [
                *("id", "house_id", "kind", "variant", "status", "referrer_id"),
                *("referrer_organisation_id", "urgency", "goal", "subject_informed"),
                *("created_at", "submitted_at", "decided_at", "decided_by_id", "criteria"),
                "case_id",
            ],
            using,
        ),
        "referral_subject": Table(
            ReferralSubject, ["id", "referral_id", "subject_id", "is_main"], using
        ),
        "concern": Table(ReferralConcern, ["id", "referral_id", "domain", "description"], using),
        "meeting": Table(
            Meeting,
            [
                *("id", "house_id", "reference", "title", "status", "chair_id", "starts_at"),
                *("ics_uid", "created_by_id", "created_at", "held_at"),
            ],
            using,
        ),
        "agenda": Table(
            AgendaItem, ["id", "meeting_id", "case_id", "position", "discussed_at"], using
        ),
        "invitation": Table(
            Invitation, ["id", "meeting_id", "organisation_id", "required", "invited_at"], using
        ),
        "attendance": Table(
            Attendance,
            ["id", "meeting_id", "user_id", "name", "organisation_id", "registered_at"],
            using,
        ),
        "plan": Table(Plan, ["id", "case_id", "updated_at", "last_progress_at"], using),
        "action": Table(
            Action,
            [
                *("id", "case_id", "house_id", "number", "title", "domain"),
                *("owner_organisation_id", "owner_id", "due_date", "meeting_id", "status"),
                *("created_by_id", "created_at", "done_at"),
            ],
            using,
        ),
        "feedback": Table(
            Feedback,
            [
                *("id", "action_id", "author_id", "organisation_id", "what_was_done", "result"),
                *("submitted_at", "review_status", "reviewed_by_id", "reviewed_at"),
            ],
            using,
        ),
        "signal": Table(
            Signal,
            [
                *("id", "house_id", "pseudonym", "id_kind", "category", "observed_on"),
                *("organisation_id", "contact_id", "created_at", "expires_on"),
            ],
            using,
        ),
        "log": Table(ProcessingLogEntry, [*chain._LOG_FIELDS, "prev_hash", "chain_hash"], using),
    }


class _Generator:
    """Builds the rows of every case of a house, in time order, from one random stream."""

    def __init__(self, seed: int, using: str, total: int, report: Progress) -> None:
        self.rng = random.Random(seed)  # synthetic data, not security
        self.now = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        self.today = timezone.localdate(self.now)
        self.tables = _tables(using)
        self.ids = dict.fromkeys(self.tables, 0)
        self.total, self.done, self.report = total, 0, report
        self.bsn_body = 0
        # One ciphertext per constant text: the pages decrypt it like any other value.
        self.closing_note = encrypt("Afgesloten (synthetisch).")
        self.what_was_done = encrypt("Gesprek gevoerd en afspraken vastgelegd (synthetisch).")
        self.result_text = encrypt("Afspraak nagekomen (synthetisch).")
        self.status_names, self.status_weights = zip(*ACTION_STATUS_OPEN, strict=True)
        self.log_kinds = [(n, o) for n, o, _w in LOG_LINES]
        self.log_weights = [w for _n, _o, w in LOG_LINES]
        self.meeting: dict[str, Any] = {}

    def next_id(self, name: str) -> int:
        self.ids[name] += 1
        return self.ids[name]

    def house(self, world: HouseWorld, size: int) -> tuple[dict[str, Any], str]:
        """All rows of one house; returns what the benchmark needs and the last log hash."""
        self.world = world
        self.counts = {"open": 0, "restricted_open": 0, "restricted_all": 0, "meetings": 0}
        self.per_year: dict[int, int] = {}
        self.meeting = {}
        self.prev_hash = ""
        self.chained = 0  # the house's log lines so far: its head's sequence number
        self.uri = activity_uri(world.house.slug, CASE_PROCESS, 1)
        span = 60 * 60 * 24 * 365 * YEARS
        moments = sorted(
            self.now - datetime.timedelta(seconds=self.rng.uniform(86400, span))
            for _ in range(size)
        )
        for created in moments:
            self.case(created)
            self.done += 1
            if self.done % 1000 == 0:
                self.report(self.done, self.total, world.house.slug)
        self.close_meeting()
        submitted = max(1, round(size * SUBMITTED_SHARE))
        for _ in range(submitted):
            created = self.now - datetime.timedelta(days=self.rng.uniform(0, 30))
            subject_id, _name, _hash = self.subject(created)
            self.referral(created, None, subject_id)
        self.done += submitted
        self.report(self.done, self.total, world.house.slug)
        info = {
            "slug": world.house.slug,
            "house_id": world.house.pk,
            "cases": size,
            "open_cases": self.counts["open"],
            "restricted_cases": self.counts["restricted_all"],
            "restricted_open_cases": self.counts["restricted_open"],
            "submitted_referrals": submitted,
            "meetings": self.counts["meetings"],
            "director": world.directors[0].email,
            "director_id": world.directors[0].pk,
            "triage": world.triage[0].email,
            "triage_id": world.triage[0].pk,
            "restricted": world.restricted.email,
            "restricted_id": world.restricted.pk,
            "restricted_organisation_id": world.restricted_org.pk,
        }
        return info, self.prev_hash

    def subject(self, created: datetime.datetime) -> tuple[int, str, str]:
        rng, house = self.rng, self.world.house
        sid = self.next_id("subject")
        first, last = rng.choice(FIRST), rng.choice(LAST)
        bsn = ""
        if rng.random() < 0.8:
            while not bsn:
                self.bsn_body += 1
                bsn = synthetic_bsn(self.bsn_body)
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 60))
        bsn_hash = keyed_hash(bsn, purpose="bsn-lookup") if bsn else ""
        self.tables["subject"].add(
            sid,
            house.pk,
            first,
            last,
            born,
            encrypt(bsn),
            bsn_hash,
            f"Synthetische straat {rng.randint(1, 300)}, 9999 ZZ {house.region}",
            f"{first} {last}".lower(),
            created,
        )
        return sid, f"{first} {last}", bsn_hash

    def referral(self, created: datetime.datetime, case_id: int | None, subject: int) -> None:
        rng, world = self.rng, self.world
        rid = self.next_id("referral")
        org = rng.choices(world.referrers, world.referrer_weights)[0]
        submitted_at = created + datetime.timedelta(hours=rng.uniform(0, 48))
        decided = submitted_at + datetime.timedelta(days=rng.uniform(1, 10))
        self.tables["referral"].add(
            rid,
            world.house.pk,
            "person",
            "regular",
            "accepted" if case_id else "submitted",
            rng.choice(world.participants[org.pk]).pk,
            org.pk,
            rng.choices(["normal", "high", "crisis"], [75, 20, 5])[0],
            "Een gezamenlijk plan met alle betrokken partners.",
            True,
            created,
            submitted_at,
            decided if case_id else None,
            rng.choice(world.triage).pk if case_id else None,
            ["multiple_domains", "cross_chain", "system"] if case_id else [],
            case_id,
        )
        self.tables["referral_subject"].add(self.next_id("referral_subject"), rid, subject, True)
        for domain in rng.sample(DOMAINS, rng.randint(2, 3)):
            self.tables["concern"].add(
                self.next_id("concern"), rid, domain, "Zorgen op dit leefgebied (synthetisch)."
            )

    def close_meeting(self) -> None:
        meeting, world = self.meeting, self.world
        if not meeting:
            return
        held = meeting["starts_at"] < self.now
        for org_id in sorted(meeting["orgs"]):
            self.tables["invitation"].add(
                self.next_id("invitation"), meeting["id"], org_id, True, meeting["created_at"]
            )
            if held and org_id in world.participants:
                user = world.participants[org_id][0]
                self.tables["attendance"].add(
                    self.next_id("attendance"),
                    meeting["id"],
                    user.pk,
                    user.full_name,
                    org_id,
                    meeting["starts_at"],
                )
        self.meeting = {}

    def agenda(self, case_id: int, created: datetime.datetime, orgs: list[int]) -> int:
        """Put the case on the house's current meeting; a meeting takes eight cases."""
        if not self.meeting or self.meeting["items"] >= CASES_PER_MEETING:
            self.close_meeting()
            self.counts["meetings"] += 1
            number = self.counts["meetings"]
            starts = created + datetime.timedelta(days=14)
            held = starts < self.now
            chair = self.world.directors[0].pk
            self.meeting = {
                "id": self.next_id("meeting"),
                "starts_at": starts,
                "created_at": created,
                "items": 0,
                "orgs": set(),
            }
            self.tables["meeting"].add(
                self.meeting["id"],
                self.world.house.pk,
                f"O-{number:06d}",
                f"Casusoverleg {number}",
                "held" if held else "scheduled",
                chair,
                starts,
                uuid.UUID(int=self.rng.getrandbits(128), version=4),
                chair,
                created,
                starts if held else None,
            )
        meeting = self.meeting
        meeting["items"] += 1
        meeting["orgs"].update(orgs)
        self.tables["agenda"].add(
            self.next_id("agenda"),
            meeting["id"],
            case_id,
            meeting["items"],
            meeting["starts_at"] if meeting["starts_at"] < self.now else None,
        )
        return int(meeting["id"])

    def case(self, created: datetime.datetime) -> None:
        rng, world, now, counts = self.rng, self.world, self.now, self.counts
        house = world.house
        case_id = self.next_id("case")
        phase, changed = self.phase(created)
        year = timezone.localtime(created).year
        self.per_year[year] = self.per_year.get(year, 0) + 1
        subject_id, name, bsn_hash = self.subject(created)
        takes_part = [rng.choices(world.referrers, world.referrer_weights)[0]]
        for org in rng.choices(world.pool, world.pool_weights, k=rng.randint(1, 3)):
            if org not in takes_part:
                takes_part.append(org)
        while len(takes_part) < 2:  # a case needs a second organisation at the table
            org = rng.choices(world.pool, world.pool_weights)[0]
            if org not in takes_part:
                takes_part.append(org)
        if rng.random() < RESTRICTED_SHARE:
            takes_part.append(world.restricted_org)
            counts["restricted_all"] += 1
            counts["restricted_open"] += phase != "closed"
        counts["open"] += phase != "closed"
        lead = next((o for o in takes_part[1:] if o != world.restricted_org), takes_part[0])
        past_meeting = phase in AFTER_MEETING
        closed = phase == "closed"
        director = rng.choice(world.directors)
        case_director = rng.choice(world.participants[lead.pk]) if past_meeting else None
        self.tables["case"].add(
            case_id,
            house.pk,
            f"{year}-{self.per_year[year]:06d}",
            "person",
            name,
            phase,
            rng.choices(["normal", "high", "crisis"], [80, 17, 3])[0],
            director.pk,
            case_director.pk if case_director else None,
            lead.pk if past_meeting else None,
            created,
            changed,
            changed if closed else None,
            "manageable" if closed else "",
            self.closing_note if closed else "",
            (changed + datetime.timedelta(days=5 * 365)).date() if closed else None,
        )
        self.tables["case_subject"].add(self.next_id("case_subject"), case_id, subject_id, True, "")
        for org in takes_part:
            self.tables["participation"].add(
                self.next_id("participation"), case_id, org.pk, "Deelnemer", "Synthetisch", created
            )
        self.referral(created - datetime.timedelta(days=rng.uniform(1, 14)), case_id, subject_id)
        meeting_id = None
        if phase != "preparation":
            meeting_id = self.agenda(case_id, created, [o.pk for o in takes_part])
        if past_meeting:
            self.tables["plan"].add(self.next_id("plan"), case_id, changed, changed)
            for number in range(1, rng.randint(3, 9) + 1):
                self.action(case_id, number, created, takes_part, director, meeting_id, closed)
        self.log_lines(case_id, subject_id, bsn_hash, created, changed if closed else now)
        if bsn_hash and (now - created).days < SIGNAL_DAYS and rng.random() < SIGNAL_SHARE:
            self.signals(bsn_hash, created, takes_part)

    def phase(self, created: datetime.datetime) -> tuple[str, datetime.datetime]:
        """The case's phase today and when it began, from durations drawn per phase."""
        start = created
        for name, low, high in PHASE_DAYS:
            if low is None or high is None:
                end = created + datetime.timedelta(days=14)
            else:
                end = start + datetime.timedelta(days=self.rng.uniform(low, high))
            if end > self.now:
                return name, start
            start = end
        return "closed", start

    def action(
        self,
        case_id: int,
        number: int,
        created: datetime.datetime,
        takes_part: list[Organisation],
        director: User,
        meeting_id: int | None,
        closed: bool,
    ) -> None:
        rng, world = self.rng, self.world
        owner_org = rng.choice(takes_part)
        owner = rng.choice(world.participants.get(owner_org.pk, [None]))
        status = "done" if closed else rng.choices(self.status_names, self.status_weights)[0]
        action_created = created + datetime.timedelta(days=14)
        due = (action_created + datetime.timedelta(days=rng.randint(7, 90))).date()
        if not closed and status == "open":  # open work is due around today
            due = self.today + datetime.timedelta(days=rng.randint(-30, 60))
        finished = status in {"done", "feedback_given"}
        done_at = min(self.now, datetime.datetime.combine(due, created.timetz()))
        action_id = self.next_id("action")
        self.tables["action"].add(
            action_id,
            case_id,
            world.house.pk,
            number,
            f"Actie {number} (synthetisch)",
            rng.choice(DOMAINS),
            owner_org.pk,
            owner.pk if owner and rng.random() < 0.7 else None,
            due,
            meeting_id,
            status,
            director.pk,
            action_created,
            done_at if status == "done" else None,
        )
        if finished and owner is not None:
            accepted = status == "done"
            self.tables["feedback"].add(
                self.next_id("feedback"),
                action_id,
                owner.pk,
                owner_org.pk,
                self.what_was_done,
                self.result_text,
                done_at,
                "accepted" if accepted else "pending",
                director.pk if accepted else None,
                done_at if accepted else None,
            )

    def signals(self, bsn_hash: str, created: datetime.datetime, orgs: list[Organisation]) -> None:
        """Concern signals that came before the case: 1-3 partners, under the subject's BSN
        pseudonym (the one the signals app matches cases by), still within their retention."""
        rng, world = self.rng, self.world
        senders = [o for o in orgs if o.pk in world.participants]
        for org in rng.sample(senders, min(len(senders), rng.randint(1, 3))):
            observed = (created - datetime.timedelta(days=rng.randint(0, 60))).date()
            category = rng.choice(SIGNAL_CATEGORIES)
            until = expires_on(world.house, observed)
            if until < self.today:  # past its retention: the daily job would have removed it
                continue
            self.tables["signal"].add(
                self.next_id("signal"),
                world.house.pk,
                bsn_hash,
                "bsn",
                category,
                observed,
                org.pk,
                world.participants[org.pk][0].pk,
                created,
                until,
            )

    def log_lines(
        self,
        case_id: int,
        subject_id: int,
        bsn_hash: str,
        created: datetime.datetime,
        last: datetime.datetime,
    ) -> None:
        """About 20 lines about the main subject, spread over the case's life, chained."""
        rng = self.rng
        ref = subject_ref(subject_pk=subject_id, bsn_hash=bsn_hash)
        life = max(1.0, (last - created).total_seconds())
        for _line in range(rng.randint(10, 30)):
            log_name, operation = rng.choices(self.log_kinds, self.log_weights)[0]
            moment = created + datetime.timedelta(seconds=rng.uniform(0, life))
            line = chain.line(
                trace_id=f"{rng.getrandbits(128):032x}",
                span_id=f"{rng.getrandbits(64):016x}",
                parent_span_id=f"{rng.getrandbits(64):016x}",
                name=log_name,
                start_time=moment,
                end_time=moment,
                operation=operation,
                processing_activity=self.uri,
                purpose=PURPOSE_CASE_APPROACH,
                data_subject_id=ref.pseudonym,
                data_subject_id_type=ref.id_type,
                house_id=self.world.house.pk,
                case_id=case_id,
                object_type="cases.case",
                object_id=str(case_id),
                recipient_organisation_id=None,
            )
            line_hash = chain.digest(line, self.prev_hash)
            self.tables["log"].add(*(line[c] for c in chain._LOG_FIELDS), self.prev_hash, line_hash)
            self.prev_hash = line_hash
            self.chained += 1


def _set_log_heads(heads: dict[int, tuple[str, int]], using: str) -> None:
    """The next real log line must chain onto the last generated one of its house, under a
    head signed like every other (decision 0038)."""
    for house_id, (last_hash, last_seq) in heads.items():
        mac = chain.head_mac(house_id, chain.LOG, last_seq, last_hash)
        LogHead.objects.using(using).update_or_create(
            house_id=house_id,
            kind=chain.LOG,
            defaults={"last_hash": last_hash, "last_seq": last_seq, "mac": mac},
        )


def _drop_secondary_indexes(connection: Any, tables: list[str]) -> list[str]:
    """Drop the indexes that no constraint needs (rebuilt in one sorted pass after loading,
    much faster than maintaining them row by row); foreign-key checks are off while loading
    (session_replication_role), as the generator writes only ids it made itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
            " AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            " WHERE c.conname = i.indexname)",
            [tables],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
    return [definition for _name, definition in found]


def _restore_indexes(connection: Any, definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition)


def _reset_sequences(connection: Any, tables: list[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
