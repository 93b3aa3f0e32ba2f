#!/usr/bin/env python3
"""The companion plugin's French translation: keeps languages/wp-seo-bridge-fr_FR.po in step with the
PHP and compiles it into the .mo WordPress reads.

    .venv/bin/python scripts/plugin_i18n.py check   # exit 1: strings without translation, stale .mo
    .venv/bin/python scripts/plugin_i18n.py build   # writes the .mo from the .po

The .po is the source (edited by hand, reviewed in diffs); the .mo is generated and committed, since a
site installs the plugin as a zip with no build step. No gettext tools needed: the format is small.
"""
from __future__ import annotations

import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[1] / "wp_seo_bridge" / "plugin" / "wp-seo-bridge"
DOMAIN = "wp-seo-bridge"
PO = PLUGIN / "languages" / f"{DOMAIN}-fr_FR.po"
MO = PO.with_suffix(".mo")

_LITERAL = r"'((?:[^'\\]|\\.)*)'"
# __( 'text', 'wp-seo-bridge' ), esc_html__(...), _e(...), and _n( 'one', 'many', $n, 'wp-seo-bridge' ).
_SINGLE = re.compile(rf"\b(?:__|_e|esc_html__|esc_html_e|esc_attr__|esc_attr_e)\(\s*{_LITERAL}\s*,\s*'{DOMAIN}'\s*\)")
_PLURAL = re.compile(rf"\b_n\(\s*{_LITERAL}\s*,\s*{_LITERAL}\s*,[^,]+,\s*'{DOMAIN}'\s*\)")
_PLACEHOLDER = re.compile(r"%(?:\d+\$)?[sd]")


@dataclass(frozen=True)
class Entry:
    msgid: str
    plural: str = ""  # msgid_plural
    strs: tuple[str, ...] = ()  # msgstr, or msgstr[0..n]


def _php(literal: str) -> str:
    return re.sub(r"\\([\\'])", r"\1", literal)


def source_strings(root: Path = PLUGIN) -> dict[str, str]:
    """msgid → msgid_plural ('' for singular strings) of every translatable string of our domain."""
    found: dict[str, str] = {}
    for php in sorted(root.rglob("*.php")):
        text = php.read_text(encoding="utf-8")
        for m in _SINGLE.finditer(text):
            found.setdefault(_php(m.group(1)), "")
        for m in _PLURAL.finditer(text):
            found[_php(m.group(1))] = _php(m.group(2))
    return found


def _unquote(line: str) -> str:
    body = line.strip()[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_po(text: str) -> list[Entry]:
    """The subset of the .po format we write: msgid, msgid_plural, msgstr / msgstr[n], continued lines."""
    entries, fields, key = [], {}, None
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            if fields:
                strs = tuple(fields[k] for k in sorted(k for k in fields if k.startswith("msgstr")))
                entries.append(Entry(fields.get("msgid", ""), fields.get("msgid_plural", ""), strs))
            fields, key = {}, None
            continue
        m = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if m:
            key = m.group(1)
            fields[key] = _unquote(m.group(2))
        elif line.startswith('"') and key:
            fields[key] += _unquote(line)
        else:
            raise ValueError(f"{PO.name}: cannot read line {raw!r}")
    return entries


def compile_mo(entries: list[Entry]) -> bytes:
    """GNU .mo, little-endian, no hash table (read by WordPress's POMO and by Python's gettext)."""
    pairs = sorted(((e.msgid + ("\0" + e.plural if e.plural else "")).encode(), "\0".join(e.strs).encode())
                   for e in entries if e.msgid == "" or any(e.strs))
    n = len(pairs)
    header = 7 * 4
    ids_at, strs_at = header, header + n * 8
    data_at = strs_at + n * 8
    table_ids, table_strs, blob = [], [], b""
    for msgid, _ in pairs:
        table_ids.append((len(msgid), data_at + len(blob)))
        blob += msgid + b"\0"
    for _, msgstr in pairs:
        table_strs.append((len(msgstr), data_at + len(blob)))
        blob += msgstr + b"\0"
    # No hash table (size 0), but its offset must follow the tables: WordPress's reader sizes the
    # translation table as hash offset minus table offset.
    out = struct.pack("<7I", 0x950412DE, 0, n, ids_at, strs_at, 0, data_at)
    out += b"".join(struct.pack("<2I", *t) for t in table_ids)
    out += b"".join(struct.pack("<2I", *t) for t in table_strs)
    return out + blob


def problems(po: Path = PO, mo: Path = MO, root: Path = PLUGIN) -> list[str]:
    entries = {e.msgid: e for e in parse_po(po.read_text(encoding="utf-8")) if e.msgid}
    wanted = source_strings(root)
    out = [f"not translated: {m!r}" for m in wanted if m not in entries or not all(entries[m].strs)]
    out += [f"no longer in the PHP: {m!r}" for m in entries if m not in wanted]
    for m, e in entries.items():
        if m in wanted and wanted[m] != e.plural:
            out.append(f"plural form changed: {m!r}")
        for s in e.strs:
            if s and sorted(_PLACEHOLDER.findall(s)) != sorted(_PLACEHOLDER.findall(e.plural or m)) and \
                    sorted(_PLACEHOLDER.findall(s)) != sorted(_PLACEHOLDER.findall(m)):
                out.append(f"placeholders differ: {m!r} → {s!r}")
    if not mo.exists() or mo.read_bytes() != compile_mo(parse_po(po.read_text(encoding="utf-8"))):
        out.append(f"{mo.name} is not the compiled {po.name}: run scripts/plugin_i18n.py build")
    return out


def main(argv: list[str]) -> int:
    if argv[1:] == ["build"]:
        MO.write_bytes(compile_mo(parse_po(PO.read_text(encoding="utf-8"))))
        print(f"wrote {MO.relative_to(PLUGIN.parents[1])}")
        return 0
    if argv[1:] == ["check"]:
        found = problems()
        print("\n".join(found) or f"{PO.name}: every string translated, {MO.name} up to date")
        return 1 if found else 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
