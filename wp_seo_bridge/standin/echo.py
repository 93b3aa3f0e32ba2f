"""The stand-in's answer to a draft it has no fixture for, when asked (``{"echo": true}`` steps, or
``echo_unknown``): a hand-written French article, never a model's, that carries back every protected
token of the draft in order and passes the checks (no number, name, quotation or URL of its own).

It lets tests push ANY draft end to end (Markdown, plain text, Gutenberg, a 10,000-level nesting...)
and then look at what WordPress stored: each link, image and embed must be there as often as in the
draft. The words are generic; only the tokens come from the draft.
"""
from __future__ import annotations

import hashlib
import re

_DRAFT = re.compile(r"<<<BROUILLON\n(.*?)\nBROUILLON>>>", re.S)
_TOKEN = re.compile(r"\[\[((?:KEEP|LINK)-\d+)\]\]")

# Plural noun phrases: "les {kp}" reads right with each. One is picked per draft, from its text.
KEYPHRASES = ("conseils pratiques", "repères utiles", "bonnes pratiques", "pistes concrètes", "notions clés",
              "questions fréquentes", "étapes essentielles", "points de vigilance", "idées directrices",
              "ressources utiles", "méthodes éprouvées", "choix raisonnés")

_INTRO = ("Les {kp} de ce dossier méritent une lecture attentive. Ainsi, cet article reprend le brouillon "
          "de la rédaction et le rend plus clair. En effet, chaque partie suit le fil du texte d'origine. "
          "Par ailleurs, les éléments du brouillon restent à leur place. Voici donc l'essentiel, "
          "présenté pas à pas. Chaque section répond à une question simple. Le lecteur avance ainsi sans "
          "effort, du contexte aux points à retenir.")
_SECTIONS = (
    ("Les {kp} en bref", (
        "D'abord, il faut situer le sujet. Le brouillon pose le décor avec soin. Ensuite, il avance "
        "ses arguments dans un ordre logique. Cette progression aide le lecteur à suivre. De plus, elle "
        "évite les détours inutiles. Le propos gagne ainsi en netteté.",
        "Cependant, un texte clair demande aussi du rythme. Les phrases courtes rendent la lecture "
        "fluide. Par conséquent, chaque paragraphe porte une seule idée. Le lecteur retrouve alors "
        "facilement ce qu'il cherche. Enfin, les intertitres balisent le parcours.",
        "Certes, un bon plan ne suffit pas toujours. Il faut encore choisir les mots justes. Or les mots "
        "simples restent souvent les plus efficaces. Ils parlent à tous les publics sans effort. Ainsi, "
        "le message passe mieux et plus vite. Chacun peut alors se faire sa propre idée.")),
    ("Comprendre le contexte", (
        "Tout d'abord, le contexte éclaire les faits. Il explique pourquoi le sujet compte aujourd'hui. "
        "En outre, il relie les informations entre elles. Sans lui, les détails paraîtraient isolés. "
        "C'est pourquoi la rédaction lui donne une place nette.",
        "Par ailleurs, le contexte évolue avec le temps. Une lecture attentive tient compte de ce "
        "mouvement. Ainsi, les lecteurs gardent une vue d'ensemble. De même, ils repèrent mieux les "
        "changements récents. Le texte reste donc utile plus longtemps.",
        "Néanmoins, le contexte ne doit pas noyer le propos. Quelques lignes suffisent souvent à poser "
        "le cadre. Ensuite, le récit reprend son cours naturel. De cette façon, le lecteur garde le fil "
        "sans se perdre. Au final, le sujet reste au premier plan.")),
    ("Ce que montrent les {kp}", (
        "En effet, les {kp} dessinent une ligne directrice. Elles aident à trier l'essentiel du "
        "secondaire. Ensuite, elles orientent les choix du lecteur. Celui-ci sait alors où porter son "
        "attention. De plus, il comprend mieux les enjeux du sujet.",
        "Toutefois, aucune règle ne remplace le jugement. Chacun adapte ces repères à sa situation. "
        "Ainsi, la même idée peut servir de plusieurs façons. Par exemple, un lecteur pressé ira droit "
        "au but. À l'inverse, un lecteur curieux prendra le temps d'approfondir.",
        "Dans tous les cas, la clarté reste le meilleur guide. Elle rend les idées faciles à partager. "
        "Par ailleurs, elle limite les malentendus. Une phrase nette vaut mieux qu'un long détour. "
        "C'est pourquoi ce dossier privilégie la simplicité.")),
    ("Pourquoi ce format", (
        "D'abord, ce format suit les habitudes de lecture en ligne. Les lecteurs parcourent souvent un "
        "texte avant de le lire en entier. Ainsi, les intertitres et les paragraphes courts les aident. "
        "Ils trouvent vite la partie qui les concerne.",
        "Ensuite, ce format facilite la mise à jour. Une section se corrige sans toucher aux autres. "
        "Par conséquent, le dossier reste juste dans la durée. De plus, la rédaction gagne du temps à "
        "chaque révision.")),
    ("Les points à retenir", (
        "D'une part, le fond compte avant la forme. Un article solide repose sur des faits vérifiables. "
        "D'autre part, la forme sert le fond. Une structure claire rend ces faits accessibles. "
        "Finalement, les deux vont de pair.",
        "Par ailleurs, la relecture reste une étape décisive. Elle corrige les maladresses et les "
        "oublis. Ensuite, elle vérifie la fidélité au brouillon. Rien ne doit s'y ajouter sans raison. "
        "Ainsi, le lecteur peut se fier au texte.",
        "En somme, la rigueur protège la confiance du public. Un lecteur bien informé revient plus "
        "volontiers. De plus, il recommande le site autour de lui. La qualité nourrit donc la "
        "fidélité. Cette exigence profite à toute la rédaction.")),
    ("Aller plus loin avec les {kp}", (
        "Enfin, chaque lecteur peut poursuivre sa découverte. Les ressources du brouillon restent à "
        "portée de main. En outre, elles complètent utilement cet article. Elles offrent aussi d'autres "
        "angles de lecture. Le sujet s'enrichit donc au fil des consultations.",
        "Pour conclure, les {kp} forment une base solide. Elles guident la lecture sans l'alourdir. "
        "De plus, elles laissent place à la réflexion personnelle. Chacun en tire ce qui lui sert. "
        "Bonne lecture à toutes et à tous.",
        "En attendant, chacun peut garder ces idées en tête. Elles servent au quotidien, bien au-delà "
        "de ce dossier. Ensuite, elles se précisent avec la pratique. Peu à peu, elles deviennent des "
        "réflexes utiles. Voilà de quoi avancer sereinement.")),
)
# A sentence that carries one link; transitions vary so no three sentences start alike.
_LINK_SENTENCES = ("Par ailleurs, voir {t}.", "En outre, consultez {t}.", "De plus, lisez {t}.",
                   "Ensuite, voyez {t}.", "Ainsi, ouvrez {t}.")
_LINKS_PER_PARAGRAPH = 4


def tokens_of(messages: list[dict]) -> list[str]:
    """The draft's tokens in order (each once), read from the draft section of the first user message."""
    for m in messages:
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str):
            d = _DRAFT.search(m["content"])
            if d:
                return list(dict.fromkeys(_TOKEN.findall(d.group(1))))
    return []


def _draft_text(messages: list[dict]) -> str:
    for m in messages:
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str):
            d = _DRAFT.search(m["content"])
            if d:
                return d.group(1)
    return ""


def _paragraph(text: str) -> dict:
    return {"type": "paragraph", "text": text, "items": [], "ordered": False, "cite": "", "ref": ""}


def _keep(token: str) -> dict:
    return {"type": "keep", "text": "", "items": [], "ordered": False, "cite": "", "ref": token}


_PER_PARAGRAPH = 2  # tokens placed in each paragraph of the template; the rest get sections of their own
_EXTRA_HEADINGS = ("Autres ressources sur les {kp}", "Documents complémentaires")
_EXTRA_OPENERS = ("Pour approfondir les {kp}, voici d'autres documents.", "Ces documents complètent le dossier.")


def _link_sentences(links: list[str], start: int) -> list[str]:
    return [_LINK_SENTENCES[(start + i) % len(_LINK_SENTENCES)].format(t=f"[[{t}]]") for i, t in enumerate(links)]


def echo_article(messages: list[dict]) -> dict:
    """An Article (as JSON data) for the draft in ``messages``: see the module's docstring."""
    draft = _draft_text(messages)
    kp = KEYPHRASES[int(hashlib.sha256(draft.encode("utf-8")).hexdigest(), 16) % len(KEYPHRASES)]
    queue = tokens_of(messages)
    rotation = 0

    def blocks_for(text: str) -> list[dict]:
        """A template paragraph, its share of the tokens: links as sentences at its end, elements after it."""
        nonlocal rotation
        mine, queue[:_PER_PARAGRAPH] = queue[:_PER_PARAGRAPH], []
        links = [t for t in mine if t.startswith("LINK")]
        sentences = _link_sentences(links, rotation)
        rotation += len(links)
        return [_paragraph(" ".join([text.format(kp=kp), *sentences]))] + [_keep(t) for t in mine if t not in links]

    intro = blocks_for(_INTRO)
    sections = [{"level": 2, "heading": heading.format(kp=kp), "blocks": [b for t in texts for b in blocks_for(t)]}
                for heading, texts in _SECTIONS]
    # What is left: sections of at most 12 tokens (3 paragraphs of 4 links), well under 300 words each.
    n = 0
    while queue:
        mine, queue[:12] = queue[:12], []
        blocks, links = [_paragraph(_EXTRA_OPENERS[n % 2].format(kp=kp))], []
        for t in mine + [""]:
            if t.startswith("LINK"):
                links.append(t)
            if links and (len(links) == _LINKS_PER_PARAGRAPH or not t.startswith("LINK")):
                blocks.append(_paragraph(" ".join(_link_sentences(links, rotation))))
                rotation += len(links)
                links = []
            if t.startswith("KEEP"):
                blocks.append(_keep(t))
        sections.append({"level": 2, "heading": _EXTRA_HEADINGS[n % 2].format(kp=kp), "blocks": blocks})
        n += 1
    title_kp = kp[0].upper() + kp[1:]
    meta = (f"{title_kp} : l'essentiel de ce dossier, expliqué simplement et pas à pas, avec toutes les "
            f"ressources du brouillon d'origine.")
    return {
        "title": f"{title_kp} : l'essentiel du dossier",
        "seo_title": f"{title_kp} : l'essentiel du dossier",
        "meta_description": meta,
        "focus_keyphrase": kp,
        "slug": re.sub(r"[^a-z0-9]+", "-", kp.replace("é", "e").replace("è", "e").replace("ê", "e")
                       .replace("à", "a").replace("ç", "c")).strip("-"),
        "intro": intro,
        "sections": sections,
    }
