"""The fingerprint of stored markup has one definition in two languages: the daemon's
(wp_seo_bridge/markup/stored.py) and the plugin's port (includes/fingerprint.php), which computes it on what
WordPress stored. Both must list the same elements, hence the same fingerprint, for every document of a corpus
of real markup (tests/fixtures/markup and the HTML drafts of tests/fixtures/drafts), and for its variants as
kses writes them."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.markup import corpus
from wp_seo_bridge.markup.stored import elements, fingerprint, first_difference

REPO = Path(__file__).resolve().parents[2]
PHP_FILE = REPO / "wp_seo_bridge" / "plugin" / "wp-seo-bridge" / "includes" / "fingerprint.php"
HARNESS = (f"define('ABSPATH', '/'); require {json.dumps(str(PHP_FILE))};"
           "$docs = json_decode(stream_get_contents(STDIN), true);"
           "echo json_encode(array_map(fn($d) => array(wpsb_fp_elements($d), wpsb_fingerprint($d)), $docs),"
           " JSON_UNESCAPED_UNICODE);")


def php_elements(docs: list[str]) -> list[tuple[list[str], str]]:
    done = subprocess.run(["php", "-d", "display_errors=stderr", "-r", HARNESS], input=json.dumps(docs),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [(e, h) for e, h in json.loads(done.stdout)]


@pytest.mark.skipif(shutil.which("php") is None, reason="PHP is not installed (scripts/setup.sh installs it)")
def test_the_plugin_and_the_daemon_give_each_document_the_same_fingerprint():
    docs = corpus()
    assert len(docs) >= 12
    for (name, doc), (php, php_hash) in zip(docs.items(), php_elements(list(docs.values()))):
        assert php == elements(doc), name
        assert php_hash == fingerprint(doc), name


def test_what_kses_rewrites_keeps_the_fingerprint():
    sent = ('<!-- wp:image {"id":5} -->\n<figure class="wp-block-image"><img src="HTTPS://exemple.fr/été.jpg?a=1&b=2" '
            "alt='L\u2019été' class=\"wp-image-5\"/></figure>\n<!-- /wp:image -->\n"
            '<p>Caf&eacute; &#128; &apos;x&apos; R&D <a href="https://x.fr" target="_blank">lien</a></p>')
    stored = ('<!--   wp:image {"id":5}   -->\n<figure class="wp-block-image">'
              '<img src="https://exemple.fr/été.jpg?a=1&amp;b=2" alt="L&#8217;été" class="wp-image-5" /></figure>\n'
              '<!-- /wp:image -->\n'
              '<p>Café &#8364; \'x\' R&amp;D <a href="https://x.fr" target="_blank" rel="noopener">lien</a></p>')
    assert fingerprint(sent) == fingerprint(stored) and first_difference(sent, stored) == ""


@pytest.mark.parametrize("sent, stored, said", [
    ('<p>a</p><iframe src="https://v.fr/e"></iframe><p>b</p>', "<p>a</p><p>b</p>",
     '<iframe src="https://v.fr/e"> was removed'),
    ('<p><a href="https://x.fr" onclick="go()">x</a></p>', '<p><a href="https://x.fr">x</a></p>',
     '<a onclick="go()"> lost its onclick attribute'),
    ('<p><a href="javascript:alert(1)">x</a></p>', '<p><a href="alert(1)">x</a></p>',
     '<a href> was changed from "javascript:alert(1)" to "alert(1)"'),
    ('<img style="user-select:none;color:red" src="a.jpg">', '<img style="color:red" src="a.jpg">',
     '<img style> was changed from "user-select:none;color:red" to "color:red"'),
    ("<p>x</p><p>y</p>", "<p>x</p>", "<p> and what follows were removed"),
    ("<p>« un lien »</p>", "<p>« un  »</p>", "text “« un lien »” was removed"),
])
def test_what_kses_cuts_changes_the_fingerprint_and_is_named(sent, stored, said):
    assert fingerprint(sent) != fingerprint(stored)
    assert said in first_difference(sent, stored)
