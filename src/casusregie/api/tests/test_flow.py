"""The case process over the API, from referral to known-to answers and directors."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.cases.models import Case, Phase
from casusregie.conftest import Cast
from casusregie.inbox.models import Notification
from casusregie.privacy.models import Operation, ProcessingLogEntry
from casusregie.referrals.models import KnownToQuery, Referral, ReferralStatus

from .helpers import accept, file_referral, in_a_week, post, url

pytestmark = pytest.mark.django_db


def test_referral_to_case_with_known_to_answers_and_directors(as_user: Any, cast: Cast) -> None:
    # Participant A files a family referral for organisation A.
    referral = file_referral(as_user, cast)
    assert referral["status"] == ReferralStatus.SUBMITTED
    assert referral["reference"] == f"M-{referral['id']}"
    assert [s["first_name"] for s in referral["subjects"]] == ["Piet", "Kees"]
    assert referral["subjects"][0]["masked_bsn"] == "•••••2333"
    assert "111222333" not in str(referral)

    # It waits in the triage queue; the triage member accepts it.
    queue = as_user(cast.triage).get(url(cast, "triage-queue")).json()
    assert [r["id"] for r in queue["results"]] == [referral["id"]]
    case = accept(as_user, cast, referral["id"])
    assert case["phase"] == Phase.PREPARATION
    assert case["title"].endswith("Gezinsman")
    assert Referral.objects.get(pk=referral["id"]).case_id == case["id"]
    # Terugmelding: the referrer hears that the referral was accepted.
    assert Notification.objects.filter(user=cast.participant_a, message__contains=case["reference"])

    # The process director asks three organisations whether they know the family.
    director = as_user(cast.process_director)
    asked = post(
        director,
        url(cast, f"cases/{case['id']}/known-to-queries"),
        {"organisations": [cast.org_a.pk, cast.org_b.pk, cast.org_c.pk], "deadline": in_a_week()},
    )
    assert asked.status_code == 201, asked.json()
    assert len(asked.json()["results"]) == 3

    # Participant C (not in the case) sees only the question to C, with whom it is about.
    c_client = as_user(cast.participant_c)
    mine = c_client.get(url(cast, "known-to-queries")).json()["results"]
    assert [q["organisation"]["id"] for q in mine] == [cast.org_c.pk]
    detail = c_client.get(url(cast, f"known-to-queries/{mine[0]['id']}")).json()
    assert [s["last_name"] for s in detail["subjects"]] == ["Gezinsman", "Gezinsman"]
    assert detail["subjects"][0]["masked_bsn"].endswith("2333")
    answered = post(
        c_client,
        url(cast, f"known-to-queries/{mine[0]['id']}/answer"),
        {"answer": "known", "contact_person": "Cor Zorg, 0612345678"},
    )
    assert answered.status_code == 200, answered.json()
    assert answered.json()["answer"] == "known"

    # The process director sees the answer next to the two open questions.
    answers = director.get(url(cast, f"cases/{case['id']}/known-to-queries")).json()["results"]
    by_org = {q["organisation"]["id"]: q for q in answers}
    assert by_org[cast.org_c.pk]["contact_person"] == "Cor Zorg, 0612345678"
    assert by_org[cast.org_a.pk]["is_open"]
    assert by_org[cast.org_b.pk]["is_open"]

    # Both directors are named; the case shows them.
    named = post(
        director,
        url(cast, f"cases/{case['id']}/directors"),
        {
            "process_director": cast.process_director.pk,
            "case_director": cast.participant_b.pk,
            "case_director_organisation": cast.org_b.pk,
        },
    )
    assert named.status_code == 200, named.json()
    shown = director.get(url(cast, f"cases/{case['id']}")).json()
    assert shown["process_director"]["name"] == "Paula Regisseur"
    assert shown["case_director"]["name"] == "Bea Woning"
    assert shown["case_director_organisation"]["id"] == cast.org_b.pk
    assert {p["organisation"]["id"] for p in shown["participations"]} >= {
        cast.org_a.pk,
        cast.org_b.pk,
    }
    assert KnownToQuery.objects.filter(case_id=case["id"]).count() == 3


def test_a_draft_is_saved_then_submitted(as_user: Any, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    draft = post(client, url(cast, "referrals"), {"kind": "person", "organisation": cast.org_a.pk})
    assert draft.status_code == 201, draft.json()
    assert draft.json()["status"] == ReferralStatus.DRAFT
    body = {
        "kind": "person",
        "subjects": [{"first_name": "Els", "last_name": "Alleen", "date_of_birth": "1970-01-01"}],
        "concerns": {"mental_health": "Verward gedrag"},
        "goal": "Zorg op gang brengen",
        "subject_informed": False,
        "not_informed_reason": "safety",
    }
    submitted = post(client, url(cast, f"referrals/{draft.json()['id']}/submit"), body)
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == ReferralStatus.SUBMITTED
    assert submitted.json()["subjects"][0]["masked_bsn"] == ""


def test_decline_forward_and_withdraw(as_user: Any, cast: Cast) -> None:
    triage = as_user(cast.triage)
    first = file_referral(as_user, cast)
    declined = post(
        triage,
        url(cast, f"referrals/{first['id']}/decline"),
        {"reason": "Geen meervoudige problematiek", "criteria": ["system"]},
    )
    assert declined.status_code == 200, declined.json()
    assert declined.json()["status"] == ReferralStatus.DECLINED

    second = file_referral(as_user, cast)
    forwarded = post(
        triage,
        url(cast, f"referrals/{second['id']}/forward"),
        {"organisation": cast.org_c.pk, "reason": "Past bij de GGZ"},
    )
    assert forwarded.status_code == 200, forwarded.json()
    assert forwarded.json()["forwarded_to"]["id"] == cast.org_c.pk
    # Organisation C can now see the forwarded referral.
    assert (
        as_user(cast.participant_c).get(url(cast, f"referrals/{second['id']}")).status_code == 200
    )

    third = file_referral(as_user, cast)
    withdrawn = post(
        as_user(cast.participant_a),
        url(cast, f"referrals/{third['id']}/withdraw"),
        {"reason": "Opgelost"},
    )
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["status"] == ReferralStatus.WITHDRAWN


def test_case_actions(as_user: Any, cast: Cast, case: Case) -> None:
    director = as_user(cast.process_director)
    base = url(cast, f"cases/{case.pk}")
    moved = post(director, f"{base}/transition", {"target": "meeting"})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["phase"] == Phase.MEETING

    joined = post(
        director,
        f"{base}/participants",
        {"organisation": cast.org_c.pk, "role": "GGZ", "purpose": "Behandeling"},
    )
    assert joined.status_code == 201, joined.json()
    # Taking part makes the case visible to organisation C.
    assert as_user(cast.participant_c).get(base).status_code == 200

    scored = post(
        director,
        f"{base}/assessments",
        {"moment": "intake", "scores": {"housing": 2, "finances": 1}},
    )
    assert scored.status_code == 201, scored.json()
    assert scored.json()["scores"] == {"housing": 2, "finances": 1}

    closed = post(
        director,
        f"{base}/close",
        {"outcome": "manageable", "note": "Stabiel", "final_scores": {"housing": 4}},
    )
    assert closed.status_code == 200, closed.json()
    assert closed.json()["phase"] == Phase.CLOSED
    assert closed.json()["outcome"] == "manageable"


def test_reading_a_case_or_referral_is_logged(as_user: Any, cast: Cast, case: Case) -> None:
    client = as_user(cast.participant_b)
    before = ProcessingLogEntry.objects.filter(operation=Operation.READ).count()
    assert client.get(url(cast, f"cases/{case.pk}")).status_code == 200
    line = ProcessingLogEntry.objects.filter(operation=Operation.READ).latest("id")
    assert (line.name, line.case_id, line.object_id) == ("case.read", case.pk, str(case.pk))
    assert ProcessingLogEntry.objects.filter(operation=Operation.READ).count() == before + 1

    referral = file_referral(as_user, cast)
    as_user(cast.triage).get(url(cast, f"referrals/{referral['id']}"))
    line = ProcessingLogEntry.objects.filter(operation=Operation.READ).latest("id")
    assert (line.name, line.object_id) == ("referral.read", str(referral["id"]))
    # One line per person the referral is about.
    assert ProcessingLogEntry.objects.filter(trace_id=line.trace_id).count() == 2
