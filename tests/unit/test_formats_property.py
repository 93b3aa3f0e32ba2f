"""Property: for random mixes of the draft formats (Markdown, HTML, Gutenberg, plain text, shortcodes, bare
URLs), extraction then rendering keeps every protected element and every URL of the draft, even when the
article uses none of the tokens (render puts back what the model dropped)."""
from __future__ import annotations

import html as _html
import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wp_seo_bridge.extract import extract
from wp_seo_bridge.model import Article, Block, Section
from wp_seo_bridge.render import render

_URL = re.compile(r"https?://[^\s\"'<>()\[\]]+")
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*-->")

slug = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
url = st.builds(lambda host, path: f"https://{host}.example.org/{path}", slug, slug)
words = st.lists(st.sampled_from(["le", "four", "banal", "rouvre", "ses", "portes", "au", "public", "été",
                                  "Noël", "café", "sic", "1", "deux"]), min_size=1, max_size=6).map(" ".join)

_COMMON = [
    st.builds(lambda u: f"\n\n{u}\n\n", url),  # bare URL line: an embed
    st.builds(lambda u: f'[audio src="{u}"]', url),
    st.builds(lambda t: f"[{t}]", words),  # a bracketed phrase: text unless it looks like a shortcode
    words, st.just("\n\n"), st.just("\n"),
]
# Markdown, with raw HTML blocks on lines of their own (as CommonMark reads mixed content).
MARKDOWN = st.one_of(
    st.builds(lambda t, u: f"[{t}]({u})", words, url),  # Markdown link, multi-word
    st.builds(lambda t, u: f"![{t}]({u})", words, url),  # Markdown image
    st.builds(lambda t, u: f'\n\n<p><a href="{u}">{t}</a> <img src="{u}x" alt="{t}"></p>\n\n', words, url),
    st.builds(lambda t: f"\n\n## {t}\n\n", words),
    st.builds(lambda t: f"\n- {t}\n", words),
    st.builds(lambda t: f"\n```\n{t} [gallery]\n```\n", words),
    st.just("\n\n<div>\n\n"), st.just("\n\n</div>\n\n"), *_COMMON)
# HTML: classic markup and Gutenberg blocks.
HTML = st.one_of(
    st.builds(lambda t, u: f'<a href="{u}">{t}</a>', words, url),
    st.builds(lambda t, u: f'<img src="{u}" alt="{t}">', words, url),
    st.builds(lambda u: f'<!-- wp:image -->\n<figure class="wp-block-image"><img src="{u}" alt=""/></figure>\n'
                        f"<!-- /wp:image -->", url),
    st.builds(lambda t: f"<p>{t}</p>", words), st.just("<div>"), st.just("</div>"), *_COMMON)
DRAFTS = st.one_of(st.lists(MARKDOWN, min_size=1, max_size=25), st.lists(HTML, min_size=1, max_size=25)).map("".join)


def urls(text: str, is_html: bool) -> Counter:
    text = _BLOCK_COMMENT.sub(" ", text)
    return Counter(u.rstrip(".,;:!?") for u in _URL.findall(_html.unescape(text) if is_html else text))


ARTICLE = Article(title="T", seo_title="S", meta_description="M", focus_keyphrase="k", slug="k",
                  intro=[Block(type="paragraph", text="Un article qui ne reprend aucun élément.")],
                  sections=[Section(level=2, heading="Une section",
                                    blocks=[Block(type="paragraph", text="Du texte.")])])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DRAFTS, st.sampled_from(["blocks", "classic"]))
def test_extraction_then_rendering_keeps_every_protected_element_and_url(draft, mode):
    source = extract(draft, "Titre")
    html = render(ARTICLE, source, mode)
    for token, markup in source.protected.items():
        assert markup in html, (token, markup)
    expected = urls(draft, source.format in ("blocks", "classic"))
    got = urls(html, True)
    assert expected == got, (source.format, draft)
