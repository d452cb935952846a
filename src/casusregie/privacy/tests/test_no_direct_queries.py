"""Every read path goes through the access policy: a static check.

The peers' advisories were authorisation bypasses on list, search and "expand" paths. Pages and
API endpoints therefore never query a model that has an access policy directly
(`Case.objects...`); they call `policy.visible(user, Case)` or an `access_*` helper. This test
reads every views and API module and fails on a direct query, naming the file and line. The few
reads that are not "for a user" (the privacy officer resolving a case number to an id) live in
access modules, where the policy is defined, not in views.

A direct query is `<Model>.objects`, `<Model>._default_manager` or `<Model>._base_manager` for
a model registered with `@policy.register`, also under an import alias (`Case as C`) or through
a module (`models.Case.objects`). A use that is right after all (a write once access was
checked) goes into ALLOWED with its reason; the test fails when an entry is no longer needed.
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
    and (p.name.endswith(("views.py", "api.py")) or p.parent.name in ("views", "templatetags"))
)
MANAGERS = ("objects", "_default_manager", "_base_manager")

# (module relative to src/casusregie, enclosing function, "Model.manager") → why it is allowed.
# Empty today: every read goes through the policy. Add an entry only with a reason.
ALLOWED: dict[tuple[str, str, str], str] = {}


def protected_names() -> set[str]:
    return {model.__name__ for model in policy._PREDICATES}


class _Finder(ast.NodeVisitor):
    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.aliases: dict[str, str] = {}  # local name → protected model name
        self.functions: list[str] = []
        self.found: list[tuple[int, str, str]] = []  # line, function, "Model.manager"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name in self.names:
                self.aliases[alias.asname or alias.name] = alias.name

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _function

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in MANAGERS:
            target = node.value
            model = None
            if isinstance(target, ast.Name):
                model = self.aliases.get(target.id, target.id if target.id in self.names else None)
            elif isinstance(target, ast.Attribute) and target.attr in self.names:
                model = target.attr  # models.Case.objects
            if model is not None:
                where = ".".join(self.functions) or "<module>"
                self.found.append((node.lineno, where, f"{model}.{node.attr}"))
        self.generic_visit(node)


def direct_queries(source: str, name: str, names: set[str]) -> list[str]:
    """`name:line Model.manager (in function)` for each direct query not in ALLOWED."""
    finder = _Finder(names)
    finder.visit(ast.parse(source, filename=name))
    return [
        f"{name}:{line} {expr} (in {where})"
        for line, where, expr in finder.found
        if (name, where, expr) not in ALLOWED
    ]


def test_the_check_sees_the_protected_models_and_the_modules() -> None:
    names = protected_names()
    assert {"Case", "Referral", "Action", "Contribution", "Meeting", "KnownToQuery"} <= names
    assert any(p.name == "api.py" for p in MODULES)
    assert len(MODULES) >= 10


def test_the_check_finds_a_direct_query() -> None:
    source = (
        "from . import models\n"
        "from .models import Case, Referral as R\n\n"
        "def leak(user):\n"
        "    a = Case.objects.all()\n"
        "    b = R._default_manager.all()\n"
        "    c = models.Action.objects.all()\n"
        "    return a, b, c, policy.visible(user, Case)\n"
    )
    assert direct_queries(source, "cases/sample.py", protected_names()) == [
        "cases/sample.py:5 Case.objects (in leak)",
        "cases/sample.py:6 Referral._default_manager (in leak)",
        "cases/sample.py:7 Action.objects (in leak)",
    ]


def test_every_allowed_use_still_exists() -> None:
    names = protected_names()
    used = set()
    for path in MODULES:
        finder = _Finder(names)
        finder.visit(ast.parse(path.read_text(), filename=str(path)))
        used |= {(str(path.relative_to(SRC)), where, expr) for _line, where, expr in finder.found}
    assert set(ALLOWED) <= used, f"ALLOWED entries no longer needed: {set(ALLOWED) - used}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_views_and_api_read_protected_models_only_through_the_policy(path: Path) -> None:
    found = direct_queries(path.read_text(), str(path.relative_to(SRC)), protected_names())
    assert not found, (
        "Read through policy.visible(user, Model) or an access_* helper, or add an ALLOWED entry "
        "with its reason:\n" + "\n".join(found)
    )


# --- Roles through the policy, and no reaching into another module's privates ----------------

# Modules of the feature apps that act and render: they ask the policy for roles
# (`policy.has_role`, `works_for`, `membership_in`, `case_workers`, `memberships_in`) instead of
# querying memberships themselves (issue 22: the same "is this the process director?" query,
# hand-written in five places, ignored the role). The apps that manage memberships (accounts,
# houses, imports of people) and the kernel itself are not feature apps here; predicates in an
# app's access.py build on memberships by design, as policy.member_of does.
MEMBERSHIP_MANAGERS = {"accounts", "houses", "imports", "privacy", "demo"}
ROLE_MODULES = sorted(
    p
    for p in SRC.rglob("*.py")
    if "tests" not in p.parts
    and "migrations" not in p.parts
    and p.relative_to(SRC).parts[0] not in MEMBERSHIP_MANAGERS
    and p.name in ("views.py", "api.py", "actions.py", "events.py")
)


def role_shortcuts(source: str, name: str) -> list[str]:
    """`name:line what` for each direct `Membership` query and each call of another module's
    private function (`actions._check_version(...)`)."""
    tree = ast.parse(source, filename=name)
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and isinstance(node.value, ast.Name)
            and node.value.id == "Membership"
        ):
            found.append(f"{name}:{node.lineno} Membership.{node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in imported
            and node.func.attr.startswith("_")
            and not node.func.attr.startswith("__")
        ):
            found.append(f"{name}:{node.lineno} {node.func.value.id}.{node.func.attr}()")
    return found


def test_the_role_check_finds_a_membership_query_and_a_private_call() -> None:
    source = (
        "from casusregie.accounts.models import Membership\n"
        "from . import actions\n\n"
        "def director(user, house):\n"
        "    actions._check(house)\n"
        "    return Membership.objects.filter(user=user, house=house).exists()\n"
    )
    assert sorted(role_shortcuts(source, "meetings/sample.py")) == [
        "meetings/sample.py:5 actions._check()",
        "meetings/sample.py:6 Membership.objects",
    ]
    assert len(ROLE_MODULES) >= 20


@pytest.mark.parametrize("path", ROLE_MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_feature_apps_ask_the_policy_for_roles(path: Path) -> None:
    found = role_shortcuts(path.read_text(), str(path.relative_to(SRC)))
    assert not found, (
        "Ask privacy.policy for roles and memberships (has_role, works_for, membership_in, "
        "case_workers), and call only another module's public functions:\n" + "\n".join(found)
    )
