"""Bulk intake of signals from a CSV: pseudonymised on arrival, row and column errors in Dutch,
keep-valid or reject-all, a progress page, and clear messages for files that cannot be read."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casusregie.conftest import Cast
from casusregie.signals.models import Alert, Intake, IntakeStatus, PendingSignal, Signal

from .helpers import BORN, BSN_1, BSN_2, FIRST, LAST, base, signal_from_b, today

pytestmark = pytest.mark.django_db


def url(cast: Cast) -> str:
    return f"{base(cast)}inlezen/"


def upload(client, cast: Cast, org, data: bytes, keep_valid: str = "1", name: str = "politie.csv"):
    return client.post(
        url(cast),
        {"organisation": org.pk, "keep_valid": keep_valid, "file": SimpleUploadedFile(name, data)},
    )


def good_file() -> bytes:
    day = today().isoformat()
    return (
        "bsn;first_name;last_name;date_of_birth;category;date\n"
        f"{BSN_1};;;;overlast;{day}\n"
        f";{FIRST};{LAST};{BORN};verward gedrag;{day}\n"
        f"{BSN_2};;;;debts;{day}\n"
    ).encode()


def mixed_file() -> bytes:
    day = today().isoformat()
    return (
        "bsn,category,date\n"
        f"{BSN_1},nuisance,{day}\n"
        f"123456789,nuisance,{day}\n"  # fails the eleven-test
        f"{BSN_2},gossip,{day}\n"
        f"{BSN_2},debts,2999-01-01\n"
        f"{BSN_1},nuisance,{day}\n"  # the same as row 2
    ).encode()


def test_a_good_file_is_saved_with_progress_and_raises_alerts(
    as_user, cast: Cast, django_capture_on_commit_callbacks
) -> None:
    signal_from_b(cast)  # B signalled about BSN_1 before; A's file brings the second organisation
    client = as_user(cast.participant_a)
    assert client.get(url(cast)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, cast, cast.org_a, good_file())
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.DONE
    assert not PendingSignal.objects.exists()
    assert Signal.objects.filter(organisation=cast.org_a).count() == 3
    assert Alert.objects.get().organisations.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "signalen opgeslagen" in page
    for value in (BSN_1, BSN_2, FIRST, LAST):
        assert value not in page
        assert value not in str(intake.report)
        assert value not in str(intake.summary)


def test_progress_bar_while_saving(as_user, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    response = upload(client, cast, cast.org_a, good_file())  # the task waits for the commit
    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.WORKING
    waiting = list(PendingSignal.objects.filter(intake=intake).values())
    assert len(waiting) == 3
    for value in (BSN_1, BSN_2, FIRST, LAST):
        assert value not in str(waiting)
    page = client.get(response["Location"]).content.decode()
    assert '<progress id="voortgang-balk" max="3" value="0">' in page
    partial = client.get(f"{url(cast)}{intake.pk}/voortgang/")
    assert partial.status_code == 200
    assert "0 van 3 signalen opgeslagen" in partial.content.decode()
    assert as_user(cast.participant_b).get(f"{url(cast)}{intake.pk}/").status_code == 404


def test_keep_valid_saves_the_good_rows_and_reports_the_rest(
    as_user, cast: Cast, django_capture_on_commit_callbacks
) -> None:
    client = as_user(cast.participant_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, cast, cast.org_a, mixed_file(), keep_valid="1")
    intake = Intake.objects.get()
    assert Signal.objects.count() == 1
    rows = {(i["row"], i["column"]) for i in intake.report}
    assert rows == {(3, "bsn"), (4, "category"), (5, "date"), (6, "")}
    page = client.get(response["Location"]).content.decode()
    assert "Onbekende categorie." in page
    assert "elfproef" in page
    assert "123456789" not in page
    report = client.get(f"{url(cast)}{intake.pk}/rapport.csv")
    assert report.status_code == 200
    assert "123456789" not in report.content.decode()


def test_reject_all_stores_nothing(as_user, cast: Cast, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_user(cast.participant_a), cast, cast.org_a, mixed_file(), keep_valid="0")
    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.REJECTED
    assert not PendingSignal.objects.exists()
    assert Signal.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"bsn\tcategory\tdate\n1\t2\t3\n", "x.csv", "gescheiden door"),
        (
            b"bsn,category,date\n" + "é".encode() + b",x,y\n" + "é".encode("latin-1") + b",x,y\n",
            "x.csv",
            "UTF-8",
        ),
        (b"bsn,date\n1,2\n", "x.csv", "category"),
        (b"", "x.csv", "leeg"),
        (b"bsn,category,date\n", "x.csv", "geen rijen"),
        (b"x", "x.pdf", "CSV"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(
    as_user, cast: Cast, data: bytes, name: str, message: str
) -> None:
    response = upload(as_user(cast.participant_a), cast, cast.org_a, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Intake.objects.exists()
    assert not Signal.objects.exists()


def test_duplicates_of_earlier_signals_are_reported(
    as_user, cast: Cast, django_capture_on_commit_callbacks
) -> None:
    client = as_user(cast.participant_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, cast, cast.org_a, good_file())
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, cast, cast.org_a, good_file())
    second = Intake.objects.order_by("pk").last()
    assert {i["row"] for i in second.report} == {2, 3, 4}
    assert Signal.objects.count() == 3


def test_upload_for_another_organisation_or_by_others_is_refused(as_user, cast: Cast) -> None:
    assert upload(as_user(cast.participant_a), cast, cast.org_b, good_file()).status_code == 400
    assert upload(as_user(cast.admin), cast, cast.org_a, good_file()).status_code == 404
    assert upload(as_user(cast.other_house_user), cast, cast.org_a, good_file()).status_code == 404
    assert not Intake.objects.exists()


def test_a_save_that_fails_halfway_is_undone(
    as_user, cast: Cast, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from casusregie.signals import intake as intake_module

    monkeypatch.setattr(intake_module, "BATCH", 1)
    calls = {"n": 0}
    record = intake_module.log.record

    def broken_at_third_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database went away")
        return record(*args, **kwargs)

    monkeypatch.setattr(intake_module.log, "record", broken_at_third_batch)
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_user(cast.participant_a), cast, cast.org_a, good_file())
    monkeypatch.setattr(intake_module.log, "record", record)
    intake = Intake.objects.get()
    assert calls["n"] == 3  # two batches were saved before the failure
    assert intake.status == IntakeStatus.FAILED
    assert not PendingSignal.objects.exists()
    assert Signal.objects.count() == 0
    page = as_user(cast.participant_a).get(f"{url(cast)}{intake.pk}/").content.decode()
    assert "er is niets opgeslagen" in page


def test_a_save_started_again_after_its_worker_died_goes_on_where_it_stopped(
    as_user, cast: Cast, monkeypatch
) -> None:
    """run_schedule requeues a task whose worker was killed (web/task_queue.py): the second run
    must save the rest once, not save the first batches twice or fail on them."""
    from casusregie.signals import intake as intake_module

    monkeypatch.setattr(intake_module, "BATCH", 1)
    upload(as_user(cast.participant_a), cast, cast.org_a, good_file())  # task not run yet
    intake = Intake.objects.get()
    record = intake_module.log.record
    calls = {"n": 0}

    def killed_at_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")  # not an Exception: nothing is undone
        return record(*args, **kwargs)

    monkeypatch.setattr(intake_module.log, "record", killed_at_second_batch)
    with pytest.raises(SystemExit):
        intake_module.run(intake.pk)
    assert Signal.objects.count() == 1
    assert PendingSignal.objects.filter(intake=intake).count() == 2
    monkeypatch.setattr(intake_module.log, "record", record)
    intake_module.run(intake.pk)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.DONE
    assert intake.processed_rows == 3
    assert intake.summary["saved"] == 3
    assert Signal.objects.filter(intake=intake).count() == 3
    assert not PendingSignal.objects.exists()


def test_a_signal_given_between_the_check_and_the_save_still_raises_the_alert(
    as_user, cast: Cast
) -> None:
    """The file is checked on upload and saved by a task later: B's signal in between finds
    none of A's rows yet, and A's rows were not known elsewhere when checked. The save must
    still see the two organisations."""
    from casusregie.signals import actions
    from casusregie.signals import intake as intake_module
    from casusregie.signals.pseudonym import identify

    upload(as_user(cast.participant_a), cast, cast.org_a, good_file())  # task not run yet
    intake = Intake.objects.get()
    assert not PendingSignal.objects.filter(elsewhere=True).exists()
    registered = actions.do_register_signal(
        cast.house,
        identify(bsn=BSN_2),
        category="housing",
        observed_on=today(),
        organisation=cast.org_b,
        actor=cast.participant_b,
    )
    assert registered.alert is None  # A's signal is not saved yet
    intake_module.run(intake.pk)
    alert = Alert.objects.get()
    assert set(alert.organisations.all()) == {cast.org_a, cast.org_b}
    assert alert.categories == ["debts", "housing"]
    intake.refresh_from_db()
    assert intake.summary["alerts"] == 1


def test_people_only_this_organisation_knows_raise_no_alert(
    as_user, cast: Cast, django_capture_on_commit_callbacks
) -> None:
    from casusregie.signals import actions
    from casusregie.signals.pseudonym import identify

    actions.do_register_signal(
        cast.house,
        identify(bsn=BSN_1),
        category="housing",
        observed_on=today(),
        organisation=cast.org_a,
        actor=cast.participant_a,
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_user(cast.participant_a), cast, cast.org_a, good_file())
    assert Intake.objects.get().status == IntakeStatus.DONE
    assert Signal.objects.count() == 4
    assert not Alert.objects.exists()


def test_rows_looked_up_in_several_chunks_find_every_duplicate_and_every_other_organisation(
    as_user, cast: Cast, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    """The check looks up stored signals one chunk of rows at a time, in a second thread on
    PostgreSQL while the next chunk is pseudonymised: a duplicate or a person another
    organisation knows must be found whichever chunk the row falls in."""
    from casusregie.signals import actions
    from casusregie.signals import intake as intake_module
    from casusregie.signals.pseudonym import identify

    monkeypatch.setattr(intake_module, "CHECK_BATCH", 1)
    for org, user, bsn, category in (
        (cast.org_a, cast.participant_a, BSN_2, "debts"),  # the file's row 4, given by A
        (cast.org_b, cast.participant_b, BSN_1, "housing"),  # row 2's person, known to B
    ):
        actions.do_register_signal(
            cast.house,
            identify(bsn=bsn),
            category=category,
            observed_on=today(),
            organisation=org,
            actor=user,
        )
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_user(cast.participant_a), cast, cast.org_a, good_file())
    intake = Intake.objects.get()
    assert [(i["row"], i["reason"]) for i in intake.report] == [
        (4, "Uw organisatie heeft dit signaal al gegeven.")
    ]
    assert intake.status == IntakeStatus.DONE
    assert Signal.objects.filter(intake=intake).count() == 2
    alert = Alert.objects.get()
    assert set(alert.organisations.all()) == {cast.org_a, cast.org_b}


def test_a_failed_look_up_of_stored_signals_fails_the_check(cast: Cast, monkeypatch) -> None:
    """An error in the look-up thread reaches the upload; nothing is kept."""
    from casusregie.signals import intake as intake_module

    monkeypatch.setattr(intake_module, "CHECK_BATCH", 1)
    calls = {"n": 0}
    known = intake_module._known

    def failing_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("connection lost")
        return known(*args, **kwargs)

    monkeypatch.setattr(intake_module, "_known", failing_second)
    with pytest.raises(RuntimeError, match="connection lost"):
        intake_module.check(cast.house, cast.org_a, good_file(), "politie.csv")
    assert calls["n"] >= 2


def test_the_cycle_collector_is_back_on_after_a_check_and_a_save(
    as_user, cast: Cast, django_capture_on_commit_callbacks
) -> None:
    """The check and the save switch Python's cycle collector off while they work (decision
    0036); a long-running server process must get it back, also after a refused file."""
    import gc

    client = as_user(cast.participant_a)
    upload(client, cast, cast.org_a, b"not;a\nvalid", name="x.csv")
    assert gc.isenabled()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, cast, cast.org_a, good_file())
    assert Intake.objects.get().status == IntakeStatus.DONE
    assert gc.isenabled()
