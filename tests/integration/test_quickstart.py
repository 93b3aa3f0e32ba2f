"""``scripts/quickstart.sh`` end to end on the test site's port (not the demo's 8080): the demo drafts end up as
Pending Review posts on that site, rewritten through the offline stand-in."""
from __future__ import annotations

import os
import socket
import subprocess

import pytest

from tests.support.wordpress import REPO

pytestmark = pytest.mark.wordpress

DEMO_KEY = "wp_seo_bridge_demo"  # the custom field scripts/demo.py puts on each demo draft


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_quickstart_syncs_the_site_on_the_port_it_was_given(reset):
    wp = reset
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISTRAL_")}  # offline: the stand-in
    env.update(WP_PORT=wp.port, STANDIN_PORT=str(free_port()))

    proc = subprocess.run(["bash", str(REPO / "scripts" / "quickstart.sh")], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"{wp.url}/wp-admin/edit.php?post_status=pending" in proc.stdout
    posts = wp.call("wp.getPosts", wp.admin, {"post_status": "pending", "number": 100},
                    ["post_id", "post_status", "custom_fields"])
    demo = [p for p in posts if any(f["key"] == DEMO_KEY for f in p["custom_fields"])]
    assert len(demo) == 4, proc.stdout[-3000:]
