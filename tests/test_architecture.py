"""The import rules of pyproject.toml hold: market's areas import each other in one direction,
and wipe/ and credit/ stay plain libraries."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_linter_contract_is_kept() -> None:
    # A subprocess, so the graph is built from the files on disk and not from modules the
    # test session has already imported (or patched).
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command;"
            " sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


OUR_PACKAGES = ("market", "wipe", "credit")


def _imports_inside_functions(package: Path) -> list[str]:
    """`file:line` of each import of our packages made inside a function under `package`."""
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""] if node.level == 0 else ["."]  # "." is ours
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                if any(n == "." or n.split(".")[0] in OUR_PACKAGES for n in names):
                    found.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return found


def test_no_module_of_ours_is_imported_inside_a_function() -> None:
    # An import inside a function hides an edge from the import rules above (it is how
    # cycles were dodged): every module says at its top what it depends on.
    for package in OUR_PACKAGES:
        assert _imports_inside_functions(ROOT / package) == [], package


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    package = tmp_path / "market"
    package.mkdir()
    (package / "fine.py").write_text(
        "import json\nfrom market.db import utcnow\n\n\ndef f():\n    import os\n    return os\n"
    )
    (package / "dodge.py").write_text(
        "def f():\n    from market.db import utcnow\n"
        "    return utcnow\n\n\nclass C:\n    def g(self):\n"
        "        import wipe\n        from . import fine\n"
    )
    assert _imports_inside_functions(package) == [
        "market/dodge.py:2",
        "market/dodge.py:8",
        "market/dodge.py:9",
    ]


VIEW_MODULES = sorted(
    {*ROOT.glob("market/*/views.py"), *ROOT.glob("market/*/*_views.py"),
     *ROOT.glob("market/*/views/*.py"), ROOT / "market/platforms/api.py"}
)  # fmt: skip


def _queries_in(path: Path) -> list[str]:
    """`file:line` of each `select(...)` or `.exec(...)` call: a query the module runs itself."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if name in ("select", "exec"):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_views_run_no_queries_of_their_own() -> None:
    # Views call the areas' services, which name what they read; the route stays a route.
    assert len(VIEW_MODULES) > 20
    assert [hit for path in VIEW_MODULES for hit in _queries_in(path)] == []


def test_the_query_check_sees_a_query(tmp_path: Path) -> None:
    view = tmp_path / "probe_views.py"
    view.write_text("def v(s):\n    return s.exec(select(1)).all()\n")
    assert _queries_in(view) == ["probe_views.py:2", "probe_views.py:2"]


# A role compared in a template decides a permission there; a role shown by its label does not.
ROLE_RULE = re.compile(
    r"current_user\.(role|role_enum|has_role|organization_id)\b(?!\.label)"
)  # a label shows


def test_templates_decide_no_permission_by_role() -> None:
    # What a role may open comes from market.security.desks_of and the areas' services
    # (e.g. fleamarkets.actions.day_actions); a template only shows what it is given.
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_RULE.search(line)
    ]
    assert found == []
