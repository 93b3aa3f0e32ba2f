"""The internal links the model added: only offered posts, each once, never the post itself, in running
text, with an anchor that says where it leads (never "cliquez ici", never the focus keyphrase)."""
from __future__ import annotations

import unicodedata

from ..markup import internal as tokens
from ..model import Article, Finding, Source

MAX_LINKS = 3
MAX_ANCHOR_WORDS = 8
#: Anchors that say nothing about the target (folded: lower case, no accents).
GENERIC_ANCHORS = frozenset({
    "ici", "cliquez ici", "cliquer ici", "clique ici", "cliquez", "ce lien", "le lien", "lien", "cet article",
    "cet autre article", "l'article", "article", "en savoir plus", "pour en savoir plus", "lire la suite",
    "la suite", "lire", "voir", "voir ici", "plus", "plus d'infos", "plus d'informations", "lisez ceci",
    "ceci", "la", "click here", "here", "read more", "this article", "link",
})


def _fold(text: str) -> str:
    text = " ".join(text.lower().replace("’", "'").split()).strip(" .,:;!?«»\"")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def internal_links(article: Article, source: Source, html: str) -> Finding:
    links = tokens.internal_links(article, source)
    problems: list[str] = []
    bad = [*tokens.malformed(article), *(f"[[{l.token}]]" for l in links if l.offer is None)]
    if bad:
        problems.append("lien(s) non proposé(s) : " + ", ".join(dict.fromkeys(bad)))
    placed = [(l, l.offer) for l in links if l.offer is not None]
    misplaced = [l.token for l, _ in placed if l.where in ("heading", "quote")]
    if misplaced:
        problems.append("lien(s) dans un intertitre ou une citation : " + ", ".join(misplaced))
    if any(offer.post_id == source.post_id for _, offer in placed if source.post_id):
        problems.append("lien vers l'article lui-même")
    own = "\n".join(source.protected.values())
    targets = [offer.post_id for _, offer in placed]
    twice = sorted({l.token for l, offer in placed if targets.count(offer.post_id) > 1 or offer.url in own})
    if twice:
        problems.append("même cible deux fois : " + ", ".join(twice))
    if len(placed) > MAX_LINKS:
        problems.append(f"{len(placed)} liens internes (au plus {MAX_LINKS})")
    keyphrase = _fold(article.focus_keyphrase)
    for l, _ in placed:
        anchor = _fold(l.anchor)
        if not anchor or anchor in GENERIC_ANCHORS:
            problems.append(f"ancre sans information « {l.anchor} » ({l.token})")
        elif len(anchor.split()) > MAX_ANCHOR_WORDS:
            problems.append(f"ancre trop longue ({l.token}, {len(anchor.split())} mots)")
        elif keyphrase and anchor == keyphrase:
            problems.append(f"ancre identique à l'expression-clé ({l.token})")
    if not problems and len(tokens.link_markups(html, source)) < len(placed):  # render must have made each one
        problems.append("lien(s) interne(s) absent(s) du HTML")
    n = len(placed)
    return Finding(
        "internal_links", not problems,
        "Liens internes : " + (f"{n} ajouté(s), vers des articles proposés du site." if n else "aucun ajouté.")
        if not problems else "Liens internes refusés : " + " ; ".join(problems) + ".",
    )



def allowed_markups(html: str, source: Source) -> list[str]:
    """The offered links render wrote: our own markup, like a protected element's (html_unsafe)."""
    return tokens.link_markups(html, source)
