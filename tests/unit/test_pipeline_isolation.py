"""One bad draft fails alone: any nesting depth is read without recursion, what XML cannot carry
never reaches a hash or a push, and a draft's worst-case cost is known (and refused) before any call."""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

from wp_seo_bridge.check.analysis import Analysis
from wp_seo_bridge.check.keyphrase import Keyphrase
from wp_seo_bridge.check.tree import build_tree
from wp_seo_bridge.daemon.budget import DailyBudget
from wp_seo_bridge.extract import extract
from wp_seo_bridge.model import Usage, source_hash

DEPTH = 10_000
assert DEPTH > sys.getrecursionlimit() * 5


def nested(inner: str, tag: str = "div") -> str:
    return f"<{tag}>" * DEPTH + inner + f"</{tag}>" * DEPTH


def test_ten_thousand_nested_divs_are_extracted_with_their_link_and_lists():
    html = ("<p>Un début avec un <a href=\"https://exemple.fr/a\">lien</a>.</p>"
            + nested("<p>Le texte profond.</p><ul><li>un<ul><li>deux</li></ul></li></ul>"))
    source = extract(html, "Profond")
    assert source.text == "Un début avec un [[LINK-1]].\n\nLe texte profond.\n\n- un\n  - deux"
    assert source.protected == {"LINK-1": '<a href="https://exemple.fr/a">lien</a>'}
    assert source.words == 10


def test_deeply_nested_quotes_and_lists_are_read_too():
    assert extract(nested("Citée.", "blockquote"), "t").text == "> Citée."
    lists = "<ul><li>x" * 2000 + "</li></ul>" * 2000
    assert extract(lists, "t").text.count("- x") == 2000


def test_the_analysis_walks_ten_thousand_nested_elements():
    html = "<p>Une phrase avant.</p>" + nested("<p>Une phrase au fond du puits.</p>")
    tree = build_tree(html)
    assert len(tree.find_all(lambda n: n.name == "p")) == 2
    assert Analysis(html, Keyphrase("puits")).word_count == 9


def test_characters_xml_cannot_carry_are_left_out_of_the_hash_and_the_text():
    word_paste = "Premier\x0bdeuxième\x01 \ufffe\ud800fin"
    assert source_hash("T\x02", word_paste) == source_hash("T", "Premier\x0bdeuxième fin".replace("\x0b", ""))
    source = extract(word_paste, "Titre\x0b collé")
    assert source.title.split() == ["Titre", "collé"]
    assert all(c not in source.text + source.plain for c in "\x0b\x01\ufffe\ud800")
    assert "Premier" in source.text and "deuxième" in source.text and "Premierdeuxième" not in source.text


def test_the_budget_refuses_a_draft_whose_worst_case_would_pass_the_day():
    now = datetime(2026, 3, 2, 10, tzinfo=timezone(timedelta(hours=1)))

    class Spent:
        def spent_since(self, epoch):
            return 9_000, 1.0, 3

    b = DailyBudget(Spent(), max_tokens=10_000, max_eur=2.0, now=lambda: now)
    assert b.try_start() is None
    assert b.admit(Usage(2, 500, 400, 0.1)) is None
    b.finish(Usage(), admitted=True)  # ended without a call: the next drafts are judged alone
    why = b.admit(Usage(2, 600, 500, 0.1))
    assert why and "1,100 tokens" in why and "max_tokens_per_day" in why
    assert "max_eur_per_day" in (b.admit(Usage(2, 10, 10, 1.5)) or "")


def test_kses_losses_name_what_wordpress_would_strip():
    from wp_seo_bridge.markup.kses import KsesRules, kses_losses
    rules = KsesRules({"a": frozenset({"href", "data-*"}), "img": frozenset({"src", "alt"}), "p": frozenset()},
                      frozenset({"http", "https", "mailto"}))
    ok = '<!-- wp:image {"x":1} --><p><a href="https://x.fr" data-track="1">a</a><img src="https://i" alt=""></p>'
    assert kses_losses(ok, rules) == []
    bad = '<p onclick="x()"><a href="javascript:alert(1)">a</a><iframe src="https://v"></iframe></p>'
    assert kses_losses(bad, rules) == ["<p onclick>", '<a href="javascript:…">', "<iframe>"]


def test_the_authors_yoast_fields_are_the_drafts_unless_the_bot_wrote_them():
    import json

    from wp_seo_bridge.model import STATE_KEY, Draft, MetaField, YoastFields
    from wp_seo_bridge.pipeline import authors_fields

    def draft(**meta):
        return Draft("1", "T", "x", "draft", None, (), {k: MetaField(None, k, v) for k, v in meta.items()})

    mine = {"_yoast_wpseo_focuskw": "halle couverte", "_yoast_wpseo_title": "Mon titre"}
    assert authors_fields(draft(**mine)) == YoastFields("Mon titre", "", "halle couverte")
    ours = json.dumps({"state": "rewritten", "source_hash": "h", "at": "2026-01-01T00:00:00Z",
                       "keyphrase": "Halle couverte"})
    assert authors_fields(draft(**mine, **{STATE_KEY: ours})) == YoastFields("", "", "")
    changed = {**mine, "_yoast_wpseo_focuskw": "marché couvert", STATE_KEY: ours}
    assert authors_fields(draft(**changed)).focus_keyphrase == "marché couvert"
