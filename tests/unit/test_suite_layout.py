"""The whole suite is one pytest run per matrix (scripts/test.sh): pytest's default import mode names a test
module by its file's basename, so two test files with one name in two folders stop the collection of all."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_test_file_basenames_are_unique_across_the_suite():
    names = Counter(p.name for p in TESTS.rglob("test_*.py") if "node_modules" not in p.parts)
    assert [name for name, n in names.items() if n > 1] == []
