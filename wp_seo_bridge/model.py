"""The nouns of one draft's journey: select → extract → rewrite → check → render → push.

Everything here is plain data. Stages are pure functions over these types; only the
gateways (``gateways/wordpress``, ``gateways/mistral``) do I/O.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

# --- WordPress side -------------------------------------------------------------------

#: Yoast's post meta keys (all strings). See shared notes: protected meta, granted by our plugin.
YOAST_TITLE = "_yoast_wpseo_title"
YOAST_METADESC = "_yoast_wpseo_metadesc"
YOAST_FOCUSKW = "_yoast_wpseo_focuskw"
YOAST_KEYS = (YOAST_TITLE, YOAST_METADESC, YOAST_FOCUSKW)
# Yoast's own scores (0-100), which its Posts list shows as dots: written only by the plugin's guarded edit.
YOAST_SEO_SCORE = "_yoast_wpseo_linkdex"
YOAST_READABILITY_SCORE = "_yoast_wpseo_content_score"

#: Our bookkeeping on the post itself, so a restarted or second daemon knows what was done.
STATE_KEY = "_wp_seo_bridge_state"  # JSON: BridgeState
PREVIOUS_KEY = "_wp_seo_bridge_previous"  # JSON: the Yoast values before our rewrite (for Reject)
BRIDGE_KEYS = (STATE_KEY, PREVIOUS_KEY)


def source_hash(title: str, content: str) -> str:
    """Identity of one draft version. The companion plugin computes the same value in PHP
    (``wpsb_content_hash``); line endings are normalised because XML-RPC turns CRLF into LF and
    REST does not, and what XML cannot carry is left out (XML-RPC answers leave it out)."""
    text = xml_clean(f"{title}\n{content}").replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# What XML 1.0 cannot carry: the plugin leaves it out of its XML-RPC answers and of the hash (wpsb_xml_clean).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


@dataclass(frozen=True)
class MetaField:
    """One post meta row as WordPress returns it: updates must name the row ``id``."""

    id: str | None
    key: str
    value: str


@dataclass(frozen=True)
class DraftSummary:
    """What a listing page tells about a draft, without its content (cheap to fetch)."""

    post_id: str
    status: str
    modified_gmt: datetime | None
    tags: tuple[str, ...]
    content_hash: str  # source_hash(title, content), computed server-side by the plugin
    state: "BridgeState | None"  # our bookkeeping, if any
    locked_by: int | None  # user id holding the editor lock, None when free
    kind: Literal["draft", "refresh"] = "draft"  # refresh: a published/scheduled post, rewritten as a proposal


@dataclass(frozen=True)
class PublishedPost:
    """A published post of the site, as an internal-link candidate (the plugin's listPublished row)."""

    post_id: str
    title: str
    link: str  # permalink
    keyphrase: str = ""  # Yoast focus keyphrase
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    modified_gmt: datetime | None = None


@dataclass(frozen=True)
class PublishedChanges:
    """Published posts changed since a date (every one without a date), and the ids unpublished since then."""

    posts: tuple[PublishedPost, ...]
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draft:
    """One draft version, read in full (after we claimed it)."""

    post_id: str
    title: str
    content: str
    status: str
    modified_gmt: datetime | None
    tags: tuple[str, ...]
    meta: dict[str, MetaField] = field(default_factory=dict)
    slug: str = ""  # post_name; usually empty on a draft
    kind: Literal["draft", "refresh"] = "draft"  # refresh: the push makes a proposal, the live post is untouched

    @property
    def hash(self) -> str:
        return source_hash(self.title, self.content)

    def meta_value(self, key: str) -> str:
        f = self.meta.get(key)
        return f.value if f else ""


class BridgeState(BaseModel):
    """Stored as JSON in ``_wp_seo_bridge_state`` on the post."""

    model_config = ConfigDict(extra="ignore")

    state: Literal["claimed", "released", "rewritten", "failed", "rejected", "approved"]
    source_hash: str  # the draft version this is about
    at: str  # ISO 8601 UTC
    result_hash: str = ""  # source_hash of what we pushed: our own rewrite is never rewritten again
    by: str = ""  # daemon id
    model: str = ""
    reason: str = ""
    keyphrase: str = ""
    words: int = 0
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_eur: float = 0.0  # what Mistral bills: 0 for the offline stand-in's answers
    standin_calls: int = 0  # answered by the offline stand-in (the panel says so instead of a cost)
    unpriced_calls: int = 0  # answered by a model without a price (cost unknown, not 0)
    report: list[dict] = Field(default_factory=list)
    claim_until: str = ""  # ISO 8601 UTC, for state == "claimed"
    links: list[dict] = Field(default_factory=list)  # internal links added: {anchor, post_id, url, title}
    author_fields: list[str] = Field(default_factory=list)  # Yoast fields kept as the author set them


# --- The article the model writes (the structured-output schema) -----------------------


class Block(BaseModel):
    """One body block. Flat on purpose: strict JSON schema mode wants every field required.

    - ``paragraph``: ``text`` is one paragraph; may contain ``[[LINK-n]]`` tokens of the source.
    - ``list``: ``items`` (``ordered`` for numbered lists).
    - ``quote``: ``text`` is a quotation copied word for word from the source, ``cite`` who said it.
    - ``keep``: ``ref`` is the token (``KEEP-n``) of a protected element (image, embed, table, ...).
    """

    model_config = ConfigDict(extra="forbid")

    type: Literal["paragraph", "list", "quote", "keep"]
    text: str = ""
    items: list[str] = Field(default_factory=list)
    ordered: bool = False
    cite: str = ""
    ref: str = ""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal[2, 3]
    heading: str
    blocks: list[Block]


class Article(BaseModel):
    """What Mistral returns (validated), and what every later stage works on."""

    model_config = ConfigDict(extra="forbid")

    title: str
    seo_title: str
    meta_description: str
    focus_keyphrase: str
    slug: str
    intro: list[Block]
    sections: list[Section]


@dataclass(frozen=True)
class YoastFields:
    seo_title: str
    meta_description: str
    focus_keyphrase: str

    def as_meta(self) -> dict[str, str]:
        return {
            YOAST_TITLE: self.seo_title,
            YOAST_METADESC: self.meta_description,
            YOAST_FOCUSKW: self.focus_keyphrase,
        }


# --- Extraction ------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A draft as the model sees it, plus what must come back untouched.

    ``text`` is Markdown-ish plain text: paragraphs separated by blank lines, source headings as
    ``## ...``, block-level protected elements as a line ``[[KEEP-n]]`` and inline links as
    ``[[LINK-n]]``. ``protected`` maps each token (without brackets) to the original markup, byte
    for byte, in source order.
    """

    title: str
    text: str
    plain: str  # text without tokens: the ground truth for faithfulness checks
    protected: dict[str, str]
    format: Literal["blocks", "classic", "markdown", "text"]
    words: int
    # Internal links the model may add (relate stage): posts of the same site, and the draft's own id.
    links: tuple["LinkOffer", ...] = ()
    post_id: str = ""
    keyphrase: str = ""  # the focus keyphrase the author set on the draft: the article's, imposed


@dataclass(frozen=True)
class LinkOffer:
    """A published post of the site offered as an internal link: ``[[POST-n|anchor]]`` in the model's text."""

    token: str  # "POST-1"
    post_id: str
    title: str
    url: str


# --- Checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    code: str  # stable identifier, e.g. "word_count", "quote_not_in_source"
    ok: bool
    message: str  # one clear sentence, French or English, for the editor and the log
    blocking: bool = True  # a failing non-blocking finding is reported but does not stop the push

    def as_dict(self) -> dict:
        return {"code": self.code, "ok": self.ok, "message": self.message, "blocking": self.blocking}


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    # What the findings judged, when the checks rendered it: push sends this very HTML.
    html: str = field(default="", compare=False, repr=False)
    words: int = field(default=0, compare=False)  # as Yoast counts them
    seo_score: int = field(default=0, compare=False)  # our prediction of Yoast's overall SEO score (green ≥ 71)
    readability_penalty: int = field(default=0, compare=False)  # Yoast's readability penalty (green ≤ 4)

    @property
    def passed(self) -> bool:
        return all(f.ok or not f.blocking for f in self.findings)

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.ok and f.blocking)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.ok and not f.blocking)

    def as_list(self) -> list[dict]:
        return [f.as_dict() for f in self.findings]


# --- Outcome of one draft --------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """Token usage and cost of Mistral calls (summed over repairs).

    ``cost_eur`` is the list price of the tokens (``[mistral.prices]`` of the model that answered);
    ``standin`` counts the calls the offline stand-in answered (free: shown as such, never as a
    cost), ``unpriced`` those whose model has no price (their cost is unknown, not 0)."""

    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_eur: float = 0.0
    standin: int = 0
    unpriced: int = 0

    def __sub__(self, other: "Usage") -> "Usage":
        return Usage(self.calls - other.calls, self.tokens_in - other.tokens_in, self.tokens_out - other.tokens_out,
                     round(self.cost_eur - other.cost_eur, 6), self.standin - other.standin,
                     self.unpriced - other.unpriced)

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            self.calls + other.calls,
            self.tokens_in + other.tokens_in,
            self.tokens_out + other.tokens_out,
            round(self.cost_eur + other.cost_eur, 6),
            self.standin + other.standin,
            self.unpriced + other.unpriced,
        )

    @property
    def billed_eur(self) -> float:
        """What Mistral bills: 0 when every call was the offline stand-in's."""
        return 0.0 if self.calls and self.standin == self.calls else self.cost_eur


# --- The ledger: paid answers, kept until their draft version is pushed or abandoned ------------


@dataclass(frozen=True)
class PromptInputs:
    """What a conversation's first prompt was built from (with the draft version itself). Kept with
    its answers, so a resumed rewrite repairs that very conversation instead of paying for a new one
    whose prompt drifted (the list of keyphrases already used grows as other posts go pending)."""

    min_words: int
    used_keyphrases: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"min_words": self.min_words, "used_keyphrases": list(self.used_keyphrases)},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "PromptInputs":
        d = json.loads(text)
        return cls(int(d["min_words"]), tuple(d.get("used_keyphrases", ())))

    @property
    def key(self) -> str:
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class PaidAnswer:
    """One answer Mistral billed, as the ledger writes it the moment it arrives.

    ``step`` places it in the conversation: 0 the first answer, n the n-th repair (whose user turn
    was ``repair_prompt``); -1 an answer outside it (``finish_reason: "error"``), paid but unusable."""

    step: int
    content: str
    usage: Usage
    model: str = ""  # the model id the API answered with
    finish_reason: str = ""
    request_id: str = ""
    repair_prompt: str = ""
    mode: str = "sync"  # "sync" (chat completions) | "batch" (priced at batch rates)


@dataclass(frozen=True)
class KeptRewrite:
    """The paid conversation of one draft version, not yet pushed or abandoned: a retry resumes it."""

    inputs: PromptInputs
    answers: tuple[PaidAnswer, ...]  # steps 0..n, in order

    @property
    def usage(self) -> Usage:
        total = Usage()
        for a in self.answers:
            total += a.usage
        return total


#: Why a draft was skipped or failed, as a small bounded set: the ``reason`` label of /metrics (the reason's
#: text names posts, users and numbers). Meanings: ``daemon/reasons.py``, which declares the same codes.
ReasonCode = Literal["", "quiet", "editing", "claimed", "rejected", "handled", "budget", "stopping",
                     "mistral_refused", "conflict", "checks", "mistral_unavailable", "mistral_answer",
                     "mistral_other", "wordpress", "other"]
REASON_CODES: frozenset[str] = frozenset(get_args(ReasonCode)) - {""}


@dataclass(frozen=True)
class Outcome:
    site: str
    post_id: str
    result: Literal["rewritten", "refreshed", "skipped", "failed"]  # refreshed: a published post's proposal
    reason: str = ""
    source_hash: str = ""
    model: str = ""
    usage: Usage = Usage()  # the Mistral calls of this attempt (kept answers it resumed from excluded)
    seconds: float = 0.0
    retry: bool = False  # Mistral was unavailable: the same draft version is tried again later
    # Failed for a cause outside the draft, so the version is tried again: "mistral" (5xx, rate limit,
    # garbage answer; a bounded number of times) or "wordpress" (the push did not reach the site).
    again: Literal["", "mistral", "wordpress"] = ""
    # The pass claimed this draft or tried to: a row in the job log and a line of its own in the log.
    # Selection skips and the refusals of queued drafts (budget, stopping) are counted on the pass.
    attempted: bool = False
    # Batch mode: sent in a Batch API job this pass, a "skipped" that is not one (its outcome comes later).
    batched: bool = False
    # Set where the outcome is made, from what caused it (never read back from ``reason``'s words).
    code: ReasonCode = ""

    def __post_init__(self) -> None:
        # A skip or failure without its code would vanish from /metrics' reasons; a batched skip is not one.
        wanted = self.result in ("skipped", "failed") and not self.batched
        if bool(self.code) != wanted or (self.code and self.code not in REASON_CODES):
            raise ValueError(f"outcome {self.result!r} of post {self.post_id} with reason code {self.code!r}")

    def line(self) -> str:
        tail = f": {self.reason}" if self.reason else ""
        return f"{self.site} #{self.post_id} {self.result}{tail}"
