"""The rewrite stage: one Mistral answer, checked, and at most ``max_repairs`` follow-ups.

A repair continues the same conversation (our previous JSON as the assistant turn, then the exact
failed checks), so the model corrects its article instead of starting over. Truncated or malformed
answers use the same bounded budget. Nothing unchecked ever leaves this stage.
"""
from __future__ import annotations

import logging
import re
from collections import deque
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from typing import Callable, Iterable, Protocol, Sequence

from ..gateways.mistral import (
    AuthError,
    Malformed,
    MistralError,
    RateLimited,
    ServerError,
    SettingsError,
    Timeout,
    Truncated,
    parse_answer,
)
from ..markup.internal import internal_links
from ..model import Article, KeptRewrite, PaidAnswer, PromptInputs, ReasonCode, Report, Source, Usage
from . import budget

log = logging.getLogger("wp_seo_bridge.rewrite")

Check = Callable[[Article, Source], Report]


class Gateway(Protocol):
    def complete_article(self, messages: Sequence[dict], *, on_paid: Callable[[Usage, dict], None] | None = None,
                         max_tokens: int | None = None, on_send: Callable[[Usage], None] | None = None,
                         on_unanswered: Callable[[bool], None] | None = None) -> tuple[Article, Usage, dict]: ...
    def estimate(self, prompt_chars: int, calls: int = 1) -> Usage: ...


@dataclass(frozen=True)
class RewriteResult:
    """What became of one draft version: this stage's answer, and the pipeline's (``rewrite_text``, which
    also fills ``source``, ``deferred`` and ``author_fields``)."""

    article: Article | None  # None: nothing may be pushed
    report: Report | None  # the last check report (None when no answer could be checked)
    usage: Usage  # every call, repairs and failed answers included
    attempts: int  # model answers asked for (HTTP retries are the gateway's business)
    reason: str = ""  # why there is no article, for the editor and the log
    retry: bool = False  # transient (rate limit, 5xx, timeout, garbage answer): try this version again later
    resumed: Usage = Usage()  # answers paid by an earlier try of this version, judged again here
    inputs: PromptInputs | None = None  # what the conversation's prompt was built from
    unusable: bool = False  # the paid conversation ended in answers no repair can use: start afresh
    source: Source | None = None  # what was rewritten (None: refused unread, far too long)
    deferred: bool = False  # the budget refused it before any call: given back, tried again later
    author_fields: tuple[str, ...] = ()  # Yoast fields kept as the author set them
    code: ReasonCode = ""  # the reason's code, when there is no article

    @property
    def ok(self) -> bool:
        return self.article is not None

    @property
    def html(self) -> str:
        """The post_content to push: exactly the HTML the checks judged."""
        return self.report.html if self.article is not None and self.report else ""

    @property
    def words(self) -> int:
        """The article's length as Yoast counts it."""
        return self.report.words if self.article is not None and self.report else 0

    @property
    def links(self) -> list[dict]:
        """The internal links the rewrite added (anchor, target), for the post's state and the review panel."""
        if self.article is None or self.source is None:
            return []
        return [link.as_dict() for link in internal_links(self.article, self.source) if link.offer]


# --- prompts ------------------------------------------------------------------------------


@cache
def prompt(name: str) -> str:
    return (resources.files("wp_seo_bridge.rewrite") / "prompts" / f"{name}.md").read_text(encoding="utf-8")


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _fill(template: str, **values: object) -> str:
    """Fills the ``{name}`` placeholders in ONE pass: a value is never searched for placeholders itself
    (``{draft}`` inside a title stays literal). Other braces (the prompts' JSON) are left alone."""
    return _PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], template)


_DELIMITER = re.compile(r"<{3,}|>{3,}")
_QUOTES = {"<": "‹", ">": "›"}


def _as_data(text: str) -> str:
    """Untrusted text cannot open or close a data section: no run of three angle brackets survives
    (``<<<`` / ``>>>`` become ``‹‹‹`` / ``›››``), whatever name follows."""
    return _DELIMITER.sub(lambda m: _QUOTES[m[0][0]] * len(m[0]), text)


def _one_line(text: str, limit: int = 80) -> str:
    """A site's keyphrase as one short line: a newline could forge the prompt's own structure."""
    words = " ".join(text.split())
    return words[:limit] + ("…" if len(words) > limit else "")


def describe_links(source: Source) -> str:
    """One line per offered post, most related first: ``- [[POST-1|…]] : « titre »``."""
    if not source.links:
        return "(aucun)"
    return "\n".join(f"- [[{o.token}|…]] : « {_one_line(o.title, 200)} »" for o in source.links)


def system_message(min_words: int) -> dict:
    return {"role": "system", "content": _fill(prompt("system"), min_words=min_words,
                                                target_words=round(min_words * 1.2))}


def user_message(source: Source, *, min_words: int, used_keyphrases: Iterable[str] = ()) -> dict:
    """Every string from the site (title, draft, protected elements' captions, every keyphrase of the
    site: a contributor writes those) goes inside a delimited data section of user.md."""
    used = sorted({_one_line(k) for k in used_keyphrases if k.strip()})
    return {"role": "user", "content": _fill(
        prompt("user"),
        title=_as_data(_one_line(source.title, 300)) or "(sans titre)",
        draft=_as_data(source.text),
        protected=_as_data(describe_protected(source.protected)),
        min_words=min_words,
        used_keyphrases=_as_data("\n".join(f"- {k}" for k in used)) or "(aucune)",
        internal_links=_as_data(describe_links(source)),
    ) + _imposed_keyphrase(source)}


def _imposed_keyphrase(source: Source) -> str:
    if not source.keyphrase.strip():
        return ""
    return ("\n\nL'auteur a choisi l'expression-clé principale de cet article : utilise-la telle quelle comme "
            "focus_keyphrase (elle n'est pas « déjà utilisée », c'est celle de ce brouillon).\n<<<EXPRESSION\n"
            f"{_as_data(_one_line(source.keyphrase))}\nEXPRESSION>>>")


def repair_message(failures: Iterable[tuple[str, str]], *, min_words: int) -> dict:
    lines = "\n".join(f"- {code} : {message}" for code, message in failures)
    return {"role": "user", "content": _fill(prompt("repair"), failures=lines, min_words=min_words)}


def plan_answer(messages: Sequence[dict], source: Source, *, min_words: int, context_tokens: int,
                max_tokens: int | None, max_repairs: int) -> "budget.Plan":
    """The first answer's ``max_tokens`` for this conversation (or why it cannot fit the context): what
    the synchronous call asks for, and what a batch job's line carries."""
    return budget.plan(messages, min_words=min_words, source_words=source.words, context=context_tokens,
                       cap=max_tokens, repairs=max_repairs, repair_chars=len(prompt("repair")) + 400)


def build_messages(source: Source, *, min_words: int = 700, used_keyphrases: Iterable[str] = ()) -> list[dict]:
    return [system_message(min_words), user_message(source, min_words=min_words, used_keyphrases=used_keyphrases)]


_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_BLOCK_NAME = re.compile(r"^\s*<!--\s*wp:(?:core/)?([a-z][a-z0-9_/-]*)")
_BLOCK_KINDS = {"image": "image", "cover": "image", "media-text": "image et texte", "gallery": "galerie d'images",
                "embed": "vidéo ou contenu intégré (embed)", "video": "vidéo", "audio": "son",
                "table": "tableau", "code": "code", "preformatted": "code", "shortcode": "shortcode",
                "html": "bloc HTML", "columns": "colonnes", "buttons": "boutons", "button": "bouton",
                "separator": "séparateur", "more": "séparateur « lire la suite »", "file": "fichier"}
_KINDS = (  # markup that is no block: first match wins; what the model needs to place it, never its URL
    (re.compile(r"^\s*\[gallery\b", re.I), "galerie d'images"),
    (re.compile(r"^\s*\[(?:wp_)?caption\b", re.I), "image"),
    (re.compile(r"^\s*\[(?:video|audio|embed|playlist)\b|^\s*<(?:iframe|video|audio|embed|object)\b"
                r"|^\s*https?://\S+\s*$", re.I), "vidéo ou contenu intégré (embed)"),
    (re.compile(r"^\s*\[", re.I), "shortcode"),
    (re.compile(r"^\s*<(?:pre|code)\b", re.I), "code"),
    (re.compile(r"<table\b", re.I), "tableau"),
    (re.compile(r"^\s*(?:<a\b[^>]*>\s*)?<img\b|^\s*<figure\b[^>]*>\s*(?:<a\b[^>]*>\s*)?<img\b", re.I), "image"),
    (re.compile(r"^\s*<!--\s*(?:more|nextpage)", re.I), "séparateur de page"),
    (re.compile(r"^\s*<hr\b", re.I), "séparateur"),
)


def element_kind(markup: str) -> str:
    """What a protected block element is, in the prompt's words (French)."""
    if (m := _BLOCK_NAME.match(markup)):
        name = m.group(1)
        if name.startswith("core-embed/"):
            return _BLOCK_KINDS["embed"]
        return _BLOCK_KINDS.get(name, f"bloc « {name} »")
    return next((k for rx, k in _KINDS if rx.search(markup)), "bloc HTML")


def describe_protected(protected: dict[str, str]) -> str:
    """One line per token, in source order: ``[[KEEP-1]] : image (« légende »)``."""
    if not protected:
        return "(aucun)"
    lines = []
    for token, markup in protected.items():
        words = " ".join(_URL.sub("", _TAG.sub(" ", markup)).split())
        words = words[:80] + ("…" if len(words) > 80 else "")
        if token.startswith("LINK"):
            what = "code en ligne" if markup.lstrip().lower().startswith("<code") else "lien"
            lines.append(f"- [[{token}]] : {what} « {words or 'sans texte'} » — le jeton reste dans son paragraphe")
            continue
        kind = element_kind(markup)
        detail = f" (« {words} »)" if words else ""
        lines.append(f"- [[{token}]] : {kind}{detail} — un bloc keep avec ref \"{token}\"")
    return "\n".join(lines)


def estimate_cost(source: Source, gateway: Gateway, *, min_words: int = 700, used_keyphrases: Iterable[str] = (),
                  max_repairs: int = 1) -> Usage:
    """The worst case of rewriting ``source``: the first call and every repair, each answer full length."""
    chars = sum(len(m["content"]) for m in build_messages(source, min_words=min_words, used_keyphrases=used_keyphrases))
    return gateway.estimate(chars + len(prompt("repair")) * max_repairs, calls=max_repairs + 1)


# --- the stage --------------------------------------------------------------------------------


def rewrite(source: Source, gateway: Gateway, *, check: Check, min_words: int = 700,
            used_keyphrases: Iterable[str] = (), max_repairs: int = 1,
            prompt_keyphrases: Iterable[str] | None = None, kept: KeptRewrite | None = None,
            on_answer: Callable[[PaidAnswer], None] = lambda a: None, context_tokens: int = 131_072,
            max_tokens: int | None = None, on_send: Callable[[int, Usage], None] = lambda step, estimate: None,
            on_unanswered: Callable[[bool], None] = lambda maybe_billed: None) -> RewriteResult:
    """Rewrites ``source`` into a checked Article, or explains why not.

    Each answer's ``max_tokens`` comes from the target length (``budget.plan``), capped by
    ``max_tokens`` when set; a conversation that cannot fit ``context_tokens`` fails before any call.

    ``prompt_keyphrases`` (default: ``used_keyphrases``) are the ones the prompt lists: an answer
    made earlier (a batch job's) is repaired in the conversation it was made in.

    ``on_answer`` sees every paid answer the moment it arrives (the ledger writes it then). With
    ``kept`` (the paid answers of an earlier, interrupted try of this very draft version) nothing
    is asked again: the conversation is rebuilt from the prompt inputs it was made from, its
    answers judged again, and only a repair still missing is paid for. An answer the gateway
    gives without reporting it as paid (a batch job's, recorded when the job ended) counts as
    ``resumed`` too. ``on_send(step, estimate)`` runs before each request leaves and
    ``on_unanswered(maybe_billed)`` when one got no answer (the ledger's write-ahead record: see
    ``MistralGateway.complete_article``).

    Rate limits, server errors, timeouts and refused requests end this draft with a reason.
    Raises :class:`AuthError` / :class:`SettingsError` (carrying the usage so far): they concern
    every draft, and the caller should stop rather than fail them one by one.
    """
    listed = used_keyphrases if prompt_keyphrases is None else prompt_keyphrases
    inputs = kept.inputs if kept else PromptInputs(min_words, tuple(sorted({k.strip() for k in listed if k.strip()})))
    min_words = inputs.min_words
    messages = build_messages(source, min_words=min_words, used_keyphrases=inputs.used_keyphrases)
    replay = deque(a for a in (kept.answers if kept else ()) if a.step >= 0)
    resumed = Usage()
    for a in kept.answers if kept else ():
        resumed += a.usage
    usage, report, attempts = Usage(), None, 0

    reported = False  # did the gateway report the last answer as newly paid?

    def paid(step: int, repair_prompt: str) -> Callable[[Usage, dict], None]:
        def record(u: Usage, meta: dict) -> None:
            nonlocal usage, reported
            reported = True
            usage += u
            on_answer(PaidAnswer(step if meta.get("finish_reason") != "error" else -1, meta.get("content", ""), u,
                                 model=meta.get("model", ""), finish_reason=meta.get("finish_reason", ""),
                                 request_id=str(meta.get("id") or ""), repair_prompt=repair_prompt))
        return record

    def result(article, reason: str = "", code: ReasonCode = "", retry: bool = False) -> RewriteResult:
        return RewriteResult(article, report, usage, attempts, reason, retry, resumed=resumed,
                             inputs=inputs, unusable=unusable, code=code)

    unusable = False
    room = plan_answer(messages, source, min_words=min_words, context_tokens=context_tokens, max_tokens=max_tokens,
                       max_repairs=max_repairs)
    if not room.fits:
        return result(None, room.reason, "other")
    while True:
        step = attempts
        attempts += 1
        repair_prompt = messages[-1]["content"] if step else ""
        try:
            if replay:  # an answer already paid for: judged again, never asked again
                a = replay.popleft()
                if step:  # the repair turn exactly as it was sent
                    messages[-1] = {"role": "user", "content": a.repair_prompt}
                content = a.content
                article = parse_answer(a.content, a.finish_reason, usage=a.usage)
            else:
                reported = False
                try:
                    article, u, meta = gateway.complete_article(
                        messages, on_paid=paid(step, repair_prompt), max_tokens=room.max_tokens,
                        on_send=partial(on_send, step), on_unanswered=on_unanswered)
                except MistralError as e:
                    if not reported:
                        resumed += e.usage
                    raise
                if not reported:
                    resumed += u
                content = meta.get("content", "")
        except (Truncated, Malformed) as e:
            if isinstance(e, Truncated):
                problem = ("answer_truncated", f"ta réponse a été coupée (trop longue) : écris un article plus "
                                               f"concis, d'environ {min_words + 100} mots")
            else:
                problem = ("answer_malformed", f"ta réponse n'est pas un JSON conforme au schéma article ({e})")
            if attempts > max_repairs:
                # Often an overloaded server's garbage: transient. The conversation is unusable,
                # so the next try starts afresh (a bounded number of times).
                unusable = True
                return result(None, f"{e} ({_tries(attempts)})", e.code, retry=True)
            log.info("repair %d asked: %s", attempts, problem[0])
            messages = [*messages, _assistant(e.content), repair_message([problem], min_words=min_words)]
            continue
        except (AuthError, SettingsError) as e:
            e.usage = usage
            raise
        except MistralError as e:  # rate limit / server / timeout / rejected, after the gateway's retries
            transient = isinstance(e, (RateLimited, ServerError, Timeout))
            return result(None, str(e), e.code, retry=transient)
        try:
            report = check(article, source)
        except Exception as e:  # noqa: BLE001 — an answer we cannot judge is not pushed; what it cost is kept
            log.exception("checking an answer failed")
            return result(None, f"the answer could not be checked ({type(e).__name__}: {str(e)[:200]})", "other")
        if report.passed:
            return result(article)
        failures = [(f.code, f.message) for f in report.failures]
        if attempts > max_repairs:
            listed = "; ".join(f"{c}: {m}" for c, m in failures)
            return result(None, f"checks still failing ({_tries(attempts)}): {listed}", "checks")
        log.info("repair %d asked: %s", attempts, ", ".join(c for c, _ in failures))
        messages = [*messages, _assistant(content), repair_message(failures, min_words=min_words)]


def _assistant(content: str) -> dict:
    return {"role": "assistant", "content": content or "(réponse vide)"}


def _tries(attempts: int) -> str:
    repairs = attempts - 1
    return f"{attempts} answer{'s' if attempts > 1 else ''}, {repairs} repair{'s' if repairs != 1 else ''}"
