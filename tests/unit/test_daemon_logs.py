"""Secrets never reach the log: registered values and secret-shaped pairs are masked in text and
JSON, in messages, arguments and tracebacks alike."""
from __future__ import annotations

import io
import json
import logging
import os

from wp_seo_bridge.config import parse
from wp_seo_bridge.daemon.logs import SECRETS, JsonFormatter, Secrets, TextFormatter, register_config_secrets


def _logger(fmt, secrets: Secrets):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(fmt(secrets))
    lg = logging.getLogger(f"test.redact.{id(stream)}")
    lg.handlers[:] = [handler]
    lg.propagate = False
    lg.setLevel(logging.DEBUG)
    return lg, stream


def test_known_values_are_masked_in_message_args_and_traceback():
    s = Secrets()
    s.add("k3y-ABCDEF-123", "pw-of-the-site")
    lg, out = _logger(TextFormatter, s)
    lg.info("calling with %s", "k3y-ABCDEF-123")
    try:
        raise RuntimeError("login failed for pw-of-the-site")
    except RuntimeError:
        lg.exception("boom")
    text = out.getvalue()
    assert "k3y-ABCDEF-123" not in text and "pw-of-the-site" not in text
    assert "calling with ***" in text and "RuntimeError: login failed for ***" in text


def test_secret_shapes_are_masked_even_when_unknown():
    s = Secrets()
    for line in ("Authorization: Bearer sk-live-abcdefgh", "api_key=abc123xyz&x=1", 'password: "hunter2"',
                 '{"api_key": "zzz999"}'):
        masked = s.redact(line)
        assert all(v not in masked for v in ("sk-live-abcdefgh", "abc123xyz", "hunter2", "zzz999")), masked
    assert s.redact("tokens_in=120 tokens_out=900") == "tokens_in=120 tokens_out=900"  # counts stay readable


def test_short_values_are_not_registered_so_words_survive():
    s = Secrets()
    s.add("abc", "", None)
    assert s.redact("abc def") == "abc def"


def test_a_secret_containing_another_is_masked_whole():
    s = Secrets()
    s.add("secret", "secret-and-more")
    assert s.redact("x secret-and-more y") == "x *** y"


def test_json_lines_carry_extra_fields_and_are_masked():
    s = Secrets()
    s.add("pw-of-the-site")
    lg, out = _logger(JsonFormatter, s)
    lg.warning("site %s said pw-of-the-site", "blog", extra={"site": "blog", "post_id": "12", "tokens": 5})
    rec = json.loads(out.getvalue())
    assert rec["level"] == "warning" and rec["site"] == "blog" and rec["post_id"] == "12" and rec["tokens"] == 5
    assert rec["msg"] == "site blog said ***"


def test_config_secrets_are_registered_from_env_and_files(tmp_path):
    secret_file = tmp_path / "pw"
    secret_file.write_text("file-password-42\n")
    env = {"WPSB_TEST_PW": "env-password-43", "MISTRAL_API_KEY": "mistral-key-44"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the configuration's documented input: passwords come from the environment
    try:
        cfg = parse({"sites": [
            {"name": "a", "url": "https://a.example", "user": "bot", "password_env": "WPSB_TEST_PW"},
            {"name": "b", "url": "https://b.example", "user": "bot", "password_file": str(secret_file)},
            {"name": "c", "url": "https://c.example", "user": "bot", "password_env": "WPSB_UNSET_VAR"},
        ]})
        register_config_secrets(cfg)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert SECRETS.redact("env-password-43 file-password-42 mistral-key-44") == "*** *** ***"
