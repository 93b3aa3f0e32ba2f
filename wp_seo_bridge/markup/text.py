"""Word-level helpers, ported from yoastseo 3.6.0 so that our counts are Yoast's counts.

Two word models exist in Yoast and both are needed:

- the *string* model (``get_words``): tags stripped, split on white space, punctuation trimmed;
  used for the text length, section lengths and the keyphrase-in-subheading research;
- the *token* model (``split_into_tokens`` + ``words_from_tokens``): sentences split into tokens on
  white space, dashes, hyphens and brackets; used for sentence and paragraph lengths, keyphrase
  density and transition words.
"""
from __future__ import annotations

import re
from functools import lru_cache

# JavaScript's \s (differs from Python's: includes U+FEFF, excludes U+001C-U+001F).
JS_WS = "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
        "\u2028\u2029\u202f\u205f\u3000\ufeff"
WS = f"[{re.escape(JS_WS)}]"
_WS_RUN = re.compile(f"{WS}+")
_WS_ONE = re.compile(WS)

# removePunctuation.js: every character Yoast trims from word edges.
PUNCTUATION = "!\"&'()+,-.:;<>?[]_¡«»¿×،؛؟۔–—‘’“”„‟‥…‹›‼⁇⁈⁉、。〃〄〆〇〈〉《》「」『』【】〒〓〔〕〖〗〘〙" \
              "〚〛〜〝〞〟〠〶〼〽・ー！＄％＆＇（）＊／：；＜＞？＠［＼］｛｜｝～｟｠｡｢｣､･￥"
_P = re.escape(PUNCTUATION)
_PUNCT_START = re.compile(f"^[{_P}]+")
_PUNCT_END = re.compile(f"[{_P}]+$")
_TAG = re.compile(r"<[^>]+>")

SINGLE_QUOTES = "'‘’‛`‹›"
_SINGLE_Q = [c for c in SINGLE_QUOTES if c != "'"]
_DOUBLE_Q = list("“”〝〞〟‟„『』«»")
_PUNCT_SET = frozenset(PUNCTUATION)

# config/wordBoundaries.js as characterInBoundary() sees it: its "\\n", "\\r", "\\t" entries are two-character
# strings that never equal a character, so line breaks and tabs are not boundaries there.
WORD_BOUNDARIES = frozenset(" \xa0\u06d4\u061f\u060c\u061b.,'()\"+-;!?:/»«‹›<>”“〝〞〟‟„")


def normalize_single_quotes(text: str) -> str:
    for c in _SINGLE_Q:  # str.replace beats translate tables and regexes here
        if c in text:
            text = text.replace(c, "'")
    return text


def normalize_quotes(text: str) -> str:
    text = normalize_single_quotes(text)
    for c in _DOUBLE_Q:
        if c in text:
            text = text.replace(c, '"')
    return text


def js_lower(text: str) -> str:
    # JS toLowerCase keeps 'İ' as 'i̇' like Python; the only practical difference is none for French.
    return text.lower()


_MULTI_WS = re.compile(f"{WS}{{2,}}")
_WS_FINAL_DOT = re.compile(f"{WS}\\.\\Z")


def strip_spaces(text: str) -> str:
    """stripSpaces.js"""
    text = _MULTI_WS.sub(" ", text)
    if text.endswith("."):
        text = _WS_FINAL_DOT.sub(".", text)
    text = text.strip(JS_WS)
    if "。" in text:
        text = re.sub(f"{WS}。", "。", text)
        text = re.sub(f"。{WS}", "。", text)
    return text


@lru_cache(maxsize=65536)
def remove_punctuation(text: str) -> str:
    """removePunctuation.js (the first "&amp" only, as in Yoast)."""
    text = text.replace("&nbsp;", " ").replace("&amp", "", 1).replace("\\", "")
    text = _PUNCT_START.sub("", text)
    return _PUNCT_END.sub("", text)


def sanitize_string(text: str) -> str:
    """sanitizeString.js: unify spaces (incl. em dash), strip tags and extra spaces."""
    text = _WS_ONE.sub(" ", text.replace("&nbsp;", " ").replace("\u2014", " "))
    return strip_spaces(_TAG.sub(" ", text))


@lru_cache(maxsize=256)
def _get_words(text: str, boundary: re.Pattern) -> tuple[str, ...]:
    text = sanitize_string(text)
    if not text:
        return ()
    words = (remove_punctuation(w) for w in boundary.split(text))
    return tuple(w for w in words if w.strip(JS_WS))


def get_words(text: str, boundary: re.Pattern = _WS_ONE) -> list[str]:
    """getWords.js (string model)."""
    return list(_get_words(text, boundary))


_SAME_LENGTH_TAG = re.compile(r"<[^>]+>")
_PIECE = re.compile(f"[^{re.escape(JS_WS)}—]+")


def word_offsets(text: str) -> list[int]:
    """Start offsets of the words ``get_words`` finds, positions kept (tags blanked, not removed).

    Counting the offsets inside a slice that starts and ends on tags equals ``count_words(slice)``.
    """
    text = text.replace("&nbsp;", "      ")
    offsets: list[int] = []
    start = 0
    for tag in _SAME_LENGTH_TAG.finditer(text):  # words never span a tag: read the gaps between tags
        offsets.extend(m.start() for m in _PIECE.finditer(text, start, tag.start())
                       if remove_punctuation(m.group(0)).strip(JS_WS))
        start = tag.end()
    offsets.extend(m.start() for m in _PIECE.finditer(text, start) if remove_punctuation(m.group(0)).strip(JS_WS))
    return offsets


def count_words(text: str) -> int:
    return len(_get_words(text, _WS_ONE))


# --- token model ----------------------------------------------------------------------------

_SEPARATORS = re.compile(f"([{re.escape(JS_WS)}\u2013\u2014\\-\\[\\]]|#nbsp;)")
_HASHED_START = re.compile(
    r"^#(amp|lt|gt|quot|apos|ndash|mdash|copy|reg|trade|pound|yen|euro|dollar|deg|asymp|ne|nbsp);")
_HASHED_END = re.compile(r"#(amp|lt|gt|quot|apos|ndash|mdash|copy|reg|trade|pound|yen|euro|dollar|deg|asymp|ne|nbsp);$")
# languages/en/config/abbreviations.js (yoastseo): kept whole by the tokenizers.
ABBREVIATIONS = ("A.D.", "Adm.", "Adv.", "B.C.", "Br.", "Brig.", "Cmrd.", "Col.", "Cpl.", "Cpt.", "Dr.", "Esq.",
                 "Fr.", "Gen.", "Gov.", "Hon.", "Jr.", "Lieut.", "Lt.", "Maj.", "Mr.", "Mrs.", "Ms.", "Msgr.",
                 "Mx.", "No.", "Pfc.", "Pr.", "Prof.", "Pvt.", "Rep.", "Reps.", "Rev.", "Rt. Hon.", "Sen.",
                 "Sens.", "Sgt.", "Sps.", "Sr.", "St.", "vs.", "i.e.", "e.g.", "viz.", "Mt.")
_ABBREV_LOWER = frozenset(a.lower() for a in ABBREVIATIONS)
HASHED_ENTITIES = {"#amp;": "&", "#lt;": "<", "#gt;": ">", "#quot;": '"', "#apos;": "'", "#ndash;": "–",
                   "#mdash;": "—", "#copy;": "©", "#reg;": "®", "#trade;": "™", "#pound;": "£", "#yen;": "¥",
                   "#euro;": "€", "#dollar;": "$", "#deg;": "°", "#asymp;": "≈", "#ne;": "≠", "#nbsp;": " "}
_HASHED_ANY = re.compile("|".join(re.escape(k) for k in HASHED_ENTITIES))


def unhash_entities(text: str) -> str:
    return _HASHED_ANY.sub(lambda m: HASHED_ENTITIES[m.group(0)], text) if "#" in text else text


def split_into_tokens(text: str) -> list[str]:
    """splitIntoTokens.js + createPunctuationTokens.js (tokens may still hold hashed entities)."""
    out: list[str] = []
    for token in _SEPARATORS.split(text):
        if not token:
            continue
        if token[0] not in _PUNCT_SET and token[-1] not in _PUNCT_SET:
            out.append(token)  # the common case: a bare word or a separator
            continue
        pre: list[str] = []
        post: list[str] = []
        while token and token[0] in PUNCTUATION and not _HASHED_START.match(token):
            pre.append(token[0])
            token = token[1:]
        while token and token[-1] in PUNCTUATION and not _HASHED_END.search(token) \
                and token.lower() not in _ABBREV_LOWER:
            post.insert(0, token[-1])
            token = token[:-1]
        out.extend(t for t in (*pre, token, *post) if t)
    return out


def _merge_hyphens(words: list[str]) -> None:
    """mergeBy(words, "-") of getAllWordsFromTree.js, in place."""
    while "-" in words:
        i = words.index("-")
        if i == 0 or i == len(words) - 1:
            del words[i]
            continue
        words[i - 1:i + 2] = [words[i - 1] + "-" + words[i + 1]]


def words_from_tokens(tokens: list[str], split_on_hyphens: bool = True) -> list[str]:
    """getWordsFromTokens: with ``split_on_hyphens=False`` "Storm-0558" stays one word."""
    words = list(tokens)
    if not split_on_hyphens and "-" in words:
        _merge_hyphens(words)
    return [w for w in map(remove_punctuation, words) if w.strip(JS_WS)]
