"""The base class of every API endpoint: safe writes and cheap re-reads (decision 0020).

- `Change-Reason` header: why a change is made; stored in the audit trail with every change the
  request makes (an action's own `reason` field wins when it has one).
- `Idempotency-Key` header on POST: the first answer is kept (encrypted, for 24 hours); a retry
  with the same key and the same body gets that answer again (`Idempotent-Replayed: true`)
  instead of a second object. The same key with another request: 422. Concurrent retries wait
  for the first (the key is unique per user in the database).
- `ETag` on every answer that is one resource; `If-None-Match` on a GET answers 304;
  `If-Match` on a change to a resource (views that define `current`) is compared with the
  resource as it is now: a stale one is refused with 412 and nothing changes.
- A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE: 413 problem, before anything is read.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casusregie.privacy import log

from .models import IdempotentRequest

REASON_HEADER = "Change-Reason"
REASON_MAX = 500
KEY_HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_code = "precondition_failed"
    default_detail = gettext_lazy(
        "The resource changed since you read it. Read it again and repeat your change."
    )


class KeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = gettext_lazy(
        "This Idempotency-Key was used for another request. Use a new key for a new request."
    )


class KeyInUse(exceptions.APIException):
    status_code = 409
    default_code = "idempotency_key_in_use"
    default_detail = gettext_lazy(
        "A request with this Idempotency-Key is still running. Try again in a moment."
    )


class TooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"


class _Replay(Exception):
    def __init__(self, kept: IdempotentRequest) -> None:
        self.kept = kept


def etag(data: Any) -> str:
    """A strong validator of a representation: the hash of its canonical JSON."""
    text = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


class ApiView(APIView):
    """Every endpoint derives from this. A view that changes one existing resource defines
    `current(request, **kwargs)`: the resource's representation as GET shows it, compared with
    `If-Match`."""

    def current(self, request: Request, **kwargs: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    @classmethod
    def checks_if_match(cls) -> bool:
        return cls.current is not ApiView.current

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self._kept: IdempotentRequest | None = None
        if request.method == "POST" and KEY_HEADER in request.headers:
            # The kept answer and the change it answers are committed together, or neither.
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self._check_size(request)
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        self._take_reason(request)
        if "If-Match" in request.headers and self.checks_if_match():
            if_match = request.headers["If-Match"]
            now = etag(self.current(request, **kwargs))
            if if_match.strip() != "*" and now not in _tags(if_match):
                raise PreconditionFailed
        if request.method == "POST" and KEY_HEADER in request.headers:
            self._take_key(request)

    def _check_size(self, request: Request) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            raise TooLarge(_("The request body is larger than %(limit)d bytes.") % {"limit": limit})

    def _take_reason(self, request: Request) -> None:
        raw = request.headers.get(REASON_HEADER)
        if raw is None:
            return
        # HTTP headers are Latin-1; a reason in other characters comes percent-encoded (UTF-8).
        try:
            reason = unquote(raw, errors="strict") if "%" in raw else raw
        except UnicodeDecodeError:  # percent-encoded bytes that are not UTF-8: no reason
            reason = ""
        if not reason.strip() or len(reason) > REASON_MAX or not reason.isprintable():
            raise exceptions.ValidationError(
                {
                    REASON_HEADER: [
                        _("Give a reason of 1 to %(max)d printable characters.")
                        % {"max": REASON_MAX}
                    ]
                }
            )
        log.set_change_reason(reason.strip())

    def _take_key(self, request: Request) -> None:
        key = request.headers[KEY_HEADER]
        if not _KEY.match(key):
            raise exceptions.ValidationError(
                {KEY_HEADER: [_("Use 1 to 255 visible ASCII characters, e.g. a UUID.")]}
            )
        target = f"{request.method} {request.path}"[:500]
        fingerprint = hashlib.sha256(request._request.body).hexdigest()
        user = request.user
        kept = IdempotentRequest.objects.filter(user=user, key=key).first()
        if kept is not None and kept.expired:
            kept.delete()
            kept = None
        if kept is None:
            try:
                with transaction.atomic():
                    self._kept = IdempotentRequest.objects.create(
                        user=user, key=key, target=target, fingerprint=fingerprint
                    )
                return
            except IntegrityError:
                # A concurrent request with this key committed first: answer what it answered.
                kept = IdempotentRequest.objects.get(user=user, key=key)
        if kept.target != target or kept.fingerprint != fingerprint:
            raise KeyReused
        if not kept.status:
            raise KeyInUse
        raise _Replay(kept)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            headers = {"Idempotent-Replayed": "true"}
            if exc.kept.location:
                headers["Location"] = exc.kept.location
            body = json.loads(exc.kept.body) if exc.kept.body else None
            return Response(body, status=exc.kept.status, headers=headers)
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        kept = getattr(self, "_kept", None)
        if kept is not None and not connection.needs_rollback:
            if 200 <= response.status_code < 300 and isinstance(response, Response):
                kept.status = response.status_code
                kept.body = json.dumps(response.data, cls=DjangoJSONEncoder)
                kept.location = response.get("Location", "")
                kept.save(update_fields=["status", "body", "location"])
            else:
                # Nothing was created: the key is free for a corrected retry.
                kept.delete()
        if (
            isinstance(response, Response)
            and response.status_code in (200, 201)
            and isinstance(response.data, dict)
            and "results" not in response.data
        ):
            tag = etag(response.data)
            response["ETag"] = tag
            if request.method == "GET" and tag in _tags(request.headers.get("If-None-Match", "")):
                response.status_code = 304
                response.data = None
        return super().finalize_response(request, response, *args, **kwargs)
