"""extract: each draft format → model text with tokens, protected originals kept byte for byte."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.gutenberg import EMBED, GUTENBERG, IMAGE, LINK, SHORTCODE, TABLE, THIRD_PARTY
from wp_seo_bridge.extract import detect_format, extract

SOURCES = Path(__file__).resolve().parents[2] / "wp_seo_bridge" / "standin" / "fixtures" / "sources"

def test_gutenberg_tokens_and_protected_blocks_byte_for_byte():
    s = extract(GUTENBERG, "La fête du pain")
    assert s.format == "blocks"
    assert s.protected == {"LINK-1": LINK, "KEEP-1": IMAGE, "KEEP-2": TABLE, "KEEP-3": EMBED,
                           "KEEP-4": SHORTCODE, "KEEP-5": THIRD_PARTY}
    blocks = s.text.split("\n\n")
    assert blocks[0] == "Le four reprend du service. Programme sur [[LINK-1]]."
    assert blocks[1:8] == ["[[KEEP-1]]", "## Le programme", "[[KEEP-2]]", "[[KEEP-3]]", "[[KEEP-4]]", "[[KEEP-5]]",
                           "- Pain de seigle"]
    assert blocks[8] == "> Ce four a nourri le village.\n> — Marcel Vidal"
    for token, markup in s.protected.items():  # every original is a verbatim slice of the draft
        assert markup in GUTENBERG, token


def test_gutenberg_plain_keeps_captions_alt_text_and_anchors_as_facts():
    s = extract(GUTENBERG)
    assert "Programme sur le site." in s.plain
    assert "Le four banal Le four restauré en 2024." in s.plain
    assert "7 h Allumage" in s.plain
    assert "[[" not in s.plain and "\ue000" not in s.plain


def test_classic_html_images_iframes_bare_urls_shortcodes_and_links():
    img = '<img class="alignnone" src="/a.jpg" alt="Pékin de nuit" width="300">'
    iframe = '<iframe src="https://player.example/v/1" width="560"></iframe>'
    caption = '[caption id="attachment_9" align="alignnone"]<img src="/b.jpg" alt="Carte"> La carte[/caption]'
    link = '<a href="https://www.reuters.com/x">Reuters</a>'
    html = (f"<p>Premier paragraphe, selon {link}.</p>\n<p>{img}</p>\n<h3>Analyse</h3>\n{iframe}\n"
            f"https://www.youtube.com/watch?v=xyz\n\n{caption}\n<p>Fin &amp; suite.</p>")
    s = extract(html)
    assert s.format == "classic"
    assert s.protected == {"LINK-1": link, "KEEP-1": img, "KEEP-2": iframe,
                           "KEEP-3": "https://www.youtube.com/watch?v=xyz", "KEEP-4": caption}
    assert s.text.split("\n\n") == ["Premier paragraphe, selon [[LINK-1]].", "[[KEEP-1]]", "### Analyse",
                                    "[[KEEP-2]]", "[[KEEP-3]]", "[[KEEP-4]]", "Fin & suite."]
    assert "Pékin de nuit" in s.plain and "Carte La carte" in s.plain


def test_classic_without_p_tags_reads_like_wpautop():
    s = extract("Premier paragraphe\nsur deux lignes.\n\nSecond paragraphe avec <strong>gras</strong>.", fmt="classic")
    assert s.text == "Premier paragraphe\nsur deux lignes.\n\nSecond paragraphe avec gras."


def test_markdown_headings_lists_links_images_and_code():
    md = ("# Titre\n\nUn paragraphe avec un [lien](https://example.org/a) et du **gras**.\n\n"
          "![Une image](https://example.org/i.png)\n\n## Section\n\n- premier\n- second\n\n"
          "```\ncode brut\n```\n\n> Une citation.\n")
    s = extract(md)
    assert s.format == "markdown"
    assert s.text.split("\n\n") == ["## Titre", "Un paragraphe avec un [[LINK-1]] et du gras.", "[[KEEP-1]]",
                                    "## Section", "- premier\n- second", "[[KEEP-2]]", "> Une citation."]
    # WordPress does not render Markdown: the post gets the HTML it means, an image as a real image block.
    assert s.protected == {
        "LINK-1": '<a href="https://example.org/a">lien</a>',
        "KEEP-1": '<!-- wp:image -->\n<figure class="wp-block-image"><img src="https://example.org/i.png" '
                  'alt="Une image"/></figure>\n<!-- /wp:image -->',
        "KEEP-2": "<pre><code>code brut\n</code></pre>"}
    assert "Un paragraphe avec un lien et du gras." in s.plain


def test_markdown_multi_word_links_are_links_and_only_shortcode_lookalikes_are_shortcodes():
    md = ("Lisez [services systemd renforcés](https://ex.fr/s?a=1&b=é) puis [sic] et [1], "
          "[gallery ids=\"4,5\"] et [contact-form id=2].\n\n[![Logo](https://ex.fr/l.png)](https://ex.fr/)\n")
    s = extract(md)
    assert s.protected["LINK-1"] == '<a href="https://ex.fr/s?a=1&amp;b=é">services systemd renforcés</a>'
    assert '[gallery ids="4,5"]' in s.protected.values() and "[contact-form id=2]" in s.protected.values()
    assert "[sic]" in s.text and "[1]" in s.text
    assert any('<a href="https://ex.fr/"><img src="https://ex.fr/l.png" alt="Logo"/></a>' in m
               for m in s.protected.values())
    # The site's own list decides when it is known: an unregistered name is text.
    s = extract(md, shortcodes=frozenset({"contact-form"}))
    assert "[contact-form id=2]" in s.protected.values() and '[gallery ids="4,5"]' in s.text


def test_markdown_mixed_with_html_keeps_structure_and_code_exactly():
    md = ("## Installer\n\n<div class=\"note\"><img src=\"https://ex.fr/n.png\" alt=\"note\"></div>\n\n"
          "1. Lancer [le script](https://ex.fr/run)\n2. Vérifier\n\n```sh\necho '<b>' [gallery] && ls\n```\n\n"
          "| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\nhttps://www.youtube.com/watch?v=x\n")
    s = extract(md)
    assert s.format == "markdown"
    assert s.text.split("\n\n") == ["## Installer", "[[KEEP-1]]", "1. Lancer [[LINK-1]]\n2. Vérifier",
                                    "[[KEEP-2]]", "[[KEEP-3]]", "[[KEEP-4]]"]
    assert s.protected["KEEP-1"] == '<img src="https://ex.fr/n.png" alt="note">'
    assert s.protected["KEEP-2"].startswith('<pre><code class="language-sh">')
    from html import unescape
    assert "echo '<b>' [gallery] && ls" in unescape(s.protected["KEEP-2"])
    assert s.protected["KEEP-3"].startswith("<table>") and s.protected["KEEP-4"] == "https://www.youtube.com/watch?v=x"


def test_plain_text_one_paragraph_per_line_and_the_request_line_is_a_paragraph_like_any_other():
    seed = (SOURCES / "seed-fr.txt").read_text(encoding="utf-8")
    s = extract(seed)
    lines = [line for line in seed.splitlines() if line.strip()]
    assert s.format == "text"
    assert s.text.split("\n\n") == [line.strip() for line in lines]
    assert s.text.startswith("Make this article seo compatible")  # the daemon never sees it; no special case
    assert s.protected == {}
    assert 600 < s.words < 700


def test_plain_text_blank_line_paragraphs_and_bare_urls():
    s = extract("Un premier\nparagraphe.\n\nhttps://www.youtube.com/watch?v=1\n\nDernier.")
    assert s.text == "Un premier\nparagraphe.\n\n[[KEEP-1]]\n\nDernier."  # a single newline stays a line break
    assert s.protected == {"KEEP-1": "https://www.youtube.com/watch?v=1"}


def test_plain_text_lists_as_wordpress_shows_them():
    s = extract("Les étapes :\n– ouvrir le capot\n• vérifier l'huile\n\n1 - démarrer\n2) rouler\n3. s'arrêter\n\nFin.")
    assert s.format == "text"
    assert s.text.split("\n\n") == ["Les étapes :", "- ouvrir le capot\n- vérifier l'huile",
                                    "1. démarrer\n2. rouler\n3. s'arrêter", "Fin."]


@pytest.mark.parametrize("content,fmt", [
    ("<!-- wp:paragraph -->\n<p>x</p>\n<!-- /wp:paragraph -->", "blocks"),
    ("<p>Bonjour</p>", "classic"),
    ("## Titre\n\nTexte", "markdown"),
    ("Une ligne.\nUne autre.", "text"),
    ("- un\n- deux\n1. trois", "text"),
    ("Voir [le site](https://x.fr).\n\n<div><img src=x></div>", "markdown"),
])
def test_format_detection(content, fmt):
    assert detect_format(content) == fmt


def test_words_are_counted_like_yoast():
    # Yoast ignores block quotes in its word count and splits on white space only.
    s = extract("<p>Un deux trois, « quatre » — cinq.</p><blockquote><p>six sept</p></blockquote>")
    assert s.words == 5


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown draft format"):
        extract("x", fmt="docx")


PIECES = ['<p>', '</p>', '<a href="x">', '</a>', '<img src=a>', '[gallery]', '[caption]x[/caption]',
          '<!-- wp:paragraph -->', '<!-- /wp:paragraph -->', '<table><tr><td>', '</td></tr></table>', '<h2>', '</h2>',
          '\n\n', 'https://x.fr/a\n', 'Le texte. ', '« citation » ', '<', '>', '&amp;', '<!--more-->', '<!-- note -->',
          '<ul><li>a', '</li></ul>', '## t\n', '- item\n', '![i](u)', '[l](u)', '```\ncode\n```\n', '<![CDATA[x]]>',
          '<figure>', '</figure>', '<iframe src="y"></iframe>', '<!-- wp:acme/x /-->', '<!-- wp:group -->']


@pytest.mark.parametrize("fmt", [None, "blocks", "classic", "markdown", "text"])
def test_protected_elements_are_exact_slices_of_any_draft(fmt):
    import random
    rng = random.Random(7)
    for _ in range(150):
        content = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))
        s = extract(content, fmt=fmt)
        for token, markup in s.protected.items():
            if s.format == "markdown":  # Markdown becomes the HTML it means: its URLs are the author's
                assert all(u in content for u in re.findall(r'(?:src|href)="([^"]*)"', markup)), (markup, content)
                continue
            assert markup in content, (token, markup, content)
        assert "\ue000" not in s.text + s.plain
        assert sorted(s.protected) == sorted(set(re.findall(r"\[\[((?:KEEP|LINK)-\d+)\]\]", s.text)))
