"""Upgrading while an intake is saving: its checked rows move from the old JSON column to the
pending table (migration 0004), so the requeued task still saves them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from casusregie.conftest import Cast

BEFORE = [("signals", "0003_alert_id_kind")]
AFTER = [("signals", "0004_pending_signals_fewer_indexes")]


@pytest.mark.django_db(transaction=True)
def test_rows_of_an_intake_still_saving_survive_the_upgrade(cast: Cast) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    intake_model = old.get_model("signals", "Intake")
    day = datetime.date(2026, 11, 1)
    common = {
        "house_id": cast.house.pk,
        "organisation_id": cast.org_a.pk,
        "created_by_id": cast.participant_a.pk,
        "filename": "x.csv",
    }
    saving = intake_model.objects.create(
        status="working", rows=[["b" * 64, "bsn", "debts", day.isoformat()]], **common
    )
    intake_model.objects.create(
        status="done", rows=[["c" * 64, "bsn", "debts", day.isoformat()]], **common
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    pending = list(new.get_model("signals", "PendingSignal").objects.values())
    assert len(pending) == 1
    assert pending[0]["intake_id"] == saving.pk
    assert pending[0]["pseudonym"] == "b" * 64
    assert pending[0]["expires_on"] == day + datetime.timedelta(
        days=cast.house.retention_signal_days
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
