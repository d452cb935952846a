"""The OpenAPI document: committed, current, served, and shown with assets of our own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.urls import URLPattern, get_resolver
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

COMMITTED = Path(__file__).resolve().parents[4] / "docs" / "openapi.yaml"
REGENERATE = "python3 dev.py openapi"


def generated() -> bytes:
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return OpenApiYamlRenderer().render(schema, renderer_context={})


def test_the_committed_document_is_the_generated_one() -> None:
    assert COMMITTED.exists(), f"docs/openapi.yaml is missing: run `{REGENERATE}`"
    assert COMMITTED.read_bytes() == generated(), (
        f"docs/openapi.yaml differs from the API: run `{REGENERATE}` and commit the result"
    )


def test_every_api_endpoint_is_in_the_document() -> None:
    """A view added to the URL conf without reaching the document fails here."""
    document = yaml.safe_load(generated())
    paths = set(document["paths"])
    resolver = get_resolver()
    missing = []
    for prefix_pattern in resolver.url_patterns:
        if str(prefix_pattern.pattern) != "api/v1/":
            continue
        for pattern in prefix_pattern.url_patterns:
            if not isinstance(pattern, URLPattern) or pattern.name in (None, "schema", "docs"):
                continue
            route = re.sub(r"<(?:\w+:)?pk>", "{id}", str(pattern.pattern))
            route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            if f"/api/v1/{route}" not in paths:
                missing.append(route)
    assert not missing, f"endpoints missing from the OpenAPI document: {missing}"


def test_every_operation_documents_its_problems_and_an_id() -> None:
    document = yaml.safe_load(generated())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"], (path, method)
            for code in ("401", "403", "404"):
                content = operation["responses"][code]["content"]
                assert "application/problem+json" in content, (path, method, code)


@pytest.mark.django_db
def test_the_document_is_served_without_logging_in() -> None:
    response = Client().get("/api/v1/schema", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Casusregie API"
    assert "/api/v1/houses/{slug}/cases/{id}" in response.json()["paths"]


@pytest.mark.django_db
def test_the_docs_page_loads_only_our_own_assets() -> None:
    client = Client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html, "the CSP forbids inline style"
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/") for s in sources), sources
    # The start script is a file of its own (no inline script under our CSP).
    script = next(s for s in sources if "script" in s)
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200
    assert "/api/v1/schema" in init.content.decode()
    assert "script-src 'self'" in page["Content-Security-Policy"]
