"""The OpenAPI 3 document: drf-spectacular, told about our conventions (decision 0020).

Every operation documents the problem details it can answer (so a client generated from the
document knows them, and the fuzzing test checks every answer against the document), the
safe-write headers, and the ETag it returns. `api/openapi.yaml` is this document, committed;
`casusregie spectacular --file` regenerates it and CI fails when it differs.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .base import KEY_HEADER, REASON_HEADER, ApiView


class FieldError(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="Dotted path of the field (`subjects.0.bsn`), or null."
    )
    detail = serializers.CharField()


class Problem(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text="`urn:casusregie:problem:<code>`")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(allow_blank=True)
    errors = FieldError(many=True, required=False)


@cache
def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The envelope of a keyset page of `item`s."""
    name = item.__name__.removesuffix("Out") + "Page"
    return type(
        name,
        (serializers.Serializer,),
        {
            "results": item(many=True),
            "next": serializers.URLField(
                allow_null=True, help_text="The next page, or null on the last page."
            ),
            "__module__": item.__module__,
        },
    )


@cache
def results_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """`{"results": [...]}`: several objects made by one request."""
    name = item.__name__.removesuffix("Out") + "Results"
    return type(
        name,
        (serializers.Serializer,),
        {"results": item(many=True), "__module__": item.__module__},
    )


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(Problem, description=description)


PROBLEMS = {
    "400": "Invalid input: `errors` names each field.",
    "401": "Not logged in, or the token is unknown, expired or revoked.",
    "403": "Visible, but not yours to do (or outside the token's scopes).",
    "404": "Not found, or not visible to you.",
    "406": "Only JSON is answered.",
    "413": "The request body is too large.",
    "415": "Send JSON.",
    "429": "Too many requests.",
}
WRITE_PROBLEMS = {
    "409": "A request with this Idempotency-Key is still running.",
    "412": "If-Match does not match the resource as it is now.",
    "422": "This Idempotency-Key was used for another request.",
}


class AutoSchema(BaseAutoSchema):
    def get_operation_id(self) -> str:
        """`<view>_<method>`: `referral_list_get`, `case_transition_post`: unique and stable."""
        name = type(self.view).__name__.removesuffix("View")
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        return f"{snake}_{self.method.lower()}"

    def get_description(self) -> str:
        """The method's docstring, else the view's own (not one inherited from a base)."""
        method = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        doc = getattr(method, "__doc__", None) or type(self.view).__dict__.get("__doc__") or ""
        return inspect.cleandoc(doc)

    def get_tags(self) -> list[str]:
        """The resource after `houses/{slug}/`: cases, referrals, actions, ..."""
        parts = [p for p in self.path.split("/") if p]
        after = parts[parts.index("{slug}") + 1 :] if "{slug}" in parts else parts[2:]
        return [after[0] if after else "houses"]

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            params.append(
                OpenApiParameter(
                    REASON_HEADER,
                    str,
                    OpenApiParameter.HEADER,
                    description="Why you make this change; kept in the audit trail. "
                    "Percent-encode characters outside Latin-1 (UTF-8).",
                )
            )
            if self.checks_if_match():
                params.append(
                    OpenApiParameter(
                        "If-Match",
                        str,
                        OpenApiParameter.HEADER,
                        description="The ETag you read; a stale one is refused with 412.",
                    )
                )
        if self.method == "POST":
            params.append(
                OpenApiParameter(
                    KEY_HEADER,
                    str,
                    OpenApiParameter.HEADER,
                    description="A unique key per create (e.g. a UUID): a retry with the same "
                    "key gets the first answer instead of a second object.",
                )
            )
        return params

    def checks_if_match(self) -> bool:
        return isinstance(self.view, ApiView) and self.view.checks_if_match()

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        problems = dict(PROBLEMS)
        if self.method != "GET":
            problems.update(WRITE_PROBLEMS)
        for code, description in problems.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    _problem(description), code, ["application/problem+json"], direction
                )
        if self.method == "GET" and "200" in responses:
            responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)."}
        return responses


def forbid_unknown_fields(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Request bodies accept only the fields they declare (`api.common.parse` refuses others):
    say so in the document, so generated clients and the fuzzer know it."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
