"""The authorisation matrix: every member of the cast × every URL pattern (pages and the API)
× every kind of object around one case, read back for what each person must not see.

One rich world is built with the project's own actions: a case about a person whose surname is
a marker, a referral for it, a known-to question, a meeting with the case on its agenda, a
contribution for organisation A only, a decision, an action with feedback, a plan with a goal.
Then every URL pattern Django knows is filled from `KWARGS` and fetched by everyone; a response
(any status) that shows something to someone outside its audience is a violation, collected
into one message that names user × URL. A URL pattern whose arguments cannot be filled fails
the test and says which entry to add, so a new page or endpoint cannot slip past.

Who may see what is worked out from the data here (memberships, participations, audiences),
not by calling the access policy under test.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import product
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from pypdf import PdfReader

from casusregie.accounts.models import Membership, StandIn
from casusregie.accounts.roles import Role
from casusregie.aftercare.models import RelapseAlert
from casusregie.conftest import Cast, verified_client
from casusregie.houses.actions import do_grant_role
from casusregie.imports.actions import import_file
from casusregie.integrations.tests.helpers import create_approved
from casusregie.network.models import Lesson
from casusregie.plans.services import ServiceData, do_add_service
from casusregie.privacy import policy
from casusregie.privacy.policy import CASE_ROLES as CASE_WORKING
from casusregie.surveys.actions import create_survey, token_hash
from casusregie.surveys.models import Invitation as SurveyInvitation
from casusregie.webhooks.actions import SubscriptionData, do_create_subscription

pytestmark = pytest.mark.django_db

SUBJECT_MARKER = "Zeldenrust-Matrix"
BSN_MARKER = "123456782"  # valid (eleven-test), synthetic, only this person's
REFERRAL_MARKER = "Meldingzorg-Matrix-Grutto"
GOAL_MARKER = "Doel-Matrix-Kievit"
DECISION_MARKER = "Besluit-Matrix-Tureluur"
CONTRIBUTION_MARKER = "Inbreng-alleen-A-Kwartelkoning"
ACTION_MARKER = "Actie-Matrix-Roerdomp"
FEEDBACK_MARKER = "Terugkoppeling-Matrix-Wielewaal"
CONTACT_MARKER = "Contactpersoon-Matrix-Bosuil"
JOURNAL_MARKER = "Logboek-alleen-A-Roodborst"
# Owned by the house's staff organisation: its privacy officer, administrator and auditor are
# members too, but hold no case-working role (issue 22).
STAFF_ACTION_MARKER = "Actie-Staf-Matrix-Lepelaar"
STAFF_REFERRAL_MARKER = "Melding-Staf-Matrix-Zilverreiger"

ANONYMOUS = "anonymous"
TOKEN = "matrix-survey-token"  # a survey answer link (public page)

# (URL name, keyword argument) → the object of the world that fills it (a key of
# `World.objects`): its slug for a house, its pk otherwise, itself for a text. A tuple of keys
# requests the URL once per key. Arguments that mean the same on every URL are in EVERYWHERE.
KWARGS: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("accounts:password_reset_confirm", "uidb64"): "uidb64",
    ("accounts:password_reset_confirm", "token"): "token",
    ("inbox:open", "pk"): "notification",
    ("houses:organisation_edit", "pk"): "org_a",
    ("houses:person", "pk"): "participant_a",
    ("houses:membership_end", "pk"): "membership_a",
    ("houses:grant_approve", "pk"): "role_grant",
    ("houses:grant_reject", "pk"): "role_grant",
    ("houses:person_handover", "pk"): "participant_a",
    ("houses:person_stand_ins", "pk"): "participant_a",
    ("houses:stand_in_end", "pk"): "stand_in",
    ("referrals:detail", "pk"): "referral",
    ("referrals:edit", "pk"): "referral",
    ("referrals:withdraw", "pk"): "referral",
    ("referrals:accept", "pk"): "referral",
    ("referrals:decline", "pk"): "referral",
    ("referrals:forward", "pk"): "referral",
    ("referrals:known_to_answer", "pk"): "known_to",
    ("referrals:known_to_ask_referral", "pk"): "referral",
    ("referrals:known_to_ask", "pk"): "case",
    ("cases:detail", "pk"): "case",
    ("cases:transition", "pk"): "case",
    ("cases:directors", "pk"): "case",
    ("cases:add_participant", "pk"): "case",
    ("cases:participants", "pk"): "case",
    ("cases:end_participation", "pk"): "case",
    ("cases:end_participation", "organisation"): "org_a",
    ("cases:details", "pk"): "case",
    ("cases:people", "pk"): "case",
    ("cases:correct_person", "pk"): "case",
    ("cases:correct_person", "subject"): "case_subject",
    ("cases:remove_person", "pk"): "case",
    ("cases:remove_person", "subject"): "case_subject",
    ("cases:assess", "pk"): "case",
    ("cases:close", "pk"): "case",
    ("meetings:detail", "pk"): "meeting",
    ("meetings:availability", "pk"): "meeting",
    ("meetings:contribution", "pk"): "meeting",
    ("meetings:contribution", "item"): "agenda_item",
    ("meetings:schedule", "pk"): "meeting",
    ("meetings:cancel", "pk"): "meeting",
    ("meetings:table", "pk"): "meeting",
    ("meetings:attendance", "pk"): "meeting",
    ("meetings:guest", "pk"): "meeting",
    ("meetings:picture", "pk"): "meeting",
    ("meetings:picture", "item"): "agenda_item",
    ("meetings:at_the_table", "pk"): "meeting",
    ("meetings:at_the_table", "item"): "agenda_item",
    ("meetings:choose_invitees", "case"): "case",
    ("meetings:decision", "pk"): "meeting",
    ("meetings:decision", "item"): "agenda_item",
    ("meetings:actions", "pk"): "meeting",
    ("meetings:actions", "item"): "agenda_item",
    ("meetings:close", "pk"): "meeting",
    ("meetings:minutes", "pk"): "meeting",
    ("meetings:minutes_pdf", "pk"): "meeting",
    ("plans:plan", "pk"): "case",
    ("plans:add_goal", "pk"): "case",
    ("plans:goal_status", "pk"): "case",
    ("plans:goal_status", "goal"): "goal",
    ("plans:pdf", "pk"): "case",
    ("plans:action", "pk"): ("action", "late_action"),
    ("plans:feedback", "pk"): ("action", "late_action"),
    ("plans:review", "pk"): ("action", "late_action"),
    ("plans:add_action", "pk"): "case",
    ("plans:action_edit", "pk"): ("action", "late_action"),
    ("plans:action_reassign", "pk"): ("action", "late_action"),
    ("plans:action_reschedule", "pk"): ("action", "late_action"),
    ("plans:action_cancel", "pk"): ("action", "late_action"),
    ("plans:action_more_time", "pk"): ("action", "late_action"),
    ("plans:action_decline", "pk"): ("action", "late_action"),
    ("plans:request_decide", "pk"): "action",
    ("plans:request_decide", "item"): "action_request",
    ("plans:stalled_decide", "pk"): "case",
    ("privacy:signal", "pk"): "signal",
    ("privacy:activity_edit", "pk"): "activity",
    ("privacy:request", "pk"): "subject_request",
    ("privacy:request_report", "pk"): "subject_request",
    ("privacy:request_report", "fmt"): ("pdf", "json"),
    ("privacy:approve", "pk"): "destruction_list",
    ("privacy:extend", "pk"): "destruction_list",
    ("privacy:extend", "item"): "destruction_item",
    ("api:referral", "pk"): "referral",
    ("api:referral-submit", "pk"): "referral",
    ("api:referral-withdraw", "pk"): "referral",
    ("api:referral-accept", "pk"): "referral",
    ("api:referral-decline", "pk"): "referral",
    ("api:referral-forward", "pk"): "referral",
    ("api:case", "pk"): "case",
    ("api:case-transition", "pk"): "case",
    ("api:case-directors", "pk"): "case",
    ("api:case-participants", "pk"): "case",
    ("api:case-assessments", "pk"): "case",
    ("api:case-close", "pk"): "case",
    ("api:case-known-to", "pk"): "case",
    ("api:known-to-query", "pk"): "known_to",
    ("api:known-to-answer", "pk"): "known_to",
    ("api:case-actions", "pk"): "case",
    ("api:case-progress", "pk"): "case",
    ("api:action", "pk"): ("action", "late_action"),
    ("api:action-feedback", "pk"): ("action", "late_action"),
    ("api:feedback-review", "pk"): "action",
    ("api:feedback-review", "feedback"): "feedback",
    ("api:action-edit", "pk"): ("action", "late_action"),
    ("api:action-reassign", "pk"): ("action", "late_action"),
    ("api:action-reschedule", "pk"): ("action", "late_action"),
    ("api:action-cancel", "pk"): ("action", "late_action"),
    ("api:action-more-time", "pk"): ("action", "late_action"),
    ("api:action-decline", "pk"): ("action", "late_action"),
    ("api:action-request-decide", "pk"): "action",
    ("api:action-request-decide", "item"): "action_request",
    ("api:case-plan", "pk"): "case",
    ("api:case-file", "pk"): "case",
    ("plans:case_file", "pk"): "case",
    ("api:meeting", "pk"): "meeting",
    ("api:meeting-availability", "pk"): "meeting",
    ("api:meeting-contributions", "pk"): "meeting",
    ("api:agenda-contributions", "pk"): "meeting",
    ("api:agenda-contributions", "item"): "agenda_item",
    ("api:meeting-calendar", "pk"): "meeting",
    ("api:privacy-request", "pk"): "subject_request",
    ("integrations:client", "pk"): "api_client",
    ("integrations:rotate", "pk"): "api_client",
    ("integrations:revoke", "pk"): "api_client",
    ("integrations:confirm_method", "pk"): "api_client",
    ("webhooks:detail", "pk"): "subscription",
    ("webhooks:edit", "pk"): "subscription",
    ("webhooks:rotate", "pk"): "subscription",
    ("webhooks:ping", "pk"): "subscription",
    ("webhooks:pause", "pk"): "subscription",
    ("webhooks:resume", "pk"): "subscription",
    ("webhooks:delete", "pk"): "subscription",
    ("api:webhook", "pk"): "subscription",
    ("api:webhook-rotate-secret", "pk"): "subscription",
    ("api:webhook-ping", "pk"): "subscription",
    ("api:webhook-pause", "pk"): "subscription",
    ("api:webhook-resume", "pk"): "subscription",
    ("api:webhook-deliveries", "pk"): "subscription",
    ("imports:job", "pk"): "import_job",
    ("imports:progress", "pk"): "import_job",
    ("imports:start", "pk"): "import_job",
    ("imports:discard", "pk"): "import_job",
    ("imports:report_csv", "pk"): "import_job",
    ("insights:police", "pk"): "case",
    ("surveys:detail", "pk"): "survey",
    ("network:delete_lesson", "pk"): "lesson",
    ("surveys:add_item", "pk"): "survey",
    ("surveys:invite", "pk"): "survey",
    ("surveys:edit_item", "pk"): "survey",
    ("surveys:edit_item", "item"): "survey_item",
    ("surveys:remove_item", "pk"): "survey",
    ("surveys:remove_item", "item"): "survey_item",
    ("surveys_public:answer", "token"): "survey_token",
    ("signals:alert", "pk"): "concern_alert",
    ("aftercare:alert", "pk"): "relapse_alert",
    ("aftercare:extend", "pk"): "case",
    ("api:relapse-alert-decide", "pk"): "relapse_alert",
    ("api:case-aftercare-extend", "pk"): "case",
    ("signals:alert_request", "pk"): "concern_alert",
    ("signals:alert_close", "pk"): "concern_alert",
    ("signals:intake", "pk"): "signal_intake",
    ("signals:intake_progress", "pk"): "signal_intake",
    ("signals:intake_report", "pk"): "signal_intake",
    ("documents:case", "pk"): "case",
    ("documents:case_upload", "pk"): "case",
    ("documents:case_download", "pk"): "case",
    ("documents:case_download", "doc"): "document",
    ("documents:case_remove", "pk"): "case",
    ("documents:case_remove", "doc"): "document",
    ("documents:referral", "pk"): "referral",
    ("documents:referral_upload", "pk"): "referral",
    ("documents:referral_download", "pk"): "referral",
    ("documents:referral_download", "doc"): "referral_document",
    ("documents:referral_remove", "pk"): "referral",
    ("documents:referral_remove", "doc"): "referral_document",
    ("api:case-documents", "pk"): "case",
    ("api:document", "pk"): "document",
    ("api:document-content", "pk"): "document",
    ("journal:timeline", "pk"): "case",
    ("journal:new", "pk"): "case",
    ("journal:entry", "pk"): "case",
    ("journal:entry", "entry"): "journal_entry",
    ("journal:correct", "pk"): "case",
    ("journal:correct", "entry"): "journal_entry",
    ("api:case-journal", "pk"): "case",
    ("api:journal-entry", "pk"): "journal_entry",
    ("api:journal-corrections", "pk"): "journal_entry",
    # The services map (decision 0048): a service of organisation A.
    ("plans:service", "pk"): "service",
    ("plans:service_edit", "pk"): "service",
    ("plans:service_confirm", "pk"): "service",
    ("plans:service_retire", "pk"): "service",
    ("api:service", "pk"): "service",
}
EVERYWHERE: dict[str, str] = {"slug": "house"}
# Patterns without a name cannot be reversed: the path to request, formatted with the world.
UNNAMED: dict[str, str] = {
    "api:^[\\s\\S]*$": "/api/v1/houses/{house.slug}/cases/{case.pk}/unknown",
}


# Query strings that search or pick something, requested as well (formatted with the world):
# a search must not find what the list hides, and an excerpt must not be someone else's.
QUERIES: dict[str, list[str]] = {
    "cases:list": ["q=zeldenrust&phase=all", "q=14-03-1979&phase=all"],
    "referrals:list": ["status=accepted"],
    "meetings:new": ["casus={case.pk}"],
    "meetings:minutes": ["organisatie={org_a.pk}"],
    "meetings:minutes_pdf": ["organisatie={org_a.pk}"],
}


# --- The URL patterns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or "namespace:<regex>" for an unnamed pattern
    kwargs: tuple[str, ...]
    named: bool


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the project, walked recursively through includes."""
    found: list[Pattern] = []

    def walk(patterns: list[Any], namespace: str, inherited: frozenset[str]) -> None:
        for entry in patterns:
            kwargs = inherited | set(entry.pattern.regex.groupindex)
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner, frozenset(kwargs))
            elif isinstance(entry, URLPattern):
                found.append(
                    Pattern(
                        name=f"{namespace}{entry.name or entry.pattern}",
                        kwargs=tuple(sorted(kwargs)),
                        named=entry.name is not None,
                    )
                )

    walk(get_resolver().url_patterns, "", frozenset())
    return found


def unmapped(patterns: list[Pattern]) -> list[str]:
    """What to add so every pattern can be requested."""
    missing = []
    for pattern in patterns:
        if not pattern.named and pattern.name not in UNNAMED:
            missing.append(f'UNNAMED["{pattern.name}"] (a concrete path to request)')
        missing.extend(
            f'KWARGS[("{pattern.name}", "{kwarg}")]'
            for kwarg in pattern.kwargs
            if pattern.named and kwarg not in EVERYWHERE and (pattern.name, kwarg) not in KWARGS
        )
    return missing


def test_every_url_pattern_can_be_filled() -> None:
    patterns = url_patterns()
    missing = unmapped(patterns)
    assert not missing, "New URL pattern(s) in the matrix: add " + "; ".join(missing)
    names = {p.name for p in patterns}
    stale = sorted(({name for name, _kwarg in KWARGS} | set(UNNAMED) | set(QUERIES)) - names)
    assert not stale, f"KWARGS, UNNAMED or QUERIES name URL patterns that are gone: {stale}"
    assert {"cases:detail", "api:case", "meetings:minutes_pdf", "privacy:overview"} <= names


# --- The world -------------------------------------------------------------------------------


@dataclass
class Marker:
    text: str
    what: str
    may_see: Callable[[Any], bool]  # the user (None: anonymous) → allowed


@dataclass
class World:
    cast: Cast
    case: Any
    objects: dict[str, Any]
    markers: list[Marker]
    sees_case: Callable[[Any], bool]  # the user (None: anonymous) may see the case

    def users(self) -> dict[str, Any]:
        """The cast, whoever is in it today, and the anonymous visitor."""
        return {**self.cast.members(), ANONYMOUS: None}


def _person_pdf(title: str) -> bytes:
    """A real PDF that names the case's person: a download shows them, so the matrix checks
    who may fetch it and that the fetch is logged."""
    from casusregie.web import pdf

    return pdf.document(title, "Jan Testpersoon", [pdf.Section("Jan Testpersoon")], author="test")


def build_world(cast: Cast) -> World:
    """Everything around one case, made with the project's own actions. Call it inside
    `django_capture_on_commit_callbacks(execute=True)` so mail after commit is sent."""
    from casusregie.cases import actions as case_actions
    from casusregie.cases.models import Case, Participation, SubjectKind
    from casusregie.documents import actions as document_actions
    from casusregie.houses.domains import LifeDomain
    from casusregie.inbox.models import Notification
    from casusregie.journal import actions as journal_actions
    from casusregie.meetings import actions as meeting_actions
    from casusregie.meetings.models import Answer, Audience, DecisionKind
    from casusregie.plans import actions as plan_actions
    from casusregie.plans import schedule as plan_schedule
    from casusregie.privacy import retention, rights
    from casusregie.privacy.models import ProcessingActivity, SignalKind, UsageSignal
    from casusregie.referrals import access as referral_access
    from casusregie.referrals import actions as referral_actions
    from casusregie.referrals.models import AdmissionCriterion, KnownToAnswer

    house, director = cast.house, cast.process_director
    today = timezone.localdate()
    person = case_actions.SubjectData(
        first_name="Jolanda",
        last_name=SUBJECT_MARKER,
        date_of_birth=datetime.date(1979, 3, 14),
        bsn=BSN_MARKER,
    )
    # The case, shaped as the `case` fixture: house A; A and B take part, C does not.
    case = case_actions.create_case(
        house,
        kind=SubjectKind.PERSON,
        title=f"Jolanda {SUBJECT_MARKER}",
        urgency="normal",
        subjects=[(case_actions.create_subject(house, person), True, "", False)],
        actor=director,
        process_director=director,
        participants=[
            (cast.org_a, "Melder", "Verwees de casus"),
            (cast.org_b, "Deelnemer", "Huisvesting"),
        ],
    )
    # A referral by A about the same person, added to the case at triage.
    referral = referral_actions.do_save_referral(
        house,
        referral_actions.ReferralData(
            kind=SubjectKind.PERSON,
            subjects=[person],
            concerns={LifeDomain.HOUSING: f"Huurachterstand ({REFERRAL_MARKER})"},
            goal="Eén plan",
            subject_informed=True,
        ),
        actor=cast.participant_a,
        organisation=cast.org_a,
        submit=True,
    )
    # A document of the referral while it waits for triage, by A, for everyone involved.
    referral_document = document_actions.do_upload_document(
        referral=referral,
        name="melding.pdf",
        data=_person_pdf("Toelichting bij de melding"),
        purpose="Toelichting",
        audience=Audience.ALL_PARTICIPANTS,
        actor=cast.participant_a,
    )
    decider = referral_access.deciders(referral)[0]
    referral_actions.do_accept_referral(
        referral,
        actor=decider,
        criteria=[
            AdmissionCriterion.MULTIPLE_DOMAINS,
            AdmissionCriterion.CROSS_CHAIN,
            AdmissionCriterion.SYSTEM,
        ],
        add_to_case=case,
    )
    referral.refresh_from_db()
    # A known-to question to B, answered with a contact person for the process director.
    (known_to,) = referral_actions.do_ask_known_to(
        house=house,
        organisations=[cast.org_b],
        deadline=today + datetime.timedelta(days=7),
        actor=director,
        case=case,
    )
    referral_actions.do_answer_known_to(
        known_to,
        actor=cast.participant_b,
        answer=KnownToAnswer.KNOWN,
        contact_person=CONTACT_MARKER,
    )
    # A plan with a goal.
    goal = plan_actions.do_add_goal(
        case, domain=LifeDomain.HOUSING, text=f"Woning behouden {GOAL_MARKER}", actor=director
    )
    # A meeting with the case on its agenda; A and B invited, C not.
    slot = timezone.now() + datetime.timedelta(days=2)
    meeting = meeting_actions.do_plan_meeting(
        house,
        title="Casusoverleg matrix",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, True)],
        slots=[slot],
        actor=director,
    )
    item = meeting.agenda.get()
    contribution = meeting_actions.do_add_contribution(
        item,
        text=f"Politie-informatie {CONTRIBUTION_MARKER}",
        purpose="Risicotaxatie",
        audience=Audience.ORGANISATIONS,
        organisations=[cast.org_a],
        actor=cast.participant_a,
    )
    # A journal entry by A for A only (named organisations).
    journal_entry = journal_actions.do_write_entry(
        case,
        kind="home_visit",
        text=f"Huisbezoek politie {JOURNAL_MARKER}",
        occurred_on=timezone.localdate(),
        purpose="Risicotaxatie",
        audience=Audience.ORGANISATIONS,
        organisations=[cast.org_a],
        actor=cast.participant_a,
    )
    # A document of the case by A, for every participant.
    document = document_actions.do_upload_document(
        case=case,
        name="verslag.pdf",
        data=_person_pdf("Verslag huisbezoek"),
        purpose="Afstemming",
        audience=Audience.ALL_PARTICIPANTS,
        actor=cast.participant_a,
    )
    for participant in (cast.participant_a, cast.participant_b):
        meeting_actions.do_answer_availability(
            meeting, answers={meeting.slots.get().pk: Answer.YES}, actor=participant
        )
    meeting = meeting_actions.do_schedule_meeting(meeting, meeting.slots.get(), actor=director)
    meeting_actions.do_register_attendance(
        meeting, people=[director, cast.participant_a, cast.participant_b], actor=director
    )
    meeting_actions.do_record_decision(
        item, kind=DecisionKind.APPROACH, text=f"Aanpak {DECISION_MARKER}", actor=director
    )
    meeting.refresh_from_db()
    action, late = plan_actions.do_create_actions(
        case,
        [
            plan_actions.ActionData(
                title=f"Huisbezoek {ACTION_MARKER}",
                owner_organisation=cast.org_a,
                owner=cast.participant_a,
                due_date=today + datetime.timedelta(days=14),
                goal=goal,
            ),
            plan_actions.ActionData(
                title=f"Dossier opvragen {ACTION_MARKER}",
                owner_organisation=cast.org_a,
                due_date=today + datetime.timedelta(days=7),
            ),
        ],
        actor=director,
        meeting=meeting,
    )
    meeting.refresh_from_db()
    meeting_actions.do_close_meeting(meeting, actor=director)
    staff_referral = _staff_owned(cast, case)
    feedback = plan_actions.do_submit_feedback(
        action,
        what_was_done=f"Bezocht {FEEDBACK_MARKER}",
        result="Afspraken gemaakt",
        actor=cast.participant_a,
    )
    # The second action gets no feedback: reminders, then every level of the escalation ladder.
    plan_schedule.run_reminders(late.due_date - datetime.timedelta(days=1))
    plan_schedule.run_escalations(late.due_date + datetime.timedelta(days=90))
    assert late.escalations.exists()
    # The privacy officer's objects, about another (closed, long past retention) case so the
    # officer's own work never needs the marked person.
    old = case_actions.create_case(
        house,
        kind=SubjectKind.PERSON,
        title="Oude casus",
        urgency="normal",
        subjects=[
            (
                case_actions.create_subject(
                    house,
                    case_actions.SubjectData(
                        first_name="Piet",
                        last_name="Oudgeval",
                        date_of_birth=datetime.date(1960, 1, 2),
                    ),
                ),
                True,
                "",
                False,
            )
        ],
        actor=director,
    )
    Case.objects.filter(pk=old.pk).update(
        phase="closed",
        outcome="improved",
        closed_at=timezone.now() - datetime.timedelta(days=365 * 6),
        retention_until=today - datetime.timedelta(days=300),
    )
    destruction_list = retention.propose(house, today)
    assert destruction_list is not None
    subject_request = rights.do_register(
        house,
        actor=cast.privacy_officer,
        kind="access",
        requester="Piet Oudgeval, aan de balie",
        question="Wat is er gedeeld?",
        received_on=today,
        last_name="Oudgeval",
        born=datetime.date(1960, 1, 2),
    )
    # Administration around the house, made last (a webhook made earlier would be sent events):
    # an API client and a webhook of organisation A, and a checked import file.
    api_client, _token = create_approved(
        house,
        name="Matrix-koppeling",
        organisation=cast.org_a,
        scopes=["cases:read"],
        actor=cast.admin,
    )
    subscription, _secret = do_create_subscription(
        house,
        cast.org_a,
        SubscriptionData(
            url="https://93.184.215.14/hook", event_types=["nl.casusregie.case.closed"]
        ),
        actor=cast.admin,
    )
    import_job = import_file(
        house,
        kind="people",
        mode="valid",
        filename="mensen.csv",
        data=(
            b"record,name,kind,email,full_name,organisation,role\n"
            b"organisation,Stichting Matrix,social_work,,,,\n"
        ),
        actor=cast.admin,
        dry_run=True,
    )
    survey = create_survey(
        house,
        actor=cast.admin,
        template="satisfaction",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=14),
    )
    SurveyInvitation.objects.create(
        survey=survey, user=cast.participant_a, group="participant", token_hash=token_hash(TOKEN)
    )
    signal = UsageSignal.objects.create(
        house=house, kind=SignalKind.OFF_HOURS, user=cast.participant_a, day=today
    )
    concern_alert, signal_intake = _concern_signals(cast, today)
    lesson = Lesson.objects.create(
        house=house, kind="goes_well", theme="triage", text="Snel besluiten.", created_by=cast.admin
    )
    # A role the administrator asked for, waiting for a second person (decision 0040).
    role_grant = do_grant_role(
        cast.participant_c, house, cast.staff, Role.TRIAGE_MEMBER, actor=cast.admin
    )
    # A stand-in that has already ended (decision 0046): its pages answer, it gives no powers.
    stand_in = StandIn.objects.create(
        house=house,
        absent=cast.process_director,
        stand_in=cast.triage,
        starts_on=today,
        ends_on=today,
        created_by=cast.admin,
        ended_at=timezone.now(),
    )
    service = do_add_service(
        house,
        cast.org_a,
        ServiceData(
            name="Buurtbemiddeling", domains=["justice"], target_group="Buren", waiting_weeks=3
        ),
        actor=cast.participant_a,
    )
    # News about the case's person raised a relapse alert (decision 0053): directors only.
    relapse_alert = RelapseAlert.objects.create(
        house=house,
        case=case,
        source_kind="referral",
        source_id=referral.pk,
        created_at=timezone.now(),
    )
    # The owner of the action declined it; the director has not decided (decision 0051).
    from casusregie.plans.models import ActionRequest

    action_request = ActionRequest.objects.create(
        action=action,
        kind="decline",
        reason="Niet ons werk",
        organisation=action.owner_organisation,
        by=cast.participant_a,
        at=timezone.now(),
    )
    objects: dict[str, Any] = {
        "house": house,
        "action_request": action_request,
        "service": service,
        "relapse_alert": relapse_alert,
        "stand_in": stand_in,
        "case": case,
        "referral": referral,
        "known_to": known_to,
        "meeting": meeting,
        "agenda_item": item,
        "contribution": contribution,
        "journal_entry": journal_entry,
        "document": document,
        "referral_document": referral_document,
        "goal": goal,
        "action": action,
        "late_action": late,
        "feedback": feedback,
        "api_client": api_client,
        "subscription": subscription,
        "import_job": import_job,
        "survey": survey,
        "survey_token": TOKEN,
        "lesson": lesson,
        "survey_item": survey.items.order_by("position").first(),
        "org_a": cast.org_a,
        "case_subject": case.case_subjects.get(is_main=True).subject,
        "participant_a": cast.participant_a,
        "membership_a": Membership.objects.get(user=cast.participant_a, house=house),
        "role_grant": role_grant,
        "notification": Notification.objects.filter(user=cast.participant_a).first(),
        "signal": signal,
        "concern_alert": concern_alert,
        "signal_intake": signal_intake,
        "activity": ProcessingActivity.objects.filter(house=house).first(),
        "subject_request": subject_request,
        "destruction_list": destruction_list,
        "destruction_item": destruction_list.items.get(),
        "uidb64": urlsafe_base64_encode(force_bytes(cast.participant_c.pk)),
        "token": "set-password",
        "pdf": "pdf",
        "json": "json",
    }
    assert all(value is not None for value in objects.values()), objects

    # Who may see what, from the data: memberships, participations, audiences.
    def orgs_of(user: Any) -> set[int]:
        """The organisations the user works for on cases (a case-working role)."""
        if user is None:
            return set()
        return set(
            Membership.objects.active()
            .filter(user=user, house=house, role__in=CASE_WORKING)
            .values_list("organisation", flat=True)
        )

    def has_role(user: Any, *roles: Role) -> bool:
        return user is not None and (
            Membership.objects.active().filter(user=user, house=house, role__in=roles).exists()
        )

    taking_part = set(
        Participation.objects.filter(case=case, ended_at__isnull=True).values_list(
            "organisation", flat=True
        )
    )
    readers = {contribution.organisation_id} | set(
        contribution.audience_organisations.values_list("pk", flat=True)
    )

    def sees_case(user: Any) -> bool:
        return has_role(user, *policy.STAFF_ROLES) or bool(orgs_of(user) & taking_part)

    def sees_contribution(user: Any) -> bool:
        return has_role(user, Role.PROCESS_DIRECTOR) or bool(orgs_of(user) & readers)

    journal_readers = {journal_entry.organisation_id} | set(
        journal_entry.audience_organisations.values_list("pk", flat=True)
    )

    def sees_journal(user: Any) -> bool:
        return has_role(user, Role.PROCESS_DIRECTOR) or bool(orgs_of(user) & journal_readers)

    def sees_action(user: Any) -> bool:
        return (
            has_role(user, *policy.STAFF_ROLES)
            or action.owner_organisation_id in orgs_of(user)
            or (user is not None and case.case_director_id == user.pk)
        )

    def sees_staff_action(user: Any) -> bool:
        return has_role(user, *policy.STAFF_ROLES) or cast.staff.pk in orgs_of(user)

    def sees_staff_referral(user: Any) -> bool:
        return staff_referral.referrer_organisation_id in orgs_of(user) or has_role(
            user, *policy.STAFF_ROLES
        )

    def sees_answer(user: Any) -> bool:
        return has_role(user, Role.PROCESS_DIRECTOR) or known_to.organisation_id in orgs_of(user)

    markers = [
        Marker(SUBJECT_MARKER, "the subject's surname", sees_case),
        Marker(BSN_MARKER, "the subject's BSN", sees_case),
        Marker(case.reference, "the case number", sees_case),
        Marker(REFERRAL_MARKER, "the referral's concerns", sees_case),
        Marker(GOAL_MARKER, "the plan's goal", sees_case),
        Marker(DECISION_MARKER, "the meeting's decision", sees_case),
        Marker(CONTRIBUTION_MARKER, "the contribution for A only", sees_contribution),
        Marker(JOURNAL_MARKER, "the journal entry for A only", sees_journal),
        Marker(ACTION_MARKER, "the action owned by A", sees_action),
        Marker(FEEDBACK_MARKER, "the feedback of A", sees_action),
        Marker(CONTACT_MARKER, "B's known-to answer", sees_answer),
        Marker(
            STAFF_ACTION_MARKER, "the action owned by the staff organisation", sees_staff_action
        ),
        Marker(STAFF_REFERRAL_MARKER, "the staff organisation's referral", sees_staff_referral),
    ]
    return World(cast=cast, case=case, objects=objects, markers=markers, sees_case=sees_case)


def _staff_owned(cast: Cast, case: Any) -> Any:
    """An action owned by the staff organisation (taking part in the case) and a referral the
    process director made on its behalf about someone else, waiting for triage."""
    from casusregie.cases.actions import SubjectData
    from casusregie.cases.models import Participation, SubjectKind
    from casusregie.houses.domains import LifeDomain
    from casusregie.plans import actions as plan_actions
    from casusregie.referrals import actions as referral_actions

    Participation.objects.create(case=case, organisation=cast.staff, role="Team", purpose="Regie")
    plan_actions.do_create_actions(
        case,
        [
            plan_actions.ActionData(
                title=f"Overleg plannen {STAFF_ACTION_MARKER}",
                owner_organisation=cast.staff,
                due_date=timezone.localdate() + datetime.timedelta(days=10),
            )
        ],
        actor=cast.process_director,
    )
    return referral_actions.do_save_referral(
        cast.house,
        referral_actions.ReferralData(
            kind=SubjectKind.PERSON,
            subjects=[
                SubjectData(
                    first_name="Karel",
                    last_name="Stafgeval",
                    date_of_birth=datetime.date(1970, 1, 1),
                )
            ],
            concerns={LifeDomain.JUSTICE: f"Overlast ({STAFF_REFERRAL_MARKER})"},
            goal="Eén plan",
            subject_informed=True,
        ),
        actor=cast.process_director,
        organisation=cast.staff,
        submit=True,
    )


def _concern_signals(cast: Cast, today: datetime.date) -> tuple[Any, Any]:
    """Signals of A and B about the case's person (an alert for the process director, A and
    B; C must not learn of it) and a CSV intake of A's."""
    from casusregie.signals import actions as signal_actions
    from casusregie.signals import intake
    from casusregie.signals.pseudonym import identify

    for user, org in ((cast.participant_a, cast.org_a), (cast.participant_b, cast.org_b)):
        done = signal_actions.do_register_signal(
            cast.house,
            identify(bsn=BSN_MARKER),
            category="housing",
            observed_on=today,
            organisation=org,
            actor=user,
        )
    assert done.alert is not None
    upload = intake.do_upload(
        cast.house,
        organisation=cast.org_a,
        filename="signalen.csv",
        data=f"bsn,category,date\n{BSN_MARKER},nuisance,{today.isoformat()}\n".encode(),
        keep_valid=False,
        actor=cast.participant_a,
    )
    return done.alert, upload


# --- Requests --------------------------------------------------------------------------------


def fill(world: World, value: Any) -> str:
    obj = world.objects[value]
    if isinstance(obj, str):
        return obj
    return str(getattr(obj, "slug", None) or obj.pk)


def paths(world: World, pattern: Pattern) -> Iterator[str]:
    """The concrete paths of one URL pattern (several when an argument has variants)."""
    if not pattern.named:
        yield UNNAMED[pattern.name].format(**world.objects)
        return
    choices = []
    for kwarg in pattern.kwargs:
        keys = KWARGS.get((pattern.name, kwarg), EVERYWHERE.get(kwarg))
        choices.append([keys] if isinstance(keys, str) else list(keys or ()))
    for keys in product(*choices):
        path = reverse(
            pattern.name,
            kwargs={
                kwarg: fill(world, key) for kwarg, key in zip(pattern.kwargs, keys, strict=True)
            },
        )
        yield path
        for query in QUERIES.get(pattern.name, []):
            yield f"{path}?{query.format(**world.objects)}"


def own_house_variant(world: World, user: Any, path: str) -> str | None:
    """The same path with the slug of another house the user belongs to (a user of the other
    house trying the case's numbers under their own house)."""
    house = world.cast.house
    if user is None or f"/{house.slug}/" not in path:
        return None
    other = (
        Membership.objects.active()
        .filter(user=user)
        .exclude(house=house)
        .values_list("house__slug", flat=True)
        .first()
    )
    return path.replace(f"/{house.slug}/", f"/{other}/", 1) if other else None


def text_of(response: Any) -> str:
    """What the response shows: the body (PDF text extracted) and telling headers."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        body = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
    else:
        body = raw.decode("utf-8", errors="replace")
    headers = " ".join(response.get(h, "") for h in ("Location", "Content-Disposition"))
    return body + "\n" + headers


def shows(text: str, marker: str) -> bool:
    # PDF text can break a word over lines; compare without whitespace too.
    return marker in text or marker in re.sub(r"\s+", "", text)


def shown(text: str, markers: list[Marker]) -> list[Marker]:
    flat = re.sub(r"\s+", "", text)
    return [m for m in markers if m.text in text or m.text in flat]


def subject_reads(world: World) -> Any:
    """The read lines of the processing log about the world's marked person."""
    from casusregie.privacy import log
    from casusregie.privacy.models import Operation, ProcessingLogEntry

    subject = world.case.case_subjects.get(is_main=True).subject
    ref = log.subject_ref(subject_pk=subject.pk, bsn_hash=subject.bsn_hash)
    return ProcessingLogEntry.objects.filter(
        operation=Operation.READ, data_subject_id=ref.pseudonym
    )


def client_for(user: Any) -> Client:
    return verified_client(user) if user is not None else Client()


# --- The matrix ------------------------------------------------------------------------------

# The matrix can fail: these people see these markers on these pages.
MUST_SEE = [
    ("process_director", "cases:detail", SUBJECT_MARKER),
    ("participant_a", "cases:detail", SUBJECT_MARKER),
    ("participant_a", "meetings:detail", CONTRIBUTION_MARKER),
    ("participant_a", "plans:action", FEEDBACK_MARKER),
]


def test_nobody_sees_what_is_not_theirs(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world = build_world(cast)
    patterns = url_patterns()
    missing = unmapped(patterns)
    assert not missing, "New URL pattern(s) in the matrix: add " + "; ".join(missing)

    violations: list[str] = []
    unlogged: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    reads = subject_reads(world)
    for label, user in world.users().items():
        client = client_for(user)
        hidden = [m for m in world.markers if not m.may_see(user)]
        for pattern in patterns:
            for path in paths(world, pattern):
                for variant in filter(None, (path, own_house_variant(world, user, path))):
                    before = reads.count()
                    response = client.get(variant)
                    text = text_of(response)
                    if variant == path and response.status_code == 200:
                        seen[(label, pattern.name)] = seen.get((label, pattern.name), "") + text
                        if shows(text, SUBJECT_MARKER) and reads.count() == before:
                            unlogged.append(f"{label} × GET {variant} ({pattern.name})")
                    violations.extend(
                        f"{label} × GET {variant} ({pattern.name}): "
                        f"{response.status_code} shows {marker.what} ({marker.text})"
                        for marker in shown(text, hidden)
                    )
    assert not violations, f"{len(violations)} leak(s):\n" + "\n".join(violations)
    # Every read that showed the person wrote a read line about them (issue 22, finding 4).
    assert not unlogged, "Shown without a processing-log line:\n" + "\n".join(unlogged)
    for label, name, marker_text in MUST_SEE:
        assert shows(seen.get((label, name), ""), marker_text), (
            f"{label} should see {marker_text} on {name}: the matrix would not notice a leak"
        )
    # Everyone was really logged in (not turned away at onboarding or two-factor login).
    signed_in = {label for label, name in seen if name == "accounts:account"}
    assert signed_in == set(world.users()) - {ANONYMOUS}, signed_in


# --- E-mail ----------------------------------------------------------------------------------


def test_mail_names_no_one_and_reaches_only_the_case(
    cast: Cast, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    """The flows that send mail (notifications of the referral, known-to question, actions,
    reminders and escalations; the meeting invitation with its calendar file) name nobody the
    case is about and reach nobody outside it."""
    with django_capture_on_commit_callbacks(execute=True):
        world = build_world(cast)
    users = world.users()
    by_address = {u.email: label for label, u in users.items() if u is not None}
    insiders = {label for label, u in users.items() if world.sees_case(u)}
    assert mailoutbox, "the world sends no mail: the check below would prove nothing"
    subjects = [m.subject for m in mailoutbox]
    calendars = [
        part
        for message in mailoutbox
        for part in message.message().walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert calendars, f"no meeting invitation among {subjects}"
    problems = []
    for message in mailoutbox:
        content = message.message().as_string()
        for marker in world.markers:
            if marker.text != world.case.reference and shows(content, marker.text):
                problems.append(f"{message.subject!r} shows {marker.what}")
        for address in message.recipients():
            if by_address.get(address) not in insiders:
                problems.append(f"{message.subject!r} goes to {by_address.get(address, address)}")
    assert not problems, "\n".join(problems)
