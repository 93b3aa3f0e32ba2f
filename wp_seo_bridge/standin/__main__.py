"""``python -m wp_seo_bridge.standin --port PORT [--latency L] [--fault-rate P]``."""
import argparse
import logging

from .chat import LABEL
from .server import serve

p = argparse.ArgumentParser(prog="python -m wp_seo_bridge.standin", description=f"{LABEL}: hand-written fixtures")
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--port", type=int, default=8765)
p.add_argument("--latency", type=float, default=0.0, help="seconds every answer waits (benchmarks)")
p.add_argument("--fault-rate", type=float, default=0.0, help="fraction of completions answered 503")
p.add_argument("--fixtures", action="append", default=[], help="extra fixture folder (repeatable)")
p.add_argument("--batch-delay", type=float, default=0.0, help="seconds a batch job runs before its results")
p.add_argument("--seed", type=int, default=None, help="seed of the fault dice")
a = p.parse_args()
logging.basicConfig(level=logging.INFO, format="%(message)s")
print(f"{LABEL} on http://{a.host}:{a.port} — set MISTRAL_SERVER_URL=http://{a.host}:{a.port}", flush=True)
serve(a.host, a.port, a.latency, fault_rate=a.fault_rate, fixtures_dirs=a.fixtures, seed=a.seed,
      batch_delay=a.batch_delay)
