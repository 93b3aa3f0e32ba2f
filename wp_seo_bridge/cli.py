"""``wp-seo-bridge``: a thin CLI. Every command loads what it needs and hands over to the pipeline."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from . import __version__
from .config import ConfigError, load, resolve_path

log = logging.getLogger("wp_seo_bridge")


class _Obj(dict):
    """ctx.obj: the configuration is loaded on first use, so `rewrite`, `plugin` and `standin` need none."""

    def __missing__(self, key):
        if key == "config":
            self["config"] = load(self["config_path"])
            return self["config"]
        raise KeyError(key)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", metavar="FILE", default=None,
              help="TOML configuration (default: $WP_SEO_BRIDGE_CONFIG, else config/wp-seo-bridge.toml).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.version_option(__version__, prog_name="wp-seo-bridge")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_format: str, verbose: int) -> None:
    """Rewrites opted-in WordPress drafts into French SEO articles, for editors to approve."""
    from .daemon.logs import setup_logging

    setup_logging(log_format, logging.WARNING - 10 * min(verbose, 2))
    ctx.obj = _Obj(config_path=str(resolve_path(config_path)), log_format=log_format, verbose=verbose)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@main.command()
@click.option("--once", is_flag=True, help="One pass over every configured site, then exit.")
@click.option("--site", "site_names", multiple=True, metavar="NAME", help="Only this site (repeatable).")
@click.pass_context
def sync(ctx: click.Context, once: bool, site_names: tuple[str, ...]) -> None:
    """One pass: prints one line per opted-in draft (rewritten / skipped / failed) and a total.

    Same machinery as the daemon (rate limiter, budgets, job log, worker pool), and the same state
    directory lock: it refuses to run beside a daemon that would share its identity."""
    from .daemon.instance import AlreadyRunning, InstanceLock
    from .daemon.logs import register_config_secrets
    from .daemon.progress import Progress
    from .daemon.scheduler import Daemon
    from .gateways.mistral import SettingsError
    from .wiring import daemon_identity

    if not once:
        _fail("`sync` runs one pass and needs --once; use `wp-seo-bridge run` for the scheduled daemon")
    from .wiring import preflight

    try:
        cfg = ctx.obj["config"]
        sites = [cfg.site(n) for n in site_names] if site_names else cfg.sites
        preflight(cfg, sites)
    except ConfigError as e:
        _fail(str(e))
    register_config_secrets(cfg)
    if not ctx.obj["verbose"]:  # the lines below say it all; the daemon's own log would repeat them
        logging.getLogger("wp_seo_bridge.daemon").setLevel(logging.CRITICAL)
    try:
        lock = InstanceLock(cfg.daemon.state_dir).acquire("wp-seo-bridge sync --once")
    except AlreadyRunning as e:
        _fail(str(e))
    failed = False
    try:
        progress = Progress("sync")

        def show(o) -> None:
            progress.clear()
            click.echo(o.line())
            progress.advance()

        try:
            daemon = Daemon(cfg, daemon_id=daemon_identity(cfg), on_outcome=show)
        except (ConfigError, SettingsError) as e:
            _fail(str(e))
        with progress:
            for site in sites:
                report = daemon.run_site(site)
                if report is None:
                    click.echo(f"{site.name}: failed: {daemon.sites[site.name].last_error}")
                    failed = True
                    continue
                click.echo(report.total_line())
                failed |= report.count("failed") > 0
        daemon.stop()
        daemon.close()
    finally:
        lock.release()
    sys.exit(1 if failed else 0)


def decode_draft(data: bytes) -> tuple[str, str]:
    """The text of a draft file and the encoding it was read with: UTF-8 (with or without BOM), UTF-16
    (BOM, or the NUL pattern of ASCII text), else Windows-1252 (Latin-1's superset). Raises ValueError
    for binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and sample[0::2].count(0) == 0:
        return data.decode("utf-16-le", errors="replace"), "UTF-16 LE"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4 and sample[1::2].count(0) == 0:
        return data.decode("utf-16-be", errors="replace"), "UTF-16 BE"
    controls = sum(1 for b in sample if b < 32 and b not in b"\t\n\r\x0b\x0c")
    if b"\x00" in sample or controls > len(sample) // 100:
        raise ValueError("this is a binary file, not a text draft (text, HTML or Markdown)")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        # cp1252 leaves 5 bytes undefined; Latin-1 maps them (to C1 controls) rather than failing.
        try:
            return data.decode("cp1252"), "Windows-1252 (Latin-1)"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "Latin-1"


@main.command()
@click.argument("file", type=click.File("rb"))
@click.option("--title", default="", help="The draft's title (default: none).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the article HTML here.")
@click.option("--mode", type=click.Choice(["blocks", "classic"]), default=None,
              help="Gutenberg block markup or plain HTML (default from config, else blocks).")
@click.pass_context
def rewrite(ctx: click.Context, file, title: str, as_json: bool, out: Path | None, mode: str | None) -> None:
    """Rewrites FILE (text, HTML or Markdown; - for stdin) without WordPress."""
    from .gateways.mistral import MistralError
    from .pipeline import rewrite_text
    from .wiring import make_engine

    try:
        cfg = ctx.obj["config"] if Path(ctx.obj["config_path"]).exists() else None
        engine = make_engine(cfg, mode=mode)
    except ConfigError as e:
        _fail(str(e))
    try:
        text, encoding = decode_draft(file.read())
    except ValueError as e:
        _fail(f"{getattr(file, 'name', 'stdin')}: {e}")
    click.echo(f"read as {encoding}", err=True)
    try:
        r = rewrite_text(title, text, engine)
    except MistralError as e:  # a refused key or bad settings: nothing to rewrite with
        _fail(str(e))
    a = r.article
    result = {
        "ok": r.ok,
        "reason": r.reason,
        "yoast": {"seo_title": a.seo_title, "meta_description": a.meta_description,
                  "focus_keyphrase": a.focus_keyphrase, "slug": a.slug} if a else None,
        "title": a.title if a else None,
        "words": r.words,
        "html": r.html,
        "report": r.report.as_list() if r.report else [],
        "usage": {"calls": r.usage.calls, "tokens_in": r.usage.tokens_in, "tokens_out": r.usage.tokens_out,
                  "cost_eur": r.usage.cost_eur},
    }
    if out and r.ok:
        out.write_text(r.html, encoding="utf-8")
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_rewrite(result, out)
    sys.exit(0 if r.ok else 1)


def _print_rewrite(result: dict, out: Path | None) -> None:
    if result["ok"]:
        if not out:
            click.echo(result["html"])
            click.echo()
        y = result["yoast"]
        click.echo(f"Title:            {result['title']}")
        click.echo(f"SEO title:        {y['seo_title']}")
        click.echo(f"Meta description: {y['meta_description']}")
        click.echo(f"Focus keyphrase:  {y['focus_keyphrase']}")
        click.echo(f"Slug:             {y['slug']}")
        click.echo(f"Words:            {result['words']}")
    else:
        click.echo(f"not rewritten: {result['reason']}")
    for f in result["report"]:
        mark = "ok " if f["ok"] else ("ERR" if f["blocking"] else "warn")
        click.echo(f"  [{mark}] {f['code']}: {f['message']}")
    u = result["usage"]
    click.echo(f"Mistral: {u['calls']} call(s), {u['tokens_in']} tokens in, {u['tokens_out']} out, "
               f"{u['cost_eur']:.4f} EUR")


@main.command()
@click.option("--zip", "zip_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the plugin zip (upload it in Plugins → Add New).")
def plugin(zip_path: Path) -> None:
    """Builds the companion WordPress plugin's zip."""
    from .plugin import build_zip

    n = build_zip(zip_path)
    click.echo(f"wrote {zip_path} ({n} files): upload it in WordPress under Plugins → Add New → Upload Plugin")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--latency", default=0.0, show_default=True, type=float, help="Seconds before each answer.")
@click.option("--batch-delay", default=0.0, show_default=True, type=float,
              help="Seconds a batch job runs before its results are ready.")
def standin(host: str, port: int, latency: float, batch_delay: float) -> None:
    """OFFLINE STAND-IN for Mistral (tests and the demo): answers with hand-written fixtures."""
    from .standin.server import serve

    click.echo(f"offline Mistral stand-in (hand-written fixtures, NOT Mistral) on http://{host}:{port}", err=True)
    try:
        serve(host, port, latency=latency, batch_delay=batch_delay)
    except OSError as e:  # the port is taken, or the address is not this machine's
        _fail(f"--host {host} --port {port}: cannot listen ({e.strerror}) — choose another --port")


def _register_daemon_commands() -> None:
    from .daemon.commands import register

    register(main)


_register_daemon_commands()
