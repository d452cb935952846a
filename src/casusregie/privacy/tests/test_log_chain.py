"""The processing log and the audit trail: one trace per request, lines per data subject,
batched reads, a hash chain that `verify-log` checks, append-only on PostgreSQL, and the export
in the Logboek Dataverwerkingen shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from casusregie.privacy import chain, crypto
from casusregie.privacy.models import AuditEvent, Operation, ProcessingLogEntry

pytestmark = pytest.mark.django_db


def verify() -> tuple[bool, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_log", stdout=out, stderr=err)
    except CommandError:
        return False, err.getvalue()
    return True, out.getvalue()


@contextmanager
def tampering() -> Iterator[Any]:
    """Raw SQL as someone with database access would use it, past the append-only trigger."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        yield cursor


def case_page(as_user: Any, cast: Any, case: Any) -> Any:
    return as_user(cast.process_director).get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/")


def test_a_page_read_is_one_trace_with_a_line_per_subject_and_no_user_in_the_line(
    cast: Any, case: Any, as_user: Any
) -> None:
    before = ProcessingLogEntry.objects.count()
    response = case_page(as_user, cast, case)
    assert response.status_code == 200
    trace = response["X-Trace-Id"]
    lines = ProcessingLogEntry.objects.filter(trace_id=trace, name="case.read")
    assert lines.count() == 1
    assert ProcessingLogEntry.objects.count() > before
    line = lines.get()
    audit = AuditEvent.objects.get(trace_id=trace, span_id=line.parent_span_id)
    assert audit.actor == cast.process_director
    assert line.operation == Operation.READ
    assert line.processing_activity == f"urn:casusregie:{cast.house.slug}:verwerking:casusaanpak:v1"
    assert line.data_subject_id_type == "bsn"
    assert "111222333" not in line.data_subject_id
    assert not hasattr(line, "actor_id")


def test_a_trace_parent_from_a_partner_system_is_kept(cast: Any, case: Any, as_user: Any) -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = as_user(cast.process_director).get(
        f"/huizen/{cast.house.slug}/casussen/{case.pk}/",
        HTTP_TRACEPARENT=f"00-{trace}-00f067aa0ba902b7-01",
    )
    assert response["X-Trace-Id"] == trace
    assert ProcessingLogEntry.objects.filter(trace_id=trace, name="case.read").exists()
    garbage = as_user(cast.process_director).get(
        f"/huizen/{cast.house.slug}/casussen/{case.pk}/", HTTP_TRACEPARENT="00-zz-yy-01"
    )
    assert garbage.status_code == 200
    assert len(garbage["X-Trace-Id"]) == 32


def test_reads_of_one_request_are_written_in_one_batch(cast: Any, case: Any, as_user: Any) -> None:
    client = as_user(cast.process_director)
    client.get(f"/huizen/{cast.house.slug}/casussen/")  # warm the session
    with (
        CaptureQueriesContext(connection) as queries,
        mock.patch.object(chain, "_insert_lines", wraps=chain._insert_lines) as insert_lines,
    ):
        response = client.get(f"/huizen/{cast.house.slug}/casussen/{case.pk}/")
    assert insert_lines.call_count == 1
    audit_inserts = [
        q
        for q in queries.captured_queries
        if q["sql"].startswith("INSERT") and '"privacy_auditevent"' in q["sql"]
    ]
    assert len(audit_inserts) == 1
    assert AuditEvent.objects.filter(trace_id=response["X-Trace-Id"]).count() >= 1


def test_verify_log_passes_on_an_untouched_log(cast: Any, case: Any, as_user: Any) -> None:
    case_page(as_user, cast, case)
    ok, output = verify()
    assert ok, output
    assert "intact" in output


def test_verify_log_finds_a_changed_line(cast: Any, case: Any, as_user: Any) -> None:
    case_page(as_user, cast, case)
    case_page(as_user, cast, case)
    victim = ProcessingLogEntry.objects.order_by("pk")[1]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE privacy_processinglogentry SET purpose = %s WHERE id = %s",
            ["iets anders", victim.pk],
        )
    ok, output = verify()
    assert not ok
    assert f"row {victim.pk}" in output
    assert "changed" in output


def test_verify_log_finds_a_removed_line(cast: Any, case: Any, as_user: Any) -> None:
    for _ in range(3):
        case_page(as_user, cast, case)
    rows = list(ProcessingLogEntry.objects.filter(house=cast.house).order_by("pk"))
    with tampering() as cursor:
        cursor.execute("DELETE FROM privacy_processinglogentry WHERE id = %s", [rows[1].pk])
    ok, output = verify()
    assert not ok
    assert f"row {rows[2].pk}" in output
    assert "removed or inserted" in output


def test_verify_log_finds_a_removed_last_line(cast: Any, case: Any, as_user: Any) -> None:
    case_page(as_user, cast, case)
    last = ProcessingLogEntry.objects.filter(house=cast.house).order_by("pk").last()
    assert last is not None
    with tampering() as cursor:
        cursor.execute("DELETE FROM privacy_processinglogentry WHERE id = %s", [last.pk])
    ok, output = verify()
    assert not ok
    assert "end of the chain" in output


def test_verify_log_finds_an_inserted_audit_row(cast: Any, case: Any, as_user: Any) -> None:
    case_page(as_user, cast, case)
    last = AuditEvent.objects.filter(house=cast.house).order_by("pk").last()
    assert last is not None
    with tampering() as cursor:
        cursor.execute(
            "INSERT INTO privacy_auditevent (trace_id, span_id, occurred_at, house_id, action,"
            " object_type, object_id, reason, prev_hash, chain_hash)"
            " VALUES ('x', 'y', %s, %s, 'case.read', 'cases.case', '1', '', %s, %s)",
            [last.occurred_at, cast.house.pk, last.chain_hash, "0" * 64],
        )
    ok, output = verify()
    assert not ok
    assert "audit trail" in output
    assert "changed or forged" in output


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists on PostgreSQL only; .ci/run runs this on PostgreSQL",
)
def test_postgresql_refuses_updates_and_deletes_of_log_rows(
    cast: Any, case: Any, as_user: Any
) -> None:
    case_page(as_user, cast, case)
    line = ProcessingLogEntry.objects.order_by("pk").last()
    assert line is not None
    for statement in (
        "UPDATE privacy_processinglogentry SET purpose = 'x' WHERE id = %s",
        "DELETE FROM privacy_processinglogentry WHERE id = %s",
        "UPDATE privacy_auditevent SET reason = 'x' WHERE id = (SELECT max(id) FROM"
        " privacy_auditevent WHERE %s > 0)",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [line.pk])
    assert ProcessingLogEntry.objects.filter(pk=line.pk, purpose=line.purpose).exists()


def test_the_export_has_the_shape_of_the_standard(cast: Any, case: Any, as_user: Any) -> None:
    case_page(as_user, cast, case)
    out = StringIO()
    call_command("export_log", cast.house.slug, "--since", "2000-01-01", stdout=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    read = next(r for r in records if r["name"] == "case.read")
    assert len(read["trace_id"]) == 32
    assert len(read["span_id"]) == 16
    assert read["status"] == "Ok"
    assert read["start_time"] <= read["end_time"]
    assert isinstance(read["start_time"], int)
    assert read["attributes"]["dpl.core.data_subject_id_type"] == "bsn"
    assert read["attributes"]["dpl.core.processing_activity_id"].startswith("urn:casusregie:")
    assert "Paula" not in out.getvalue()  # no user identities in the log lines


def test_export_of_an_unknown_house_is_refused() -> None:
    with pytest.raises(CommandError, match="no house"):
        call_command("export_log", "bestaat-niet", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("export_log", "x", "--since", "gisteren", stdout=StringIO())


def test_a_list_of_cases_is_logged_per_case_and_subject_it_shows(
    cast: Any, case: Any, as_user: Any
) -> None:
    response = as_user(cast.participant_a).get(f"/huizen/{cast.house.slug}/casussen/")
    assert response.status_code == 200
    lines = ProcessingLogEntry.objects.filter(trace_id=response["X-Trace-Id"], name="case.list")
    assert [(line.case_id, line.data_subject_id_type) for line in lines] == [(case.pk, "bsn")]
    audit = AuditEvent.objects.get(trace_id=response["X-Trace-Id"], action="case.list")
    assert audit.actor == cast.participant_a
    assert audit.after == {"cases": [case.pk]}
    api = as_user(cast.participant_c).get(f"/api/v1/houses/{cast.house.slug}/cases")
    assert api.status_code == 200
    assert not ProcessingLogEntry.objects.filter(trace_id=api["X-Trace-Id"]).exists()
    api_a = as_user(cast.participant_b).get(f"/api/v1/houses/{cast.house.slug}/cases")
    assert ProcessingLogEntry.objects.filter(trace_id=api_a["X-Trace-Id"], case_id=case.pk).exists()


def test_my_work_is_logged_for_the_people_of_the_cases_it_names(
    cast: Any, case: Any, as_user: Any
) -> None:
    response = as_user(cast.process_director).get(f"/huizen/{cast.house.slug}/mijn-werk/")
    lines = ProcessingLogEntry.objects.filter(trace_id=response["X-Trace-Id"], name="case.list")
    assert [line.case_id for line in lines] == [case.pk]
    other = as_user(cast.participant_c).get(f"/huizen/{cast.house.slug}/mijn-werk/")
    assert not ProcessingLogEntry.objects.filter(trace_id=other["X-Trace-Id"]).exists()


def bulk_line(house_id: int, n: int, **fields: Any) -> dict[str, Any]:
    """A processing-log line as bulk writers make them (chain.line), numbered n."""
    import datetime

    from casusregie.privacy import log

    moment = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    values: dict[str, Any] = {
        "trace_id": log.new_trace_id(),
        "span_id": log.new_span_id(),
        "parent_span_id": "",
        "name": "bulk.test",
        "start_time": moment,
        "end_time": moment,
        "operation": str(Operation.CREATE),
        "processing_activity": "https://example.invalid/a",
        "purpose": "test",
        "data_subject_id": f"{n:064x}",
        "data_subject_id_type": "bsn",
        "house_id": house_id,
        "case_id": None,
        "object_type": "test",
        "object_id": str(n),
        "recipient_organisation_id": None,
    }
    return chain.line(**{**values, **fields})


def test_lines_chained_in_bulk_verify_whatever_their_values(cast: Any) -> None:
    """Bulk appends hash lines field by field (chain._LineDigests); verify-log recomputes them
    with the general digest, so both must agree on awkward values too: quotes, tabs, accents,
    no case, and times written in another time zone."""
    import datetime

    other_zone = datetime.datetime(
        2026, 3, 1, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=5))
    )
    lines = [
        bulk_line(
            cast.house.pk,
            n,
            name=name,
            start_time=other_zone,
            end_time=other_zone + datetime.timedelta(microseconds=n),
            processing_activity="https://example.invalid/activiteit/é",
            purpose='Vroegsignalering "samenloop"\tmet tab',
            case_id=None if n % 2 else n,
            object_type="signals.intake",
        )
        for n, name in enumerate(["signal.intake", "signal.ïntake", "signal\\intake"] * 3)
    ]
    with transaction.atomic():
        chain.append([], lines)
    assert verify()[0]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE privacy_processinglogentry SET purpose = %s WHERE object_id = %s "
            "AND object_type = 'signals.intake'",
            ["Vroegsignalering", "4"],
        )
    ok, message = verify()
    assert not ok
    assert "changed or forged" in message


def test_work_alongside_the_hashing_is_part_of_the_same_transaction(cast: Any) -> None:
    """chain.append(alongside=...) runs database work of the caller's transaction in a second
    thread while it hashes (a bulk intake inserts its signals so): what that work writes
    commits or rolls back with the lines, and its error reaches the caller."""
    from casusregie.houses.models import Organisation

    def line(n: int) -> dict[str, Any]:
        return bulk_line(cast.house.pk, n)

    def renamer(name: str, fail: bool = False) -> Any:
        def rename(db: Any) -> None:
            with db.cursor() as cursor:
                cursor.execute(
                    "UPDATE houses_organisation SET name = %s WHERE id = %s", [name, cast.org_c.pk]
                )
            if fail:
                raise RuntimeError("the insert failed")

        return rename

    with transaction.atomic():
        chain.append([], [line(n) for n in range(500)], alongside=renamer("Hernoemd"))
    assert Organisation.objects.get(pk=cast.org_c.pk).name == "Hernoemd"
    assert ProcessingLogEntry.objects.filter(name="bulk.test").count() == 500
    assert verify()[0]

    with pytest.raises(RuntimeError, match="the insert failed"), transaction.atomic():
        chain.append([], [line(n) for n in range(500, 510)], alongside=renamer("X", fail=True))
    assert ProcessingLogEntry.objects.filter(name="bulk.test").count() == 500
    assert Organisation.objects.get(pk=cast.org_c.pk).name == "Hernoemd"
    assert verify()[0]


@pytest.mark.parametrize("length", [0, 7, 32, 64, 65, 200])
def test_chain_hashes_are_hmac_sha256_whatever_the_key_length(length: int) -> None:
    """Lines are signed from the key's padded SHA-256 states (crypto.hmac_sha256, cheaper than
    copying an hmac object): the result must be the standard HMAC, for short, block-long and
    long keys (LOG_CHAIN_KEY may be any text), else logs written before would no longer
    verify."""
    import hashlib
    import hmac

    key = bytes(n % 251 for n in range(length))
    pads = crypto.hmac_pads(key)
    for message in (b"", b"|[1,2]", 'prev|["é"]'.encode() * 50):
        assert (
            crypto.hmac_sha256(pads, message) == hmac.new(key, message, hashlib.sha256).hexdigest()
        )
    expected = hmac.new(chain._key(), b"prev|[1]", hashlib.sha256).hexdigest()
    assert chain._sign("prev", "[1]") == expected


def test_a_data_subjects_lines_are_found_through_the_subject_index(
    cast: Any, case: Any, as_user: Any
) -> None:
    """An access request looks a person's lines up by exact pseudonym (privacy/rights.py): the
    subject index (a hash index on PostgreSQL, decision 0036) answers it, not a walk through
    the whole log."""
    case_page(as_user, cast, case)
    subject = ProcessingLogEntry.objects.exclude(data_subject_id="").values_list(
        "data_subject_id", flat=True
    )[0]
    lines = ProcessingLogEntry.objects.filter(data_subject_id__in=[subject])
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test log is a few lines long
        plan = lines.explain()
        found = {line.data_subject_id for line in lines}
    assert "plog_subject" in plan
    assert found == {subject}
    assert lines.count() == ProcessingLogEntry.objects.filter(data_subject_id=subject).count()


@pytest.mark.parametrize(
    "varying",
    [(), ("trace_id",), ("recipient_organisation_id",), ("trace_id", "object_id", "case_id")],
)
def test_bulk_hashes_equal_the_general_digest_whichever_fields_vary(
    cast: Any, varying: tuple[str, ...]
) -> None:
    """chain._LineDigests writes only the varying values into a batch's constant payload text:
    the first field, the last, several or none varying must all give `digest`'s hash."""
    from casusregie.privacy import log

    lines = [bulk_line(cast.house.pk, 7) for _n in range(4)]
    for n, entry in enumerate(lines):
        for name in varying:
            entry[name] = {"trace_id": log.new_trace_id(), "case_id": n}.get(name, str(n))
    digests = chain._LineDigests(lines)
    for entry in lines:
        assert digests(entry, "prev") == chain.digest(entry, "prev")
