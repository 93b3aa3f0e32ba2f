"""One daemon per state dir; the lock dies with its process."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wp_seo_bridge.daemon.instance import AlreadyRunning, InstanceLock, holder


def test_second_lock_on_the_same_state_dir_is_refused_clearly(tmp_path):
    first = InstanceLock(tmp_path).acquire("wp-seo-bridge run")
    try:
        with pytest.raises(AlreadyRunning) as e:
            InstanceLock(tmp_path).acquire()
        msg = str(e.value)
        assert "already uses the state dir" in msg and str(tmp_path.resolve()) in msg and "pid " in msg
        assert holder(tmp_path).startswith("pid ")
    finally:
        first.release()
    assert holder(tmp_path) == ""
    InstanceLock(tmp_path).acquire().release()  # free again


def test_the_lock_is_released_when_its_process_is_killed(tmp_path):
    code = ("import sys, time; from wp_seo_bridge.daemon.instance import InstanceLock; "
            f"InstanceLock({str(tmp_path)!r}).acquire(); print('locked', flush=True); time.sleep(30)")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunning, match=f"pid {p.pid}"):
            InstanceLock(tmp_path).acquire()
    finally:
        p.kill()
        p.wait()
    InstanceLock(tmp_path).acquire().release()


def test_holder_of_a_dir_without_lock_file():
    assert holder("/nonexistent/wpsb") == ""


def test_the_state_dir_and_everything_in_it_are_private_without_systemd(tmp_path):
    """Issue 11: outside systemd (no StateDirectoryMode/UMask) the state dir was 0755 and the job log 0644,
    readable by every local user (sites, costs, reviewers' reasons)."""
    import stat

    from wp_seo_bridge.config import parse
    from wp_seo_bridge.daemon.joblog import FILENAME, JobLog
    from wp_seo_bridge.wiring import daemon_identity

    old = os.umask(0o022)  # a login shell's usual umask
    try:
        state = tmp_path / "state"
        cfg = parse({"sites": [{"name": "s", "url": "https://x.example", "user": "u", "password_env": "P"}],
                     "daemon": {"state_dir": str(state)}})
        daemon_identity(cfg)
        InstanceLock(state).acquire().release()
        JobLog(state / FILENAME).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for f in state.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f.name
