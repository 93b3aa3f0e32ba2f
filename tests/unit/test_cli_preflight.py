"""`run` and `sync` check what they can before starting (issue 11): a configuration error is exit 2 and
one line naming the key and the fix, not a daemon that starts and fails every pass. `standin` on a busy
port: one line, no traceback."""
from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from wp_seo_bridge.cli import main


def cli(tmp_path, site: str, *args, env: dict | None = None):
    """The real CLI in this process (click's runner): exit code and stderr as a user sees them."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[daemon]\nstate_dir = "{tmp_path / "state"}"\n[[sites]]\nname = "blog"\nuser = "bot"\n{site}\n')
    env = {"WPSB_PF_PW": "pw", "MISTRAL_API_KEY": "k", "MISTRAL_SERVER_URL": "", **(env or {})}
    return CliRunner().invoke(main, ["--config", str(cfg), *args], env=env)


def one_line_error(result) -> str:
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output, result.output
    return lines[0]


COMMANDS = [("run", "--interval-seconds", "3600"), ("sync", "--once")]


@pytest.mark.parametrize("command", COMMANDS, ids=["run", "sync"])
def test_a_plain_http_site_is_refused_before_starting(tmp_path, command):
    line = one_line_error(cli(tmp_path, 'url = "http://blog.example.fr"\npassword_env = "WPSB_PF_PW"', *command))
    assert "sites[0].url" in line and "allow_insecure_http = true" in line and "password would travel" in line


@pytest.mark.parametrize("command", COMMANDS, ids=["run", "sync"])
def test_an_unreadable_password_file_is_refused_before_starting(tmp_path, command):
    line = one_line_error(cli(tmp_path, f'url = "https://blog.example.fr"\npassword_file = "{tmp_path}/missing"',
                              *command))
    assert "password_file" in line and "cannot read" in line


@pytest.mark.parametrize("command", COMMANDS, ids=["run", "sync"])
def test_a_plain_http_mistral_server_is_refused_before_starting(tmp_path, command):
    line = one_line_error(cli(tmp_path, 'url = "https://blog.example.fr"\npassword_env = "WPSB_PF_PW"', *command,
                              env={"MISTRAL_SERVER_URL": "http://10.0.0.5:8765"}))
    assert "MISTRAL_SERVER_URL" in line and "mistral.allow_insecure_http = true" in line


def test_an_unset_password_variable_is_refused_before_starting(tmp_path):
    line = one_line_error(cli(tmp_path, 'url = "https://blog.example.fr"\npassword_env = "WPSB_PF_UNSET"',
                              "run", "--interval-seconds", "3600"))
    assert "password_env" in line and "WPSB_PF_UNSET" in line


def test_standin_on_a_busy_port_is_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["standin", "--port", str(port)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines()[-1] == (f"error: --host 127.0.0.1 --port {port}: cannot listen "
                                                      f"(Address already in use) — choose another --port")
