"""The companion plugin passes the WordPress Coding Standards (WordPress-Extra, with the security sniffs for
escaping, nonces, input sanitising and prepared SQL) with 0 errors, as configured in phpcs.xml.dist.

The linter is the offline copy in ../shared/tools/phpcs-wp (next to the project's checkout); PHPCS_WP may name
its run.sh elsewhere. A checkout without it skips this test and says why."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_SH = Path(os.environ.get("PHPCS_WP") or REPO.parent / "shared" / "tools" / "phpcs-wp" / "run.sh")


@pytest.mark.skipif(not RUN_SH.is_file(), reason=f"no WordPress Coding Standards linter at {RUN_SH} "
                                                  "(../shared/tools/phpcs-wp is the team's offline copy; set PHPCS_WP)")
@pytest.mark.skipif(shutil.which("php") is None, reason="php-cli is not installed")
def test_the_plugin_has_no_wpcs_error():
    proc = subprocess.run(["bash", str(RUN_SH), "--standard=phpcs.xml.dist", "--report=summary", "--no-colors", "-n"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    # -n: errors only. phpcs exits 0 when nothing is found, 1 (or 2 with fixable ones) otherwise.
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert not re.search(r"\d+ ERRORS?", proc.stdout), proc.stdout[-4000:]
