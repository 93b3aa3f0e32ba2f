"""The plugin's French translation is complete, keeps every placeholder, and its .mo is the compiled .po."""
from __future__ import annotations

import gettext
import importlib.util
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("plugin_i18n", ROOT / "scripts" / "plugin_i18n.py")
i18n = sys.modules["plugin_i18n"] = importlib.util.module_from_spec(spec)  # dataclasses look it up there
spec.loader.exec_module(i18n)


def test_every_string_of_the_plugin_has_a_french_translation_and_the_mo_is_current():
    assert i18n.problems() == []
    assert len(i18n.source_strings()) >= 60  # the extractor sees the plugin's strings, not an empty tree


def test_the_mo_reads_back_with_french_plurals_and_suits_wordpress_reader():
    data = i18n.MO.read_bytes()
    magic, _, n, ids_at, strs_at, _, hash_at = struct.unpack("<7I", data[:28])
    # WordPress's MO reader refuses a file whose tables do not end where the hash table starts.
    assert magic == 0x950412DE and strs_at - ids_at == n * 8 and hash_at - strs_at == n * 8
    with i18n.MO.open("rb") as f:
        fr = gettext.GNUTranslations(f)
    assert fr.gettext("Approve and publish") == "Approuver et publier"
    one, many = "[%1$s] %2$d post awaits your SEO review", "[%1$s] %2$d posts await your SEO review"
    assert fr.ngettext(one, many, 1) == "[%1$s] %2$d article attend votre relecture SEO"
    assert fr.ngettext(one, many, 2).endswith("articles attendent votre relecture SEO")


def test_the_checker_catches_a_missing_translation_and_a_lost_placeholder(tmp_path):
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "a.php").write_text("<?php echo esc_html__( 'Hello %s', 'wp-seo-bridge' ); "
                                  "__( 'New', 'wp-seo-bridge' );\n__( 'Core string' );\n", encoding="utf-8")
    po = tmp_path / "fr.po"
    po.write_text('msgid "Hello %s"\nmsgstr "Bonjour"\n', encoding="utf-8")
    mo = tmp_path / "fr.mo"
    mo.write_bytes(i18n.compile_mo(i18n.parse_po(po.read_text(encoding="utf-8"))))
    found = i18n.problems(po, mo, plugin)
    assert found == ["not translated: 'New'", "placeholders differ: 'Hello %s' → 'Bonjour'"]
