"""Stages depend only downward: extract, check and render share the primitives in ``markup`` and
never import each other (check judges the HTML that the pipeline had render make)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "wp_seo_bridge"
STAGES = ("extract", "relate", "rewrite", "check", "render")


def imported_packages(stage: str) -> set[str]:
    """Top-level wp_seo_bridge sub-packages imported anywhere in a stage (late imports included)."""
    found: set[str] = set()
    for path in (PACKAGE / stage).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
                found.add(node.module.split(".")[0])
            elif (isinstance(node, ast.ImportFrom) and node.level == 0
                  and (node.module or "").startswith("wp_seo_bridge.")):
                found.add(node.module.split(".")[1])
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_other_stage(stage):
    assert imported_packages(stage) & (set(STAGES) - {stage}) == set()


def test_markup_is_the_floor_below_the_stages():
    assert imported_packages("markup") <= {"model"}
    assert "markup" in imported_packages("extract") & imported_packages("check") & imported_packages("render")
