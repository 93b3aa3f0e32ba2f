#!/usr/bin/env python3
"""Benchmark of batch mode's cost (issue 13), not a test: the same articles through the real pipeline
in both modes — the real local WordPress, the daemon's machinery, the real SDK against the OFFLINE
stand-in (its chat endpoint for the normal mode, its Batch API for batch mode) — and the job log's
ledger (every paid answer) compared per article.

    .venv/bin/python scripts/bench_batch.py [--imperfect K] [--port PORT]

The corpus is the stand-in fixtures' sources (the demo drafts plus the long and injection ones);
``--imperfect K`` makes the first K first answers too short (fixture bad-too-short), so they need a
repair, which goes through the normal endpoint at the normal price in both modes. Prints Mistral
calls, tokens and EUR per article per mode, and batch EUR / normal EUR (target: 0.5 when nothing
needs a repair). It RESETS the local site on WP_PORT (default 8087).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "scripts")]

from bench_sync import script, site_env  # noqa: E402
from demo import gutenberg, seed, titled  # noqa: E402

from wp_seo_bridge.config import parse  # noqa: E402
from wp_seo_bridge.daemon.joblog import JobLog  # noqa: E402
from wp_seo_bridge.daemon.scheduler import Daemon  # noqa: E402
from wp_seo_bridge.standin import start_in_thread  # noqa: E402

TAG = "seo-bridge"
PRICE = [1.8, 5.4]  # EUR per million tokens, in/out: the ratio is what matters, not the price


def corpus() -> dict[str, tuple[str, str]]:
    return {"seed-fr": seed(), "wire-fr": titled("wire-fr.txt"), "news-en": titled("news-en.txt"),
            "gutenberg-fr": gutenberg(), "long-fr": titled("long-fr.txt"), "injection-fr": titled("injection-fr.txt")}


def run_mode(mode: str, env: dict, port: str, standin, imperfect: int) -> dict:
    script(port, "reset")
    script(port, "option", "wp_seo_bridge_sync_enabled", "1")
    wp = xmlrpc.client.ServerProxy(f"{env['WP_URL']}/xmlrpc.php")
    admin = (env["WP_ADMIN_USER"], env["WP_ADMIN_PASSWORD"])
    drafts = corpus()
    for title, content in drafts.values():
        wp.wp.newPost(1, *admin, {"post_type": "post", "post_status": "draft", "post_title": title,
                                  "post_content": content, "terms_names": {"post_tag": [TAG]}})
    standin.reset()
    standin.script([{"fixture": "bad-too-short"}] * imperfect)
    with tempfile.TemporaryDirectory(prefix=f"wpsb-bench-{mode}-") as state:
        cfg = parse({
            "mistral": {"mode": mode, "max_retries": 2, "prices": {"mistral-large-2512": PRICE}},
            # One at a time: both modes meet the drafts (and the scripted answers) in the same order.
            "daemon": {"state_dir": state, "concurrency": 1, "requests_per_second": 100.0,
                       "max_posts_per_pass": 100, "max_tokens_per_day": 10**9, "max_eur_per_day": 1e6},
            "sites": [{"name": "bench", "url": env["WP_URL"], "user": env["WP_BOT_USER"],
                       "password_env": "WPSB_BENCH_PASSWORD", "min_quiet_minutes": 0}],
        })
        daemon = Daemon(cfg, daemon_id=f"bench-{mode}")
        passes, started = 0, time.monotonic()
        log = JobLog.in_state_dir(state)
        try:
            while passes < 10:  # normal mode: one pass; batch mode: submit, then collect
                daemon.run_once()
                passes += 1
                rows = log.recent(1000)
                if sum(r["outcome"] == "rewritten" for r in rows) + sum(r["outcome"] == "failed" for r in rows) \
                        >= len(drafts) and not log.batch_summary()["running_jobs"]:
                    break
                time.sleep(0.2)
        finally:
            daemon.stop()
            daemon.close()
        rows = log.recent(1000)
        paid = log.calls_since()  # the ledger: every paid answer, batch and synchronous
        log.close()
    n = len(drafts)
    billed = standin.billed()
    return {"mode": mode, "articles": n, "rewritten": sum(r["outcome"] == "rewritten" for r in rows),
            "passes": passes, "seconds": round(time.monotonic() - started, 1),
            "calls": paid.calls, "batch_answers": sum(b["batch"] for b in billed),
            "tokens_in": paid.tokens_in, "tokens_out": paid.tokens_out, "eur": paid.cost_eur,
            "standin_eur_full": round(sum(b["prompt_tokens"] * PRICE[0] + b["completion_tokens"] * PRICE[1]
                                          for b in billed) / 1e6, 6)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--imperfect", type=int, default=0, help="first answers that need a repair")
    ap.add_argument("--port", default=os.environ.get("WP_PORT", "8087"), help="local WordPress port")
    a = ap.parse_args()
    env = site_env(a.port)
    os.environ.update(WPSB_BENCH_PASSWORD=env["WP_BOT_PASSWORD"], MISTRAL_API_KEY="bench-not-a-key")
    standin = start_in_thread()
    os.environ["MISTRAL_SERVER_URL"] = standin.url
    try:
        results = [run_mode(mode, env, a.port, standin, a.imperfect) for mode in ("sync", "batch")]
    finally:
        standin.stop()
    print(f"{'mode':<6} {'rewritten':>9} {'passes':>6} {'calls/art':>9} {'tok in/art':>10} {'tok out/art':>11} "
          f"{'EUR/art':>9}")
    for r in results:
        n = r["articles"]
        print(f"{r['mode']:<6} {r['rewritten']:>4}/{n:<4} {r['passes']:>6} {r['calls'] / n:>9.2f} "
              f"{r['tokens_in'] / n:>10.0f} {r['tokens_out'] / n:>11.0f} {r['eur'] / n:>9.5f}")
    sync, batch = results
    print(f"batch answers: {batch['batch_answers']} of {batch['calls']} calls (the rest: repairs, normal price)")
    print(f"batch EUR / normal EUR for the same articles: {batch['eur'] / sync['eur']:.3f}"
          f"{'' if a.imperfect else ' (target 0.5)'}")
    for r in results:  # the job log against what the stand-in billed (at full price; batch answers at half)
        print(f"  {r['mode']}: job log {r['eur']:.6f} EUR, stand-in billed {r['standin_eur_full']:.6f} EUR at "
              f"normal prices")


if __name__ == "__main__":
    main()
