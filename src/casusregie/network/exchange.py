"""Learning between houses: a signed export of a house's key indicators and lessons, the check of
other houses' exports and a side-by-side comparison (docs/network.md, decision 0023).

Settings (all optional; without a key a house cannot export, without known keys it imports
nothing):

- ``NETWORK_EXCHANGE_KEY``: this installation's secret for signing its exports;
- ``NETWORK_EXCHANGE_KEYS``: ``{house slug: secret}`` of the houses whose exports we accept;
- ``NETWORK_EXCHANGE_SUPPRESS_BELOW``: counts from 1 up to this number minus one are suppressed
  (default 5).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from typing import Any

from django.conf import settings

from casusregie.houses.models import House

from . import engine, house_data
from .models import LessonKind, Theme

FORMAT = "casusregie.network.exchange/1"
LESSON_KINDS = tuple(LessonKind.values)
THEMES = tuple(Theme.values)
MAX_LESSONS = 50
MAX_LESSON_LENGTH = 2000


class ExchangeError(ValueError):
    """An export cannot be made or an import is refused; the message says why and `code` names
    the kind of problem for a translated message on a page (format, unsigned, unknown_house,
    signature, lessons, no_key, no_data)."""

    def __init__(self, message: str, code: str = "format") -> None:
        super().__init__(message)
        self.code = code


def suppress_below() -> int:
    return int(getattr(settings, "NETWORK_EXCHANGE_SUPPRESS_BELOW", 5))


def _count(value: int, threshold: int) -> int | None:
    """A count from 1 to threshold−1 becomes None (shown as “< threshold”); 0 stays 0."""
    return None if 0 < value < threshold else value


def check_lessons(lessons: Any) -> list[dict[str, str]]:
    """Lessons as a list of {"kind", "theme", "text"}; raise ExchangeError naming the problem."""
    if not isinstance(lessons, list):
        raise ExchangeError("lessons must be a list", "lessons")
    if len(lessons) > MAX_LESSONS:
        raise ExchangeError(f"at most {MAX_LESSONS} lessons", "lessons")
    checked = []
    for i, lesson in enumerate(lessons):
        if not isinstance(lesson, dict):
            raise ExchangeError(f"lessons[{i}] must be an object", "lessons")
        kind, theme, text = lesson.get("kind"), lesson.get("theme"), lesson.get("text")
        if kind not in LESSON_KINDS:
            raise ExchangeError(
                f"lessons[{i}].kind must be one of {', '.join(LESSON_KINDS)}", "lessons"
            )
        if theme not in THEMES:
            raise ExchangeError(f"lessons[{i}].theme must be one of {', '.join(THEMES)}", "lessons")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_LESSON_LENGTH:
            raise ExchangeError(
                f"lessons[{i}].text must be 1 to {MAX_LESSON_LENGTH} characters", "lessons"
            )
        checked.append({"kind": kind, "theme": theme, "text": text.strip()})
    return checked


def indicators(house: House, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """The key indicators of a period, every small count suppressed."""
    found = house_data.collect(house, start, end)
    if found is None:
        raise ExchangeError(
            f"{house.name} has no cases or meetings from {start} to {end}", "no_data"
        )
    threshold = suppress_below()
    c = found.answers["contingencies"]
    participants = c["participants"]["evidence"]
    trust = c["trust"]["evidence"]
    due = int(trust.get("actions_due", 0))
    verdict = engine.diagnose(engine.parse_answers(found.answers))
    return {
        "organisations": _count(int(participants["organisations"]), threshold),
        "people": _count(int(participants["people"]), threshold),
        "people_per_case_table": participants["people_per_case_table"],
        "actions_due": _count(due, threshold),
        # A share is only published when the count behind it is published.
        "feedback_on_time_percent": trust.get("feedback_on_time_percent")
        if due >= threshold
        else None,
        "density": found.graph["density"],
        "centralisation": found.graph["centralisation"],
        "form_in_use": verdict.form_in_use,
        "favoured": list(verdict.favoured),
        "fits": verdict.fits,
        "levels": {name: c[name]["level"] for name in engine.CONTINGENCIES},
    }


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(key: str, payload: dict[str, Any]) -> str:
    return hmac.new(key.encode(), _canonical(payload), hashlib.sha256).hexdigest()


def export(
    house: House, start: datetime.date, end: datetime.date, lessons: Any = None
) -> dict[str, Any]:
    """The signed export of a house for a period."""
    key = getattr(settings, "NETWORK_EXCHANGE_KEY", "")
    if not key:
        raise ExchangeError(
            "NETWORK_EXCHANGE_KEY is not configured: exports cannot be signed", "no_key"
        )
    payload = {
        "format": FORMAT,
        "house": house.slug,
        "house_name": house.name,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "suppress_below": suppress_below(),
        "indicators": indicators(house, start, end),
        "lessons": check_lessons([] if lessons is None else lessons),
    }
    return {**payload, "signature": {"alg": "HMAC-SHA256", "value": _mac(key, payload)}}


def verify(data: Any) -> dict[str, Any]:
    """The payload of another house's export if its signature matches the configured key of
    the house it names; ExchangeError otherwise."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExchangeError(f"not an export in the format {FORMAT}")
    signature = data.get("signature")
    if not isinstance(signature, dict) or signature.get("alg") != "HMAC-SHA256":
        raise ExchangeError("the export is not signed with HMAC-SHA256", "unsigned")
    keys = getattr(settings, "NETWORK_EXCHANGE_KEYS", {}) or {}
    house = data.get("house")
    if not isinstance(house, str) or house not in keys:
        raise ExchangeError(
            f"unknown house {house!r}: no key configured, export refused", "unknown_house"
        )
    payload = {k: v for k, v in data.items() if k != "signature"}
    if not hmac.compare_digest(_mac(keys[house], payload), str(signature.get("value", ""))):
        raise ExchangeError(
            f"the signature does not match the key of {house!r}: export refused", "signature"
        )
    check_lessons(payload.get("lessons", []))
    if not isinstance(payload.get("indicators"), dict) or not isinstance(
        payload.get("period"), dict
    ):
        raise ExchangeError("the export has no indicators or no period")
    return payload


def compare(payloads: list[dict[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Rows (indicator, value per house in the order given) for a side-by-side table."""
    names: list[str] = []
    for payload in payloads:
        for name in payload.get("indicators", {}):
            if name not in names:
                names.append(name)
    return [(name, [p.get("indicators", {}).get(name) for p in payloads]) for name in names]
