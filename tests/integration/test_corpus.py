"""Real drafts in, nothing lost: the corpus of tests/fixtures/drafts (Markdown, Markdown mixed with HTML,
plain text, Gutenberg, classic HTML with shortcodes, a Word paste), a 6,000-word draft and a 10,000-level
nesting, pushed END TO END to the real local WordPress. The stand-in answers each with a generic article
carrying back the draft's tokens (``{"echo": true}``); what WordPress stored is read back as the admin.

For each draft: every URL (links, images, embeds, shortcode sources) is in the pushed post exactly as often
as in the draft, and nothing is printed as raw Markdown or as a literal ``[...]``.
"""
from __future__ import annotations

import html as _html
import re
from collections import Counter
from datetime import timedelta

import pytest

from tests.support.drafts import corpus
from tests.support.standin import gateway
from tests.support.sync import TAG, meta, seed_text, site_cfg, snapshot
from wp_seo_bridge.extract import detect_format
from wp_seo_bridge.pipeline import Engine, PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress

_URL = re.compile(r"https?://[^\s\"'<>()\[\]]+")
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*-->")
_CODE = re.compile(r"<pre\b.*?</pre>|<code\b.*?</code>", re.S | re.I)
_SHORTCODE = re.compile(r"\[/?(?:caption|gallery|audio|video|playlist|embed)\b[^\]]*\]")


def url_counts(content: str, is_html: bool) -> Counter:
    """URLs as written, block delimiters left out (an embed block repeats its URL in its attributes)."""
    text = _BLOCK_COMMENT.sub(" ", content)
    if is_html:
        text = _html.unescape(text)
    return Counter(u.rstrip(".,;:!?") for u in _URL.findall(text))


def test_every_draft_of_the_corpus_is_pushed_with_all_its_links_images_and_embeds(site, standin):
    drafts = corpus()
    assert len(drafts) >= 12
    ids = {}
    for name, content in drafts.items():
        title = name.split("-", 1)[1].replace("-", " ")
        # Control characters cannot travel in an XML-RPC request: the Word paste comes in over REST.
        ids[name] = (site.create_post_rest(title, content, tags=[TAG]) if re.search("[\x00-\x08\x0b\x0c]", content)
                     else site.create_post(title, content, tags=[TAG]))
    standin.script([{"echo": True}] * len(drafts))
    gw = make_wordpress(site_cfg(site))
    report = run_pass(gw, Engine(llm=gateway(standin), model="mistral-large-latest"),
                      PassSettings("test-daemon", "tag", TAG, timedelta(0), claim_batch=4, max_claimed=4))
    results = {int(o.post_id): (o.result, o.reason) for o in report.outcomes}
    assert {name: results[pid] for name, pid in ids.items() if results[pid][0] != "rewritten"} == {}

    for name, pid in ids.items():
        post = snapshot(site, pid)
        assert post["post_status"] == "pending", name
        pushed = post["post_content"]
        is_html = detect_format(drafts[name]) in ("blocks", "classic")
        assert url_counts(pushed, True) == url_counts(drafts[name], is_html), name
        visible = _SHORTCODE.sub(" ", _CODE.sub(" ", pushed))
        assert "[" not in visible and "]" not in visible, (name, re.findall(r".{30}[\[\]].{30}", visible)[:3])
        assert not re.search(r"\]\(|!\[|\*\*|^#{1,6} |^```", visible, re.M), name
        assert "\x0b" not in pushed and "\x0c" not in pushed


def test_a_draft_whose_elements_the_bot_may_not_save_fails_before_any_call(site, standin):
    info = make_wordpress(site_cfg(site)).site_info()
    assert {"gallery", "caption", "audio"} <= info.shortcodes and info.kses is not None
    assert "iframe" not in info.kses.allowed and "javascript" not in info.kses.protocols
    content = ("<p>Une vidéo d'un administrateur, un bouton et un lien piégé.</p>\n"
               '<iframe src="https://player.vimeo.com/video/1" width="640" height="360"></iframe>\n'
               '<p><a href="https://ex.fr/a" onclick="track()">suivre</a> et '
               '<a href="javascript:alert(1)">ceci</a>.</p>\n<p>Un texte ordinaire de plus.</p>')
    post_id = site.create_post("Contenu réservé", content, tags=[TAG])
    report = run_pass(make_wordpress(site_cfg(site)), Engine(llm=gateway(standin), model="mistral-large-latest"),
                      PassSettings("test-daemon", "tag", TAG, timedelta(0)))
    (outcome,) = report.outcomes
    assert outcome.result == "failed" and "unfiltered_html" in outcome.reason
    for what in ("<iframe>", "<a onclick>", '<a href="javascript:…">'):
        assert what in outcome.reason
    assert standin.completions() == []
    post = snapshot(site, post_id)
    assert post["post_content"] == content and post["post_status"] == "draft"


def test_the_authors_yoast_fields_are_respected(site, standin):
    import json

    from wp_seo_bridge.model import STATE_KEY

    # The author chose the keyphrase the article is about; the plugin lists it among the site's keyphrases
    # (it is this very draft's): it must be the article's, never "already used".
    description = ("Pirates chinois : Microsoft accuse des hackers d'avoir visé des messageries officielles ; "
                   "Pékin dément et parle de désinformation.")
    assert 121 <= len(description) <= 156
    author = {"_yoast_wpseo_focuskw": "pirates chinois", "_yoast_wpseo_metadesc": description,
              "_yoast_wpseo_title": "Un titre d'auteur sans l'expression-clé, bien trop long pour tenir dans la "
                                    "largeur que Google affiche dans ses résultats de recherche"}
    post_id = site.create_post("La Chine rejette les allégations", seed_text(), tags=[TAG], meta=author)
    gw = make_wordpress(site_cfg(site))
    assert "pirates chinois" in gw.site_info().used_keyphrases
    report = run_pass(gw, Engine(llm=gateway(standin), model="mistral-large-latest"),
                      PassSettings("test-daemon", "tag", TAG, timedelta(0)))
    assert [o.result for o in report.outcomes] == ["rewritten"], report.outcomes
    prompt = standin.completions()[0]["messages"][1]["content"]
    used_section = prompt.split("<<<EXPRESSIONS")[1].split("EXPRESSIONS>>>")[0]
    assert "pirates chinois" not in used_section and "<<<EXPRESSION\npirates chinois\nEXPRESSION>>>" in prompt
    m = meta(snapshot(site, post_id))
    assert m["_yoast_wpseo_focuskw"] == "pirates chinois"
    assert m["_yoast_wpseo_metadesc"] == description  # passes the checks with the new article: kept
    assert m["_yoast_wpseo_title"] == "Pirates chinois : Microsoft accuse, Pékin dément"  # failed them: improved
    assert json.loads(m[STATE_KEY])["author_fields"] == ["focus_keyphrase", "meta_description"]
