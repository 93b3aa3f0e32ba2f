"""Is the article French? Share of the most frequent French vs English function words.

Running text in any language is about 40 % function words; a French article has many French ones
and almost no English ones. Short lists are enough and never confuse the two languages.
"""
from __future__ import annotations

import re

FRENCH = frozenset(("le la les un une des de du et est en que qui dans pour pas au aux ce cette ces sur par plus "
                    "avec sont ont été il elle ils elles nous vous leur leurs se ne son sa ses mais ou où comme "
                    "être avait a ont sans entre aussi tout tous après avant selon").split())
ENGLISH = frozenset(("the of and to in is that for it with as was on are by this be at from or have an which not "
                     "but they has were their been its also will would there what when who".split()))
# A word, without its elided article ("l'homme" counts as "homme").
_WORD = re.compile(r"(?:[a-zà-ÿœæ]+['’])?([a-zà-ÿœæ]+)")


def french_share(text: str) -> tuple[float, float, int]:
    """(French function-word share, English function-word share, words)."""
    words = _WORD.findall(text.lower())
    n = len(words) or 1
    return sum(map(FRENCH.__contains__, words)) / n, sum(map(ENGLISH.__contains__, words)) / n, len(words)


def is_french(text: str) -> tuple[bool, str]:
    fr, en, n = french_share(text)
    ok = n > 0 and fr >= 0.15 and fr >= 3 * en
    return ok, f"{fr:.0%} de mots-outils français, {en:.0%} anglais sur {n} mots"
