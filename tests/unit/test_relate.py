"""relate: BM25 (bm25s) over the site's published posts, French-aware; measured on the 210-post corpus."""
from __future__ import annotations

import pytest

from tests.support import corpus
from wp_seo_bridge import relate
from wp_seo_bridge.extract import extract
from wp_seo_bridge.model import PublishedPost

#: Measured 1.00 (61 offers over 15 related drafts); the floor leaves room for corpus growth.
PRECISION_FLOOR = 0.9


@pytest.fixture(scope="module")
def site():
    posts = corpus.as_published()
    category = {p.post_id: p.categories[0] for p in posts}
    return posts, category


def offers_for(draft, posts):
    return relate.offers(extract(draft.text, draft.title), posts)


def test_precision_of_the_offers_on_drafts_with_known_related_posts(site):
    posts, category = site
    related = [d for d in corpus.drafts() if d.related]
    assert len(related) >= 15 and len(posts) >= 200
    offered = {d.title: offers_for(d, posts) for d in related}
    hits = sum(category[o.post_id] == d.related for d in related for o in offered[d.title])
    total = sum(len(o) for o in offered.values())
    precision = hits / total
    print(f"internal-link offers: {total} over {len(related)} related drafts, precision {precision:.2f}")
    assert precision >= PRECISION_FLOOR
    assert all(offered.values()), [t for t, o in offered.items() if not o]  # every related draft gets some


def test_drafts_on_topics_the_site_never_covered_get_no_offer(site):
    posts, _ = site
    unrelated = [d for d in corpus.drafts() if d.related is None]
    assert len(unrelated) >= 5
    assert {d.title: offers_for(d, posts) for d in unrelated} == {d.title: () for d in unrelated}


def test_offers_are_tokens_most_related_first_and_at_most_five(site):
    posts, _ = site
    draft = next(d for d in corpus.drafts() if d.related == "Vélo")
    found = offers_for(draft, posts)
    assert [o.token for o in found] == [f"POST-{i}" for i in range(1, len(found) + 1)] and len(found) <= 5
    scores = {r.post.post_id: r.score for r in relate.rank(extract(draft.text, draft.title), posts)}
    assert [scores[o.post_id] for o in found] == sorted((scores[o.post_id] for o in found), reverse=True)


def test_the_post_itself_and_posts_the_draft_already_links_to_are_never_offered():
    posts = [PublishedPost("7", "Le compost en appartement sans odeur", "https://b.fr/compost/",
                           "compost en appartement"),
             PublishedPost("8", "Composter en appartement : les erreurs", "https://b.fr/erreurs/", "composter")]
    text = "Le compost en appartement sans odeur est possible. Composter demande un bac et des vers."
    source = extract(text, "Composter en appartement")
    assert {o.post_id for o in relate.offers(source, posts, threshold=0)} == {"7", "8"}
    assert {o.post_id for o in relate.offers(source, posts, post_id="7", threshold=0)} == {"8"}
    linked = extract('<p>Voir <a href="https://b.fr/erreurs/">nos erreurs</a>. ' + text + "</p>", "Composter")
    assert {o.post_id for o in relate.offers(linked, posts, threshold=0)} == {"7"}


def test_french_words_match_across_accents_plural_and_elision():
    assert relate.terms("Les forêts anciennes d'Europe") == relate.terms("la foret ancienne, l'europe")
    assert relate.terms("potagers urbains") == relate.terms("Potager urbain")
    assert relate.terms("le la les des du de et à pour") == []  # function words
