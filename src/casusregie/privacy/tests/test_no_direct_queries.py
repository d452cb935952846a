"""Every read path goes through the access policy: a static check.

The peers' advisories were authorisation bypasses on list, search and "expand" paths. Pages and
API endpoints therefore never query a model that has an access policy directly
(`Case.objects...`); they call `policy.visible(user, Case)` or an `access_*` helper. This test
reads every views and API module and fails on a direct query, naming the file and line. The few
reads that are not "for a user" (the privacy officer resolving a case number to an id) live in
access modules, where the policy is defined, not in views.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from casusregie.privacy import policy

SRC = Path(__file__).resolve().parents[2]
MODULES = sorted(
    p
    for p in SRC.rglob("*.py")
    if "tests" not in p.parts
    and "migrations" not in p.parts
    and (p.name in ("views.py", "api.py") or p.parent.name in ("views", "templatetags"))
)


def protected_names() -> set[str]:
    return {model.__name__ for model in policy._PREDICATES}


def direct_queries(path: Path, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("objects", "_default_manager", "_base_manager")
            and isinstance(node.value, ast.Name)
            and node.value.id in names
        ):
            found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_the_check_sees_the_protected_models_and_the_modules() -> None:
    names = protected_names()
    assert {"Case", "Referral", "Action", "Contribution", "Meeting"} <= names
    assert any(p.name == "api.py" for p in MODULES)
    assert len(MODULES) >= 10


def test_the_check_finds_a_direct_query(tmp_path: Path) -> None:
    sample = SRC / "cases" / "_sample_for_check.py"
    try:
        sample.write_text(
            "from .models import Case\n\ndef leak():\n    return Case.objects.all()\n"
        )
        assert direct_queries(sample, protected_names()) == [
            "cases/_sample_for_check.py:4 Case.objects"
        ]
    finally:
        sample.unlink()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_views_and_api_read_protected_models_only_through_the_policy(path: Path) -> None:
    assert direct_queries(path, protected_names()) == []
