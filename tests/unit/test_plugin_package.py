"""The companion plugin as an admin uploads it: the zip carries a WordPress.org-style readme.txt that says the
same as the plugin's header (versions, requirements)."""
from __future__ import annotations

import re
import zipfile

from wp_seo_bridge import __version__
from wp_seo_bridge.plugin import SLUG, build_zip, plugin_dir

MAIN = f"{SLUG}/{SLUG}.php"
README = f"{SLUG}/readme.txt"


def readme_fields(text: str) -> dict[str, str]:
    """The ``Key: value`` lines between the ``=== Name ===`` title and the short description."""
    head = text.split("\n\n", 1)[0]
    return dict(re.findall(r"^([A-Z][A-Za-z ]+):\s*(.+?)\s*$", head, flags=re.M))


def header_fields(php: str) -> dict[str, str]:
    """The plugin header: `` * Key: value`` lines of the first docblock."""
    block = php.split("*/", 1)[0]
    return dict(re.findall(r"^ \* ([A-Z][A-Za-z ]+):\s*(.+?)\s*$", block, flags=re.M))


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^== (.+) ==$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_the_zip_carries_the_readme_beside_the_main_file(tmp_path):
    dest = tmp_path / "wp-seo-bridge.zip"
    n = build_zip(dest)
    with zipfile.ZipFile(dest) as z:
        names = z.namelist()
        readme = z.read(README).decode("utf-8")
        main = z.read(MAIN).decode("utf-8")
    assert MAIN in names and README in names and len(names) == n
    assert readme == (plugin_dir() / "readme.txt").read_text(encoding="utf-8")
    assert readme_fields(readme)["Stable tag"] == header_fields(main)["Version"]


def test_readme_and_header_say_the_same_versions_and_requirements():
    readme = (plugin_dir() / "readme.txt").read_text(encoding="utf-8")
    fields = readme_fields(readme)
    header = header_fields((plugin_dir() / f"{SLUG}.php").read_text(encoding="utf-8"))
    assert readme.startswith(f"=== {header['Plugin Name']} ===\n")
    for key in ("Requires at least", "Requires PHP", "Tested up to"):
        assert fields[key] == header[key], key
    assert fields["Stable tag"] == header["Version"] == __version__
    assert fields["Tested up to"] == "7.1"  # the newest WordPress CI runs the suite on (matrix B)
    assert fields["License"] == header["License"]


def test_readme_has_the_sections_wordpress_org_shows_and_this_version_in_its_changelog():
    readme = (plugin_dir() / "readme.txt").read_text(encoding="utf-8")
    short = readme.split("\n\n", 2)[1]
    assert "\n" not in short.strip() and len(short) <= 150  # the directory's one-line summary
    found = sections(readme)
    for name in ("Description", "Installation", "Frequently Asked Questions", "Changelog"):
        assert found.get(name, "").strip(), name
    assert re.search(r"^= .+\? =$", found["Frequently Asked Questions"], flags=re.M)
    assert f"= {__version__} =" in found["Changelog"]
