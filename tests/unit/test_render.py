"""render: the block markup of the site's WordPress (6.1, 7.1) / classic HTML per block type, protected elements
verbatim."""
from __future__ import annotations

from tests.support.gutenberg import EMBED, GUTENBERG, IMAGE, LINK, SHORTCODE, TABLE, THIRD_PARTY
from wp_seo_bridge.extract import extract
from wp_seo_bridge.model import Article, Block, Section
from wp_seo_bridge.render import dialect, normalise_slug, render, yoast_fields


def article(intro=(), sections=(), **fields) -> Article:
    base = dict(title="T", seo_title="S", meta_description="M", focus_keyphrase="k", slug="k")
    base.update(fields)
    return Article(intro=list(intro), sections=list(sections), **base)


def p(text: str) -> Block:
    return Block(type="paragraph", text=text)


SOURCE = extract(GUTENBERG)


def test_paragraph_and_headings_as_wordpress_61_saves_them():
    a = article([p("Intro & <b>pas de balise</b> : « guillemets »")],
                [Section(level=2, heading="Deux", blocks=[p("Un.")]), Section(level=3, heading="Trois", blocks=[])])
    html = render(a, extract("x"), wp_version="6.1")
    assert html == (
        "<!-- wp:paragraph -->\n<p>Intro &amp; &lt;b&gt;pas de balise&lt;/b&gt; : « guillemets »</p>\n"
        "<!-- /wp:paragraph -->"
        "\n\n<!-- wp:heading -->\n<h2>Deux</h2>\n<!-- /wp:heading -->"
        "\n\n<!-- wp:paragraph -->\n<p>Un.</p>\n<!-- /wp:paragraph -->"
        '\n\n<!-- wp:heading {"level":3} -->\n<h3>Trois</h3>\n<!-- /wp:heading -->')


def test_lists_are_list_item_inner_blocks():
    a = article([Block(type="list", items=["un", "deux"]), Block(type="list", items=["a"], ordered=True)])
    assert render(a, extract("x"), wp_version="6.1.1") == (
        "<!-- wp:list -->\n<ul><!-- wp:list-item -->\n<li>un</li>\n<!-- /wp:list-item -->\n\n"
        "<!-- wp:list-item -->\n<li>deux</li>\n<!-- /wp:list-item --></ul>\n<!-- /wp:list -->\n\n"
        '<!-- wp:list {"ordered":true} -->\n<ol><!-- wp:list-item -->\n<li>a</li>\n<!-- /wp:list-item --></ol>\n'
        "<!-- /wp:list -->")


def test_headings_and_lists_as_wordpress_71_saves_them():
    # heading/save.js and list/save.js of 7.1 (block-library.js): useBlockProps.save() adds the class
    # (supports.className defaults to true); list items keep none (list-item: className false).
    a = article([Block(type="list", items=["un"], ordered=True)], [Section(level=3, heading="Trois", blocks=[])])
    assert render(a, extract("x"), wp_version="7.1") == render(a, extract("x")) == (
        '<!-- wp:list {"ordered":true} -->\n<ol class="wp-block-list"><!-- wp:list-item -->\n<li>un</li>\n'
        "<!-- /wp:list-item --></ol>\n<!-- /wp:list -->\n\n"
        '<!-- wp:heading {"level":3} -->\n<h3 class="wp-block-heading">Trois</h3>\n<!-- /wp:heading -->')


def test_each_class_from_the_version_that_introduced_it():
    # heading.php "@since 6.2.0", list.php "@since 6.6.0" (the server-side class for older posts).
    assert dialect("6.1.7") == dialect("") == dialect("garbage") == dialect("6.1")
    assert not dialect("6.1").heading_class and not dialect("6.1").list_class
    assert dialect("6.2-RC1").heading_class and not dialect("6.5.5").list_class
    assert dialect("6.6").list_class and dialect("7.1.0").heading_class and dialect("10.0").list_class


def test_quote_holds_a_paragraph_block_and_its_citation():
    a = article([Block(type="quote", text="Ce four a nourri le village.", cite="Marcel Vidal")])
    for version in ("6.1", "7.1"):  # the same on both
        assert render(a, extract("x"), wp_version=version) == (
            '<!-- wp:quote -->\n<blockquote class="wp-block-quote"><!-- wp:paragraph -->\n<p>Ce four a nourri le '
            "village.</p>\n<!-- /wp:paragraph --><cite>Marcel Vidal</cite></blockquote>\n<!-- /wp:quote -->")


def test_classic_mode_is_plain_html():
    a = article([p("Intro.")], [Section(level=2, heading="H", blocks=[
        Block(type="list", items=["a", "b"]), Block(type="quote", text="Q", cite="C")])])
    assert render(a, extract("x"), "classic") == (
        "<p>Intro.</p>\n\n<h2>H</h2>\n\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n\n"
        "<blockquote><p>Q</p><cite>C</cite></blockquote>")


def test_protected_elements_come_back_byte_for_byte():
    a = article([p("Programme sur [[LINK-1]].")], [Section(level=2, heading="Images", blocks=[
        Block(type="keep", ref=f"KEEP-{i}") for i in range(1, 6)])])
    html = render(a, SOURCE)
    for markup in (LINK, IMAGE, TABLE, EMBED, SHORTCODE, THIRD_PARTY):
        assert html.count(markup) == 1
    assert f"<p>Programme sur {LINK}.</p>" in html


def test_dropped_elements_are_put_back_near_their_place_in_the_source():
    a = article([p("Un paragraphe d'introduction assez long pour peser dans le calcul des positions.")],
                [Section(level=2, heading=f"Section {i}", blocks=[p("Du texte " * 20)]) for i in range(4)])
    html = render(a, SOURCE)
    for markup in (LINK, IMAGE, TABLE, EMBED, SHORTCODE, THIRD_PARTY):
        assert html.count(markup) == 1
    # The image sat early in the source and the third-party block late: same order in the article.
    assert html.index(IMAGE) < html.index("Section 1") < html.index(THIRD_PARTY)
    # A dropped link is appended to a paragraph, never made a block of its own.
    assert f" {LINK}</p>" in html


def test_a_keep_token_inside_a_paragraph_splits_it():
    a = article([p("Avant. [[KEEP-1]] Après.")])
    html = render(a, SOURCE)
    assert html.index("<p>Avant.") < html.index(IMAGE) < html.index("<p>Après.")


def test_invented_tokens_stay_visible_as_text():
    html = render(article([p("Voir [[LINK-9]].")]), SOURCE)
    assert "<p>Voir &#91;&#91;LINK-9&#93;&#93;. " in html  # visible (and refused by the checks), never markup


def test_no_shortcode_the_model_writes_can_run():
    a = article([p("Voir [gallery ids=\"1\"] et [playlist] ici, puis [[LINK-1]].")],
                [Section(level=2, heading="Un titre [embed]", blocks=[Block(type="list", items=["[audio src=x]"])])])
    html = render(a, SOURCE)
    text = html
    for markup in SOURCE.protected.values():  # the source's own elements come back (and may be shortcodes)
        text = text.replace(markup, "")
    assert "[" not in text and "]" not in text  # WordPress's shortcode parser needs a literal "["
    assert "Voir &#91;gallery ids=&quot;1&quot;&#93; et &#91;playlist&#93; ici" in html or \
        "Voir &#91;gallery ids=\"1\"&#93; et &#91;playlist&#93; ici" in html
    assert SOURCE.protected["LINK-1"] in html


def test_classic_source_elements_stay_verbatim_in_blocks_or_as_classic_html():
    src = extract('<p>Texte.</p>\n<img src="/a.jpg" alt="A">\n\nhttps://youtu.be/x\n\n[gallery ids="1"]\n<!--more-->')
    a = article([Block(type="keep", ref=f"KEEP-{i}") for i in range(1, 5)])
    assert render(a, src) == (
        '<img src="/a.jpg" alt="A">\n\n'
        '<!-- wp:embed {"url":"https://youtu.be/x"} -->\n'
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        "\nhttps://youtu.be/x\n</div></figure>\n<!-- /wp:embed -->\n\n"
        '<!-- wp:shortcode -->\n[gallery ids="1"]\n<!-- /wp:shortcode -->\n\n'
        "<!-- wp:more -->\n<!--more-->\n<!-- /wp:more -->")
    assert render(a, src, "classic") == (
        '<img src="/a.jpg" alt="A">\n\nhttps://youtu.be/x\n\n[gallery ids="1"]\n\n<!--more-->')


def test_slug_and_yoast_fields():
    assert normalise_slug("  L’été à Pékin : 5 œuvres — « 2024 » !") == "l-ete-a-pekin-5-oeuvres-2024"
    long = normalise_slug("cyberespionnage " * 10)
    assert len(long) <= 75 and not long.endswith("-") and long.startswith("cyberespionnage-")
    f = yoast_fields(article(seo_title=" Titre\n SEO ", meta_description="Une\tdescription", focus_keyphrase=" clé "))
    assert (f.seo_title, f.meta_description, f.focus_keyphrase) == ("Titre SEO", "Une description", "clé")
