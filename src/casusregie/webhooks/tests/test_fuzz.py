"""Fuzzing the webhook endpoints with schemathesis against the OpenAPI document generated
now (the committed one may lag behind), as the partner manager who owns a webhook: no server
error, and every answer matches the document."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.middleware.csrf import _get_new_csrf_string  # type: ignore[attr-defined]
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from casusregie.api.tests.fuzzing import CHECKS
from casusregie.conftest import Cast, verified_client
from casusregie.webhooks import endpoints, events

from .conftest import Receiver, subscribe

EXAMPLES = int(os.environ.get("CASUSREGIE_FUZZ_EXAMPLES", "15"))


def _operations() -> list[Any]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if "webhook" in op.path]


@pytest.fixture
def no_dns(monkeypatch: Any) -> None:
    """Generated host names are never looked up: only address literals resolve."""

    def resolve(host: str, port: int) -> list[str]:
        try:
            endpoints.is_public(host)
        except ValueError:
            raise OSError("not looked up in tests") from None
        return [host]

    monkeypatch.setattr(endpoints, "resolve", resolve)


@pytest.mark.django_db
@pytest.mark.usefixtures("allow_local", "no_dns")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_webhook_operations_as_their_manager(
    mode: GenerationMode,
    cast: Cast,
    manager_a: Any,
    receiver: Receiver,
    wsgi_app: WSGIHandler,
) -> None:
    subscription, _secret = subscribe(
        cast, cast.org_a, receiver.url, [events.CASE_CLOSED], actor=manager_a
    )
    client = verified_client(manager_a)
    token = _get_new_csrf_string()
    cookies = {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        settings.CSRF_COOKIE_NAME: token,
    }
    operations = _operations()
    assert len(operations) >= 10
    for operation in operations:
        if operation.method.upper() == "DELETE":
            continue  # would leave nothing for the next operations; tested in test_api
        _fuzzer(operation, mode, cast.house.slug, subscription.pk, wsgi_app, token, cookies)()


def _fuzzer(
    operation: Any,
    mode: GenerationMode,
    slug: str,
    pk: int,
    wsgi_app: WSGIHandler,
    token: str,
    cookies: dict[str, str],
) -> Any:
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        if case.path_parameters:
            case.path_parameters["slug"] = slug
            if "id" in case.path_parameters:
                case.path_parameters["id"] = pk
        if case.headers:
            case.headers.pop("Idempotency-Key", None)
        response = case.call(app=wsgi_app, headers={"X-CSRFToken": token}, cookies=cookies)
        case.validate_response(response, checks=CHECKS)

    return fuzz
