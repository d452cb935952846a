"""Errors of the API as RFC 9457 problem details (`application/problem+json`).

Every error the API knows about answers the same shape, so a client needs one error path:

    {"type": "urn:casusregie:problem:invalid-input", "title": "...", "status": 400,
     "detail": "...", "errors": [{"field": "subjects.0.bsn", "detail": "..."}]}

Each problem has its own `type`, so its `title` may be translated (RFC 9457 asks an
`about:blank` title to be the English status phrase). Unknown exceptions are not caught here:
they keep their traceback and reach the server-error handling and its alerting.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from .renderers import DISPOSITION

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:casusregie:problem:"

# Titles per DRF error code; the code (with hyphens) also names the problem type.
TITLES = {
    "invalid": gettext_lazy("The input is not valid"),
    "parse_error": gettext_lazy("The request body could not be read"),
    "not_authenticated": gettext_lazy("Log in first"),
    "authentication_failed": gettext_lazy("Log in first"),
    "permission_denied": gettext_lazy("Not allowed"),
    "not_found": gettext_lazy("Not found"),
    "method_not_allowed": gettext_lazy("Method not allowed"),
    "not_acceptable": gettext_lazy("Cannot answer in the requested format"),
    "unsupported_media_type": gettext_lazy("Send JSON"),
    "throttled": gettext_lazy("Too many requests"),
    "onboarding_required": gettext_lazy("Confirm the working method first"),
    # Tokens of API clients and the identity provider (casusregie.integrations).
    "insufficient_scope": gettext_lazy("Missing scope"),
    "provider_unavailable": gettext_lazy("The identity provider is unavailable"),
    "precondition_failed": gettext_lazy("Precondition failed"),
    "idempotency_key_reused": gettext_lazy("The change conflicts with another request"),
    "idempotency_key_in_use": gettext_lazy("The change conflicts with another request"),
    "too_large": gettext_lazy("Request too large"),
}

# DRF names non-field errors this way; Django uses "__all__".
_NON_FIELD_KEYS = {NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY}


def problem(
    status: int, code: str, detail: str = "", errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code.replace("_", "-"),
        "title": str(TITLES.get(code, _("Error"))),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(status: int, code: str, detail: str = "") -> JsonResponse:
    """A problem answered outside DRF (URL not found, middleware)."""
    response = JsonResponse(problem(status, code, detail), status=status, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = DISPOSITION
    return response


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer a problem, not the HTML 404 page."""
    return problem_response(404, "not_found", _("There is nothing at this address."))


def field_errors(detail: Any, path: str = "") -> list[dict[str, Any]]:
    """Flatten DRF's nested error detail into [{"field": "a.0.b", "detail": "..."}].

    A field of None means the error concerns the request as a whole.
    """
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            name = None if key in _NON_FIELD_KEYS else str(key)
            found += field_errors(value, f"{path}.{name}" if path and name else name or path)
        return found
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": path or None, "detail": str(item)} for item in detail]
        found = []
        for index, item in enumerate(detail):
            found += field_errors(item, f"{path}.{index}" if path else str(index))
        return found
    return [{"field": path or None, "detail": str(detail)}]


def is_out_of_range(exc: BaseException) -> bool:
    """A number too large for a database integer (an id in the URL like 99999999999999999999):
    SQLite raises OverflowError, PostgreSQL a DataError "out of range". It names nothing."""
    if isinstance(exc, OverflowError):
        return True
    return isinstance(exc, DataError) and "out of range" in str(exc)


def _as_drf(exc: Exception) -> Exception:
    """Django's own exceptions, as raised by actions and access gates, in DRF terms."""
    if is_out_of_range(exc):
        return exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: known errors become problem details; others propagate."""
    exc = _as_drf(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(exc.wait)
    status = exc.status_code
    # With session authentication only, DRF turns "not logged in" into 403. For a client
    # "log in first" (401) and "you may not" (403) are different next steps.
    if isinstance(exc, exceptions.NotAuthenticated):
        status = 401
    if isinstance(exc, exceptions.Throttled):
        # DRF's own wording is not translated well; say when to try again.
        detail = (
            ngettext(
                "Too many requests in a short time. Try again in %(seconds)d second.",
                "Too many requests in a short time. Try again in %(seconds)d seconds.",
                exc.wait,
            )
            % {"seconds": exc.wait}
            if exc.wait
            else _("Too many requests in a short time. Try again later.")
        )
        body = problem(status, "throttled", detail)
    elif isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        general = [e["detail"] for e in errors if e["field"] is None]
        detail = " ".join(general) or _("Check the fields named in errors.")
        body = problem(status, "invalid", detail, errors)
    else:
        body = problem(status, exc.default_code, str(exc.detail))
    set_rollback()
    return Response(body, status=status, headers=headers, content_type=CONTENT_TYPE)
