"""`wp-seo-bridge rewrite FILE`: the encodings text files come in, said on stderr; binary refused in one line.
The rewrite itself goes through the real SDK against the stand-in (the seed draft has a fixture)."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.standin import TEST_KEY
from wp_seo_bridge.cli import decode_draft, main

SEED = (Path(__file__).resolve().parents[2] / "wp_seo_bridge/standin/fixtures/sources/seed-fr.txt").read_text("utf-8")
FRENCH = "Élégant café à Noël : « déjà vu » — 5 €, œuvre naïve.\n"


@pytest.mark.parametrize("data,encoding", [
    (FRENCH.encode("utf-8"), "UTF-8"),
    (b"\xef\xbb\xbf" + FRENCH.encode("utf-8"), "UTF-8 with BOM"),
    (FRENCH.encode("utf-16"), "UTF-16"),
    (FRENCH.encode("utf-16-le"), "UTF-16 LE"),
    (FRENCH.encode("cp1252"), "Windows-1252 (Latin-1)"),
    ("Élève à l'école, çà et là.\n".encode("latin-1"), "Windows-1252 (Latin-1)"),
])
def test_text_files_are_decoded_and_the_encoding_named(data, encoding):
    text, used = decode_draft(data)
    assert used == encoding
    assert text.lstrip("\ufeff") in (FRENCH, "Élève à l'école, çà et là.\n")


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
                                  b"PK\x03\x04" + bytes(200)])
def test_binary_is_refused(data):
    with pytest.raises(ValueError, match="binary"):
        decode_draft(data)


def run(tmp_path, standin, data: bytes):
    f = tmp_path / "draft.txt"
    f.write_bytes(data)
    env = {"MISTRAL_API_KEY": TEST_KEY, "MISTRAL_SERVER_URL": standin.url}
    return CliRunner().invoke(main, ["--config", str(tmp_path / "none.toml"), "rewrite", str(f), "--json"], env=env)


def test_a_latin1_draft_is_rewritten_and_a_binary_one_refused_in_one_line(tmp_path, standin):
    r = run(tmp_path, standin, SEED.encode("cp1252", errors="replace"))
    assert r.exit_code == 0, r.output
    assert "read as Windows-1252 (Latin-1)" in r.stderr and '"ok": true' in r.stdout
    r = run(tmp_path, standin, b"\x7fELF\x02\x01\x01\x00" + bytes(300))
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.stderr.strip().count("\n") == 0 and "binary file" in r.stderr
