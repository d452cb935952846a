"""The background save of a bulk intake on PostgreSQL writes each batch's processing-log lines
on a second connection while its own connection inserts the signals (decision 0036). These
tests run outside a test transaction (the second connection must see the data), as the task
does: every signal gets its log line exactly once, the chain stays intact, alerts are raised,
and a task stopped between the log's commit and the signals' goes on without logging twice."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from casusregie.conftest import Cast
from casusregie.privacy.models import ProcessingLogEntry
from casusregie.signals import actions
from casusregie.signals import intake as intake_module
from casusregie.signals.models import Alert, Intake, IntakeStatus, PendingSignal, Signal

from .helpers import signal_from_b
from .test_intake import good_file

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the second connection is used on PostgreSQL only; .ci/run runs this on it",
    ),
    pytest.mark.django_db(transaction=True),
]


def staged(cast: Cast) -> Intake:
    """good_file (three signals) from organisation A, checked and staged, not saved yet."""
    return intake_module.do_upload(
        cast.house,
        organisation=cast.org_a,
        filename="politie.csv",
        data=good_file(),
        keep_valid=False,
        actor=cast.participant_a,
        enqueue=False,
    )


def intake_lines() -> list[str]:
    return list(
        ProcessingLogEntry.objects.filter(name="signal.intake").values_list(
            "data_subject_id", flat=True
        )
    )


def chain_intact() -> bool:
    try:
        call_command("verify_log", stdout=StringIO(), stderr=StringIO())
    except CommandError:
        return False
    return True


@pytest.fixture
def writes_beside(monkeypatch: Any) -> list[int]:
    """Counts the batches whose log lines the second connection wrote."""
    used: list[int] = []
    together = intake_module._LogWriter.together

    def counted(self: Any, *args: Any) -> None:
        used.append(1)
        together(self, *args)

    monkeypatch.setattr(intake_module._LogWriter, "together", counted)
    monkeypatch.setattr(intake_module, "BATCH", 1)  # three batches of one signal
    return used


def test_each_signal_is_logged_once_beside_its_insert_and_alerts_are_raised(
    cast: Cast, writes_beside: list[int]
) -> None:
    signal_from_b(cast)  # A's file brings the second organisation for BSN_1
    intake = staged(cast)
    intake_module.run(intake.pk)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.DONE
    assert len(writes_beside) == 3
    saved = list(Signal.objects.filter(intake=intake).values_list("pseudonym", "id_kind"))
    assert len(saved) == 3
    expected = sorted(actions.subject_ref(p, kind).pseudonym for p, kind in saved)
    assert sorted(intake_lines()) == expected
    assert Alert.objects.get().organisations.count() == 2
    assert intake.summary["alerts"] == 1
    assert chain_intact()


def test_a_task_stopped_between_the_two_commits_goes_on_without_logging_twice(
    cast: Cast, writes_beside: list[int], monkeypatch: Any
) -> None:
    intake = staged(cast)
    saved_before = intake_module._saved_before
    calls = {"n": 0}

    def stopped_at_second_batch(*args: Any) -> set[str]:
        calls["n"] += 1
        if calls["n"] == 2:  # the second batch's lines are committed, its signals are not
            raise SystemExit("worker killed")
        return saved_before(*args)

    monkeypatch.setattr(intake_module, "_saved_before", stopped_at_second_batch)
    with pytest.raises(SystemExit):
        intake_module.run(intake.pk)
    assert Signal.objects.filter(intake=intake).count() == 1
    assert len(intake_lines()) == 2  # one batch's lines ahead of its signals
    assert PendingSignal.objects.filter(intake=intake).count() == 2

    monkeypatch.setattr(intake_module, "_saved_before", saved_before)
    intake_module.run(intake.pk)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.DONE
    saved = list(Signal.objects.filter(intake=intake).values_list("pseudonym", "id_kind"))
    assert len(saved) == 3
    expected = sorted(actions.subject_ref(p, kind).pseudonym for p, kind in saved)
    assert sorted(intake_lines()) == expected  # the second batch's line is not there twice
    assert chain_intact()


def test_a_failing_insert_rolls_back_the_batchs_log_lines(
    cast: Cast, writes_beside: list[int], monkeypatch: Any
) -> None:
    """The signals' insert fails (here: another worker saved the same signal meanwhile): the
    second connection's lines of that batch are not committed, and the intake is undone."""
    intake = staged(cast)
    first = PendingSignal.objects.filter(intake=intake).order_by("id").first()
    assert first is not None
    Signal.objects.create(
        house=cast.house,
        pseudonym=first.pseudonym,
        id_kind=first.id_kind,
        category=first.category,
        observed_on=first.observed_on,
        expires_on=first.expires_on,
        organisation=cast.org_a,
        contact=cast.participant_a,
    )
    intake_module.run(intake.pk)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.FAILED
    assert not Signal.objects.filter(intake=intake).exists()
    assert intake_lines() == []
    assert chain_intact()
