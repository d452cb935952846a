"""The end of the aftercare watch period, closing without aftercare, and relapse alerts
(issue 24 item 4, decision 0053)."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.aftercare import actions as aftercare
from casusregie.aftercare.models import RelapseAlert, WatchEnd
from casusregie.cases import actions
from casusregie.cases.actions import SubjectData
from casusregie.cases.models import Case, PhaseChange, SubjectKind
from casusregie.conftest import TEST_BSN, Cast
from casusregie.inbox.models import Notification
from casusregie.privacy.models import ProcessingLogEntry
from casusregie.referrals import actions as referral_actions
from casusregie.signals import actions as signal_actions
from casusregie.signals.pseudonym import identify

pytestmark = pytest.mark.django_db


def case_url(cast: Cast, case: Case, tail: str = "") -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/{tail}"


def alert_url(cast: Cast, alert: RelapseAlert) -> str:
    return f"/huizen/{cast.house.slug}/terugval/{alert.pk}/"


def work_url(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/mijn-werk/"


def to_execution(case: Case, cast: Cast) -> Case:
    order = ["registered", "triage", "preparation", "meeting", "plan", "execution"]
    for phase in order[order.index(case.phase) + 1 :]:
        case = actions.do_transition_case(case, phase, actor=cast.process_director)
    assert case.phase == "execution"
    return case


def to_aftercare(case: Case, cast: Cast) -> Case:
    case = to_execution(case, cast)
    return actions.do_transition_case(case, "aftercare", actor=cast.process_director)


def close(case: Case, cast: Cast) -> Case:
    case = to_aftercare(case, cast)
    return actions.do_close_case(
        case, outcome="manageable", note="Stabiel.", final_scores=None, actor=cast.process_director
    )


def submit_referral(cast: Cast, *, bsn: str = TEST_BSN, last: str = "Testpersoon", **more: Any):
    data = referral_actions.ReferralData(
        kind=SubjectKind.PERSON,
        urgency="normal",
        subjects=[SubjectData(first_name="Jan", last_name=last, bsn=bsn, **more)],
        concerns={"housing": "Huurachterstand en overlast"},
        goal="Afstemmen",
        stuck_statement="Wij komen er niet uit",
        subject_informed=True,
    )
    return referral_actions.do_save_referral(
        cast.house, data, actor=cast.participant_c, organisation=cast.org_c, submit=True
    )


def converge(cast: Cast, bsn: str = TEST_BSN) -> Any:
    for org, user in ((cast.org_a, cast.participant_a), (cast.org_b, cast.participant_b)):
        registered = signal_actions.do_register_signal(
            cast.house,
            identify(bsn=bsn),
            category="housing",
            observed_on=timezone.localdate(),
            organisation=org,
            actor=user,
        )
    assert registered.alert is not None
    return registered.alert


def schedule(day: datetime.date) -> None:
    call_command("run_schedule", "--today", day.isoformat(), stdout=StringIO())


# --- The end of the watch period --------------------------------------------------------------


def test_watch_end_asks_the_director_once(cast: Cast, case: Case, as_user) -> None:
    case = to_aftercare(case, cast)
    until = case.aftercare_until
    assert until is not None
    schedule(until)  # the last day of the watch: nothing yet
    assert not WatchEnd.objects.exists()
    schedule(until + datetime.timedelta(days=1))
    schedule(until + datetime.timedelta(days=2))  # asked once, not twice
    asked = Notification.objects.filter(message__contains="nazorg") | Notification.objects.filter(
        message__contains="aftercare"
    )
    assert list(asked.values_list("user__email", flat=True)) == [cast.process_director.email]
    assert WatchEnd.objects.count() == 1


def test_watch_ended_shows_in_my_work_and_on_the_case(cast: Cast, case: Case, as_user) -> None:
    case = to_aftercare(case, cast)
    Case.objects.filter(pk=case.pk).update(
        aftercare_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = as_user(cast.process_director).get(work_url(cast)).content.decode()
    assert f"{case_url(cast, case)}nazorg/verlengen/" in page
    assert f"{case_url(cast, case)}afsluiten/" in page
    for member in ("participant_a", "triage", "privacy_officer", "auditor"):
        other = as_user(getattr(cast, member)).get(work_url(cast))
        assert "nazorg/verlengen" not in other.content.decode(), member
    detail = as_user(cast.process_director).get(case_url(cast, case)).content.decode()
    assert "nazorg/verlengen" in detail
    assert (
        "nazorg/verlengen"
        not in as_user(cast.participant_a).get(case_url(cast, case)).content.decode()
    )


def test_extend_moves_the_watch_and_asks_again_later(cast: Cast, case: Case, as_user) -> None:
    case = to_aftercare(case, cast)
    first = case.aftercare_until
    schedule(first + datetime.timedelta(days=1))
    new = timezone.localdate() + datetime.timedelta(weeks=8)
    response = as_user(cast.process_director).post(
        case_url(cast, case, "nazorg/verlengen/"),
        {"until": new.isoformat(), "reason": "Nog onrustig in de wijk."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.aftercare_until == new
    entry = ProcessingLogEntry.objects.filter(name="case.aftercare.extend").first()
    assert entry is not None
    schedule(new + datetime.timedelta(days=1))
    assert WatchEnd.objects.count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"until": "", "reason": "Nog onrustig in de wijk."},
        {"until": "2000-01-01", "reason": "Nog onrustig in de wijk."},
        {"until": "gisteren", "reason": "Nog onrustig in de wijk."},
        {"until": "2999-01-01", "reason": "Nog onrustig in de wijk."},
        {"until": "+30", "reason": "kort"},
    ],
)
def test_extend_refuses_bad_input(cast: Cast, case: Case, as_user, data) -> None:
    case = to_aftercare(case, cast)
    before = case.aftercare_until
    if data.get("until") == "+30":
        data = {**data, "until": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()}
    response = as_user(cast.process_director).post(case_url(cast, case, "nazorg/verlengen/"), data)
    assert response.status_code == 400
    assert 'class="utrecht-form-field-error-message' in response.content.decode() or (
        "error" in response.content.decode()
    )
    case.refresh_from_db()
    assert case.aftercare_until == before


def test_extend_only_for_directors_and_aftercare(cast: Cast, case: Case, as_user) -> None:
    url = case_url(cast, case, "nazorg/verlengen/")
    assert as_user(cast.process_director).get(url).status_code == 404  # not in aftercare
    case = to_aftercare(case, cast)
    for member in (
        "participant_a",
        "triage",
        "privacy_officer",
        "admin",
        "auditor",
        "other_house_user",
    ):
        assert as_user(getattr(cast, member)).get(url).status_code == 404, member
    with pytest.raises(PermissionDenied):
        aftercare.do_extend_aftercare(
            case,
            until=timezone.localdate() + datetime.timedelta(days=9),
            reason="Nog onrustig in de wijk.",
            actor=cast.triage,
        )


# --- No silent skip of aftercare --------------------------------------------------------------


def test_closing_from_execution_needs_a_reason(cast: Cast, case: Case, as_user) -> None:
    case = to_execution(case, cast)
    client = as_user(cast.process_director)
    page = client.get(case_url(cast, case, "afsluiten/")).content.decode()
    assert 'name="skip_reason"' in page
    data = {"outcome": "moved", "note": "Verhuisd naar elders."}
    assert client.post(case_url(cast, case, "afsluiten/"), data).status_code == 400
    assert (
        client.post(case_url(cast, case, "afsluiten/"), {**data, "skip_reason": "kort"}).status_code
        == 400
    )
    case.refresh_from_db()
    assert case.phase == "execution"
    response = client.post(
        case_url(cast, case, "afsluiten/"),
        {**data, "skip_reason": "Gezin is verhuisd; nazorg kan hier niet."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.phase == "closed"
    change = PhaseChange.objects.filter(case=case).order_by("-id").first()
    assert change.from_phase == "execution"
    assert change.reason == "Gezin is verhuisd; nazorg kan hier niet."
    entry = ProcessingLogEntry.objects.filter(name="case.close").first()
    assert entry is not None


def test_closing_from_aftercare_needs_no_skip_reason(cast: Cast, case: Case, as_user) -> None:
    case = to_aftercare(case, cast)
    client = as_user(cast.process_director)
    assert (
        'name="skip_reason"' not in client.get(case_url(cast, case, "afsluiten/")).content.decode()
    )
    response = client.post(
        case_url(cast, case, "afsluiten/"), {"outcome": "manageable", "note": "Stabiel."}
    )
    assert response.status_code == 302


def test_api_close_from_execution_needs_a_reason(cast: Cast, case: Case) -> None:
    case = to_execution(case, cast)
    with pytest.raises(ValidationError) as refused:
        actions.do_close_case(
            case, outcome="moved", note="Weg.", final_scores=None, actor=cast.process_director
        )
    assert "skip_reason" in refused.value.message_dict


# --- Relapse alerts ---------------------------------------------------------------------------


def test_referral_about_an_aftercare_case_alerts_the_director(
    cast: Cast, case: Case, as_user
) -> None:
    case = to_aftercare(case, cast)
    referral = submit_referral(cast)
    alert = RelapseAlert.objects.get()
    assert (alert.case, alert.source_kind, alert.source_id) == (case, "referral", referral.pk)
    told = Notification.objects.filter(link=alert_url(cast, alert))
    assert list(told.values_list("user__email", flat=True)) == [cast.process_director.email]
    assert ProcessingLogEntry.objects.filter(name="case.relapse.alert", case_id=case.pk).exists()
    # The referrer learns nothing: no notification and no word of the case on their page.
    theirs = Notification.objects.filter(user=cast.participant_c)
    assert not any(case.reference in n.message for n in theirs)
    page = as_user(cast.participant_c).get(f"/huizen/{cast.house.slug}/meldingen/{referral.pk}/")
    assert page.status_code == 200
    assert case.reference not in page.content.decode()
    assert "terugval" not in page.content.decode().lower()


def test_referral_about_a_recently_closed_case_by_name(cast: Cast, as_user) -> None:
    subject = actions.create_subject(
        cast.house, SubjectData("Jan", "Zonderbsn", date_of_birth=datetime.date(1970, 1, 2))
    )
    case = actions.create_case(
        cast.house,
        kind="person",
        title="Jan Zonderbsn",
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=cast.process_director,
        process_director=cast.process_director,
    )
    close(case, cast)
    submit_referral(cast, bsn="", last="Zonderbsn", date_of_birth=datetime.date(1970, 1, 2))
    assert RelapseAlert.objects.get().case == case


def test_no_alert_for_another_person_or_a_case_closed_long_ago(cast: Cast, case: Case) -> None:
    case = close(case, cast)
    submit_referral(cast, bsn="123456782", last="Anders")
    assert not RelapseAlert.objects.exists()
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - datetime.timedelta(days=400))
    submit_referral(cast)
    assert not RelapseAlert.objects.exists()


def test_no_alert_for_an_open_case_in_execution(cast: Cast, case: Case) -> None:
    to_execution(case, cast)
    submit_referral(cast)
    assert not RelapseAlert.objects.exists()


def test_known_to_question_raises_an_alert(cast: Cast, case: Case) -> None:
    case = close(case, cast)
    referral = submit_referral(cast)
    RelapseAlert.objects.all().delete()
    queries = referral_actions.do_ask_known_to(
        house=cast.house,
        organisations=[cast.org_a],
        deadline=timezone.localdate() + datetime.timedelta(days=3),
        actor=cast.process_director,
        referral=referral,
    )
    alert = RelapseAlert.objects.get()
    assert (alert.case, alert.source_kind, alert.source_id) == (case, "known_to", queries[0].pk)


def test_convergence_alert_raises_an_alert_and_tells_the_signallers_nothing(
    cast: Cast, case: Case
) -> None:
    case = to_aftercare(case, cast)
    before = set(
        Notification.objects.filter(user__in=[cast.participant_a, cast.participant_b]).values_list(
            "pk", flat=True
        )
    )
    signal_alert = converge(cast)
    alert = RelapseAlert.objects.get()
    assert (alert.case, alert.source_kind, alert.source_id) == (case, "signal", signal_alert.pk)
    new = Notification.objects.filter(user__in=[cast.participant_a, cast.participant_b]).exclude(
        pk__in=before
    )
    assert not any(case.reference in n.message for n in new)
    assert not any("/terugval/" in n.link for n in new)


def test_no_alert_from_signals_about_someone_else(cast: Cast, case: Case) -> None:
    to_aftercare(case, cast)
    converge(cast, bsn="123456782")
    assert not RelapseAlert.objects.exists()


# --- Deciding on a relapse alert --------------------------------------------------------------


def test_reopen_a_closed_case(
    cast: Cast, case: Case, as_user, django_capture_on_commit_callbacks
) -> None:
    case = close(case, cast)
    submit_referral(cast)
    alert = RelapseAlert.objects.get()
    client = as_user(cast.process_director)
    page = client.get(alert_url(cast, alert))
    assert page.status_code == 200
    assert ProcessingLogEntry.objects.filter(name="case.relapse.read").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            alert_url(cast, alert),
            {"decision": "reopen_preparation", "reason": "Opnieuw huurachterstand gemeld."},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.phase == "preparation"
    assert case.closed_at is None
    assert case.retention_until is None
    alert.refresh_from_db()
    assert alert.decision == "reopened"
    assert alert.handled_by == cast.process_director
    change = PhaseChange.objects.filter(case=case).order_by("-id").first()
    assert (change.from_phase, change.to_phase) == ("closed", "preparation")
    assert ProcessingLogEntry.objects.filter(name="case.reopen", case_id=case.pk).exists()
    told = set(
        Notification.objects.filter(message__contains=case.reference).values_list(
            "user__email", flat=True
        )
    )
    assert {"a@test.invalid", "b@test.invalid"} <= told
    # Dealt with: no second decision.
    again = client.post(
        alert_url(cast, alert), {"decision": "no_action", "reason": "Toch niet nodig."}
    )
    assert again.status_code == 404


def test_reopen_from_aftercare_to_execution_and_no_action(cast: Cast, case: Case, as_user) -> None:
    case = to_aftercare(case, cast)
    submit_referral(cast)
    converge(cast)
    first, second = RelapseAlert.objects.order_by("id")
    client = as_user(cast.process_director)
    client.post(
        alert_url(cast, first), {"decision": "no_action", "reason": "Oude melding, bekend."}
    )
    first.refresh_from_db()
    assert first.decision == "no_action"
    assert first.reason == "Oude melding, bekend."
    case.refresh_from_db()
    assert case.phase == "aftercare"
    client.post(
        alert_url(cast, second),
        {"decision": "reopen_execution", "reason": "Signalen nemen weer toe."},
    )
    case.refresh_from_db()
    assert case.phase == "execution"
    assert case.aftercare_until is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"decision": "reopen_execution"},
        {"decision": "reopen_execution", "reason": "kort"},
        {"decision": "delete", "reason": "Signalen nemen weer toe."},
        {"decision": "no_action", "reason": "   "},
    ],
)
def test_alert_decision_refuses_bad_input(cast: Cast, case: Case, as_user, data) -> None:
    case = close(case, cast)
    submit_referral(cast)
    alert = RelapseAlert.objects.get()
    response = as_user(cast.process_director).post(alert_url(cast, alert), data)
    assert response.status_code == 400
    alert.refresh_from_db()
    case.refresh_from_db()
    assert alert.is_open
    assert case.phase == "closed"


def test_only_directors_of_the_house_see_or_decide(cast: Cast, case: Case, as_user) -> None:
    case = close(case, cast)
    submit_referral(cast)
    alert = RelapseAlert.objects.get()
    for member in (
        "participant_a",
        "triage",
        "privacy_officer",
        "admin",
        "auditor",
        "other_house_user",
    ):
        client = as_user(getattr(cast, member))
        assert client.get(alert_url(cast, alert)).status_code == 404, member
        response = client.post(
            alert_url(cast, alert),
            {"decision": "reopen_execution", "reason": "Signalen nemen toe."},
        )
        assert response.status_code == 404, member
        with pytest.raises(PermissionDenied):
            aftercare.do_reopen_case(
                alert, target="execution", reason="Signalen nemen toe.", actor=getattr(cast, member)
            )
    case.refresh_from_db()
    assert case.phase == "closed"


def test_lists_take_a_constant_number_of_queries(cast: Cast, as_user) -> None:
    client = as_user(cast.process_director)

    def make(n: int) -> None:
        for i in range(n):
            subject = actions.create_subject(cast.house, SubjectData("P", f"Persoon{i}{n}"))
            case = actions.create_case(
                cast.house,
                kind="person",
                title="P",
                urgency="normal",
                subjects=[(subject, True, "", False)],
                actor=cast.process_director,
                process_director=cast.process_director,
            )
            case = to_aftercare(case, cast)
            Case.objects.filter(pk=case.pk).update(
                aftercare_until=timezone.localdate() - datetime.timedelta(days=1)
            )
            RelapseAlert.objects.create(
                house=cast.house,
                case=case,
                source_kind="referral",
                source_id=i,
                created_at=timezone.now(),
            )

    make(1)
    client.get(work_url(cast))
    with CaptureQueriesContext(connection) as one:
        client.get(work_url(cast))
    make(4)
    with CaptureQueriesContext(connection) as five:
        page = client.get(work_url(cast))
    assert page.content.decode().count("/terugval/") == 5
    assert len(five) == len(one)


# --- The API ----------------------------------------------------------------------------------


def api(cast: Cast, tail: str) -> str:
    return f"/api/v1/houses/{cast.house.slug}/{tail}"


def test_api_lists_and_decides_relapse_alerts(cast: Cast, case: Case, as_user) -> None:
    case = close(case, cast)
    submit_referral(cast)
    alert = RelapseAlert.objects.get()
    director = as_user(cast.process_director)
    listed = director.get(api(cast, "relapse-alerts?open=true"))
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [alert.pk]
    assert ProcessingLogEntry.objects.filter(name="case.relapse.list").exists()
    for member in ("participant_a", "triage", "privacy_officer", "auditor"):
        theirs = as_user(getattr(cast, member)).get(api(cast, "relapse-alerts"))
        assert theirs.status_code == 404, member
        refused = as_user(getattr(cast, member)).post(
            api(cast, f"relapse-alerts/{alert.pk}/decide"),
            {"decision": "no_action", "reason": "Niet nodig, bekend."},
            content_type="application/json",
        )
        assert refused.status_code == 404, member
    for body in (
        {},
        {"decision": "reopen_execution", "reason": "kort"},
        {"decision": "weg", "reason": "Signalen nemen weer toe."},
        {"decision": "no_action", "reason": "Niet nodig, bekend.", "extra": 1},
    ):
        bad = director.post(
            api(cast, f"relapse-alerts/{alert.pk}/decide"), body, content_type="application/json"
        )
        assert bad.status_code == 400, body
        assert bad["Content-Type"] == "application/problem+json"
    alert.refresh_from_db()
    assert alert.is_open
    done = director.post(
        api(cast, f"relapse-alerts/{alert.pk}/decide"),
        {"decision": "reopen_execution", "reason": "Signalen nemen weer toe."},
        content_type="application/json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["decision"] == "reopened"
    case.refresh_from_db()
    assert case.phase == "execution"


def test_api_extends_the_watch_and_closes_with_skip_reason(cast: Cast, case: Case, as_user) -> None:
    case = to_aftercare(case, cast)
    director = as_user(cast.process_director)
    new = (timezone.localdate() + datetime.timedelta(weeks=4)).isoformat()
    path = api(cast, f"cases/{case.pk}/aftercare/extend")
    for body in ({}, {"until": "morgen", "reason": "Nog onrustig in de wijk."}, {"until": new}):
        assert director.post(path, body, content_type="application/json").status_code == 400
    refused = as_user(cast.participant_a).post(
        path, {"until": new, "reason": "Nog onrustig in de wijk."}, content_type="application/json"
    )
    assert refused.status_code == 403
    done = director.post(
        path, {"until": new, "reason": "Nog onrustig in de wijk."}, content_type="application/json"
    )
    assert done.status_code == 200, done.json()
    case.refresh_from_db()
    assert case.aftercare_until.isoformat() == new
    other = actions.do_transition_case(
        case, "execution", actor=cast.process_director, reason="Terugval in de wijk."
    )
    close_path = api(cast, f"cases/{other.pk}/close")
    body = {"outcome": "moved", "note": "Verhuisd."}
    missing = director.post(close_path, body, content_type="application/json")
    assert missing.status_code == 400
    assert "skip_reason" in missing.content.decode()
    done = director.post(
        close_path,
        {**body, "skip_reason": "Verhuisd naar het buitenland."},
        content_type="application/json",
    )
    assert done.status_code == 200, done.json()
