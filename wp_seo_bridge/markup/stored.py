"""Did WordPress store the markup we sent? Compared after the changes a save makes without changing the page.

On save, WordPress's kses (for an account without ``unfiltered_html``) re-serialises the markup it keeps
(``<img …/>`` → ``<img … />``, attribute quoting, entity forms: ``&`` → ``&amp;``, a URL's scheme lower-cased,
``&#128;``-style Windows entities converted) and *removes* what the site's rules do not allow (a tag, an
attribute, a CSS property, a URL protocol). A byte comparison cannot tell the two apart; this one can:
:func:`elements` lists what a page is made of, in order — comments (block delimiters), start tags with their
attributes (names lower-cased, sorted; values entity-decoded, spaces folded; a URL's scheme lower-cased;
``style`` declarations re-joined as safecss_filter_attr does, ``rel`` tokens WordPress adds left out), end
tags, and text (entity-decoded, spaces folded) — and :func:`fingerprint` hashes that list.

The plugin computes the same fingerprint on what the database holds after its guarded edit
(``includes/fingerprint.php``, a line-by-line port: keep the two in step; ``tests/unit/test_stored_contract.py``
runs both on a corpus). Pure functions, no I/O; ASCII-only case folding and whitespace classes so that PHP's
byte-wise PCRE and Python's ``re`` agree.
"""
from __future__ import annotations

import hashlib
import re
from html.entities import name2codepoint

# Tokens of an HTML string: a comment (kses reads an unclosed one to the end), a tag, a declaration, text.
_TOKEN = re.compile(
    r"<!--(?P<comment>.*?)(?:-->|\Z)"
    r"|<(?P<end>/)?(?P<tag>[a-zA-Z][a-zA-Z0-9:_-]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
    r"|<[!?][^>]*>"
    r"|(?P<text>[^<]+|<)", re.S)
_ATTRIBUTE = re.compile(r"([^ \t\n\r\f/>=\"'][^ \t\n\r\f/>=]*)"
                        r"(?:[ \t\n\r\f]*=[ \t\n\r\f]*(\"[^\"]*\"|'[^']*'|[^ \t\n\r\f>]+))?")
_SPACES = re.compile(r"[ \t\n\r\f]+")
_ENTITY = re.compile(r"&(?:#0*([0-9]{1,7})|#[xX]0*([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{0,31}));")
_WINDOWS = re.compile(r"&#1(?:2[89]|[34][0-9]|5[0-9]);")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*$")
_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

#: The entity names kses keeps (HTML 4's, and ``apos``): another name is saved as ``&amp;name;``, i.e. as text.
ENTITY_NAMES = {**name2codepoint, "apos": 39}
#: wp_kses_uri_attributes(): the attributes whose value kses checks as a URL.
URI_ATTRIBUTES = frozenset("action archive background cite classid codebase data formaction href icon longdesc "
                           "manifest poster profile src usemap xmlns".split())
#: convert_invalid_entities() (content_save_pre): Windows-1252 code points written as &#128;–&#159;.
_WINDOWS_1252 = {128: 8364, 129: None, 130: 8218, 131: 402, 132: 8222, 133: 8230, 134: 8224, 135: 8225,
                 136: 710, 137: 8240, 138: 352, 139: 8249, 140: 338, 141: None, 142: 381, 143: None, 144: None,
                 145: 8216, 146: 8217, 147: 8220, 148: 8221, 149: 8226, 150: 8211, 151: 8212, 152: 732,
                 153: 8482, 154: 353, 155: 8250, 156: 339, 157: None, 158: 382, 159: 376}
#: rel tokens WordPress 6.1 adds to links with a target on save (wp_targeted_link_rel): not a change.
_ADDED_REL = frozenset(("noopener", "noreferrer"))


def _lower(text: str) -> str:
    return text.translate(_UPPER)


def _windows(m: re.Match) -> str:
    code = _WINDOWS_1252[int(m.group(0)[2:-1])]
    return "" if code is None else f"&#{code};"


def _entity(m: re.Match) -> str:
    if m.group(3) is not None:
        code = ENTITY_NAMES.get(m.group(3))
    else:
        code = int(m.group(1)) if m.group(1) is not None else int(m.group(2), 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            code = None
    return m.group(0) if code is None else chr(code)


def decode(text: str) -> str:
    """Entities as kses keeps them, decoded: named ones of :data:`ENTITY_NAMES`, numeric ones (Windows-1252's
    converted first, as WordPress does on save); anything else stays as written."""
    if "&" not in text:
        return text
    return _ENTITY.sub(_entity, _WINDOWS.sub(_windows, text))


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" ")


def _value(name: str, raw: str | None) -> str | None:
    """An attribute's value as compared; None drops the attribute."""
    if raw is None:
        return ""
    if raw[:1] in "\"'" and len(raw) >= 2 and raw[-1] == raw[0]:
        raw = raw[1:-1]
    value = _fold(decode(raw))
    if name in URI_ATTRIBUTES and ":" in value:
        scheme, rest = value.split(":", 1)
        scheme = _SPACES.sub("", scheme)
        if _SCHEME.match(scheme):  # kses lower-cases an allowed scheme (and removes another: a change)
            value = _lower(scheme) + ":" + rest
    elif name == "style":  # safecss_filter_attr re-joins the declarations it keeps
        declarations = []
        for item in value.split(";"):
            prop, sep, val = item.partition(":")
            if item.strip(" "):
                declarations.append(prop.strip(" ") + sep + val.strip(" "))
        value = ";".join(declarations)
    elif name == "rel":
        value = " ".join(t for t in value.split(" ") if t and _lower(t) not in _ADDED_REL)
        if not value:
            return None
    return value


def elements(html: str) -> list[str]:
    """What the markup is made of, in order, as compared (see the module's docstring)."""
    out: list[str] = []
    text: list[str] = []

    def flush() -> None:
        if text:
            folded = _fold(decode("".join(text)))
            if folded:
                out.append("T " + folded)
            text.clear()

    pos, n = 0, len(html)
    while pos < n:
        m = _TOKEN.match(html, pos)
        assert m is not None  # the last alternative matches any character
        pos = m.end()
        if m.group("text") is not None:
            text.append(m.group("text"))
            continue
        flush()
        if m.group("comment") is not None:
            out.append("C " + _fold(m.group("comment")))
        elif m.group("tag"):
            tag = _lower(m.group("tag"))
            if m.group("end"):
                out.append("E " + tag)
                continue
            attrs = []
            for name, raw in _ATTRIBUTE.findall(m.group("attrs")):
                name = _lower(name)
                value = _value(name, raw if raw != "" else None)
                if value is not None:
                    attrs.append((name, value))
            attrs.sort()
            out.append("S " + tag + "".join(f"\x1f{k}={v}" for k, v in attrs))
    flush()
    return out


def fingerprint(html: str) -> str:
    """sha256 (hex) of :func:`elements`: equal for markup WordPress re-serialised, different for markup it cut."""
    return hashlib.sha256("\x1e".join(elements(html)).encode("utf-8", "surrogatepass")).hexdigest()


def _show(element: str) -> str:
    kind, body = element[0], element[2:]
    if kind == "S":
        tag, *attrs = body.split("\x1f")
        shown = " ".join(f'{a.split("=", 1)[0]}="{_short(a.split("=", 1)[1])}"' for a in attrs)
        return f"<{tag}{' ' + shown if shown else ''}>"
    if kind == "E":
        return f"</{body}>"
    if kind == "C":
        return f"<!-- {_short(body)} -->"
    return f"text “{_short(body)}”"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def first_difference(sent: str, stored: str) -> str:
    """The first element of ``sent`` that ``stored`` does not hold as sent, in words ("" when none)."""
    a, b = elements(sent), elements(stored)
    for i, (x, y) in enumerate(zip(a, b)):
        if x == y:
            continue
        if x[0] == y[0] == "S" and x[2:].split("\x1f")[0] == y[2:].split("\x1f")[0]:
            tag = x[2:].split("\x1f")[0]
            mine = dict(p.split("=", 1) for p in x[2:].split("\x1f")[1:])
            theirs = dict(p.split("=", 1) for p in y[2:].split("\x1f")[1:])
            for name, value in mine.items():
                if name not in theirs:
                    return f'<{tag} {name}="{_short(value)}"> lost its {name} attribute (element {i + 1})'
                if theirs[name] != value:
                    return (f'<{tag} {name}> was changed from "{_short(value)}" to "{_short(theirs[name])}" '
                            f"(element {i + 1})")
            added = next(iter(set(theirs) - set(mine)))
            return f"<{tag}> gained a {added} attribute (element {i + 1})"
        if x not in b[i:]:
            return f"{_show(x)} was removed (element {i + 1}; stored instead: {_show(y)})"
        return f"{_show(y)} was added before {_show(x)} (element {i + 1})"
    if len(a) > len(b):
        return f"{_show(a[len(b)])} and what follows were removed (element {len(b) + 1})"
    if len(b) > len(a):
        return f"{_show(b[len(a)])} was added at the end (element {len(a) + 1})"
    return ""
