""" "Already a case?" between deployments of houses that opted in (decision 0025).

The asking deployment sends only the regional pseudonym of a BSN (HMAC with the region's shared
key `SIGNALS_REGION_KEY`), a timestamp and a nonce, signed with the shared exchange secret
(`SIGNALS_EXCHANGE_SECRET`, HMAC-SHA256 over the exact body, header `X-Casusregie-Signature`).
The answering deployment refuses a nonce it has seen (a replayed question), looks the
pseudonym up among the open and aftercare cases of its houses that take part
(`SIGNALS_EXCHANGE_HOUSES`) and answers, signed the same way, only
{"known": true, "house": ..., "contact": ...} or {"known": false}. Both sides log it.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import urllib.request
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from casusregie.cases.models import CaseSubject
from casusregie.cases.phases import Phase
from casusregie.houses.models import House
from casusregie.privacy import log
from casusregie.privacy.models import Operation

from .models import ExchangeNonce
from .pseudonym import Identity, region_key, region_pseudonym

logger = logging.getLogger(__name__)

FORMAT = "casusregie.signals.already-a-case/1"
HEADER = "X-Casusregie-Signature"
MAX_SKEW_SECONDS = 300
TIMEOUT_SECONDS = 5
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


_NONCE = re.compile(r"^[0-9a-f]{32,64}$")


class ExchangeRefused(ValueError):
    """A request we do not answer; the message says why (never with a pseudonym)."""


def secret() -> str:
    return str(getattr(settings, "SIGNALS_EXCHANGE_SECRET", "") or "")


def taking_part(house: House) -> bool:
    return (
        house.slug in getattr(settings, "SIGNALS_EXCHANGE_HOUSES", [])
        and bool(region_key())
        and bool(secret())
    )


def sign(body: bytes) -> str:
    return hmac.new(secret().encode(), body, hashlib.sha256).hexdigest()


def _verify(body: bytes, signature: str) -> None:
    if not secret():
        raise ExchangeRefused("this deployment takes no part in the exchange")
    if not hmac.compare_digest(sign(body), signature or ""):
        raise ExchangeRefused("signature does not match")


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    """The transport (tests replace it by a test client talking to the other deployment)."""
    if not url.startswith("https://"):
        raise ExchangeRefused("peers are reached over https only")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        return response.status, response.read(), dict(response.headers)


def ask(house: House, identity: Identity) -> Any:
    """The first "yes" of the other deployments, or None (no, not taking part, or no answer)."""
    from .actions import Answer

    pseudonym = region_pseudonym(identity)
    if not pseudonym or not taking_part(house):
        return None
    payload = {
        "format": FORMAT,
        "pseudonym": pseudonym,
        "asked_by": house.slug,
        "timestamp": int(time.time()),
        "nonce": secrets.token_hex(16),
    }
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", HEADER: sign(body)}
    for url in getattr(settings, "SIGNALS_EXCHANGE_PEERS", []):
        try:
            status, answer_body, answer_headers = post(url, body, headers)
            if status != 200:
                raise ExchangeRefused(f"status {status}")
            _verify(answer_body, answer_headers.get(HEADER, ""))
            answer = json.loads(answer_body)
            if answer.get("nonce") != payload["nonce"]:
                raise ExchangeRefused("answer to another question")
        except Exception as error:  # a peer that is down or wrong must not break the page
            logger.warning("signals exchange: no answer from a peer (%s)", type(error).__name__)
            continue
        if answer.get("known") is True:
            return Answer(
                True, str(answer.get("house", ""))[:200], str(answer.get("contact", ""))[:300]
            )
    return None


def _first_time(nonce: str) -> None:
    """Remember the nonce for as long as its question's timestamp is accepted (twice the skew
    either way); a nonce seen before is a replay. Older nonces are forgotten here: a replay of
    those fails on the timestamp."""
    now = timezone.now()
    ExchangeNonce.objects.filter(
        seen_at__lt=now - datetime.timedelta(seconds=2 * MAX_SKEW_SECONDS)
    ).delete()
    try:
        with transaction.atomic():
            ExchangeNonce.objects.create(nonce=nonce, seen_at=now)
    except IntegrityError:
        raise ExchangeRefused("this question was answered before (replay)") from None


def answer(body: bytes, signature: str) -> dict[str, Any]:
    """Answer another deployment's signed question; ExchangeRefused when it is not one."""
    _verify(body, signature)
    try:
        question = json.loads(body)
    except ValueError:
        raise ExchangeRefused("not JSON") from None
    if not isinstance(question, dict) or question.get("format") != FORMAT:
        raise ExchangeRefused(f"not a question in the format {FORMAT}")
    pseudonym, stamp = question.get("pseudonym"), question.get("timestamp")
    if not isinstance(pseudonym, str) or not _HEX64.match(pseudonym):
        raise ExchangeRefused("pseudonym must be 64 hexadecimal characters")
    if not isinstance(stamp, int) or abs(time.time() - stamp) > MAX_SKEW_SECONDS:
        raise ExchangeRefused("timestamp missing or too far from now")
    nonce = question.get("nonce")
    if not isinstance(nonce, str) or not _NONCE.match(nonce):
        raise ExchangeRefused("nonce must be 32 to 64 hexadecimal characters")
    _first_time(nonce)
    houses = list(getattr(settings, "SIGNALS_EXCHANGE_HOUSES", []))
    link = (
        CaseSubject.objects.filter(subject__region_hash=pseudonym, case__house__slug__in=houses)
        .exclude(case__phase=Phase.CLOSED)
        .select_related("case__house", "case__process_director", "subject")
        .order_by("case_id")
        .first()
    )
    from .actions import PURPOSE_EARLY_WARNING, contact_of

    asked_by = str(question.get("asked_by", ""))[:50]
    if link is None:
        return {"format": FORMAT, "nonce": nonce, "known": False}
    case = link.case
    log.record(
        actor=None,
        house=case.house,
        name="signal.already-a-case.exchange",
        operation=Operation.READ,
        obj=case,
        case_id=case.pk,
        subjects=[log.subject_ref(subject_pk=link.subject_id, bsn_hash=link.subject.bsn_hash)],
        activity=log.KNOWN_TO,
        purpose=PURPOSE_EARLY_WARNING,
        after={"known": True, "asked_by": asked_by},
    )
    return {
        "format": FORMAT,
        "nonce": nonce,
        "known": True,
        "house": case.house.name,
        "contact": contact_of(case),
    }
