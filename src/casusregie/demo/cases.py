"""Demo referrals and cases: about 150 per demo house, made through the actions, with histories
spread over the past eighteen months.

How it works:

1. For each house every referral is *planned* first (who refers, about whom, which concerns,
   and what happens to it on which working day), drawn from one seeded random generator, so
   the same seed gives the same demo.
2. Then all steps of all referrals are *played* in time order, each through the real action
   (`do_save_referral`, `do_accept_referral`, `do_transition_case`, `do_close_case`, ...) with
   the clock set to the moment of that step. The processing log, audit rows, notifications,
   phase history, case numbers (2025-0012) and known-to deadlines are therefore written by the
   system itself and agree with each other; nothing is back-dated afterwards, and the
   append-only log is never updated.

What the demo shows: drafts, referrals awaiting triage, declined, forwarded and withdrawn
referrals, a few police care forms routed to Veilig Thuis, and accepted referrals whose cases
stand in every phase from preparation to closed, with process and case directors (a handful of
cases past the meeting lack a case director, so the warning shows), known-to queries answered
and unanswered, participants invited, and intake, review and closure assessments. The prison
service (DJI) takes part in no case, so its participants see an empty case list.

All people are invented. BSNs start with 9999 and pass the eleven-test; dates of birth lie in
the past.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.db.models import F
from django.utils import timezone

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.cases import actions as case_actions
from casusregie.cases.models import (
    AssessmentMoment,
    Case,
    RelationKind,
    Subject,
    SubjectKind,
    Urgency,
)
from casusregie.cases.phases import Phase
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation, Partnership, ReferralRights
from casusregie.houses.models import OrganisationKind as K
from casusregie.inbox.models import Notification
from casusregie.privacy.bsn import is_valid_bsn
from casusregie.referrals import actions as referral_actions
from casusregie.referrals.models import (
    AdmissionCriterion,
    KnownToAnswer,
    KnownToQuery,
    NotInformedReason,
    Referral,
    ReferralStatus,
    ReferralVariant,
)

from . import texts

CASES_PER_HOUSE = 150
HISTORY_DAYS = 540  # about eighteen months
BSN_PREFIX = "9999"  # clearly synthetic; see synthetic_bsn()

# The mix of what happened to the referrals of one house (fractions of all referrals). The
# rest are accepted regular referrals.
MIX: dict[str, float] = {
    "care_form": 0.04,
    "draft": 0.04,
    "submitted": 0.07,
    "declined": 0.06,
    "forwarded": 0.04,
    "withdrawn": 0.02,
    "repeat": 0.02,  # a second referral about a person whose case is open: added to that case
}
# Where the accepted cases stand now.
PHASE_MIX: dict[str, float] = {
    Phase.PREPARATION: 0.13,
    Phase.MEETING: 0.09,
    Phase.PLAN: 0.09,
    Phase.EXECUTION: 0.27,
    Phase.AFTERCARE: 0.15,
    Phase.CLOSED: 0.27,
}
MISSING_CASE_DIRECTOR = 0.07  # of cases past the meeting
ALL_CRITERIA = [
    AdmissionCriterion.MULTIPLE_DOMAINS,
    AdmissionCriterion.CROSS_CHAIN,
    AdmissionCriterion.SYSTEM,
]

# --- Time ---------------------------------------------------------------------------------------


class Clock:
    """While the history plays, `django.utils.timezone.now()` answers the moment of the step.

    Model defaults (`auto_now_add`), the actions and the processing log all read the time
    through it, so every row of one step carries the same moment. Patched only inside
    `running()`, in the loading thread, and always restored.
    """

    def __init__(self) -> None:
        self._real = timezone.now
        self.at: datetime.datetime | None = None

    def now(self) -> datetime.datetime:
        return self.at if self.at is not None else self._real()

    @contextmanager
    def running(self) -> Iterator[Clock]:
        with mock.patch.object(timezone, "now", self.now):
            try:
                yield self
            finally:
                self.at = None


class Calendar:
    """Working-day coordinates: x = 3.5 is 12:30 on the fourth working day after the epoch
    (working days run 8:00–17:00, Monday to Friday). Steps land in office hours."""

    MINUTES = 9 * 60

    def __init__(self, now: datetime.datetime, days_back: int) -> None:
        local = timezone.localtime(now)
        start = local.date() - datetime.timedelta(days=days_back)
        self.epoch = start - datetime.timedelta(days=start.weekday())  # a Monday
        self.x_min = float(self._index(start)) + 1
        self.x_now = self._coordinate(local)

    def _index(self, day: datetime.date) -> int:
        weeks, rest = divmod((day - self.epoch).days, 7)
        return weeks * 5 + min(rest, 5)

    def _coordinate(self, local: datetime.datetime) -> float:
        day = local.date()
        if day.weekday() >= 5:
            return self._index(day) - 0.001  # the end of Friday
        minutes = (local.hour - 8) * 60 + local.minute
        if minutes <= 0:
            return self._index(day) - 0.001  # the end of the working day before
        return self._index(day) + min(minutes / self.MINUTES, 0.999)

    def moment(self, x: float) -> datetime.datetime:
        whole = int(x)
        weeks, day = divmod(whole, 5)
        date = self.epoch + datetime.timedelta(weeks=weeks, days=day)
        seconds = int((x - whole) * self.MINUTES * 60)
        naive = datetime.datetime.combine(date, datetime.time(8)) + datetime.timedelta(
            seconds=seconds
        )
        return timezone.make_aware(naive)

    def date(self, x: float) -> datetime.date:
        return self.moment(x).date()


# --- People -------------------------------------------------------------------------------------


def synthetic_bsn(rng: random.Random, used: set[str]) -> str:
    """A BSN that passes the eleven-test, starts with 9999 and was not handed out before."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2)
    for _attempt in range(100_000):
        body = BSN_PREFIX + f"{rng.randrange(10_000):04d}"
        check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        bsn = body + str(check)
        if check < 10 and bsn not in used:
            assert is_valid_bsn(bsn)
            used.add(bsn)
            return bsn
    raise RuntimeError("no synthetic BSNs left")


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


@dataclass
class Household:
    """The people a referral is about; the first is the main person."""

    people: list[case_actions.SubjectData]
    town: str

    @property
    def main(self) -> case_actions.SubjectData:
        return self.people[0]

    def child_name(self) -> str:
        children = [p for p in self.people if p.relation_to_main == RelationKind.CHILD]
        return children[0].first_name if children else self.main.first_name


# --- The world of one house ---------------------------------------------------------------------


@dataclass
class World:
    house: House
    rng: random.Random
    calendar: Calendar
    used_bsns: set[str]
    organisations: list[Organisation]
    staff_org: Organisation
    covenant: set[int]
    members: dict[int, list[User]]  # organisation → partner participants and managers
    participants: dict[int, list[User]]  # organisation → partner participants
    named: dict[int, User]  # organisation → its named demo login (wijkagent, ...)
    directors: list[User]
    triage: list[User]
    towns: list[str]

    @classmethod
    def build(cls, house: House, rng: random.Random, calendar: Calendar, used: set[str]) -> World:
        organisations = [
            p.organisation
            for p in Partnership.objects.filter(house=house)
            .select_related("organisation")
            .order_by("organisation__name")
        ]
        covenant = set(
            Partnership.objects.filter(house=house, covenant_signatory=True).values_list(
                "organisation_id", flat=True
            )
        )
        memberships = list(
            Membership.objects.active()
            .filter(house=house)
            .select_related("user", "organisation")
            .order_by("id")
        )
        members: dict[int, list[User]] = {}
        participants: dict[int, list[User]] = {}
        named: dict[int, User] = {}
        directors, triage = [], []
        for m in memberships:
            if m.role == Role.PROCESS_DIRECTOR:
                directors.append(m.user)
            elif m.role == Role.TRIAGE_MEMBER:
                triage.append(m.user)
            elif m.role in (Role.PARTNER_PARTICIPANT, Role.PARTNER_MANAGER):
                members.setdefault(m.organisation_id, []).append(m.user)
                if m.role == Role.PARTNER_PARTICIPANT:
                    participants.setdefault(m.organisation_id, []).append(m.user)
                    if m.user.email.split("@")[0] in (
                        "wijkagent",
                        "woningcorporatie",
                        "veiligthuis",
                    ):
                        named[m.organisation_id] = m.user
        staff_org = next(o for o in organisations if o.kind == K.HOUSE_STAFF)
        towns = sorted(
            o.name.removeprefix("Gemeente ") for o in organisations if o.kind == K.MUNICIPALITY
        )
        return cls(
            house=house,
            rng=rng,
            calendar=calendar,
            used_bsns=used,
            organisations=organisations,
            staff_org=staff_org,
            covenant=covenant,
            members=members,
            participants=participants,
            named=named,
            directors=directors,
            triage=triage,
            towns=towns,
        )

    # Organisations and people ----------------------------------------------------------------

    @property
    def stuck_rule(self) -> bool:
        return self.house.referral_rights == ReferralRights.STUCK_COVENANT_PARTNERS

    def may_refer(self, org: Organisation) -> bool:
        return (
            org.kind not in (K.HOUSE_STAFF, K.PRISON)
            and bool(self.participants.get(org.pk))
            and (not self.stuck_rule or org.pk in self.covenant)
        )

    def of_kind(self, kind: str, town: str = "") -> list[Organisation]:
        orgs = [o for o in self.organisations if o.kind == kind]
        if kind == K.MUNICIPALITY and town:
            orgs = [o for o in orgs if o.name == f"Gemeente {town}"] or orgs
        return orgs

    def referrer(self, kinds: tuple[tuple[str, int], ...], town: str) -> tuple[Organisation, User]:
        options = [
            (org, weight)
            for kind, weight in kinds
            for org in self.of_kind(kind, town)
            if self.may_refer(org)
        ]
        if not options:
            options = [(o, 1) for o in self.organisations if self.may_refer(o)]
        org = self.rng.choices([o for o, _w in options], [w for _o, w in options])[0]
        return org, self.person_of(org)

    def person_of(self, org: Organisation) -> User:
        """A partner participant of the organisation; its named demo login more often."""
        if org.pk in self.named and self.rng.random() < 0.4:
            return self.named[org.pk]
        return self.rng.choice(self.participants[org.pk])

    def director(self) -> User:
        # The first process director is the printed demo login: give them the most cases.
        return self.rng.choices(self.directors, [3] + [1] * (len(self.directors) - 1))[0]

    def triage_member(self) -> User:
        return self.rng.choices(self.triage, [2] + [1] * (len(self.triage) - 1))[0]

    def experts(self, domains: list[str], exclude: set[int], k: int) -> list[Organisation]:
        """Up to k partner organisations that know about these domains (never the house
        staff or the prison service, which stays out of every demo case)."""
        scored = []
        for org in self.organisations:
            if org.pk in exclude or org.kind in (K.HOUSE_STAFF, K.PRISON):
                continue
            overlap = len(set(org.expertise) & set(domains))
            if overlap:
                scored.append((overlap + self.rng.random(), org))
        scored.sort(key=lambda pair: -pair[0])
        return [org for _score, org in scored[:k]]

    def lead_organisation(self, domains: list[str], town: str) -> Organisation:
        for domain in domains:
            for kind in texts.LEAD_KINDS.get(domain, ()):
                orgs = [o for o in self.of_kind(kind, town) if self.participants.get(o.pk)]
                if orgs:
                    return self.rng.choice(orgs)
        return self.of_kind(K.MUNICIPALITY, town)[0]

    # The people a referral is about ------------------------------------------------------------

    def address(self, town: str) -> str:
        street = self.rng.choice(texts.STREETS)
        letters = "".join(self.rng.choices(texts.POSTCODE_LETTERS, k=2))
        return (
            f"{street} {self.rng.randint(1, 180)}, {self.rng.randint(1000, 9899)} {letters} {town}"
        )

    def born(self, min_age: int, max_age: int) -> datetime.date:
        """A date of birth for someone aged min_age..max_age today; everyone was born before
        the demo history starts, so no referral names a person not yet born."""
        today = timezone.localdate()
        low = max(min_age * 365 + 30, HISTORY_DAYS + 60)
        days = self.rng.randint(low, max(low, max_age * 365 + 330))
        return today - datetime.timedelta(days=days)

    def subject(
        self,
        first: str,
        last: str,
        born: datetime.date,
        address: str,
        *,
        relation: str = "",
        authority: bool = False,
        bsn_chance: float = 0.88,
    ) -> case_actions.SubjectData:
        bsn = synthetic_bsn(self.rng, self.used_bsns) if self.rng.random() < bsn_chance else ""
        return case_actions.SubjectData(
            first_name=first,
            last_name=last,
            date_of_birth=born,
            bsn=bsn,
            address=address,
            relation_to_main=relation,
            has_authority=authority,
        )

    def household(self, theme: texts.Theme, family: bool) -> Household:
        rng = self.rng
        town = rng.choice(self.towns)
        address = self.address(town)
        surname = rng.choice(texts.SURNAMES)
        if not family:
            female = rng.random() < 0.4
            first = rng.choice(texts.FEMALE_NAMES if female else texts.MALE_NAMES)
            main = self.subject(first, surname, self.born(19, 74), address)
            people = [main]
            roll = rng.random()
            if roll < 0.15:
                partner = rng.choice(texts.MALE_NAMES if female else texts.FEMALE_NAMES)
                people.append(
                    self.subject(
                        partner,
                        rng.choice(texts.SURNAMES),
                        self.born(20, 70),
                        address,
                        relation=RelationKind.PARTNER,
                    )
                )
            elif roll < 0.25:
                people.append(
                    self.subject(
                        rng.choice(texts.FEMALE_NAMES),
                        surname,
                        self.born(45, 85),
                        self.address(rng.choice(self.towns)),
                        relation=RelationKind.PARENT,
                    )
                )
            return Household(people, town)
        mother_first = rng.random() < 0.65
        first = rng.choice(texts.FEMALE_NAMES if mother_first else texts.MALE_NAMES)
        main = self.subject(first, surname, self.born(26, 52), address, authority=True)
        people = [main]
        if rng.random() < 0.7:
            other = rng.choice(texts.MALE_NAMES if mother_first else texts.FEMALE_NAMES)
            other_address = address if rng.random() < 0.7 else self.address(town)
            people.append(
                self.subject(
                    other,
                    surname if rng.random() < 0.5 else rng.choice(texts.SURNAMES),
                    self.born(26, 55),
                    other_address,
                    relation=RelationKind.PARTNER,
                    authority=True,
                )
            )
        low, high = theme.children_age
        names = rng.sample(texts.CHILD_NAMES, rng.randint(1, 3))
        for name in names:
            people.append(
                self.subject(
                    name,
                    surname,
                    self.born(low, high),
                    address,
                    relation=RelationKind.CHILD,
                    bsn_chance=0.95,
                )
            )
        return Household(people, town)


# --- Stories: one referral and what happened to it ----------------------------------------------


@dataclass
class Step:
    x: float
    story: int
    order: int
    run: Callable[[], None]


@dataclass
class Story:
    world: World
    number: int
    steps: list[Step] = field(default_factory=list)
    referral: Referral | None = None
    case_id: int | None = None
    queries: list[KnownToQuery] = field(default_factory=list)
    household: Household | None = None
    x_accept: float = 0.0
    outcome: str = ""  # what the plan makes of it: a referral status, or the case's phase

    def at(self, x: float, run: Callable[[], None], *, optional: bool = False) -> None:
        """Schedule a step. An optional step that would lie in the future is left out (a
        question not answered yet); a required one must lie in the past."""
        if x > self.world.calendar.x_now:
            if optional:
                return
            raise AssertionError(f"demo step planned in the future ({x:.2f})")
        self.steps.append(Step(x, self.number, len(self.steps), run))

    def case(self) -> Case:
        assert self.case_id is not None
        return Case.objects.select_related("house", "process_director").get(pk=self.case_id)


@dataclass
class Content:
    """What a referral says, kept for the later steps of its story."""

    data: referral_actions.ReferralData
    organisation: Organisation
    referrer: User
    domains: list[str]
    fill: dict[str, Any]
    theme: texts.Theme | None


def _spread(rng: random.Random, total: int, mix: dict[Any, float]) -> list[Any]:
    """`total` labels in proportion to `mix` (every label at least once), shuffled."""
    labels: list[Any] = []
    for key, share in mix.items():
        labels += [key] * max(1, round(total * share))
    biggest = max(mix, key=lambda k: mix[k])
    while len(labels) < total:
        labels.append(biggest)
    while len(labels) > total and biggest in labels and labels.count(biggest) > 1:
        labels.remove(biggest)
    rng.shuffle(labels)
    return labels


class Planner:
    """Plans the referrals of one house as scheduled steps (see the module docstring)."""

    def __init__(self, world: World, per_house: int) -> None:
        self.world = world
        self.rng = world.rng
        self.cal = world.calendar
        self.per_house = per_house
        self.stories: list[Story] = []
        self.open_cases: list[Story] = []  # cases that stay open: subjects of repeat referrals

    # What the referral says ----------------------------------------------------------------------

    def _urgency(self) -> str:
        return self.rng.choices([Urgency.NORMAL, Urgency.HIGH, Urgency.CRISIS], [70, 22, 8])[0]

    def _person(
        self,
        story: Story,
        *,
        care_form: bool = False,
        household: Household | None = None,
        complete: bool = True,
    ) -> Content:
        world, rng = self.world, self.rng
        themes = texts.THEMES
        if care_form:
            themes = [t for t in themes if t.key in ("huiselijk-geweld", "verward")]
        theme = rng.choice(themes)
        family = household is None and rng.random() < theme.family
        household = household or world.household(theme, family)
        story.household = household
        if care_form:
            org = rng.choice(world.of_kind(K.POLICE))
            user = world.person_of(org)
        else:
            org, user = world.referrer(theme.referrers, household.town)
        main = household.main
        fill = {
            "naam": main.first_name,
            "achternaam": main.last_name,
            "kind": household.child_name(),
            "plaats": household.town,
            "bedrag": _money(rng.randrange(1_500, 48_000, 50)),
            "aantal": rng.randint(3, 14),
            "maanden": rng.randint(3, 9),
        }
        domains = list(theme.domains[:2]) + rng.sample(theme.domains[2:], rng.randint(0, 2))
        informed = rng.random() < 0.8
        reason = (
            ""
            if informed
            else rng.choice(
                [
                    NotInformedReason.SAFETY,
                    NotInformedReason.CRIMINAL_INVESTIGATION,
                    NotInformedReason.OTHER,
                ]
            )
        )
        invitees: list[Organisation] = []
        if world.stuck_rule and not care_form:  # NHN-style: the referrer proposes invitees
            invitees = world.experts(domains, {org.pk}, rng.randint(1, 3))
        data = referral_actions.ReferralData(
            kind=SubjectKind.FAMILY if family else SubjectKind.PERSON,
            variant=ReferralVariant.CARE_FORM if care_form else ReferralVariant.REGULAR,
            subjects=household.people,
            concerns={d: rng.choice(texts.CONCERNS[d]).format(**fill) for d in domains},
            urgency=Urgency.HIGH if care_form and rng.random() < 0.6 else self._urgency(),
            goal=rng.choice(theme.goals).format(**fill) if complete else "",
            stuck_statement=(
                texts.STUCK.get(org.kind, texts.STUCK_DEFAULT).format(**fill)
                if world.stuck_rule and not care_form
                else ""
            ),
            subject_informed=informed if complete else None,
            not_informed_reason=reason,
            not_informed_explanation=(
                texts.NOT_INFORMED_OTHER if reason == NotInformedReason.OTHER else ""
            ),
            proposed_invitees=invitees,
        )
        return Content(data, org, user, domains, fill, theme)

    def _area(self, story: Story) -> Content:
        world, rng = self.world, self.rng
        theme = rng.choice(texts.AREA_THEMES)
        town = rng.choice(world.towns)
        fill: dict[str, Any] = {
            "plek": rng.choice(texts.AREA_PLACES),
            "straat": rng.choice(texts.STREETS),
            "terrein": rng.choice(texts.BUSINESS_PARKS),
            "plaats": town,
            "aantal": rng.randint(8, 40),
            "naam": "de buurt",
        }
        org, user = world.referrer(tuple((k, 1) for k in theme.referrers), town)
        concerns = {d: text.format(**fill) for d, text in theme.concerns.items()}
        invitees = (
            world.experts(list(concerns), {org.pk}, rng.randint(1, 3)) if world.stuck_rule else []
        )
        data = referral_actions.ReferralData(
            kind=SubjectKind.AREA,
            area_description=theme.title.format(**fill) + "\n" + theme.description,
            concerns=concerns,
            urgency=rng.choices([Urgency.NORMAL, Urgency.HIGH], [3, 1])[0],
            goal=theme.goal,
            stuck_statement=texts.AREA_STUCK if world.stuck_rule else "",
            proposed_invitees=invitees,
        )
        return Content(data, org, user, list(concerns), fill, None)

    # Referral steps ------------------------------------------------------------------------------

    def _write(self, story: Story, content: Content, x_submit: float | None) -> None:
        """Write the referral; often as a draft first, submitted some hours or days later."""
        house, data = self.world.house, content.data
        org, user = content.organisation, content.referrer
        x_write = x_submit if x_submit is not None else self.cal.x_now - self.rng.uniform(0.05, 8)
        if x_submit is not None and self.rng.random() < 0.12:
            x_write = max(self.cal.x_min, x_submit - self.rng.uniform(0.1, 3))

        def save() -> None:
            story.referral = referral_actions.do_save_referral(
                house, data, actor=user, organisation=org, submit=x_submit == x_write
            )

        story.at(x_write, save)
        if x_submit is not None and x_submit != x_write:

            def submit() -> None:
                assert story.referral is not None
                referral_actions.do_submit_referral(story.referral, data, actor=user)

            story.at(x_submit, submit)

    def _ask_known_to(
        self, story: Story, x: float, orgs: list[Organisation], *, about_case: bool
    ) -> None:
        world, rng = self.world, self.rng
        director = world.director()
        deadline = self.cal.date(x) + datetime.timedelta(days=10)

        def ask() -> None:
            if not about_case and (
                story.referral is None
                or not Referral.objects.filter(
                    pk=story.referral.pk, status=ReferralStatus.SUBMITTED
                ).exists()
            ):
                return  # triage was quicker than the question: nothing left to ask about
            story.queries = referral_actions.do_ask_known_to(
                house=world.house,
                organisations=orgs,
                deadline=deadline,
                actor=director,
                case=story.case() if about_case else None,
                referral=None if about_case else story.referral,
            )

        story.at(x, ask, optional=True)
        for index, org in enumerate(orgs):
            if rng.random() < 0.25:
                continue  # never answered: the process director sees the gap
            answerer = rng.choice(world.members[org.pk])
            known = rng.random() < 0.45
            contact = rng.choice(world.members[org.pk]).full_name
            contact += f", {org.phone}" if org.phone else ""

            def answer(
                index: int = index,
                answerer: User = answerer,
                known: bool = known,
                contact: str = contact,
            ) -> None:
                if not story.queries:
                    return  # the question was never asked
                referral_actions.do_answer_known_to(
                    story.queries[index],
                    actor=answerer,
                    answer=KnownToAnswer.KNOWN if known else KnownToAnswer.UNKNOWN,
                    contact_person=contact if known else "",
                )

            story.at(x + rng.uniform(0.2, 6), answer, optional=True)

    def _decision_window(self, longest_wait: float = 9) -> tuple[float, float]:
        x_submit = self.rng.uniform(self.cal.x_min + 3, self.cal.x_now - longest_wait - 1)
        return x_submit, x_submit + self.rng.uniform(1, longest_wait)

    # The plan of one house -----------------------------------------------------------------------

    def plan(self) -> list[Story]:
        n, rng = self.per_house, self.rng
        counts = {key: max(1, round(n * share)) for key, share in MIX.items()}
        counts["care_form"] = max(3, counts["care_form"])
        regular = n - sum(counts.values())
        care_outcomes = ["submitted", "declined"] + ["accepted"] * (counts["care_form"] - 2)
        plans: list[tuple[str, str]] = []
        for kind in ("draft", "submitted", "declined", "forwarded", "withdrawn"):
            plans += [(kind, "")] * counts[kind]
        plans += [("care_form", outcome) for outcome in care_outcomes]
        plans += [("accepted", "")] * max(0, regular)
        rng.shuffle(plans)
        accepted = sum(1 for kind, outcome in plans if "accepted" in (kind, outcome))
        phases = iter(_spread(rng, accepted, PHASE_MIX))
        after_meeting = accepted * sum(PHASE_MIX[p] for p in Phase.after_meeting())
        missing_left = max(1, round(after_meeting * MISSING_CASE_DIRECTOR))
        for kind, outcome in plans:
            story = Story(self.world, len(self.stories))
            self.stories.append(story)
            story.outcome = kind if kind != "care_form" else outcome
            if "accepted" in (kind, outcome):
                phase = next(phases)
                story.outcome = phase
                missing = phase in Phase.after_meeting() and missing_left > 0
                missing_left -= int(missing)
                self._accepted(story, phase, care_form=kind == "care_form", no_director=missing)
            elif kind == "care_form":
                self._care_form_not_accepted(story, outcome)
            else:
                getattr(self, f"_story_{kind}")(story)
        for _repeat in range(counts["repeat"]):
            story = Story(self.world, len(self.stories), outcome="repeat")
            if self._repeat(story):
                self.stories.append(story)
        return self.stories

    def _story_draft(self, story: Story) -> None:
        content = self._person(story, complete=self.rng.random() < 0.5)
        self._write(story, content, None)

    def _story_submitted(self, story: Story) -> None:
        x_submit = self.cal.x_now - self.rng.uniform(0.05, 7)
        if self.rng.random() < 0.1:
            self._write(story, self._area(story), x_submit)
            return
        content = self._person(story)
        self._write(story, content, x_submit)
        if self.rng.random() < 0.35:  # the process director already checks who knows them
            orgs = self.world.experts(content.domains, {content.organisation.pk}, 3)
            self._ask_known_to(story, x_submit + self.rng.uniform(0.05, 1), orgs, about_case=False)

    def _story_declined(self, story: Story) -> None:
        x_submit, x_decide = self._decision_window()
        self._write(story, self._person(story), x_submit)
        reason, criteria = self.rng.choice(texts.DECLINES)
        actor = self.world.triage_member()

        def decline() -> None:
            assert story.referral is not None
            referral_actions.do_decline_referral(
                story.referral, actor=actor, reason=reason, criteria=criteria
            )

        story.at(x_decide, decline)

    def _story_forwarded(self, story: Story) -> None:
        x_submit, x_decide = self._decision_window()
        content = self._person(story)
        self._write(story, content, x_submit)
        assert content.theme is not None
        town = story.household.town if story.household else ""
        options = [
            o
            for kind in (content.theme.forward_to, K.SOCIAL_WORK, K.MUNICIPALITY)
            for o in self.world.of_kind(kind, town)
            if o.pk != content.organisation.pk
        ]
        target = options[0]
        actor = self.world.triage_member()

        def forward() -> None:
            assert story.referral is not None
            referral_actions.do_forward_referral(
                story.referral,
                actor=actor,
                organisation=target,
                reason=texts.FORWARD.format(org=target.name),
            )

        story.at(x_decide, forward)

    def _story_withdrawn(self, story: Story) -> None:
        x_submit, x_withdraw = self._decision_window(longest_wait=4)
        content = self._person(story)
        self._write(story, content, x_submit)
        reason = self.rng.choice(texts.WITHDRAW).format(**content.fill)

        def withdraw() -> None:
            assert story.referral is not None
            referral_actions.do_withdraw_referral(
                story.referral, actor=content.referrer, reason=reason
            )

        story.at(x_withdraw, withdraw)

    def _vt_member(self) -> User:
        recipient = self.world.house.care_form_recipient
        assert recipient is not None
        if recipient.pk in self.world.named and self.rng.random() < 0.5:
            return self.world.named[recipient.pk]
        return self.rng.choice(self.world.members[recipient.pk])

    def _care_form_not_accepted(self, story: Story, outcome: str) -> None:
        if outcome == "submitted":  # still with Veilig Thuis
            self._write(
                story,
                self._person(story, care_form=True),
                self.cal.x_now - self.rng.uniform(0.1, 3),
            )
            return
        x_submit, x_decide = self._decision_window(longest_wait=4)
        self._write(story, self._person(story, care_form=True), x_submit)
        actor = self._vt_member()

        def decline() -> None:
            assert story.referral is not None
            referral_actions.do_decline_referral(
                story.referral, actor=actor, reason=texts.CARE_FORM_DECLINE
            )

        story.at(x_decide, decline)

    def _repeat(self, story: Story) -> bool:
        """A second referral, by another partner, about a person whose case is still open: the
        triage team adds it to that case."""
        # Only cases about people: an area case has no household to refer again.
        bases = [
            s
            for s in self.open_cases
            if s.household is not None and s.x_accept < self.cal.x_now - 12
        ]
        if not bases:
            return False
        base = self.rng.choice(bases)
        assert base.household is not None
        household = Household([base.household.main], base.household.town)
        content = self._person(story, household=household)
        x_submit = self.rng.uniform(base.x_accept + 5, self.cal.x_now - 6)
        self._write(story, content, x_submit)
        actor = self.world.triage_member()
        house = self.world.house

        def accept() -> None:
            assert story.referral is not None
            main = story.referral.subjects.select_related("subject").first()
            assert main is not None
            existing = case_actions.open_case_for(house, main.subject)
            case = referral_actions.do_accept_referral(
                story.referral,
                actor=actor,
                criteria=ALL_CRITERIA,
                add_to_case=existing,
                reason=texts.REPEAT_REASON,
            )
            story.case_id = case.pk

        story.at(x_submit + self.rng.uniform(0.5, 4), accept)
        return True

    # Accepted referrals and their cases ----------------------------------------------------------

    def _segments(self, target: str) -> list[tuple[str, float]]:
        """The phases the case went through, with the working days spent in each; the last
        one (for an open case) is still going on."""
        rng = self.rng
        P, M, PL, E, A, C = (  # short names keep the paths readable
            Phase.PREPARATION,
            Phase.MEETING,
            Phase.PLAN,
            Phase.EXECUTION,
            Phase.AFTERCARE,
            Phase.CLOSED,
        )
        aftercare = self.world.house.aftercare_weeks * 5
        start = [P, M, PL, E]
        again = [M, PL, E] if rng.random() < 0.12 else []
        relapse = [E, A] if rng.random() < 0.12 else []
        if target == P:
            path = [P]
        elif target == M:
            path = [P, M]
        elif target == PL:
            path = [P, M, PL]
        elif target == E:
            path = start + (again or ([A, E] if rng.random() < 0.15 else []))
        elif target == A:
            path = [*start, *again, A, *relapse]
        else:
            roll = rng.random()
            if roll < 0.12:
                path = [P, C]  # it turned out regular care was enough, or they moved
            elif roll < 0.25:
                path = [*start, C]  # stopped during execution
            else:
                path = [*start, *again, A, *relapse, C]
        typical = {
            P: (7.0, 25.0),
            M: (2.0, 10.0),
            PL: (4.0, 14.0),
            E: (40.0, 170.0),
            A: (aftercare, aftercare + 5.0),
            C: (0.0, 0.0),
        }
        segments: list[tuple[str, float]] = []
        for index, phase in enumerate(path):
            low, high = typical[phase]
            if phase == E and E in path[:index]:
                low, high = 20, 80  # execution again after a new meeting or a relapse
            if phase == A and index + 1 < len(path) and path[index + 1] == E:
                low, high = 10, aftercare - 20  # relapse during aftercare
            if index == len(path) - 1 and phase != C:  # still going on
                high = min(high, aftercare - 3) if phase == A else high
                low, high = min(0.3, high), high * rng.uniform(0.3, 1.0)
            segments.append((phase, rng.uniform(low, high)))
        return segments

    def _scores(self, domains: list[str], crisis: bool) -> dict[str, int]:
        rng = self.rng
        scores = {d: rng.randint(1, 2 if crisis else 3) for d in domains}
        others = [d for d in LifeDomain.values if d not in scores]
        for domain in rng.sample(others, rng.randint(1, 2)):
            scores[domain] = rng.randint(2, 4)
        return scores

    def _accepted(self, story: Story, target: str, *, care_form: bool, no_director: bool) -> None:
        world, rng, cal = self.world, self.rng, self.cal
        if not care_form and rng.random() < 0.06:
            content = self._area(story)
        else:
            content = self._person(story, care_form=care_form)
        data = content.data
        segments = self._segments(target)
        wait = rng.uniform(0.05, 0.6) if data.urgency == Urgency.CRISIS else rng.uniform(1, 8)
        total = wait + sum(d for _p, d in segments)
        room = cal.x_now - 0.5 - (cal.x_min + 3)
        if total > room:  # squeeze a long history into the window
            factor = room / total * rng.uniform(0.85, 1.0)
            segments = [(p, d * factor) for p, d in segments]
            wait *= factor
            total *= factor
        if target == Phase.CLOSED:
            end = rng.uniform(min(cal.x_min + 3 + total, cal.x_now - 0.5), cal.x_now - 0.5)
        else:
            end = cal.x_now - rng.uniform(0.01, 0.3)
        x_accept = end - (total - wait)
        story.x_accept = x_accept
        self._write(story, content, x_accept - wait)

        # Triage: accept, in an MB-style house with the organisation the case is placed with.
        town = story.household.town if story.household else content.fill["plaats"]
        placing: Organisation | None = None
        director: User | None = None
        if not world.stuck_rule:
            director = world.director()
            placing = (
                world.staff_org
                if rng.random() < 0.12
                else world.lead_organisation(content.domains, town)
            )
        elif rng.random() < 0.5:
            director = world.director()
        decider = self._vt_member() if care_form else world.triage_member()
        criteria = [AdmissionCriterion.AREA] if data.kind == SubjectKind.AREA else ALL_CRITERIA

        def accept() -> None:
            assert story.referral is not None
            case = referral_actions.do_accept_referral(
                story.referral,
                actor=decider,
                criteria=criteria,
                placing_organisation=placing,
                process_director=director,
                reason=texts.ACCEPT_REASON,
            )
            story.case_id = case.pk

        story.at(x_accept, accept)
        if target not in (Phase.PREPARATION, Phase.MEETING, Phase.CLOSED):
            self.open_cases.append(story)
        if director is None:
            director = world.director()
            first = segments[0][1]

            def take() -> None:
                case_actions.do_set_directors(
                    story.case(),
                    process_director=director,
                    case_director=None,
                    case_director_organisation=None,
                    actor=director,
                )

            story.at(x_accept + rng.uniform(0.02, min(1.0, first / 3)), take, optional=True)

        taking_part = {content.organisation.pk, world.staff_org.pk}
        if placing is not None:
            taking_part.add(placing.pk)
        if care_form and world.house.care_form_recipient_id:
            taking_part.add(world.house.care_form_recipient_id)
        intake = self._scores(content.domains, data.urgency == Urgency.CRISIS)
        x = x_accept
        met = False
        last_lead: Organisation | None = placing if placing and placing != world.staff_org else None
        for index, (phase, length) in enumerate(segments):
            start, stop = x, x + length
            following = segments[index + 1][0] if index + 1 < len(segments) else None
            if index > 0:
                self._enter(
                    story,
                    start,
                    segments[index - 1][0],
                    phase,
                    segments,
                    index,
                    director,
                    intake,
                    content,
                    last_lead,
                )
            if phase == Phase.PREPARATION:
                invited = self._prepare(story, start, stop, content, taking_part, director)
                taking_part |= {o.pk for o in invited}
                if following is not None and rng.random() < 0.85:
                    x_intake = stop - rng.uniform(0.02, min(1.0, length / 4))
                    self._assess(story, x_intake, AssessmentMoment.INTAKE, intake, director)
                elif following is None and length > 4 and rng.random() < 0.35:
                    self._assess(
                        story,
                        start + rng.uniform(3, length),
                        AssessmentMoment.INTAKE,
                        intake,
                        director,
                        optional=True,
                    )
            elif phase == Phase.MEETING and following == Phase.PLAN and not met:
                met = True
                if not no_director:
                    last_lead = self._name_case_director(
                        story, stop, content, taking_part, town, director
                    )
            elif phase == Phase.EXECUTION and length > 10 and rng.random() < 0.25:
                review = {d: min(5, s + rng.randint(0, 1)) for d, s in intake.items()}
                self._assess(
                    story,
                    start + length / 2,
                    AssessmentMoment.REVIEW,
                    review,
                    director,
                    optional=True,
                )
            x = stop

    def _prepare(
        self,
        story: Story,
        start: float,
        stop: float,
        content: Content,
        taking_part: set[int],
        director: User,
    ) -> list[Organisation]:
        """Preparation: invite partners and ask who knows the people concerned."""
        world, rng = self.world, self.rng
        length = stop - start
        if world.stuck_rule:
            invited = [o for o in content.data.proposed_invitees if o.pk not in taking_part]
        else:
            invited = world.experts(content.domains, taking_part, rng.randint(1, 2))

        def invite() -> None:
            case = story.case()
            for org in invited:
                case_actions.do_add_participation(
                    case,
                    org,
                    role=texts.INVITED_ROLE,
                    purpose=texts.PURPOSES.get(org.kind, texts.PURPOSES[K.OTHER]),
                    actor=director,
                )

        if invited:
            story.at(start + rng.uniform(0.05, min(1.5, length * 0.3)), invite, optional=True)
        if content.data.kind != SubjectKind.AREA:
            asked = world.experts(
                content.domains, taking_part | {o.pk for o in invited}, rng.randint(1, 2)
            )
            extra = [
                o
                for o in world.organisations
                if o.pk not in taking_part and o not in asked and o.kind != K.HOUSE_STAFF
            ]
            asked += rng.sample(extra, min(len(extra), rng.randint(0, 1)))
            if asked:
                x_ask = start + rng.uniform(0.1, min(2.0, length * 0.4))
                self._ask_known_to(story, x_ask, asked, about_case=True)
        return invited

    def _assess(
        self,
        story: Story,
        x: float,
        moment: str,
        scores: dict[str, int],
        director: User,
        *,
        optional: bool = False,
    ) -> None:
        def assess() -> None:
            case_actions.do_record_assessment(
                story.case(), moment=moment, scores=scores, actor=director
            )

        story.at(x, assess, optional=optional)

    def _name_case_director(
        self,
        story: Story,
        x: float,
        content: Content,
        taking_part: set[int],
        town: str,
        director: User,
    ) -> Organisation:
        world = self.world
        lead = None
        for domain in content.domains:
            kinds = texts.LEAD_KINDS.get(domain, ())
            lead = next(
                (o for o in world.organisations if o.pk in taking_part and o.kind in kinds), None
            )
            if lead is not None:
                break
        if lead is None or lead == world.staff_org or not world.participants.get(lead.pk):
            lead = world.lead_organisation(content.domains, town)
        person = world.person_of(lead)
        chosen = lead

        def name() -> None:
            case = story.case()
            case_actions.do_set_directors(
                case,
                process_director=case.process_director or director,
                case_director=person,
                case_director_organisation=chosen,
                actor=director,
            )

        story.at(x, name)
        return lead

    def _enter(
        self,
        story: Story,
        x: float,
        before: str,
        phase: str,
        segments: list[tuple[str, float]],
        index: int,
        director: User,
        intake: dict[str, int],
        content: Content,
        lead: Organisation | None,
    ) -> None:
        """The step that moves the case from `before` into `phase` at x."""
        rng = self.rng
        if phase == Phase.CLOSED:
            self._close(story, x, before, director, intake, content, lead)
            return
        area = content.data.kind == SubjectKind.AREA
        if phase == Phase.MEETING and before == Phase.PREPARATION:
            if index + 1 < len(segments):  # the meeting was held when the case moved on
                held = x + segments[index][1]
            else:  # still waiting for the meeting: it is planned a few days ahead
                held = self.cal.x_now + rng.uniform(1, 8)
            reason = texts.MEETING_PLANNED.format(datum=self.cal.date(held).strftime("%d-%m-%Y"))
        elif phase == Phase.MEETING:
            reason = rng.choice(texts.AREA_REMEET if area else texts.REMEET)
        elif phase == Phase.PLAN:
            first = all(p != Phase.PLAN for p, _d in segments[:index])
            reason = texts.MEETING_HELD if first else texts.MEETING_AGAIN_HELD
        elif phase == Phase.EXECUTION and before == Phase.AFTERCARE:
            reason = rng.choice(texts.AREA_RELAPSE if area else texts.RELAPSE)
        elif phase == Phase.EXECUTION:
            reason = texts.PLAN_FIXED
        else:
            reason = texts.TO_AFTERCARE

        def move() -> None:
            case_actions.do_transition_case(story.case(), phase, actor=director, reason=reason)

        story.at(x, move)

    def _close(
        self,
        story: Story,
        x: float,
        before: str,
        director: User,
        intake: dict[str, int],
        content: Content,
        lead: Organisation | None,
    ) -> None:
        rng = self.rng
        if before == Phase.PREPARATION:
            outcome = rng.choices(["regular_care", "moved"], [3, 1])[0]
        elif before == Phase.EXECUTION:
            outcome = rng.choices(["no_result", "moved", "regular_care"], [2, 1, 1])[0]
        else:
            outcome = rng.choices(
                ["manageable", "regular_care", "other", "no_result"], [11, 6, 1, 1]
            )[0]
        if content.data.kind == SubjectKind.AREA:
            outcome, note = "manageable", texts.AREA_CLOSING.format(**content.fill)
        else:
            org = lead or self.world.lead_organisation(content.domains, content.fill["plaats"])
            note = rng.choice(texts.CLOSING[outcome]).format(org=org.name, **content.fill)
        change = {"manageable": (1, 2), "regular_care": (0, 2), "no_result": (-1, 0)}.get(
            outcome, (0, 1)
        )
        final = (
            {d: max(1, min(5, s + rng.randint(*change))) for d, s in intake.items()}
            if rng.random() < 0.85
            else None
        )

        def close() -> None:
            case_actions.do_close_case(
                story.case(),
                outcome=outcome,
                note=note,
                final_scores=final,
                actor=director,
                # Stopped during execution: the reason for skipping aftercare (decision 0053).
                skip_reason="Gestopt tijdens de uitvoering; nazorg is niet nodig of niet mogelijk.",
            )

        story.at(x, close)


# --- Playing the history ------------------------------------------------------------------------

QUIET_MAIL = "django.core.mail.backends.dummy.EmailBackend"


def _play(
    stories: list[Story], clock: Clock, calendar: Calendar, report: Callable[[int], None]
) -> None:
    steps = sorted(
        (step for story in stories for step in story.steps),
        key=lambda s: (s.x, s.story, s.order),
    )
    started: set[int] = set()
    for step in steps:
        clock.at = calendar.moment(step.x)
        step.run()
        if step.story not in started:
            started.add(step.story)
            report(len(started))
    clock.at = None


def _settle(house: House, now: datetime.datetime, calendar: Calendar) -> None:
    """The house and its people existed before the history began, and people have read the
    notifications of more than two weeks ago."""
    before = calendar.moment(calendar.x_min - 20)
    House.objects.filter(pk=house.pk).update(created_at=before)
    Partnership.objects.filter(house=house).update(created_at=before)
    Membership.objects.filter(house=house).update(created_at=before)
    User.objects.filter(memberships__house=house, date_joined__gt=before).update(date_joined=before)
    Notification.objects.filter(
        house=house, read_at__isnull=True, created_at__lt=now - datetime.timedelta(days=14)
    ).update(read_at=F("created_at") + datetime.timedelta(hours=3))


def load_cases(
    progress: Callable[[str], None] = print,
    seed: int = 2026,
    *,
    per_house: int = CASES_PER_HOUSE,
) -> dict[str, int]:
    """Play about `per_house` referrals in each demo house. Returns the cases per house."""
    from django.db import transaction
    from django.test.utils import override_settings

    from .data import HOUSES

    slugs = [spec.slug for spec in HOUSES]
    houses = sorted(House.objects.filter(slug__in=slugs), key=lambda h: slugs.index(h.slug))
    now = timezone.now()
    result: dict[str, int] = {}
    clock = Clock()
    # The history notifies people as it goes; e-mailing about invented history is noise.
    with override_settings(EMAIL_BACKEND=QUIET_MAIL), transaction.atomic(), clock.running():
        used = {s.bsn for s in Subject.objects.filter(house__in=houses).exclude(bsn_encrypted="")}
        for number, house in enumerate(houses, start=1):
            calendar = Calendar(now, HISTORY_DAYS)
            world = World.build(house, random.Random(seed * 7919 + number), calendar, used)
            stories = Planner(world, per_house).plan()
            prefix = f"[{number}/{len(houses)}] {house.name}: casussen"
            step = max(1, len(stories) // 6)

            def report(
                done: int, prefix: str = prefix, total: int = len(stories), step: int = step
            ) -> None:
                if done % step == 0 or done == total:
                    progress(f"{prefix} {done}/{total}")

            _play(stories, clock, calendar, report)
            _settle(house, now, calendar)
            result[house.slug] = Case.objects.filter(house=house).count()
            progress(
                f"[{number}/{len(houses)}] {house.name}: {len(stories)} meldingen, "
                f"{result[house.slug]} casussen"
            )
        from .casefile import load_case_files
        from .meetings import load_meetings
        from .privacy import load_privacy

        load_meetings(progress, seed, houses)
        load_privacy(progress, houses)
        load_case_files(progress, houses, seed)
    return result
