"""The companion WordPress plugin ships inside the Python package; this builds the zip an admin uploads."""
from __future__ import annotations

import zipfile
from importlib.resources import files
from pathlib import Path

SLUG = "wp-seo-bridge"


def plugin_dir() -> Path:
    return Path(str(files(__package__).joinpath(SLUG)))


def build_zip(dest: Path) -> int:
    """Writes ``wp-seo-bridge/…`` into ``dest`` (WordPress expects the plugin folder at the zip's root)."""
    root = plugin_dir()
    paths = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for p in paths:
            z.write(p, f"{SLUG}/{p.relative_to(root).as_posix()}")
    return len(paths)
