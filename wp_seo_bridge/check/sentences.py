"""Yoast's sentence splitter (SentenceTokenizer.js + tokenizer2 + html.getBlocks), ported as is.

Yoast's rules are quirky (a closing « » » followed by a capital starts a new sentence, an
abbreviation like "Dr." does not end one, "... 3. Le" does not split before a digit); agreeing
with the judge means reproducing them, not improving them.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..markup.text import ABBREVIATIONS, JS_WS, WS, normalize_quotes

DELIMITERS = "”〞〟„』›»’‛`\"?!\u2026\u06d4\u061f"
_SENTENCE_EXCLUDED = frozenset("." + DELIMITERS + "<()[]")
_WS_SET = frozenset(JS_WS)
_OPEN = frozenset("[({")
_CLOSE = frozenset("])}")

# The rules of SentenceTokenizer.createTokenizer(), for the rare slow path ("<" in text).
# JS /m makes ^ and $ match at line breaks, and RegExp.test searches: hence re.M + search.
_RULES = (
    (re.compile(r"^[.]\Z"), "full-stop"),
    (re.compile(r"^<[^><]*\Z"), "smaller-than-sign-content"),
    (re.compile(rf"^<([^>{re.escape(JS_WS)}/]+)[^>]*>$", re.M | re.I), "html-start"),
    (re.compile(rf"^</([^>{re.escape(JS_WS)}]+)[^>]*>$", re.M | re.I), "html-end"),
    (re.compile(rf"^{WS}*[\[({{]{WS}*\Z"), "block-start"),
    (re.compile(rf"^{WS}*[\])}}]{WS}*\Z"), "block-end"),
    (re.compile(f"^[{re.escape(DELIMITERS)}]\\Z"), "sentence-delimiter"),
    (re.compile(f"^[^{re.escape(''.join(sorted(_SENTENCE_EXCLUDED)))}]+\\Z"), "sentence"),
)


def _match_rule(text: str) -> str | None:
    for regex, kind in _RULES:
        if regex.search(text):
            return kind
    return None


def _slow_token(text: str, i: int) -> tuple[int, str]:
    """tokenizer2's findMaxIndexAndRule: grow the prefix until no rule matches."""
    last = None
    for j in range(i + 1, len(text) + 1):
        kind = _match_rule(text[i:j])
        if kind:
            last = (j, kind)
        elif last:
            return last
    return last or (len(text), "sentence")


_NEXT_ANGLE = re.compile("[<>]")
_HTML_START, _HTML_END = _RULES[2][0], _RULES[3][0]


def _tag_token(text: str, i: int) -> tuple[int, str]:
    """A "<": an HTML tag, or "smaller-than-sign-content" up to the next "<" or ">"."""
    m = _NEXT_ANGLE.search(text, i + 1)
    if not m:
        return len(text), "smaller-than-sign-content"
    j = m.start()
    if text[j] == "<":
        return j, "smaller-than-sign-content"
    tag = text[i:j + 1]
    kind = "html-start" if _HTML_START.search(tag) else "html-end" if _HTML_END.search(tag) else None
    if kind is None:
        return j, "smaller-than-sign-content"
    if j + 1 < len(text) and text[j + 1] in "\n\r\u2028\u2029":
        return _slow_token(text, i)  # JS /m lets a tag alone on its line swallow what follows
    return j + 1, kind


def _bracket_token(text: str, i: int, n: int) -> tuple[int, str]:
    """White space, one bracket, white space; "{" / "}" may go on as plain sentence text."""
    j = i
    while j < n and text[j] in _WS_SET:
        j += 1
    bracket = text[j]
    kind = "block-start" if bracket in _OPEN else "block-end"
    j += 1
    while j < n and text[j] in _WS_SET:
        j += 1
    if bracket in "{}" and j < n and text[j] not in _SENTENCE_EXCLUDED:
        while j < n and text[j] not in _SENTENCE_EXCLUDED:
            j += 1
        return j, "sentence"
    return j, kind


_NEXT_EXCLUDED = re.compile("[" + re.escape("".join(sorted(_SENTENCE_EXCLUDED))) + "]")
_NOT_WS = re.compile(f"[^{re.escape(JS_WS)}]")


_DELIMITER_SET = frozenset(DELIMITERS)
_RUN_BREAKERS = _SENTENCE_EXCLUDED | _WS_SET | _OPEN | _CLOSE


def _run_end(text: str, i: int) -> int:
    """End of the plain-sentence run starting at ``i`` (first excluded character or the end).

    A delimiter glued between two letters ("l’agence", "aujourd’hui") can never end a sentence: Yoast
    only splits at a delimiter followed by white space, and such a delimiter is neither the "previous"
    token of a full stop or bracket nor anything else that matters. Keeping it inside the run gives
    the same sentences with far fewer tokens.
    """
    n = len(text)
    while True:
        m = _NEXT_EXCLUDED.search(text, i)
        if not m:
            return n
        j = m.start()
        if (text[j] in _DELIMITER_SET and j > i and j + 1 < n and text[j - 1] not in _RUN_BREAKERS
                and text[j + 1] not in _RUN_BREAKERS):
            i = j + 1
            continue
        return j


def tokenize(text: str) -> list[tuple[str, str]]:
    """(type, src) tokens, identical to tokenizer2 with Yoast's rules."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == ".":
            j, kind = i + 1, "full-stop"
        elif c in DELIMITERS:
            j, kind = i + 1, "sentence-delimiter"
        elif c == "<":
            j, kind = _tag_token(text, i)
        elif c in _OPEN or c in _CLOSE:
            j, kind = _bracket_token(text, i, n)
        elif c in _WS_SET:
            m = _NOT_WS.search(text, i)
            j = m.start() if m else n
            if j < n and (text[j] in _OPEN or text[j] in _CLOSE):
                j, kind = _bracket_token(text, i, n)
            else:
                j, kind = _run_end(text, j), "sentence"
        else:
            j, kind = _run_end(text, i + 1), "sentence"
        tokens.append((kind, text[i:j]))
        i = j
    return tokens


# --- SentenceTokenizer.getSentencesFromTokens -----------------------------------------------

_BOUNDARY_CLASS = "".join(re.escape(b) for b in (" ", "\\", "n", "\\", "r", "\\", "t", "\xa0", "\u06d4", "\u061f",
                                                  "\u060c", "\u061b", " ", ".", ",", "'", "(", ")", '"', "+",
                                                  "-", ";", "!", "?", ":", "/", "»", "«", "‹", "›", "<", ">",
                                                  "”", "“", "〝", "〞", "〟", "‟", "„"))
# In Yoast the boundaries "\\n", "\\r", "\\t" end up as the letters n, r, t in this class: kept.
_INITIAL = re.compile(f"(^|$|[{_BOUNDARY_CLASS}])[A-Za-z]\\Z")
# addWordboundary.js's boundary characters (without the quotes it adds on each side).
WORD_BOUNDARY_CHARS = " \xa0\u2014\u06d4\u061f\u060c\u061b\n\r\t.,()”“〝〞〟‟„\"+-;!¡?¿:/»«‹›<>"


def word_boundary_regex(body: str, lookahead: bool = False, flags: int = re.I) -> re.Pattern:
    """addWordboundary.js around an already escaped regex ``body``."""
    cls = re.escape(WORD_BOUNDARY_CHARS)
    start = f"(^|[{cls}'‘’‛`])"
    if lookahead:
        end = f"(\\Z|((?=[{cls}]))|((['‘’‛`])([{cls}])))"
    else:
        end = f"(\\Z|([{cls}])|((['‘’‛`])([{cls}])))"
    return re.compile(start + body + end, flags)


def _abbreviation_body(a: str) -> str:
    # Yoast escapes only the first "." of each abbreviation; the others stay wildcards.
    first = a.index(".")
    rest = a[first + 1:]
    return re.escape(a[:first]) + r"\." + ".".join(re.escape(p) for p in rest.split("."))


_ABBREVIATION_BODY = "(?:" + "|".join(_abbreviation_body(a) for a in ABBREVIATIONS) + ")"
# Only a match at the very end matters ("... Dr." does not end a sentence): anchored, on the tail.
_ABBREVIATION_AT_END = re.compile(f"[{re.escape(WORD_BOUNDARY_CHARS)}'‘’‛`]{_ABBREVIATION_BODY}\\Z", re.I)
_ABBREVIATION_ALONE = re.compile(f"^{_ABBREVIATION_BODY}\\Z", re.I)
_TAG_TYPE = re.compile(r"</?([^\s]+?)(\s|>)")
_SEMANTIC_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "span", "li", "main"}
_LTR = (re.compile(r"^[\u0590-\u05fe]+$", re.I), re.compile(r"^[\u0600-\u06FF]+$", re.I),
        re.compile(r"^[\uFB8A\u067E\u0686\u06AF]+$", re.I))
_SENTENCE_END = re.compile(f"[.{re.escape(DELIMITERS)}]\\Z")


def _is_number(s: str) -> bool:
    """parseInt(s, 10) is not NaN."""
    s = s.lstrip(JS_WS)
    if s[:1] in "+-":
        s = s[1:]
    return s[:1].isascii() and s[:1].isdigit()


def _is_quotation(c: str) -> bool:
    return normalize_quotes(c) in ("'", '"')


def _valid_beginning(s: str) -> bool:
    return (s != s.lower() or any(r.search(s) for r in _LTR) or _is_number(s) or _is_quotation(s)
            or s in ("¿", "¡") or s == "<")


def _is_space(c: str) -> bool:
    return c in _WS_SET and c != ""


_WS_RUN = re.compile(f"{WS}+")


def _next_two(tokens, i: int) -> str:
    """getNextTwoCharacters: the next two tokens' text, first white-space run made one space."""
    # Only the first two characters matter: 8 of each token are enough (a white-space run collapses).
    nxt = "".join(tokens[k][1][:8] for k in (i + 1, i + 2) if k < len(tokens))
    m = _WS_RUN.search(nxt)
    return nxt[:m.start()] + " " + nxt[m.end():] if m else nxt


def _ends_with_abbreviation(sentence: str) -> bool:
    """SentenceTokenizer.endsWithAbbreviation (its last abbreviation match is the sentence's end)."""
    return bool(_ABBREVIATION_AT_END.search(sentence[-12:]) or _ABBREVIATION_ALONE.match(sentence))


def _is_sentence_start(token) -> bool:
    return token is not None and token[0] in ("html-start", "html-end", "block-start")


def _is_sentence_ending(token) -> bool:
    return token is not None and token[0] in ("full-stop", "sentence-delimiter")


def _valid_tag_pair(first: str, last: str) -> bool:
    a, b = _TAG_TYPE.search(first), _TAG_TYPE.search(last)
    return a is not None and b is not None and a.group(1) == b.group(1) and a.group(1) in _SEMANTIC_TAGS


def _sentences_from_tokens(tokens: list[tuple[str, str]], trim: bool = True) -> list[str]:
    while True:
        if (tokens and tokens[0][0] == "html-start" and tokens[-1][0] == "html-end"
                and _valid_tag_pair(tokens[0][1], tokens[-1][1])):
            tokens = tokens[1:-1]
            if len(tokens) > 1:
                continue
        break
    out: list[str] = []
    cur = ""

    def split_if_valid(has_next: bool, start: str, nxt_chars: str, nxt) -> None:
        nonlocal cur
        if (has_next and _valid_beginning(start) and _is_space(nxt_chars[:1])) or _is_sentence_start(nxt):
            out.append(cur)
            cur = ""

    for i, token in enumerate(tokens):
        kind, src = token
        if kind == "sentence" or kind == "block-start":
            cur += src
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        prev = tokens[i - 1] if i > 0 else None
        chars = _next_two(tokens, i)
        has_next = len(chars) >= 2
        start = chars[1] if has_next else ""
        if kind in ("html-start", "html-end"):
            if re.search(r"</?br", src):
                out.append(cur)
                cur = ""
            else:
                cur += src
        elif kind == "smaller-than-sign-content":
            cur = _smaller_than(src, out, cur)
        elif kind == "sentence-delimiter":
            cur += src
            if nxt is not None and nxt[0] not in ("block-end", "sentence-delimiter") and _is_space(nxt[1][:1]):
                if _is_quotation(src) and prev is not None and prev[1] != ".":
                    continue
                if _is_quotation(src) or src == "\u2026":
                    split_if_valid(has_next, start, chars, nxt)
                else:
                    out.append(cur)
                    cur = ""
        elif kind == "full-stop":
            cur += src
            if _ends_with_abbreviation(cur):
                continue
            if has_next and _is_number(chars[0]):
                continue
            if (prev is not None and nxt is not None and i + 2 < len(tokens) and prev[0] == "sentence"
                    and _INITIAL.search(prev[1]) and nxt[0] == "sentence" and len(nxt[1].strip(JS_WS)) == 1
                    and tokens[i + 2][0] == "full-stop"):
                continue
            split_if_valid(has_next, start, chars, nxt)
        elif kind == "block-end":
            cur += src
            start0 = chars[0] if has_next else ""
            if (has_next and _is_number(chars[0])) or (
                    _is_sentence_ending(prev) and not (_valid_beginning(start0) or _is_sentence_start(nxt))):
                continue
            if _is_sentence_ending(prev) and (_is_sentence_start(nxt) or _valid_beginning(start0)):
                out.append(cur)
                cur = ""
    if cur != "":
        out.append(cur)
    if trim:
        out = [s.strip(JS_WS) for s in out]
    return out


def _smaller_than(src: str, out: list[str], cur: str) -> str:
    """SentenceTokenizer.tokenizeSmallerThanContent: re-tokenise what follows a "<"."""
    local = _sentences_from_tokens(tokenize(src[1:]), False)
    local = local or [""]
    local[0] = "<" + local[0]
    if _valid_beginning(local[0]):
        out.append(cur)
        cur = ""
    cur += local[0]
    if len(local) > 1:
        out.append(cur)
        cur = ""
        last = local[-1]
        out.extend(local[1:-1])
        if _SENTENCE_END.search(last):
            out.append(last)
        else:
            cur = last
    return cur


@lru_cache(maxsize=4096)
def split_sentences(text: str, trim: bool = True) -> tuple[str, ...]:
    """memoizedSentenceTokenizer(text, trim)."""
    tokens = tokenize(text)
    return tuple(_sentences_from_tokens(tokens, trim)) if tokens else ()


# --- the string model: html.getBlocks + getSentences ---------------------------------------

_BLOCK_ELEMENTS = ("address", "article", "aside", "blockquote", "canvas", "dd", "div", "dl", "fieldset",
                   "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
                   "hgroup", "hr", "li", "main", "nav", "noscript", "ol", "output", "p", "pre", "section",
                   "table", "tfoot", "ul", "video")
_INLINE_ELEMENTS = ("b", "big", "i", "small", "tt", "abbr", "acronym", "cite", "code", "dfn", "em", "kbd",
                    "strong", "samp", "time", "var", "a", "bdo", "br", "img", "map", "object", "q", "script",
                    "span", "sub", "sup", "button", "input", "label", "select", "textarea")
BLOCK_ELEMENTS = frozenset(_BLOCK_ELEMENTS)
_TAG_RULES = (
    (re.compile(f"^<({'|'.join(_BLOCK_ELEMENTS)})[^>]*?>$", re.I), "block-start"),
    (re.compile(f"^</({'|'.join(_BLOCK_ELEMENTS)})[^>]*?>$", re.I), "block-end"),
    (re.compile(f"^<({'|'.join(_INLINE_ELEMENTS)})[^>]*>$", re.I), "inline-start"),
    (re.compile(f"^</({'|'.join(_INLINE_ELEMENTS)})[^>]*>$", re.I), "inline-end"),
    (re.compile(rf"^<([^>{re.escape(JS_WS)}/]+)[^>]*>$"), "other-element-start"),
    (re.compile(rf"^</([^>{re.escape(JS_WS)}]+)[^>]*>$"), "other-element-end"),
)
_COMMENT = re.compile(r"<!--(.|[\r\n])*?-->", re.S)
_IMAGE = re.compile(r"<img(?:[^>]+)?>(</img>)*", re.I)
_NEWLINE = re.compile("\n\r|\n|\r")
_P_ONLY = re.compile(r"^(<p>|</p>)\Z")
_BLOCK_START_EDGE = re.compile(f"^<({'|'.join(_BLOCK_ELEMENTS)})[^>]*?>", re.I)
_BLOCK_END_EDGE = re.compile(f"</({'|'.join(_BLOCK_ELEMENTS)})[^>]*?>\\Z", re.I)


def _html_tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] != "<":
            j = text.find("<", i)
            j = n if j < 0 else j
            tokens.append(("content", text[i:j]))
            i = j
            continue
        j = i + 1
        while j < n and text[j] not in "<>":
            j += 1
        if j < n and text[j] == ">":
            tag = text[i:j + 1]
            kind = next((k for r, k in _TAG_RULES if r.search(tag)), None)
            if kind:
                tokens.append((kind, tag))
                i = j + 1
                continue
        tokens.append(("greater-than-sign-content", text[i:j]))
        i = j
    return tokens


def get_blocks(text: str) -> list[str]:
    """html.js getBlocks: the text split on block-level tags."""
    text = _COMMENT.sub("", text)
    tokens = _html_tokens(text)
    blocks: list[str] = []
    depth, current, start_tag = 0, "", ""
    for i, (kind, src) in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if kind == "block-start":
            if depth != 0:
                if current.strip(JS_WS) != "":
                    blocks.append(current)
                current = ""
            depth += 1
            start_tag = src
        elif kind == "block-end":
            depth -= 1
            # The deepest complete block wins; unfinished outer blocks are dropped.
            if start_tag:
                blocks.append(start_tag + current + src)
            elif current.strip(JS_WS) != "":
                blocks.append(current)
            start_tag, current = "", ""
        else:
            current += src
            if nxt is None or (depth == 0 and nxt[0] in ("block-start", "block-end")):
                blocks.append(current)
                start_tag, current = "", ""
        depth = max(depth, 0)
    return blocks


_SIMPLE_BLOCK = re.compile(r"<(p|li|h[1-6]|div|span|main)>([^<]*)</\1>\Z")


def _block_sentences(block: str) -> tuple[str, ...]:
    """A bare "<p>text</p>" splits like its text (the tag pair is dropped): reuse the tree's work."""
    m = _SIMPLE_BLOCK.match(block)
    if m:
        return tuple(s.strip(JS_WS) for s in split_sentences(m.group(2), False))
    return split_sentences(block)


def get_sentences(text: str) -> list[str]:
    """getSentences.js: sentences of an HTML string (used by passive voice and meta description)."""
    text = _IMAGE.sub("", text.replace("&nbsp;", " "))
    blocks = [part for block in get_blocks(text) for part in _NEWLINE.split(block)]
    blocks = [b for b in blocks if not _P_ONLY.match(b)]
    sentences = [s for b in blocks for s in _block_sentences(b)]
    sentences = [_BLOCK_END_EDGE.sub("", _BLOCK_START_EDGE.sub("", s, count=1), count=1).strip(JS_WS)
                 for s in sentences]
    return [s for s in sentences if s]
