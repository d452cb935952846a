"""`privacy` imports no feature app (docs/architecture.md): a static check.

The access policy, the processing log, retention and subject rights sit beneath every feature.
When privacy reached into the cases app for a person row or a case, a change there could change
what an access answer holds or what destruction removes without anyone touching privacy. Feature
apps now register what privacy needs (privacy/providers.py); this test reads every privacy
module, imports inside functions included, and fails on an import of a feature app, naming the
file and line. The kernel privacy filters — accounts and houses — and the page shell (web, api)
are allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]
PRIVACY = SRC / "privacy"
KERNEL = {"accounts", "houses", "privacy", "web", "api", "conf"}
MODULES = sorted(
    p for p in PRIVACY.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts
)


def feature_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of a casusregie app outside the kernel."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "casusregie" and len(parts) > 1 and parts[1] not in KERNEL:
                found.append((node.lineno, name))
    return found


def test_the_check_finds_a_feature_import_also_inside_a_function() -> None:
    source = (
        "from casusregie.houses.models import House\n"
        "def f():\n"
        "    from casusregie.cases.models import Case\n"
        "    import casusregie.referrals.models\n"
    )
    assert feature_imports(source) == [
        (3, "casusregie.cases.models"),
        (4, "casusregie.referrals.models"),
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PRIVACY)))
def test_privacy_imports_no_feature_app(path: Path) -> None:
    found = feature_imports(path.read_text())
    assert not found, "\n".join(
        f"{path.relative_to(SRC)}:{line} imports {module}: register it in "
        "privacy/providers.py from the feature app instead"
        for line, module in found
    )


def test_the_feature_apps_provide_what_privacy_needs() -> None:
    from casusregie.privacy import providers

    assert providers.people().model._meta.label == "cases.Subject"
    assert {kept.kind for kept in providers.kept_kinds()} >= {"case", "referral"}
    assert len(providers.answer_parts()) >= 2
