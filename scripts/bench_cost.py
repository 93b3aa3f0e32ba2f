#!/usr/bin/env python3
"""Mistral calls, tokens and EUR per article, replaying recorded model answers through the real rewrite
pipeline (pipeline.rewrite_text: extract, the prompt, the real mistralai SDK against the local stand-in,
the checks and their repair policy, render). Not a timed test: it prints ratios.

The corpus: the stand-in's good fixtures, and imperfect answers made from them the way real models miss
(a little short, passive-heavy, keyphrase in too few subheadings, a meta description and a title a bit
long, one answer cut at max_tokens, one ended by finish_reason "error"). An imperfect answer is served
first; any further call is answered by the stand-in's fixture for that draft (a good repair).

    .venv/bin/python scripts/bench_cost.py [--price-in 0.43 --price-out 1.29]

EUR per article is at the given list prices (default: [mistral.prices] of mistral-large-2512 in
config/wp-seo-bridge.toml). Token counts are the stand-in's (characters / 4), not a real tokenizer's.
Modes are columns: MODES maps a mode name to a function running one case (sync, batch).
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wp_seo_bridge.batch import Prepaid  # noqa: E402
from wp_seo_bridge.config import load  # noqa: E402
from wp_seo_bridge.extract import extract  # noqa: E402
from wp_seo_bridge.gateways.mistral import MistralGateway, MistralSettings, ServerError  # noqa: E402
from wp_seo_bridge.model import Article, Usage  # noqa: E402
from wp_seo_bridge.pipeline import Engine, judge, rewrite_text  # noqa: E402
from wp_seo_bridge.rewrite.rewrite import build_messages, plan_answer  # noqa: E402
from wp_seo_bridge.standin import start_in_thread  # noqa: E402

FIXTURES = REPO / "wp_seo_bridge" / "standin" / "fixtures"
MODEL = "mistral-large-2512"
GOOD = ("seed-fr", "wire-fr", "gutenberg-fr", "long-fr", "injection-fr", "news-en")
PASSIVE = ("Ce point a été souligné dans le texte.", "Selon le texte, les faits ont été rapportés ainsi.",
           "À ce jour, cette version a été contestée.", "Depuis, le dossier a été suivi de près.",
           "Ensuite, les accusations ont été reprises.", "Enfin, la question a été posée à nouveau.")


@dataclass(frozen=True)
class Case:
    name: str
    fixture: str  # whose draft is rewritten (and whose good article answers any further call)
    steps: tuple[dict, ...]  # what the stand-in answers first
    note: str  # the miss, as intended
    imperfect: bool


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def source_of(name: str) -> tuple[str, str]:
    fx = fixture(name)
    text = (FIXTURES / fx["source"]).read_text(encoding="utf-8")
    title = text.splitlines()[0].lstrip("# ").strip() if not text.lstrip().startswith("<") else name
    return title, text


def _paragraphs(article: dict):
    for block in article["intro"] + [b for s in article["sections"] for b in s["blocks"]]:
        if block["type"] == "paragraph":
            yield block


def words_of(name: str, article: dict) -> int:
    title, text = source_of(name)
    return judge(Article.model_validate(article), extract(text, title)).words


def shorter(name: str, below: int = 700) -> dict:
    """Paragraphs dropped from the last sections until Yoast counts just under ``below`` words."""
    art = copy.deepcopy(fixture(name)["article"])
    for section in reversed(art["sections"][1:]):
        while len(section["blocks"]) > 1 and words_of(name, art) >= below:
            section["blocks"].pop()
        if words_of(name, art) < below:
            break
    return art


def passive_heavy(name: str) -> dict:
    art = copy.deepcopy(fixture(name)["article"])
    for i, block in enumerate(list(_paragraphs(art))[1:]):
        block["text"] += " " + PASSIVE[i % len(PASSIVE)]
    return art


def few_subheadings(name: str) -> dict:
    art = copy.deepcopy(fixture(name)["article"])
    kp = art["focus_keyphrase"].lower()
    for section in art["sections"]:
        if kp in section["heading"].lower():
            section["heading"] = "Le contexte" if section["level"] == 2 else "Les détails"
    return art


def long_meta_and_title(name: str) -> dict:
    art = copy.deepcopy(fixture(name)["article"])
    art["meta_description"] = art["meta_description"].rstrip(".") + ", avec tout le contexte utile pour comprendre."
    art["seo_title"] = art["seo_title"] + " : tout ce qu'il faut savoir aujourd'hui"
    return art


def corpus() -> list[Case]:
    cases = [Case(n, n, ({"fixture": n},), "good fixture", False) for n in GOOD]
    cases += [
        Case("seed-fr/short", "seed-fr", ({"article": shorter("seed-fr")},), "a little short (hard)", True),
        Case("wire-fr/passive", "wire-fr", ({"article": passive_heavy("wire-fr")},), "passive-heavy (soft)", True),
        Case("long-fr/subheadings", "long-fr", ({"article": few_subheadings("long-fr")},),
             "keyphrase in too few subheadings (soft)", True),
        Case("gutenberg-fr/meta+title", "gutenberg-fr", ({"article": long_meta_and_title("gutenberg-fr")},),
             "meta description and SEO title too long (soft)", True),
        Case("seed-fr/truncated", "seed-fr", ({"fixture": "seed-fr", "finish_reason": "length"},),
             "cut at max_tokens", True),
        Case("wire-fr/finish-error", "wire-fr", ({"fixture": "wire-fr", "finish_reason": "error"},),
             'finish_reason "error"', True),
        Case("injection-fr/passive", "injection-fr", ({"article": passive_heavy("injection-fr")},),
             "passive-heavy (soft)", True),
        Case("news-en/subheadings", "news-en", ({"article": few_subheadings("news-en")},),
             "keyphrase in too few subheadings (soft)", True),
        Case("long-fr/meta+title", "long-fr", ({"article": long_meta_and_title("long-fr")},),
             "meta description and SEO title too long (soft)", True),
    ]
    return cases


@dataclass
class Result:
    usage: Usage
    ok: bool
    why: str


def scripted_gateway(case: Case, standin, prices: dict) -> MistralGateway:
    """A gateway to the stand-in, which answers the case's scripted steps in order."""
    standin.reset()
    standin.script(list(case.steps))
    settings = MistralSettings(model=MODEL, api_key="bench-not-a-secret", server_url=standin.url, timeout_s=30,
                               max_retries=2, initial_backoff_s=0.01, max_backoff_s=0.05, prices=prices)
    return MistralGateway(settings)


def run_sync(case: Case, standin, prices: dict) -> Result:
    gw = scripted_gateway(case, standin, prices)
    try:
        title, text = source_of(case.fixture)
        r = rewrite_text(title, text, Engine(llm=gw, model=MODEL, context_tokens=262_144))
    finally:
        gw.close()
    return Result(r.usage, r.ok, r.reason)


def run_batch(case: Case, standin, prices: dict) -> Result:
    """The same case in batch mode: the first answer from a Batch API job (at batch prices), checked and
    repaired through the normal endpoint (at normal prices) exactly as wp_seo_bridge/batch.py does."""
    gw = scripted_gateway(case, standin, prices)
    try:
        title, text = source_of(case.fixture)
        engine = Engine(llm=gw, model=MODEL, context_tokens=262_144)
        source = extract(text, title)
        messages = build_messages(source, min_words=engine.min_words)
        room = plan_answer(messages, source, min_words=engine.min_words, context_tokens=engine.context_tokens,
                           max_tokens=engine.max_tokens, max_repairs=engine.max_repairs)
        paid = Usage()
        for _ in range(3):  # a paid but unusable line (finish_reason "error") goes in the next pass's job
            job = gw.submit_batch([("case", messages, room.max_tokens)])
            while not job.done:
                job = gw.batch_job(job.id)
            answer = gw.batch_answers(job)["case"]
            paid += answer.usage
            if not isinstance(answer.error, ServerError):
                break
        r = rewrite_text(title, text, replace(engine, llm=Prepaid(answer, gw)))
    finally:
        gw.close()
    return Result(paid + r.usage, r.ok, r.reason)  # r.usage: the calls after the job's answer


#: One column per mode: the same cases, each with its own runner.
MODES: dict[str, Callable[[Case, object, dict], Result]] = {"sync": run_sync, "batch": run_batch}


def main() -> None:
    cfg_prices = load(REPO / "config" / "wp-seo-bridge.toml").mistral.prices.get(MODEL, (0.43, 1.29))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--price-in", type=float, default=cfg_prices[0], help="EUR per million input tokens")
    ap.add_argument("--price-out", type=float, default=cfg_prices[1], help="EUR per million output tokens")
    args = ap.parse_args()
    prices = {MODEL: (args.price_in, args.price_out)}
    standin = start_in_thread()
    cases = corpus()
    results: dict[str, list[Result]] = {mode: [] for mode in MODES}
    try:
        print(f"{'case':<26} {'intended miss':<44} " + " ".join(f"{m + ' calls':>11} {m + ' EUR':>11}" for m in MODES))
        for case in cases:
            row = []
            for mode, runner in MODES.items():
                res = runner(case, standin, prices)
                results[mode].append(res)
                flag = "" if res.ok else " FAILED"
                row.append(f"{res.usage.calls:>11} {res.usage.cost_eur:>11.5f}{flag}")
            print(f"{case.name:<26} {case.note:<44} " + " ".join(row))
    finally:
        standin.stop()
    print()
    for mode, rs in results.items():
        for label, pick in (("good fixtures", False), ("imperfect answers", True), ("whole corpus", None)):
            chosen = [r for c, r in zip(cases, rs) if pick is None or c.imperfect == pick]
            total = Usage()
            for r in chosen:
                total += r.usage
            n = len(chosen)
            print(f"{mode:<5} {label:<18} {n:>2} articles: {total.calls / n:.2f} Mistral calls per article, "
                  f"{total.tokens_in / n:,.0f} tokens in / {total.tokens_out / n:,.0f} out, "
                  f"{total.cost_eur / n:.5f} EUR per article ({sum(r.ok for r in chosen)} pushed)")
    print(f"prices: {args.price_in} / {args.price_out} EUR per million tokens ({MODEL}); tokens as the stand-in "
          f"counts them (characters / 4)")


if __name__ == "__main__":
    main()
