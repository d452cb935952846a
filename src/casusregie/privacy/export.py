"""The processing log in the shape of Logboek Dataverwerkingen (one JSON object per line).

Field names follow the standard's specification: the OpenTelemetry-style span fields at the top
level (times in milliseconds since the epoch) and the `dpl.core.*` attributes; our own
additions are namespaced `casusregie.*`. User identities are not part of it (audit trail).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.db.models import QuerySet

from .models import ProcessingLogEntry

_STATUS = {"ok": "Ok", "error": "Error"}


def _ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _version() -> str:
    try:
        return version("casusregie")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def as_record(line: ProcessingLogEntry, resource: dict[str, str]) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "dpl.core.processing_activity_id": line.processing_activity,
        "dpl.core.data_subject_id": line.data_subject_id,
        "dpl.core.data_subject_id_type": line.data_subject_id_type,
        "casusregie.operation": line.operation,
        "casusregie.purpose": line.purpose,
    }
    if line.recipient_organisation_id:
        attributes["casusregie.recipient_organisation_id"] = line.recipient_organisation_id
    return {
        "trace_id": line.trace_id,
        "span_id": line.span_id,
        "parent_span_id": line.parent_span_id or None,
        "name": line.name,
        "status": _STATUS.get(line.status, "Unset"),
        "start_time": _ms(line.start_time),
        "end_time": _ms(line.end_time),
        "attributes": attributes,
        "resource": resource,
    }


def records(lines: QuerySet[ProcessingLogEntry], house_slug: str) -> Iterator[str]:
    resource = {
        "service.name": "casusregie",
        "service.version": _version(),
        "casusregie.house": house_slug,
    }
    for line in lines.order_by("pk").iterator(chunk_size=2000):
        yield json.dumps(as_record(line, resource), ensure_ascii=False) + "\n"
