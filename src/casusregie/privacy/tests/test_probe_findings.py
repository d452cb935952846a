"""Issue 22: the outside probe's other findings, each performed as written (findings 1-2 are in
test_role_attacks.py, 3 in houses/tests, 5 in test_lookup_limits.py, 6 in test_log_seals.py)."""

from __future__ import annotations

import csv
import datetime
import io
import logging
from typing import Any

import pytest
from django.utils import timezone

from casusregie.api.tests.helpers import family, post, url
from casusregie.conftest import Cast
from casusregie.houses.models import Partnership
from casusregie.integrations.tests.helpers import api, house_api, make_client
from casusregie.meetings import actions as meeting_actions
from casusregie.meetings.models import Audience
from casusregie.plans import actions as plan_actions
from casusregie.privacy import log
from casusregie.privacy.models import Operation, ProcessingLogEntry
from casusregie.referrals import actions as referral_actions
from casusregie.web.logfilter import NoQueryStrings, without_query

pytestmark = pytest.mark.django_db


# --- Finding 4: every read that shows people writes a log line per person --------------------


@pytest.fixture
def world(as_user: Any, cast: Cast, case: Any) -> dict[str, Any]:
    """Around the `case` fixture's person: an action, a meeting, a known-to question and a
    submitted referral about the same person (the referral names them by the same BSN)."""
    director = cast.process_director
    (action,) = plan_actions.do_create_actions(
        case,
        [
            plan_actions.ActionData(
                title="Huisbezoek",
                owner_organisation=cast.org_a,
                due_date=timezone.localdate() + datetime.timedelta(days=14),
            )
        ],
        actor=director,
    )
    meeting = meeting_actions.do_plan_meeting(
        cast.house,
        title="Casusoverleg",
        cases=[case],
        invitees=[(cast.org_a, True)],
        slots=[timezone.now() + datetime.timedelta(days=2)],
        actor=director,
    )
    referral_actions.do_ask_known_to(
        house=cast.house,
        organisations=[cast.org_b],
        deadline=timezone.localdate() + datetime.timedelta(days=7),
        actor=director,
        case=case,
    )
    response = post(as_user(cast.participant_a), url(cast, "referrals"), family(cast))
    assert response.status_code == 201
    subject = case.case_subjects.get(is_main=True).subject
    ref = log.subject_ref(subject_pk=subject.pk, bsn_hash=subject.bsn_hash)
    return {"action": action, "meeting": meeting, "pseudonym": ref.pseudonym}


READS = [
    "/huizen/{slug}/overleggen/{meeting}/",
    "/api/v1/houses/{slug}/actions/{action}",
    "/api/v1/houses/{slug}/actions",
    "/api/v1/houses/{slug}/referrals",
    "/api/v1/houses/{slug}/triage-queue",
    "/api/v1/houses/{slug}/cases/{case}/plan",
    "/api/v1/houses/{slug}/cases/{case}/known-to-queries",
    "/api/v1/houses/{slug}/known-to-queries",
]


@pytest.mark.parametrize("path", READS)
def test_reads_that_showed_people_without_a_log_line_now_write_one(
    as_user: Any, cast: Cast, case: Any, world: dict[str, Any], path: str
) -> None:
    target = path.format(
        slug=cast.house.slug, meeting=world["meeting"].pk, action=world["action"].pk, case=case.pk
    )
    lines = ProcessingLogEntry.objects.filter(
        operation=Operation.READ, data_subject_id=world["pseudonym"]
    )
    before = lines.count()
    response = as_user(cast.process_director).get(target)
    assert response.status_code == 200
    assert lines.count() > before, f"{target} wrote no read line for the person it shows"
    # Someone outside the case gets no page, or one without the person.
    other = as_user(cast.participant_c).get(target)
    assert other.status_code in {403, 404} or "Testpersoon" not in other.content.decode()


# --- Finding 7: formula injection in the disclosure register's CSV -----------------------------


@pytest.mark.parametrize(
    "purpose", ['=HYPERLINK("https://x.invalid","klik")', "+cmd|' /C calc'!A0"]
)
def test_the_disclosure_csv_defuses_formulas(
    as_user: Any, cast: Cast, case: Any, purpose: str
) -> None:
    meeting = meeting_actions.do_plan_meeting(
        cast.house,
        title="Casusoverleg",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, True)],
        slots=[timezone.now() + datetime.timedelta(days=2)],
        actor=cast.process_director,
    )
    meeting_actions.do_add_contribution(
        meeting.agenda.get(),
        text="Informatie",
        purpose=purpose,
        audience=Audience.ALL_PARTICIPANTS,
        organisations=[],
        actor=cast.participant_a,
    )
    response = as_user(cast.privacy_officer).get(
        f"/huizen/{cast.house.slug}/privacy/verstrekkingen/",
        {"case": case.reference, "formaat": "csv"},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert f"'{purpose}" in cells
    assert not any(cell[:1] in {"=", "+", "-", "@"} for cell in cells)


# --- Finding 8: the case file PDF needs the scopes of what it shows ---------------------------


def test_a_token_with_only_cases_read_does_not_get_the_case_file(cast: Cast, case: Any) -> None:
    _client, narrow = make_client(cast, cast.org_a, scopes="cases:read")
    response = api(narrow).get(house_api(cast, f"cases/{case.pk}/file.pdf"))
    assert response.status_code == 403
    assert "actions:read" in response.json()["detail"]
    assert api(narrow).get(house_api(cast, "actions")).status_code == 403
    # Since issue 23 the file holds the journal too: without `journal:read`, no file.
    _client, no_journal = make_client(
        cast, cast.org_a, scopes="cases:read actions:read meetings:read", name="Zonder logboek"
    )
    response = api(no_journal).get(house_api(cast, f"cases/{case.pk}/file.pdf"))
    assert response.status_code == 403
    assert "journal:read" in response.json()["detail"]
    _client, full = make_client(
        cast,
        cast.org_a,
        scopes="cases:read actions:read meetings:read journal:read",
        name="Volledig",
    )
    response = api(full).get(house_api(cast, f"cases/{case.pk}/file.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


# --- Finding 9: one house does not edit a shared organisation's details in another -------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "nep@example.invalid"), ("phone", "0612345678"), ("address", "Nepstraat 1")],
)
def test_a_shared_organisations_contact_details_stay_as_they_are(
    as_user: Any, cast: Cast, field: str, value: str
) -> None:
    Partnership.objects.create(house=cast.other_house, organisation=cast.org_a, ring="key")
    before = {f: getattr(cast.org_a, f) for f in ("email", "phone", "address")}
    data = {"name": cast.org_a.name, "kind": cast.org_a.kind, "ring": "key", field: value}
    response = as_user(cast.admin).post(
        f"/huizen/{cast.house.slug}/organisaties/{cast.org_a.pk}/", data
    )
    assert response.status_code == 400
    assert "neemt ook deel aan een ander huis" in response.content.decode()
    cast.org_a.refresh_from_db()
    assert {f: getattr(cast.org_a, f) for f in ("email", "phone", "address")} == before
    # An organisation of this house alone keeps its details editable here.
    alone = {"name": cast.org_b.name, "kind": cast.org_b.kind, "ring": "key", field: value}
    response = as_user(cast.admin).post(
        f"/huizen/{cast.house.slug}/organisaties/{cast.org_b.pk}/", alone
    )
    assert response.status_code == 302
    cast.org_b.refresh_from_db()
    assert getattr(cast.org_b, field) == value


# --- Finding 10: a bad `next` after logging in ------------------------------------------------


@pytest.mark.parametrize("target", ["foo", "casussen", "javascript:alert(1)", "//evil.invalid/"])
def test_login_with_a_next_that_is_no_path_goes_home(client: Any, cast: Cast, target: str) -> None:
    from casusregie.conftest import PASSWORD

    response = client.post(
        "/inloggen/", {"username": cast.participant_a.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/")
    assert not response["Location"].startswith("//")


# --- Finding 11: no query strings in the console -----------------------------------------------


def test_the_demo_server_console_keeps_query_strings_out() -> None:
    """runserver's request lines go through the console handler, which drops the query."""
    (handler,) = [
        h
        for h in logging.getLogger("django.server").handlers
        if any(isinstance(f, NoQueryStrings) for f in h.filters)
    ]
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /huizen/x/casussen/?q=111222333 HTTP/1.1", "200", "512"),
        None,
    )
    assert handler.filter(record)
    printed = handler.format(record)
    assert "/huizen/x/casussen/ HTTP/1.1" in printed
    assert "111222333" not in printed
    assert without_query("GET /a/b/ HTTP/1.1") == "GET /a/b/ HTTP/1.1"
