"""The suite's layout. The whole suite is one pytest run per matrix (scripts/test.sh): pytest's default import
mode names a test module by its file's basename, so two test files with one name in two folders stop the
collection of all. Fixtures live in conftest.py files and shared helpers in tests/support/: a test module that
imports another (or a conftest) runs its fixtures' module twice and hides what a test depends on."""
from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


def python_files() -> list[Path]:
    return [p for p in TESTS.rglob("*.py") if "node_modules" not in p.parts and "yoast-judge" not in p.parts]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (``from tests.support import corpus`` counts as ``tests.support.corpus``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names
                      if (ROOT / node.module.replace(".", "/") / f"{a.name}.py").exists()]
    return found


def test_test_file_basenames_are_unique_across_the_suite():
    names = Counter(p.name for p in TESTS.rglob("test_*.py") if "node_modules" not in p.parts)
    assert [name for name, n in names.items() if n > 1] == []


def test_no_test_module_or_conftest_is_imported_and_every_tests_import_exists():
    bad = []
    for path in python_files():
        for line, module in imported_modules(path):
            last = module.rsplit(".", 1)[-1]
            where = f"{path.relative_to(ROOT)}:{line} imports {module}"
            if last.startswith("test_") or last == "conftest":
                bad.append(where + ": move what is shared to tests/support/ (helpers) or a conftest.py (fixtures)")
            elif module.split(".")[0] == "tests" and not any(
                    (ROOT / module.replace(".", "/")).with_suffix(s).exists() for s in (".py", "")):
                bad.append(where + ": no such module (tests/support/ holds the shared helpers)")
    assert bad == []
