"""The Yoast judge (yoastseo 3.6.0 in Node, tests/yoast-judge) and the stand-in fixtures it judges.

``$YOAST_JUDGE`` names the judge's run.sh (default ``../shared/yoast-judge/run.sh`` from the repo root).
A missing judge or Node is a failure with a clear message, never a skip.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from wp_seo_bridge.extract import extract
from wp_seo_bridge.model import Article, Source
from wp_seo_bridge.render import render

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "wp_seo_bridge" / "standin" / "fixtures"
SITE_URL = "http://127.0.0.1:8080"  # where the fixtures' internal links point
LONGEST_DATE = "sept 30, 2026"  # date_i18n('M j, Y') on a fr_FR site: 4-letter month abbreviation, 2-digit day


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    article: Article
    source: Source
    html: str
    expect_fail: tuple[str, ...]

    def judge_input(self) -> dict:
        a = self.article
        # Yoast's post editor counts the date it shows before the description ('M j, Y' of the post date):
        # the longest French one, so a description green here is green in the editor whatever the date.
        return {"html": self.html, "title": a.seo_title, "metaDescription": a.meta_description,
                "keyword": a.focus_keyphrase, "slug": a.slug, "locale": "fr_FR", "date": LONGEST_DATE,
                "permalink": f"{SITE_URL}/{a.slug}/"}


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "article" not in data:  # malformed/truncated answers: nothing to render
            continue
        source = extract((FIXTURES / data["source"]).read_text(encoding="utf-8"))
        article = Article.model_validate(data["article"])
        cases.append(Case(data["name"], data["kind"], article, source, render(article, source),
                          tuple(data.get("expect_fail", ()))))
    return cases


def judge_command() -> list[str]:
    script = Path(os.environ.get("YOAST_JUDGE") or ROOT.parent / "shared" / "yoast-judge" / "run.sh")
    if not script.is_file():
        pytest.fail(f"Yoast judge not found at {script}: set YOAST_JUDGE to the judge's run.sh "
                    "(tests/yoast-judge/run.sh in this repo)", pytrace=False)
    if shutil.which("node") is None:
        pytest.fail("Node is not installed: the Yoast judge (tests/judge) needs node >= 18", pytrace=False)
    return ["bash", str(script), "--compact"]


def run_judge(command: list[str], payload: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as f:
        json.dump(payload, f, ensure_ascii=False)
    try:
        done = subprocess.run([*command, f.name], capture_output=True, text=True, timeout=300)
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        pytest.fail(f"Yoast judge failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}", pytrace=False)
    return json.loads(done.stdout)
