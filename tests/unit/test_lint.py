"""The habits, in the unit tests too (so in every merge, not only in scripts/test.sh): ruff finds nothing in the
package, the tests and the scripts, and mypy nothing in the pure stages (pyproject.toml configures both)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "No module named" not in done.stderr, (
        f"{args[0]} is not installed in this virtualenv: bash scripts/setup.sh --with-tests (a test extra)")
    return done


def test_ruff_finds_nothing():
    done = run("ruff", "check", "--quiet", "--no-cache", ".")
    assert done.returncode == 0, f"ruff check (scripts/lint.sh --fix sorts imports):\n{done.stdout}{done.stderr}"


def test_mypy_finds_nothing_in_the_pure_stages():
    done = run("mypy", "--no-error-summary")
    assert done.returncode == 0, f"mypy:\n{done.stdout}{done.stderr}"
