"""The corpus of markup for the fingerprint of stored content (wp_seo_bridge/markup/stored.py and the plugin's
port): tests/fixtures/markup, the HTML drafts of tests/fixtures/drafts, the stand-in's articles rendered as each
supported editor saves them, every entity name, and a few edge cases."""
from __future__ import annotations

import json
from pathlib import Path

from wp_seo_bridge.extract import extract
from wp_seo_bridge.markup.stored import ENTITY_NAMES
from wp_seo_bridge.model import Article
from wp_seo_bridge.render import render

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
STANDIN = REPO / "wp_seo_bridge" / "standin" / "fixtures"


def corpus() -> dict[str, str]:
    docs = {f.name: f.read_text(encoding="utf-8") for f in sorted((FIXTURES / "markup").glob("*.html"))}
    docs |= {f.name: f.read_text(encoding="utf-8") for f in sorted((FIXTURES / "drafts").glob("*.html"))}
    # What the daemon pushes: the stand-in's articles rendered as each supported editor saves them.
    for name in ("seed-fr", "gutenberg-fr", "long-fr"):
        article = Article.model_validate(json.loads((STANDIN / f"{name}.json").read_text(encoding="utf-8"))["article"])
        path = next((STANDIN / "sources").glob(f"{name}.*"))
        text = path.read_text(encoding="utf-8")
        title, body = ("Brouillon", text) if path.suffix == ".html" else text.split("\n", 1)
        source = extract(body, title)
        for mode, version in (("blocks", "6.1"), ("blocks", "7.1"), ("classic", "7.1")):
            docs[f"{name} rendered {mode} {version}"] = render(article, source, mode, version)
    docs["every-entity-name"] = " ".join(f"{n}=&{n};" for n in sorted(ENTITY_NAMES)) + \
        " &NotEqualTilde; &bigstar; &#x1F600; &#1114111; &#1114112; &#xFFFFFFF; &#00000233; &#x0000E9; &#129;"
    docs["edge-cases"] = ("<p a=1 b='2' c=\"3\" d e=>x</p><!-- unclosed <b>not a tag</b>")
    docs["style-and-rel"] = ('<p style=" color : red ;; margin-top:0 ;">x</p><a rel="noopener NoReferrer" href="'
                             'HTTPS://exemple.fr">y</a><a rel="nofollow noopener" target="_blank">z</a>')
    return docs
