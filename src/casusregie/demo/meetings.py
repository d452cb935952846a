"""Demo meetings and plans: every case that reached its plan had a case meeting, with
attendance, a decision and owned actions; owners gave feedback on time, late or not at all, so
actions stand in every state and the overdue ones have climbed the escalation ladder. Two
cases waiting for their meeting share one meeting being planned, with availability partly
given, so a visitor can mark the rest and run table mode.

Everything goes through the real actions with the demo clock set to the moment of each step.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.utils import timezone

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.cases.models import Case, PhaseChange
from casusregie.cases.phases import Phase
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation, OrganisationKind
from casusregie.meetings import actions as meeting_actions
from casusregie.meetings.models import Answer, DecisionKind
from casusregie.plans import schedule
from casusregie.plans.actions import (
    ActionData,
    do_create_actions,
    do_review_feedback,
    do_submit_feedback,
)
from casusregie.plans.models import Feedback

from .cases import Clock

MEETINGS_PER_HOUSE = 40

ACTION_TEXTS: dict[str, list[str]] = {
    OrganisationKind.POLICE: ["Huisbezoek door de wijkagent", "Buurtonderzoek naar overlast"],
    OrganisationKind.HOUSING: ["Betalingsregeling huurachterstand", "Gesprek over woongedrag"],
    OrganisationKind.MENTAL_HEALTH: ["Intake bij de GGZ plannen", "Behandelplan afstemmen"],
    OrganisationKind.MUNICIPALITY: ["Schuldhulp aanvragen", "Dagbesteding regelen"],
    OrganisationKind.PROBATION: ["Toezichtgesprek voeren", "Bijzondere voorwaarden toetsen"],
    OrganisationKind.VEILIG_THUIS: ["Veiligheidsplan opstellen", "Risicotaxatie uitvoeren"],
    OrganisationKind.SOCIAL_WORK: ["Wekelijks contact met de cliënt", "Netwerkberaad organiseren"],
}
GENERIC = ["Contact leggen met de betrokkene", "Stand van zaken terugkoppelen"]
DOMAIN_OF: dict[str, str] = {
    OrganisationKind.POLICE: LifeDomain.JUSTICE,
    OrganisationKind.HOUSING: LifeDomain.HOUSING,
    OrganisationKind.MENTAL_HEALTH: LifeDomain.MENTAL_HEALTH,
    OrganisationKind.MUNICIPALITY: LifeDomain.FINANCES,
    OrganisationKind.PROBATION: LifeDomain.JUSTICE,
}
APPROACHES = [
    "Eén gezamenlijk plan: eerst de woonsituatie stabiliseren, dan zorg toeleiden.",
    "Drang vanuit justitie gecombineerd met een vaste hulpverlener als aanspreekpunt.",
    "Schulden en dagbesteding tegelijk oppakken; de wijkagent houdt zicht op overlast.",
]


def _member(org: Organisation, house: House) -> User | None:
    membership = (
        Membership.objects.active()
        .filter(house=house, organisation=org, role=Role.PARTNER_PARTICIPANT)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user if membership else None


def _partners(case: Case) -> list[Organisation]:
    return [
        p.organisation
        for p in case.participations.filter(ended_at__isnull=True)
        .select_related("organisation")
        .order_by("id")
        if p.organisation.kind != OrganisationKind.HOUSE_STAFF
    ]


def _director(house: House) -> User:
    director = (
        User.objects.filter(
            memberships__house=house,
            memberships__role=Role.PROCESS_DIRECTOR,
            memberships__ended_at__isnull=True,
        )
        .order_by("id")
        .first()
    )
    assert director is not None, "every demo house has process directors"
    return director


def _held_meeting(
    case: Case, held: datetime.datetime, clock: Clock, rng: random.Random, now: datetime.datetime
) -> None:
    house = case.house
    chair = case.process_director or _director(house)
    partners = _partners(case)
    if not partners:
        return
    clock.at = held - datetime.timedelta(days=6)
    meeting = meeting_actions.do_plan_meeting(
        house,
        title="Casusoverleg",
        cases=[case],
        invitees=[(org, True) for org in partners],
        slots=[held, held + datetime.timedelta(days=1)],
        location=rng.choice(["Zaal 1", "Zaal 2", "Online"]),
        actor=chair,
    )
    slots = list(meeting.slots.order_by("starts_at"))
    for org in partners:
        member = _member(org, house)
        if member is not None:
            first = rng.choice([Answer.YES, Answer.YES, Answer.MAYBE])
            meeting_actions.do_answer_availability(
                meeting,
                answers={slots[0].pk: first, slots[1].pk: rng.choice(list(Answer.values))},
                actor=member,
            )
    clock.at = held - datetime.timedelta(days=5)
    meeting = meeting_actions.do_schedule_meeting(meeting, slots[0], actor=chair)
    clock.at = held
    present = [m for m in (_member(org, house) for org in partners) if m is not None]
    if present:
        meeting_actions.do_register_attendance(meeting, people=present, actor=chair)
    item = meeting.agenda.get()
    meeting_actions.do_record_decision(
        item, kind=DecisionKind.APPROACH, text=rng.choice(APPROACHES), actor=chair
    )
    rows = []
    for org in partners[:5]:
        texts = ACTION_TEXTS.get(org.kind, GENERIC)
        for title in rng.sample(texts, k=1 if len(partners) > 2 else 2):
            rows.append(
                ActionData(
                    title=title,
                    owner_organisation=org,
                    owner=_member(org, house) if rng.random() < 0.7 else None,
                    due_date=timezone.localdate(held) + datetime.timedelta(days=rng.randint(7, 45)),
                    domain=DOMAIN_OF.get(org.kind, ""),
                )
            )
    created = do_create_actions(case, rows, actor=chair, meeting=meeting)
    meeting_actions.do_close_meeting(meeting, actor=chair)
    reviewer = case.case_director or chair
    for action in created:
        roll = rng.random()
        due = datetime.datetime.combine(action.due_date, datetime.time(11), tzinfo=held.tzinfo)
        if roll < 0.6:
            given = due - datetime.timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 3))
        elif roll < 0.8:
            given = due + datetime.timedelta(days=rng.randint(4, 20))
        else:
            continue  # no feedback: reminders and the escalation ladder take over
        if given >= now:
            continue
        author = action.owner or _member(action.owner_organisation, house)
        if author is None:
            continue
        clock.at = given
        feedback = do_submit_feedback(
            action,
            what_was_done="Afgesproken stap uitgevoerd en met de betrokkene besproken.",
            result=rng.choice(
                ["Afspraak staat.", "Betrokkene werkt mee.", "Deels gelukt; vervolg gepland."]
            ),
            actor=author,
        )
        reviewed = given + datetime.timedelta(days=rng.randint(1, 3))
        if reviewed < now and rng.random() < 0.85:
            clock.at = reviewed
            do_review_feedback(
                Feedback.objects.get(pk=feedback.pk), accept=True, note="", actor=reviewer
            )


def _meeting_being_planned(house: House, clock: Clock, rng: random.Random) -> None:
    waiting = list(
        Case.objects.filter(house=house, phase=Phase.MEETING).order_by("-phase_changed_at")[:2]
    )
    if not waiting:
        return
    clock.at = None
    chair = waiting[0].process_director or _director(house)
    partners: list[Organisation] = []
    for case in waiting:
        partners += [o for o in _partners(case) if o not in partners]
    police = Organisation.objects.filter(
        partnerships__house=house, kind=OrganisationKind.POLICE
    ).first()
    if police is not None and police not in partners:
        partners.append(police)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    slots = [start + datetime.timedelta(days=d) for d in (3, 4, 6)]
    meeting = meeting_actions.do_plan_meeting(
        house,
        title="Casusoverleg (wordt gepland)",
        cases=waiting,
        invitees=[(org, True) for org in partners],
        slots=slots,
        location="Zaal 1",
        actor=chair,
    )
    ordered = list(meeting.slots.order_by("starts_at"))
    for org in partners[:2]:
        if org == police:
            continue  # the community officer answers in the demo
        member = _member(org, house)
        if member is not None:
            meeting_actions.do_answer_availability(
                meeting,
                answers={s.pk: rng.choice([Answer.YES, Answer.MAYBE]) for s in ordered},
                actor=member,
            )


def load_meetings(progress: Callable[[str], None], seed: int, houses: list[House]) -> None:
    now = timezone.now()
    clock = Clock()
    with clock.running():
        for number, house in enumerate(houses, start=1):
            rng = random.Random(seed * 31 + number)
            cases = list(
                Case.objects.filter(
                    house=house, phase__in=(Phase.PLAN, Phase.EXECUTION, Phase.AFTERCARE)
                )
                .select_related("house", "process_director", "case_director")
                .order_by("id")[:MEETINGS_PER_HOUSE]
            )
            for case in cases:
                first = (
                    PhaseChange.objects.filter(case=case, to_phase=Phase.PLAN)
                    .order_by("changed_at")
                    .first()
                )
                if first is None or first.changed_at > now - datetime.timedelta(days=1):
                    continue
                _held_meeting(case, first.changed_at, clock, rng, now)
            _meeting_being_planned(house, clock, rng)
            clock.at = None
            today = timezone.localdate()
            reminders = schedule.run_reminders(today)
            escalations = schedule.run_escalations(today)
            progress(
                f"[{number}/{len(houses)}] {house.name}: {len(cases)} casusoverleggen, "
                f"{reminders} herinneringen, {escalations} escalaties"
            )
