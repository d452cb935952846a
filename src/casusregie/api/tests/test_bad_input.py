"""Bad input answers a 400 problem naming the fields, and saves nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.cases.models import Case, Phase, Subject
from casusregie.conftest import TEST_BSN, Cast
from casusregie.privacy.models import AuditEvent
from casusregie.referrals.models import KnownToQuery, Referral, ReferralStatus

from .helpers import PROBLEM, accept, family, fields, file_referral, in_a_week, post, url

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Referral, Subject, Case, KnownToQuery, AuditEvent)
    )


def people(**changes: Any) -> list[dict[str, Any]]:
    return [
        {"first_name": "Piet", "last_name": "Gezinsman", **changes},
        {"first_name": "Kees", "last_name": "Gezinsman", "relation_to_main": "child"},
    ]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"subjects": people(bsn="123456789")}, {"subjects.0.bsn"}),
        ({"subjects": people(date_of_birth="2999-01-01")}, {"subjects.0.date_of_birth"}),
        ({"subjects": people(date_of_birth="01-02-1980")}, {"subjects.0.date_of_birth"}),
        ({"subjects": [], "goal": ""}, {"subjects", "goal"}),
        ({"kind": "pet"}, {"kind"}),
        ({"concerns": {"weather": "Regen"}}, {"concerns"}),
        ({"organisation": 999999}, {"organisation"}),
        ({"subject_informed": False}, {"not_informed_reason"}),
    ],
)
def test_referral_input(as_user: Any, cast: Cast, changes: dict[str, Any], named: set) -> None:
    before = counts()
    response = post(as_user(cast.participant_a), url(cast, "referrals"), family(cast, **changes))
    assert fields(response) == named
    body = response.json()
    assert body["type"] == "urn:casusregie:problem:invalid"
    assert body["status"] == 400
    assert all(error["detail"] for error in body["errors"])
    assert counts() == before


def test_refer_for_an_organisation_one_does_not_belong_to(as_user: Any, cast: Cast) -> None:
    before = counts()
    response = post(
        as_user(cast.participant_a),
        url(cast, "referrals"),
        family(cast, organisation=cast.org_b.pk),
    )
    assert fields(response) == {"organisation"}
    assert counts() == before


def test_submit_of_a_submitted_referral(as_user: Any, cast: Cast) -> None:
    referral = file_referral(as_user, cast)
    content = {k: v for k, v in family(cast).items() if k not in ("organisation", "submit")}
    response = post(
        as_user(cast.participant_a), url(cast, f"referrals/{referral['id']}/submit"), content
    )
    assert fields(response) == {None}


def test_second_open_case_for_the_same_person(as_user: Any, cast: Cast, case: Case) -> None:
    referral = file_referral(as_user, cast)
    before = counts()
    response = post(
        as_user(cast.triage),
        url(cast, f"referrals/{referral['id']}/accept"),
        {"criteria": ["multiple_domains", "cross_chain", "system"]},
    )
    assert fields(response) == {"add_to_case"}
    assert case.reference in response.json()["errors"][0]["detail"]
    assert counts() == before
    assert Referral.objects.get(pk=referral["id"]).status == ReferralStatus.SUBMITTED
    # Adding it to the existing case is the way out.
    added = post(
        as_user(cast.triage),
        url(cast, f"referrals/{referral['id']}/accept"),
        {"criteria": ["multiple_domains", "cross_chain", "system"], "add_to_case": case.pk},
    )
    assert added.status_code == 200, added.json()
    assert added.json()["id"] == case.pk


def test_accept_needs_the_criteria(as_user: Any, cast: Cast) -> None:
    referral = file_referral(as_user, cast)
    before = counts()
    response = post(
        as_user(cast.triage),
        url(cast, f"referrals/{referral['id']}/accept"),
        {"criteria": ["system"]},
    )
    assert fields(response) == {"criteria"}
    response = post(
        as_user(cast.triage),
        url(cast, f"referrals/{referral['id']}/accept"),
        {"criteria": ["luck"]},
    )
    assert fields(response) == {"criteria.0"}
    assert counts() == before


def test_decline_needs_a_reason_and_a_decision_is_final(as_user: Any, cast: Cast) -> None:
    referral = file_referral(as_user, cast)
    triage = as_user(cast.triage)
    assert fields(
        post(triage, url(cast, f"referrals/{referral['id']}/decline"), {"reason": " "})
    ) == {"reason"}
    accept(as_user, cast, referral["id"])
    again = post(triage, url(cast, f"referrals/{referral['id']}/decline"), {"reason": "Toch niet"})
    assert fields(again) == {None}
    assert Referral.objects.get(pk=referral["id"]).status == ReferralStatus.ACCEPTED


def test_forward_only_to_a_partner(as_user: Any, cast: Cast) -> None:
    referral = file_referral(as_user, cast)
    triage = as_user(cast.triage)
    before = counts()
    # An organisation of another house does not exist for this user.
    outside = post(
        triage,
        url(cast, f"referrals/{referral['id']}/forward"),
        {"organisation": cast.other_org.pk, "reason": "Elders"},
    )
    assert fields(outside) == {"organisation"}
    assert "bestaat niet" in outside.json()["errors"][0]["detail"]  # Dutch by default
    to_referrer = post(
        triage,
        url(cast, f"referrals/{referral['id']}/forward"),
        {"organisation": cast.org_a.pk, "reason": "Terug"},
    )
    assert fields(to_referrer) == {"organisation"}
    assert counts() == before
    assert Referral.objects.get(pk=referral["id"]).forwarded_to is None


def test_withdraw_a_submitted_referral_needs_a_reason(as_user: Any, cast: Cast) -> None:
    referral = file_referral(as_user, cast)
    response = post(
        as_user(cast.participant_a), url(cast, f"referrals/{referral['id']}/withdraw"), {}
    )
    assert fields(response) == {"reason"}
    assert Referral.objects.get(pk=referral["id"]).status == ReferralStatus.SUBMITTED


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"target": "plan"}, {None}),  # preparation → plan skips the meeting
        ({"target": "closed"}, {None}),  # closing needs the closure endpoint
        ({"target": "sleeping"}, {"target"}),
        ({}, {"target"}),
    ],
)
def test_forbidden_transition(as_user: Any, cast: Cast, case: Case, body: dict, named: set) -> None:
    before = counts()
    response = post(as_user(cast.process_director), url(cast, f"cases/{case.pk}/transition"), body)
    assert fields(response) == named
    case.refresh_from_db()
    assert case.phase == Phase.PREPARATION
    assert case.phase_changes.count() == 1
    assert counts() == before


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [
        (
            "directors",
            {"process_director": None, "case_director": None},
            {"case_director_organisation"},
        ),
        (
            "directors",
            {"process_director": None, "case_director_organisation": None, "case_director": 999999},
            {"case_director"},
        ),
        ("participants", {"organisation": 999999, "role": "x", "purpose": "y"}, {"organisation"}),
        ("participants", {"organisation": "a", "role": "x", "purpose": ""}, {"organisation"}),
        ("assessments", {"moment": "intake", "scores": {"housing": 9}}, {"scores"}),
        ("assessments", {"moment": "later", "scores": {}}, {"moment"}),
        ("close", {"outcome": "manageable", "note": ""}, {"note"}),
        ("close", {"outcome": "gone", "note": "x"}, {"outcome"}),
    ],
)
def test_case_action_input(
    as_user: Any, cast: Cast, case: Case, path: str, body: dict, named: set
) -> None:
    before = counts()
    response = post(as_user(cast.process_director), url(cast, f"cases/{case.pk}/{path}"), body)
    assert fields(response) == named
    case.refresh_from_db()
    assert case.is_open
    assert counts() == before


def test_case_director_must_work_for_the_organisation(as_user: Any, cast: Cast, case: Case) -> None:
    response = post(
        as_user(cast.process_director),
        url(cast, f"cases/{case.pk}/directors"),
        {
            "process_director": None,
            "case_director": cast.participant_a.pk,
            "case_director_organisation": cast.org_b.pk,
        },
    )
    assert fields(response) == {"case_director"}
    case.refresh_from_db()
    assert case.case_director is None


def test_ask_known_to_input(as_user: Any, cast: Cast, case: Case) -> None:
    director = as_user(cast.process_director)
    path = url(cast, f"cases/{case.pk}/known-to-queries")
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    before = counts()
    assert fields(post(director, path, {"organisations": [], "deadline": in_a_week()})) == {
        "organisations"
    }
    assert fields(
        post(director, path, {"organisations": [cast.org_c.pk], "deadline": yesterday})
    ) == {"deadline"}
    assert counts() == before


def test_known_to_answer_after_the_deadline(as_user: Any, cast: Cast, case: Case) -> None:
    query = KnownToQuery.objects.create(
        house=cast.house,
        case=case,
        organisation=cast.org_c,
        asked_by=cast.process_director,
        deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    response = post(
        as_user(cast.participant_c),
        url(cast, f"known-to-queries/{query.pk}/answer"),
        {"answer": "unknown"},
    )
    assert fields(response) == {None}
    assert query.deadline.strftime("%d-%m-%Y") in response.json()["detail"]
    query.refresh_from_db()
    assert query.answer == ""
    assert query.answered_by is None


def test_known_needs_a_contact_person(as_user: Any, cast: Cast, case: Case) -> None:
    query = KnownToQuery.objects.create(
        house=cast.house,
        case=case,
        organisation=cast.org_c,
        asked_by=cast.process_director,
        deadline=timezone.localdate(),
    )
    client = as_user(cast.participant_c)
    path = url(cast, f"known-to-queries/{query.pk}/answer")
    assert fields(post(client, path, {"answer": "known"})) == {"contact_person"}
    assert fields(post(client, path, {"answer": "maybe"})) == {"answer"}
    query.refresh_from_db()
    assert query.answer == ""


def test_malformed_json(as_user: Any, cast: Cast) -> None:
    before = counts()
    response = as_user(cast.participant_a).post(
        url(cast, "referrals"), '{"kind": "family",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == "urn:casusregie:problem:parse-error"
    assert counts() == before


def test_form_encoded_body_is_refused(as_user: Any, cast: Cast) -> None:
    response = as_user(cast.participant_a).post(url(cast, "referrals"), {"kind": "family"})
    assert response.status_code == 415
    assert response.json()["type"] == "urn:casusregie:problem:unsupported-media-type"


def test_bad_paging_parameters(as_user: Any, cast: Cast) -> None:
    client = as_user(cast.process_director)
    assert fields(client.get(url(cast, "cases?limit=1000"))) == {"limit"}
    assert fields(client.get(url(cast, "cases?after=x&phase=nowhere"))) == {"after", "phase"}
    assert fields(client.get(url(cast, "triage-queue?after=999999"))) == {"after"}


def test_the_full_bsn_is_never_returned(as_user: Any, cast: Cast, case: Case) -> None:
    for path in (f"cases/{case.pk}", "cases"):
        body = as_user(cast.process_director).get(url(cast, path)).content.decode()
        assert TEST_BSN not in body


HUGE = "99999999999999999999999"


def test_an_id_too_large_for_the_database_is_not_found_not_a_crash(
    as_user: Any, cast: Cast
) -> None:
    client = as_user(cast.process_director)
    for path in (f"cases/{HUGE}", f"referrals/{HUGE}", f"actions/{HUGE}", f"meetings/{HUGE}"):
        response = client.get(url(cast, path))
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json"
    page = client.get(f"/huizen/{cast.house.slug}/casussen/{HUGE}/")
    assert page.status_code == 404


def test_an_id_too_large_in_a_query_is_a_clear_400(as_user: Any, cast: Cast) -> None:
    response = as_user(cast.process_director).get(url(cast, f"actions?case={HUGE}"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "case"


def test_unknown_fields_are_named_and_nothing_is_stored(as_user: Any, cast: Cast) -> None:
    body = family(cast, urgentie="hoog")
    body["subjects"][1]["geboortedatum"] = "2012-07-01"
    response = post(as_user(cast.participant_a), url(cast, "referrals"), body)
    assert fields(response) == {"urgentie", "subjects.1.geboortedatum"}
    assert not Referral.objects.exists()
