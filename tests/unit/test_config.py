"""Configuration: every mistake gets one message naming the key and the fix."""
import pytest

from wp_seo_bridge.config import ConfigError, load, parse

SITE = {"name": "blog", "url": "https://blog.example.fr", "user": "bot", "password_env": "BLOG_PW"}


def test_shipped_example_config_loads():
    cfg = load("config/wp-seo-bridge.toml")
    assert cfg.sites[0].name == "local" and cfg.rewrite.min_words == 700
    assert cfg.sites[0].password_env == "WP_BOT_PASSWORD"
    assert (cfg.mistral.mode, cfg.mistral.batch_price_factor, cfg.mistral.batch_timeout_hours) == ("sync", 0.5, 24)


def test_batch_mode_settings_reach_the_gateway(monkeypatch):
    from wp_seo_bridge.wiring import mistral_settings

    monkeypatch.setenv("MISTRAL_API_KEY", "k")  # the environment, not our code: what a deployment sets
    cfg = parse({"sites": [SITE], "mistral": {"mode": "batch", "batch_price_factor": 0.4, "batch_timeout_hours": 6}})
    s = mistral_settings(cfg.mistral)
    assert (s.batch_price_factor, s.batch_timeout_hours) == (0.4, 6)


@pytest.mark.parametrize("raw, expected", [
    ({}, "sites: required — add it (at least one [[sites]] table)"),
    ({"sites": [{**SITE, "url": "blog.example.fr"}]}, "sites[0].url: must be the site's address"),
    ({"sites": [{**SITE, "tranport": "rest"}]}, "sites[0].tranport: unknown key — check its spelling"),
    ({"sites": [{**SITE, "password_file": "/x"}]}, "set exactly one of password_env"),
    ({"sites": [SITE, SITE]}, "distinct name"),
    ({"sites": [SITE], "rewrite": {"min_words": 10}}, "rewrite.min_words"),
    ({"sites": [SITE], "mistral": {"mode": "async"}}, "mistral.mode: Input should be 'sync' or 'batch'"),
    ({"sites": [SITE], "mistral": {"batch_price_factor": 0}}, "mistral.batch_price_factor"),
    ({"sites": [{**SITE, "interval_minutes": 20}], "mistral": {"mode": "batch"}, "daemon": {"claim_ttl_s": 1800}},
     "claim_ttl_s must be at least twice sites 'blog' interval_minutes (2400 s) in batch mode"),
])
def test_bad_settings_name_the_key(raw, expected):
    with pytest.raises(ConfigError) as e:
        parse(raw, "x.toml")
    assert expected in str(e.value) and str(e.value).startswith("x.toml: ")


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="no configuration file — copy config/wp-seo-bridge.toml"):
        load(tmp_path / "nope.toml")


def test_invalid_toml(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[[sites]\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(p)


def test_password_from_env_or_file(tmp_path):
    cfg = parse({"sites": [SITE, {**SITE, "name": "b", "password_env": "", "password_file": str(tmp_path / "pw")}]})
    with pytest.raises(ConfigError, match="environment variable BLOG_PW is not set"):
        cfg.sites[0].password()
    with pytest.raises(ConfigError, match="password_file: cannot read"):
        cfg.sites[1].password()
    (tmp_path / "pw").write_text("s3cret\n", encoding="utf-8")
    assert cfg.sites[1].password() == "s3cret"


def test_loopback_detection():
    cfg = parse({"sites": [{**SITE, "url": "http://127.0.0.1:8080/"}, {**SITE, "name": "b"}]})
    assert cfg.sites[0].is_loopback and cfg.sites[0].url == "http://127.0.0.1:8080"
    assert not cfg.sites[1].is_loopback
