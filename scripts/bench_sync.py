#!/usr/bin/env python3
"""Benchmark of the daemon's pass (issue 4), not a test: the real local WordPress, the OFFLINE
Mistral stand-in answering after a fixed latency, the daemon's own machinery (pool, limiter,
budget, job log) doing one pass.

    .venv/bin/python scripts/bench_sync.py [--drafts 200] [--latency 1] [--concurrency 8] [--quiet 1000]
                                           [--transport xmlrpc|rest]

Prints: elapsed time against the ideal N·L/C and their ratio, WordPress requests per rewritten post
(HTTP round trips: a round of claims is one system.multicall or one /batch/v1),
calls per 100 unchanged drafts on a quiet pass, local CPU per post, peak RSS. Targets: ratio
>= 0.9, <= 3 calls per rewritten post, <= 1 call per 100 quiet drafts, RSS < 150 MB.
With --published P (default 1000) the quiet site also has P published posts (the internal-link
candidates), and the bench counts the listing requests: on quiet passes, on the day's first pass with
a draft to rewrite (full listing, 500 a request) and on the next ones (changes only). Target: within
the quiet-pass budget of <= 1 request per 100 unchanged drafts plus one per 500 published posts per day.
It RESETS the local site on WP_PORT (default 8086, apart from the tests' 8080).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wp_seo_bridge.config import parse  # noqa: E402
from wp_seo_bridge.daemon.scheduler import Daemon  # noqa: E402
from wp_seo_bridge.model import STATE_KEY, BridgeState, source_hash  # noqa: E402

TAG = "seo-bridge"
SOURCE = REPO / "wp_seo_bridge" / "standin" / "fixtures" / "sources" / "seed-fr.txt"


def site_env(port: str) -> dict[str, str]:
    out = subprocess.run(["bash", str(REPO / "scripts" / "wordpress-local.sh"), "start"], check=True,
                         env={**os.environ, "WP_PORT": port}, capture_output=True, text=True).stdout
    return dict(re.findall(r"^export (\w+)=(.*)$", out, flags=re.M))


def script(port: str, *args: str) -> str:
    return subprocess.run(["bash", str(REPO / "scripts" / "wordpress-local.sh"), *args], check=True,
                          env={**os.environ, "WP_PORT": port}, capture_output=True, text=True).stdout


def create_drafts(url: str, admin: tuple[str, str], specs: list[dict], chunk: int = 100) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(specs), chunk):
        multi = xmlrpc.client.MultiCall(xmlrpc.client.ServerProxy(f"{url}/xmlrpc.php"))
        for spec in specs[start:start + chunk]:
            multi.wp.newPost(1, *admin, spec)
        ids.extend(int(i) for i in multi())
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_standin(latency: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "wp_seo_bridge.standin", "--port", str(port),
                             "--latency", str(latency)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    proc.stdout.readline()  # its banner: listening
    return proc, f"http://127.0.0.1:{port}"


def config(env: dict, state_dir: str, concurrency: int, drafts: int, transport: str):
    return parse({
        "mistral": {"max_retries": 2, "prices": {"mistral-large-2512": [1.8, 5.4]}},
        "daemon": {"state_dir": state_dir, "concurrency": concurrency, "requests_per_second": 50.0,
                   "tokens_per_minute": 50_000_000, "max_posts_per_pass": max(drafts, 1),
                   "max_tokens_per_day": 10**9, "max_eur_per_day": 10_000.0},
        "sites": [{"name": "bench", "url": env["WP_URL"], "user": env["WP_BOT_USER"],
                   "password_env": "WPSB_BENCH_PASSWORD", "min_quiet_minutes": 0, "transport": transport}],
    })


def _hist_avg(hist) -> float:
    samples = {s.name: s.value for metric in hist.collect() for s in metric.samples}
    count = samples.get("wpsb_mistral_latency_seconds_count", 0)
    return samples.get("wpsb_mistral_latency_seconds_sum", 0) / count if count else 0.0


LISTING = ("seobridge.listPublished", "GET /wp-seo-bridge/v1/published")


def listing_calls(calls: Counter) -> int:
    """Requests that listed published posts (internal-link candidates)."""
    return sum(calls.get(name, 0) for name in LISTING)


def published_specs(n: int) -> list[dict]:
    """``n`` published posts from the tests' French corpus (titles numbered past its 210)."""
    from tests.support import corpus

    posts = corpus.posts()
    return [{"post_type": "post", "post_status": "publish", "post_content": p.content,
             "post_title": p.title if i < len(posts) else f"{p.title} ({i // len(posts) + 1})",
             "terms_names": {"post_tag": list(p.tags), "category": [p.category]},
             "custom_fields": [{"key": "_yoast_wpseo_focuskw", "value": p.keyphrase}]}
            for i, p in ((i, posts[i % len(posts)]) for i in range(n))]


def process_cpu(match) -> float:
    """CPU seconds used so far by the live processes whose command line satisfies ``match``."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not match(cmd):
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total


def others_cpu(port: str) -> dict[str, float]:
    """What the machine spent outside the daemon: WordPress (php -S), MariaDB, the stand-in."""
    return {"wordpress_php": process_cpu(lambda c: "php" in c and f"127.0.0.1:{port}" in c),
            "mariadb": process_cpu(lambda c: c.startswith("mariadbd")),
            "standin": process_cpu(lambda c: "wp_seo_bridge.standin" in c)}


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--drafts", "-n", type=int, default=200)
    ap.add_argument("--latency", "-l", type=float, default=1.0, help="seconds the stand-in waits per answer")
    ap.add_argument("--concurrency", "-c", type=int, default=8)
    ap.add_argument("--quiet", type=int, default=1000, help="unchanged drafts for the quiet pass (0: skip)")
    ap.add_argument("--port", default=os.environ.get("WP_PORT", "8086"), help="local WordPress port")
    ap.add_argument("--transport", choices=("xmlrpc", "rest"), default="xmlrpc")
    ap.add_argument("--published", type=int, default=1000,
                    help="published posts on the quiet site (internal-link candidates; 0: skip)")
    a = ap.parse_args()

    env = site_env(a.port)
    admin = (env["WP_ADMIN_USER"], env["WP_ADMIN_PASSWORD"])
    # REST logs in with an application password; XML-RPC with the account's password.
    secret = env["WP_BOT_APP_PASSWORD"] if a.transport == "rest" else env["WP_BOT_PASSWORD"]
    os.environ.update(WPSB_BENCH_PASSWORD=secret, MISTRAL_API_KEY="bench-not-a-key")
    text = "\n\n".join(line for line in SOURCE.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
    standin, standin_url = start_standin(a.latency)
    os.environ["MISTRAL_SERVER_URL"] = standin_url
    results: dict = {"drafts": a.drafts, "latency_s": a.latency, "concurrency": a.concurrency,
                     "transport": a.transport}
    try:
        with tempfile.TemporaryDirectory(prefix="wpsb-bench-") as state:
            # --- the busy pass: N opted-in drafts ---
            script(a.port, "reset")
            script(a.port, "option", "wp_seo_bridge_sync_enabled", "1")
            create_drafts(env["WP_URL"], admin, [
                {"post_type": "post", "post_status": "draft", "post_title": f"Brouillon {i}",
                 "post_content": text, "terms_names": {"post_tag": [TAG]}} for i in range(a.drafts)])
            cfg = config(env, state, a.concurrency, a.drafts, a.transport)
            daemon = Daemon(cfg, daemon_id="bench")
            cpu0, others0, t0 = cpu(), others_cpu(a.port), time.monotonic()
            [report] = daemon.run_once()
            elapsed, cpu_s = time.monotonic() - t0, cpu() - cpu0
            others = {k: round(v - others0[k], 1) for k, v in others_cpu(a.port).items()}
            daemon.stop()
            gw = daemon.gateway(cfg.sites[0])
            calls = Counter(gw.calls)
            done = report.count("rewritten")
            ideal = a.drafts * a.latency / a.concurrency
            results.update(
                rewritten=done, failed=report.count("failed"), elapsed_s=round(elapsed, 2), ideal_s=round(ideal, 2),
                ratio=round(ideal / elapsed, 3), wp_calls=dict(calls),
                wp_calls_per_rewritten=round(sum(calls.values()) / max(done, 1), 3),
                cpu_ms_per_post=round(cpu_s * 1000 / max(done, 1), 1),
                cpu_s={"daemon": round(cpu_s, 1), **others}, cores=os.cpu_count(),
                cpu_floor_s=round((cpu_s + sum(others.values())) / (os.cpu_count() or 1), 1),
                limiter_wait_s=round(daemon.limiter.waited_s, 2),
                mistral_latency_avg_s=round(_hist_avg(daemon.metrics.latency), 3),
                draft_seconds_avg=round(sum(o.seconds for o in report.outcomes) / max(len(report.outcomes), 1), 3))
            if report.count("failed"):
                results["first_failure"] = next(o.reason for o in report.outcomes if o.result == "failed")
            daemon.close()

            # --- the quiet pass: unchanged drafts (half not opted in, half already handled) ---
            if a.quiet:
                script(a.port, "reset")
                script(a.port, "option", "wp_seo_bridge_sync_enabled", "1")
                specs = []
                for i in range(a.quiet):
                    title = f"Calme {i}"
                    spec = {"post_type": "post", "post_status": "draft", "post_title": title, "post_content": text}
                    if i % 2:
                        failed = BridgeState(state="failed", source_hash=source_hash(title, text),
                                             at="2026-01-01T00:00:00Z", by="bench", reason="bench: handled before")
                        spec |= {"terms_names": {"post_tag": [TAG]},
                                 "custom_fields": [{"key": STATE_KEY, "value": failed.model_dump_json()}]}
                    specs.append(spec)
                create_drafts(env["WP_URL"], admin, specs)
                create_drafts(env["WP_URL"], admin, published_specs(a.published))
                quiet = Daemon(cfg, daemon_id="bench")
                qgw = quiet.gateway(cfg.sites[0])
                [first] = quiet.run_once()  # a fresh gateway: includes the login handshake
                cold = sum(qgw.calls.values())
                [second] = quiet.run_once()  # the daemon's steady state: the session is reused
                warm = sum(qgw.calls.values()) - cold
                quiet_listing = listing_calls(qgw.calls)
                results.update(
                    quiet_drafts=a.quiet, quiet_mistral_calls=first.count("rewritten") + first.count("failed"),
                    quiet_calls_per_100_first=round(cold * 100 / a.quiet, 2),
                    quiet_calls_per_100=round(warm * 100 / a.quiet, 2), quiet_calls=dict(qgw.calls))
                if a.published:
                    # Passes with one new draft to rewrite each: the day's first lists every published post,
                    # the next ones only what changed since (nothing here).
                    per_pass = []
                    for i in range(3):
                        create_drafts(env["WP_URL"], admin, [
                            {"post_type": "post", "post_status": "draft", "post_title": f"Nouveau {i}",
                             "post_content": text, "terms_names": {"post_tag": [TAG]}}])
                        before = listing_calls(qgw.calls)
                        quiet.run_once()
                        per_pass.append(listing_calls(qgw.calls) - before)
                    results.update(published=a.published, listing_quiet_passes=quiet_listing,
                                   listing_per_busy_pass=per_pass,
                                   listing_first_per_500=round(per_pass[0] * 500 / a.published, 2))
                quiet.stop()
                quiet.close()
    finally:
        standin.terminate()
        standin.wait(5)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    _print(results)


def _print(r: dict) -> None:
    print(f"busy pass: {r['rewritten']}/{r['drafts']} rewritten ({r['failed']} failed), L={r['latency_s']:g} s, "
          f"C={r['concurrency']}, {r['transport']}")
    if r.get("first_failure"):
        print(f"  first failure: {r['first_failure']}")
    print(f"  elapsed {r['elapsed_s']:.2f} s, ideal N·L/C {r['ideal_s']:.2f} s, ratio {r['ratio']:.3f} "
          f"(target >= 0.9){'' if r['ratio'] >= 0.9 else '  MISSED'}")
    print(f"  WordPress requests per rewritten post {r['wp_calls_per_rewritten']:.3f} (target <= 3): {r['wp_calls']}")
    print(f"  CPU during the pass (core-seconds): {r['cpu_s']} on {r['cores']} cores: the machine alone "
          f"needs {r['cpu_floor_s']:.1f} s for this work")
    print(f"  local CPU per post {r['cpu_ms_per_post']:.1f} ms; rate-limiter waits {r['limiter_wait_s']:.2f} s; "
          f"Mistral call {r['mistral_latency_avg_s']:.3f} s and draft {r['draft_seconds_avg']:.3f} s on average")
    if "quiet_drafts" in r:
        print(f"quiet pass over {r['quiet_drafts']} unchanged drafts: {r['quiet_calls_per_100']:.2f} calls per 100 "
              f"drafts (target <= 1; first pass with login {r['quiet_calls_per_100_first']:.2f}), "
              f"{r['quiet_mistral_calls']} Mistral calls: {r['quiet_calls']}")
    if "published" in r:
        first, *later = r["listing_per_busy_pass"]
        print(f"published-post listing ({r['published']} posts, internal-link candidates): quiet passes "
              f"{r['listing_quiet_passes']} requests; the day's first pass with a draft {first} "
              f"({r['listing_first_per_500']:.2f} per 500 posts, target <= 1), later passes {later} (target <= 1 each)")
    print(f"peak RSS {r['peak_rss_mb']:.1f} MB (target < 150)")
    print("json: " + json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
