"""The authorisation matrix, second half: who gets through which door.

`test_matrix.py` proves that no page or API answer shows a marker to someone outside its
audience. This file proves the other axis: for every URL pattern Django knows (pages and API)
and every operation of the OpenAPI document (every method, writes included), each member of the
cast is let through or turned away exactly as the checked-in table `THROUGH` says. A new page,
endpoint or operation without a row fails the build and prints the row it observed (check it
against docs/privacy.md before you paste it); a door that opens or closes for someone fails too.

"Through" means the request passed authentication and authorisation: a 2xx, a redirect that is
not to the login, two-factor or onboarding pages, or a 400/409/410 (the request was wrong, or
the object's state forbids it — answers only given to someone who may act). "Turned away" means
401, 403, 404 or a redirect to the login or two-factor pages. Anything else (a 500, a 405 on a
documented operation) fails. A page that only takes POST and every API write is sent with an
empty body inside a rolled-back transaction, so each request meets the same world.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from casusregie.api.tests.test_openapi import COMMITTED
from casusregie.conftest import Cast
from casusregie.privacy.tests.test_matrix import (
    ANONYMOUS,
    World,
    build_world,
    client_for,
    paths,
    url_patterns,
)

pytestmark = pytest.mark.django_db

# Short names for the cast in the table (docs/testing.md).
WHO = {
    "PD": "process_director",
    "A": "participant_a",
    "B": "participant_b",
    "C": "participant_c",
    "ADM": "admin",
    "OTH": "other_house_user",
    "TRI": "triage",
    "FG": "privacy_officer",
    "AUD": "auditor",
    "ANON": ANONYMOUS,
}

# URL name (pages) or OpenAPI "METHOD path" → who gets through; the rest is turned away. The
# world's case is in house A with A and B taking part and C not; its referral (by A) is already
# accepted, so pages only for a draft or a pending referral turn everyone away ("").
# Known and accepted: staff roles read what their role needs (docs/privacy.md); anyone with a
# case-working role in house A may file a referral (not the privacy officer, administrator or
# auditor, issue 22); the auditor reads the house's report; a few API writes validate the body
# before the action's own role check (availability, contributions: a 400 to a staff member who
# is not invited, a 403 once the body is valid), which tells nothing the person cannot already
# read.
THROUGH: dict[str, str] = {
    "web:home": "PD A B C ADM OTH TRI FG AUD",
    "web:health": "PD A B C ADM OTH TRI FG AUD ANON",
    "accounts:login": "PD A B C ADM OTH TRI FG AUD ANON",
    "accounts:verify": "PD A B C ADM OTH TRI FG AUD",
    "accounts:setup_2fa": "PD A B C ADM OTH TRI FG AUD",
    "accounts:logout": "",
    "accounts:logout_everywhere": "",
    "accounts:account": "PD A B C ADM OTH TRI FG AUD",
    "accounts:password_reset": "PD A B C ADM OTH TRI FG AUD ANON",
    "accounts:password_reset_done": "PD A B C ADM OTH TRI FG AUD ANON",
    "accounts:password_reset_confirm": "PD A B C ADM OTH TRI FG AUD ANON",
    "accounts:password_reset_complete": "PD A B C ADM OTH TRI FG AUD ANON",
    "accounts:password_change": "PD A B C ADM OTH TRI FG AUD",
    "sso:start": "",
    "sso:callback": "",
    "inbox:list": "PD A B C ADM OTH TRI FG AUD",
    "inbox:open": "A",
    "inbox:preferences": "PD A B C ADM OTH TRI FG AUD",
    "houses:organisations": "PD A B C ADM TRI FG AUD",
    "houses:organisation_add": "ADM",
    "houses:organisation_edit": "ADM",
    "houses:people": "PD A B C ADM TRI FG AUD",
    "houses:person_add": "ADM",
    "houses:person": "PD A B C ADM TRI FG AUD",
    # Handover: who arranges the work of someone leaving (numbers for the director only).
    "houses:person_handover": "PD ADM",
    # A person's stand-ins: the person (A in the world), a process director, the administrator.
    "houses:person_stand_ins": "PD A ADM",
    # Ending a stand-in: who arranged it may end it, and the stand-in (TRI in the world).
    "houses:stand_in_end": "PD ADM TRI",
    "houses:membership_end": "ADM",
    "houses:grant_approve": "ADM",
    "houses:grant_reject": "ADM",
    "houses:settings": "ADM",
    "referrals:list": "PD A B C ADM TRI FG AUD",
    "referrals:new": "PD A B C TRI",
    "referrals:detail": "PD A TRI",
    "referrals:edit": "",
    "referrals:withdraw": "PD A TRI",
    "referrals:accept": "",
    "referrals:decline": "",
    "referrals:forward": "",
    "referrals:triage": "PD A B C ADM TRI FG AUD",
    "referrals:known_to_list": "PD A B C ADM TRI FG AUD",
    "referrals:known_to_answer": "PD B",
    "referrals:known_to_ask_referral": "",
    "referrals:known_to_ask": "PD",
    "cases:list": "PD A B C ADM TRI FG AUD",
    "cases:detail": "PD A B TRI",
    "cases:transition": "PD",
    "cases:directors": "PD",
    "cases:add_participant": "PD",
    "cases:participants": "PD",
    "cases:end_participation": "PD",
    "cases:details": "PD",
    "cases:people": "PD",
    "cases:correct_person": "PD",
    "cases:remove_person": "PD",
    "cases:assess": "PD",
    "cases:close": "PD",
    "meetings:list": "PD A B C ADM TRI FG AUD",
    "meetings:new": "PD",
    "meetings:detail": "PD A B TRI",
    "meetings:availability": "PD A B TRI",
    "meetings:contribution": "PD A B TRI",
    "meetings:schedule": "PD",
    "meetings:cancel": "PD",
    "meetings:table": "PD",
    "meetings:attendance": "PD",
    "meetings:guest": "PD",
    "meetings:picture": "PD",
    "meetings:at_the_table": "PD",
    # The world's house lets the process director choose the invitees: nobody else chooses
    # (referrals/tests/test_house_settings.py lets the placing organisation through).
    "meetings:choose_invitees": "",
    "meetings:decision": "PD",
    "meetings:actions": "PD",
    "meetings:close": "PD",
    "meetings:minutes": "PD A B TRI",
    "meetings:minutes_pdf": "PD A B TRI",
    "plans:plan": "PD A B TRI",
    "plans:add_goal": "PD",
    "plans:goal_status": "PD",
    "plans:pdf": "PD A B TRI",
    "plans:case_file": "PD A B TRI",
    "plans:action": "PD A TRI",
    "plans:feedback": "PD A TRI",
    "plans:review": "PD",
    # The action lifecycle (decision 0051): the plan's editors change actions; the owner
    # organisation asks for time or declines; the director decides. Stalled plans (0052):
    # the process director's list.
    "plans:add_action": "PD",
    "plans:action_edit": "PD",
    "plans:action_reassign": "PD",
    "plans:action_reschedule": "PD",
    "plans:action_cancel": "PD",
    "plans:action_more_time": "A",
    "plans:action_decline": "A",
    "plans:request_decide": "PD",
    "plans:stalled": "PD",
    "plans:stalled_decide": "",
    "POST /api/v1/houses/{slug}/actions/{id}/edit": "PD",
    "POST /api/v1/houses/{slug}/actions/{id}/reassign": "PD",
    "POST /api/v1/houses/{slug}/actions/{id}/reschedule": "PD",
    "POST /api/v1/houses/{slug}/actions/{id}/cancel": "PD",
    "POST /api/v1/houses/{slug}/actions/{id}/more-time": "A",
    "POST /api/v1/houses/{slug}/actions/{id}/decline": "A",
    "POST /api/v1/houses/{slug}/actions/{id}/requests/{item}/decide": "PD",
    "work:my_work": "PD A B C ADM TRI FG AUD",
    "privacy:method": "PD A B C ADM TRI FG AUD",
    "privacy:method_edit": "ADM",
    "privacy:break_glass": "A B C",
    "privacy:overview": "FG",
    "privacy:signal": "FG",
    "privacy:detect_now": "FG",
    "privacy:register": "FG",
    "privacy:activity_edit": "FG",
    "privacy:register_export": "FG",
    "privacy:disclosures": "FG",
    "privacy:log_export": "FG",
    "privacy:requests": "FG",
    "privacy:request": "FG",
    "privacy:request_report": "FG",
    "privacy:destruction": "PD FG",
    "privacy:approve": "PD FG",
    "privacy:extend": "PD FG",
    "integrations:clients": "ADM",
    "integrations:client_add": "ADM",
    "integrations:client": "ADM",
    "integrations:rotate": "ADM",
    "integrations:revoke": "ADM",
    "integrations:confirm_method": "ADM",
    "webhooks:list": "ADM",
    "webhooks:new": "ADM",
    "webhooks:detail": "ADM",
    "webhooks:edit": "ADM",
    "webhooks:rotate": "ADM",
    "webhooks:ping": "ADM",
    "webhooks:pause": "ADM",
    "webhooks:resume": "ADM",
    "webhooks:delete": "ADM",
    "imports:index": "ADM",
    "imports:job": "ADM",
    "imports:progress": "ADM",
    "imports:start": "ADM",
    "imports:discard": "ADM",
    "imports:report_csv": "ADM",
    "insights:report": "PD AUD",
    "insights:collaboration": "",
    "insights:police": "A",
    "surveys:list": "ADM",
    "surveys:detail": "ADM",
    "surveys:add_item": "ADM",
    "surveys:invite": "ADM",
    "surveys:edit_item": "ADM",
    "surveys:remove_item": "ADM",
    "surveys_public:answer": "PD A B C ADM OTH TRI FG AUD ANON",
    "network:diagnosis": "PD",
    # Learning between houses is the house manager's, a role the cast does not hold.
    "network:learning": "",
    "network:export": "",
    "network:upload": "",
    "network:add_lesson": "",
    "network:delete_lesson": "",
    "set_language": "PD A B C ADM OTH TRI FG AUD ANON",
    # Documents (docs/documents.md): who may read the case or referral and the document's
    # audience (here: all participants); removal by the organisation that added it (A) or a
    # process director.
    "documents:case": "PD A B TRI",
    "documents:case_upload": "PD A B TRI",
    "documents:case_download": "PD A B TRI",
    "documents:case_remove": "PD A",
    "documents:referral": "PD A TRI",
    "documents:referral_upload": "PD A TRI",
    "documents:referral_download": "PD A TRI",
    "documents:referral_remove": "PD A",
    # The case journal (docs/journal.md): the timeline for who may read the case; writing for
    # people working on it (staff, A and B); the world's entry is for A only, corrected by A.
    "journal:timeline": "PD A B TRI",
    "journal:new": "PD A B TRI",
    "journal:entry": "PD A",
    "journal:correct": "A",
    # The services map (decision 0048): read by every case-working role and the functional
    # administrator (no personal data, but a working tool); the world's service is A's, changed
    # by A and the administrator; the import is the administrator's.
    "plans:services": "PD A B C ADM TRI",
    "plans:service_add": "PD A B C ADM TRI",
    "plans:service": "PD A B C ADM TRI",
    "plans:service_edit": "A ADM",
    "plans:service_confirm": "A ADM",
    "plans:service_retire": "A ADM",
    "plans:service_import": "ADM",
    "plans:service_import_sample": "ADM",
    "GET /api/v1/houses/{slug}/actions": "PD A B C ADM TRI FG AUD",
    # The services map: every case-working role and the administrator read and add; the owning
    # organisation (A in the world) and the administrator change (decision 0048).
    "GET /api/v1/houses/{slug}/services": "PD A B C ADM TRI",
    "POST /api/v1/houses/{slug}/services": "PD A B C ADM TRI",
    "GET /api/v1/houses/{slug}/services/{id}": "PD A B C ADM TRI",
    "PATCH /api/v1/houses/{slug}/services/{id}": "A ADM",
    "GET /api/v1/houses/{slug}/actions/{id}": "PD A TRI",
    "POST /api/v1/houses/{slug}/actions/{id}/feedback": "PD A TRI",
    "POST /api/v1/houses/{slug}/actions/{id}/feedback/{feedback}/review": "PD",
    "GET /api/v1/houses/{slug}/cases": "PD A B C ADM TRI FG AUD",
    "GET /api/v1/houses/{slug}/cases/{id}": "PD A B TRI",
    "POST /api/v1/houses/{slug}/cases/{id}/actions": "PD",
    "POST /api/v1/houses/{slug}/cases/{id}/assessments": "PD",
    "POST /api/v1/houses/{slug}/cases/{id}/close": "PD",
    "POST /api/v1/houses/{slug}/cases/{id}/directors": "PD",
    "GET /api/v1/houses/{slug}/cases/{id}/file.pdf": "PD A B TRI",
    "GET /api/v1/houses/{slug}/cases/{id}/known-to-queries": "PD A B TRI",
    "POST /api/v1/houses/{slug}/cases/{id}/known-to-queries": "PD",
    "POST /api/v1/houses/{slug}/cases/{id}/participants": "PD",
    "GET /api/v1/houses/{slug}/cases/{id}/plan": "PD A B TRI",
    "GET /api/v1/houses/{slug}/cases/{id}/progress": "PD A B TRI",
    "POST /api/v1/houses/{slug}/cases/{id}/transition": "PD",
    "GET /api/v1/houses/{slug}/cases/{id}/documents": "PD A B TRI",
    "POST /api/v1/houses/{slug}/cases/{id}/documents": "PD A B TRI",
    "GET /api/v1/houses/{slug}/documents/{id}": "PD A B TRI",
    "DELETE /api/v1/houses/{slug}/documents/{id}": "PD A",
    "GET /api/v1/houses/{slug}/documents/{id}/content": "PD A B TRI",
    "GET /api/v1/houses/{slug}/cases/{id}/journal": "PD A B TRI",
    "POST /api/v1/houses/{slug}/cases/{id}/journal": "PD A B TRI",
    "GET /api/v1/houses/{slug}/journal/{id}": "PD A",
    "POST /api/v1/houses/{slug}/journal/{id}/corrections": "A",
    "GET /api/v1/houses/{slug}/known-to-queries": "PD A B C ADM TRI FG AUD",
    "GET /api/v1/houses/{slug}/known-to-queries/{id}": "PD B",
    "POST /api/v1/houses/{slug}/known-to-queries/{id}/answer": "B",
    "GET /api/v1/houses/{slug}/me": "PD A B C ADM TRI FG AUD",
    "GET /api/v1/houses/{slug}/meetings": "PD A B C ADM TRI FG AUD",
    "GET /api/v1/houses/{slug}/meetings/{id}": "PD A B TRI",
    "POST /api/v1/houses/{slug}/meetings/{id}/agenda-items/{item}/contributions": "PD A B TRI",
    "POST /api/v1/houses/{slug}/meetings/{id}/availability": "PD A B TRI",
    "GET /api/v1/houses/{slug}/meetings/{id}/calendar.ics": "PD A B TRI",
    "GET /api/v1/houses/{slug}/meetings/{id}/contributions": "PD A B TRI",
    "GET /api/v1/houses/{slug}/privacy-requests": "FG",
    "POST /api/v1/houses/{slug}/privacy-requests": "FG",
    "GET /api/v1/houses/{slug}/privacy-requests/{id}": "FG",
    "GET /api/v1/houses/{slug}/referrals": "PD A B C ADM TRI FG AUD",
    "POST /api/v1/houses/{slug}/referrals": "PD A B C TRI",
    "GET /api/v1/houses/{slug}/referrals/{id}": "PD A TRI",
    "POST /api/v1/houses/{slug}/referrals/{id}/accept": "TRI",
    "POST /api/v1/houses/{slug}/referrals/{id}/decline": "TRI",
    "POST /api/v1/houses/{slug}/referrals/{id}/forward": "TRI",
    "POST /api/v1/houses/{slug}/referrals/{id}/submit": "A",
    "POST /api/v1/houses/{slug}/referrals/{id}/withdraw": "A",
    "GET /api/v1/houses/{slug}/triage-queue": "PD A B C ADM TRI FG AUD",
    "GET /api/v1/houses/{slug}/webhook-event-types": "PD A B C ADM TRI FG AUD",
    "GET /api/v1/houses/{slug}/webhooks": "ADM",
    "POST /api/v1/houses/{slug}/webhooks": "ADM",
    "GET /api/v1/houses/{slug}/webhooks/{id}": "ADM",
    "PATCH /api/v1/houses/{slug}/webhooks/{id}": "ADM",
    "DELETE /api/v1/houses/{slug}/webhooks/{id}": "ADM",
    "GET /api/v1/houses/{slug}/webhooks/{id}/deliveries": "ADM",
    "POST /api/v1/houses/{slug}/webhooks/{id}/pause": "ADM",
    "POST /api/v1/houses/{slug}/webhooks/{id}/ping": "ADM",
    "POST /api/v1/houses/{slug}/webhooks/{id}/resume": "ADM",
    "POST /api/v1/houses/{slug}/webhooks/{id}/rotate-secret": "ADM",
    # Concern signals (docs/signals.md): partners and case staff give signals and ask "already
    # a case?"; an alert opens for the process director and the organisations it names (A, B);
    # an intake for its uploader (A); the exchange answers signed requests only (none here).
    "signals:index": "PD A B C TRI",
    "signals:check": "PD A B C TRI",
    "signals:overview": "PD",
    "signals:alert": "PD A B",
    "aftercare:alert": "PD",
    "aftercare:extend": "",
    "signals:alert_request": "PD",
    "signals:alert_close": "PD",
    "signals:intake_upload": "PD A B C TRI",
    "signals:intake": "A",
    "signals:intake_progress": "A",
    "signals:intake_report": "A",
    "signals_exchange:answer": "",
    "GET /api/v1/houses/{slug}/signal-alerts": "PD A B C TRI",
    "GET /api/v1/houses/{slug}/relapse-alerts": "PD",
    "POST /api/v1/houses/{slug}/relapse-alerts/{id}/decide": "PD",
    "POST /api/v1/houses/{slug}/cases/{id}/aftercare/extend": "PD",
    "POST /api/v1/houses/{slug}/signals": "PD A B C TRI",
    "POST /api/v1/houses/{slug}/signals/already-a-case": "PD A B C TRI",
}

# The path parameters of the OpenAPI document → the object of the world (test_matrix.World).
API_KINDS = {
    "referrals": "referral",
    "cases": "case",
    "known-to-queries": "known_to",
    "actions": "action",
    "meetings": "meeting",
    "privacy-requests": "subject_request",
    "webhooks": "subscription",
    "documents": "document",
    "journal": "journal_entry",
    "services": "service",
    "relapse-alerts": "relapse_alert",
}
WRITES = {"post", "put", "patch", "delete"}


class Rollback(Exception):
    """Raised to undo a write the table check made."""


def operations() -> list[tuple[str, str]]:
    """Every (method, path template) of the committed OpenAPI document."""
    document = yaml.safe_load(COMMITTED.read_text())
    return [
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", *WRITES}
    ]


def api_path(world: World, template: str) -> str:
    """A concrete path for an OpenAPI path template, filled with the world's objects."""
    kind = template.split("{slug}/")[1].split("/")[0] if "{slug}/" in template else ""
    values = {
        "slug": world.cast.house.slug,
        "id": getattr(world.objects.get(API_KINDS.get(kind, ""), None), "pk", 0),
        # `{item}` is an agenda item, except under an action's requests (decision 0051): ids
        # of different tables only coincide on a fresh database, so fill each with its own.
        "item": world.objects[
            "action_request" if "/requests/{item}" in template else "agenda_item"
        ].pk,
        "feedback": world.objects["feedback"].pk,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)


def turned_away_to(location: str) -> bool:
    return (
        any(
            location.startswith(reverse(name))
            for name in ("accounts:login", "accounts:verify", "accounts:setup_2fa")
        )
        or "/werkwijze" in location
    )


def send(client: Client, method: str, path: str) -> Any:
    """One request inside a transaction that is rolled back."""
    api = path.startswith("/api/")
    try:
        with transaction.atomic():
            if method == "get":
                response = client.get(path)
            else:
                response = client.generic(
                    method.upper(),
                    path,
                    b"{}" if api else b"",
                    "application/json" if api else "application/x-www-form-urlencoded",
                )
            raise Rollback(response)
    except Rollback as done:
        return done.args[0]


def outcome(client: Client, method: str, path: str) -> str:
    """ "through", "away" or a description of what is wrong. A page that only takes POST
    (405 on GET) is posted to."""
    response = send(client, method, path)
    if response.status_code == 405 and method == "get" and not path.startswith("/api/"):
        response = send(client, "post", path)
    code = response.status_code
    if code in {401, 403, 404}:
        return "away"
    if 300 <= code < 400:
        return "away" if turned_away_to(response.get("Location", "")) else "through"
    if 200 <= code < 300 or code in {400, 409, 410, 412, 428}:
        return "through"
    return f"{code}"


def door(world: World, key: str, method: str, path: str) -> tuple[str, list[str]]:
    """Who of the cast gets through; and what went wrong for whom."""
    through, wrong = [], []
    for short, label in WHO.items():
        user = world.users()[label]
        result = outcome(client_for(user), method, path)
        if result == "through":
            through.append(short)
        elif result != "away":
            wrong.append(f"{key}: {short} got {result} on {method.upper()} {path}")
    return " ".join(through), wrong


def test_every_operation_of_the_document_is_a_known_url_pattern(cast: Cast) -> None:
    """The document and the URL conf describe the same API: a documented operation that no
    URL pattern serves, or an API pattern the document leaves out, fails."""
    names = {p.name for p in url_patterns()}
    documented = set()
    problems = []
    for method, template in operations():
        path = re.sub(r"\{(\w+)\}", lambda m: "x" if m.group(1) == "slug" else "1", template)
        try:
            match = resolve(path)
        except Resolver404:
            problems.append(f"{method.upper()} {template}: no URL pattern")
            continue
        name = f"{match.namespace}:{match.url_name}"
        documented.add(name)
        if name not in names:
            problems.append(f"{method.upper()} {template}: {name} is not in the matrix")
    undocumented = {n for n in names if n.startswith("api:") and n not in documented} - {
        "api:schema",
        "api:docs",
        "api:^[\\s\\S]*$",
    }
    problems.extend(
        f"{name}: an API pattern the OpenAPI document does not describe"
        for name in sorted(undocumented)
    )
    assert not problems, "\n".join(problems)


def test_every_door_opens_for_exactly_the_people_the_table_names(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world = build_world(cast)
    doors: dict[str, tuple[str, str]] = {}
    for pattern in url_patterns():
        # The API's patterns are its documented operations, below (the first test holds them
        # together).
        if pattern.named and not pattern.name.startswith("api:"):
            doors[pattern.name] = ("get", next(iter(paths(world, pattern))))
    for method, template in operations():
        doors[f"{method.upper()} {template}"] = (method, api_path(world, template))

    missing, changed, wrong = [], [], []
    for key, (method, path) in doors.items():
        through, problems = door(world, key, method, path)
        wrong.extend(problems)
        if key not in THROUGH:
            missing.append(f'    "{key}": "{through}",')
        elif set(THROUGH[key].split()) != set(through.split()):
            changed.append(f"{key}: the table says [{THROUGH[key]}], observed [{through}]")
    stale = sorted(set(THROUGH) - set(doors))
    message = []
    if wrong:
        message.append("Neither through nor turned away:\n" + "\n".join(wrong))
    if changed:
        message.append("Doors that changed:\n" + "\n".join(changed))
    if missing:
        message.append(
            "Doors without a row in THROUGH (check against docs/privacy.md, then add):\n"
            + "\n".join(missing)
        )
    if stale:
        message.append(f"Rows for doors that are gone: {stale}")
    assert not message, "\n\n".join(message)
