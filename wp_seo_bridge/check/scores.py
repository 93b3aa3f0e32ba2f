"""The two scores Yoast's editor gives an article (0-100), predicted from our findings and the HTML.

Stored with the push as Yoast's own score meta, so Yoast's Posts list shows the article's dots before
anyone opens it. Aggregation as yoastseo 3.6.0 does it (what the judge runs):

- SEO: ``round(sum of scores / (9 x results) x 100)``. Which results count follows the site's Yoast, as
  measured in its editor: Yoast 28 totals the results it shows (a score and a text: not "function words
  in keyphrase", which has neither when the keyphrase has content words); Yoast 21 counts every result,
  scores "single H1" and "competing links" 0 when all is well, and has no "keyphrase in image alt" without
  images. (yoastseo 3.6.0's SEOScoreAggregator, the judge's "score", counts as 21 does with 28's scores.)
  Our Yoast-side checks give each item's score (best when passed, the check's ``miss`` when a soft miss
  is pushed orange); the rest is what an article cannot invent: links (internal = same host as the
  site), images, their alt text.
- readability: penalty points, 3 per "bad" and 2 per "ok" result; > 6 → 30, > 4 → 60, else 90.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from ..model import Report
from . import CHECKS
from .keyphrase import Keyphrase

#: Our Yoast-side checks (their declarations): when one passes, Yoast's result is the best score, 9.
#: "structure" (Yoast's singleH1) is scored apart below: its score follows the site's Yoast version.
SEO_CHECKS = tuple(c.code for c in CHECKS if c.part == "seo" and c.code != "structure")
READABILITY_CHECKS = tuple(c.code for c in CHECKS if c.part == "readability")
_FAILED_SEO = 3  # a failed check: Yoast's "bad" score for most assessments (pushed articles have none)


@dataclass(frozen=True)
class Scores:
    seo: int
    readability: int

    @staticmethod
    def colour(score: int) -> str:
        """Yoast's traffic light for an overall score (scoreToRating(score / 10)); also its Posts list's."""
        return "red" if score <= 40 else "orange" if score <= 70 else "green"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, bool, str]] = []  # href, nofollow, anchor text
        self.alts: list[str | None] = []
        self._open: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self._open = [a["href"], "nofollow" in (a.get("rel") or "").lower().split(), ""]
        elif tag == "img":
            self.alts.append(a.get("alt"))

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.links.append(tuple(self._open))
            self._open = None


def _link_score(followed: list[bool]) -> int:
    """Outbound and internal links: none 3, all nofollow 7, some 8, all followed 9."""
    if not followed:
        return 3
    return 9 if all(followed) else 8 if any(followed) else 7


def _image_keyphrase(alts: list[str | None], keyphrase: Keyphrase) -> int:
    n = len(alts)
    with_key = sum(1 for alt in alts if alt and keyphrase.percent_found(alt) >= 50)
    if n == 0 or not keyphrase.text:
        return 3
    if with_key == 0:
        return 6 if any(alt for alt in alts) else 3
    if n < 5 or (n == 5 and 2 <= with_key <= 4):
        return 9
    low, high = math.ceil(n * 0.3), math.floor(n * 0.7)
    return 9 if low <= with_key <= high else 6


def _major(version: str) -> int:
    m = re.match(r"\s*(\d+)", version or "")
    return int(m.group(1)) if m else 0


def predict(report: Report, html: str, keyphrase: str, site_url: str, yoast_version: str = "") -> Scores:
    """``yoast_version``: the site's Yoast SEO ("" when unknown: the current one's way)."""
    yoast21 = 0 < _major(yoast_version) < 28
    ok = {f.code: f.ok for f in report.findings}
    key = Keyphrase(keyphrase.strip())
    parsed = _Links()
    parsed.feed(html)
    host = urlsplit(site_url).hostname or ""
    internal: list[bool] = []  # followed or not, a link
    outbound: list[bool] = []
    competing = False
    for href, nofollow, anchor in parsed.links:
        target = urlsplit(href)
        if target.scheme not in ("http", "https", "") or href.startswith("#"):
            continue
        (internal if (target.hostname or host) == host else outbound).append(not nofollow)
        competing = competing or (bool(key.text) and key.percent_found(anchor) == 100)
    # A soft miss is pushed orange: Yoast's score for it is its declared ``miss`` (check/__init__.py).
    miss = {c.code: c.miss for c in CHECKS}
    seo = [9 if ok.get(code, True) else miss.get(code, _FAILED_SEO) for code in SEO_CHECKS]
    seo += [_link_score(outbound), _link_score(internal), 9 if parsed.alts else 3]  # + images
    if yoast21:
        seo += [0, 0 if not competing else 2, 0]  # single H1 and competing links when fine, function words
        seo += [_image_keyphrase(parsed.alts, key)] if parsed.alts else []
    else:
        seo += [8, 2 if competing else 8, _image_keyphrase(parsed.alts, key)]  # single H1, competing links
    penalty = sum(miss.get(code, 2) for code in READABILITY_CHECKS if not ok.get(code, True))
    readability = 30 if penalty > 6 else 60 if penalty > 4 else 90
    return Scores(math.floor(sum(seo) * 100 / (9 * len(seo)) + 0.5), readability)  # JS Math.round

