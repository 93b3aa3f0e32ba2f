"""The internal-links corpus: 210 published French posts on 21 topics (tests/fixtures/corpus/posts-fr.json,
hand-written titles and keyphrases; short texts generated here) and drafts whose related topic is known
(drafts-fr.json). Used by the relevance unit tests, the integration tests and scripts/bench_sync.py."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from wp_seo_bridge.model import PublishedPost

HERE = Path(__file__).parents[1] / "fixtures" / "corpus"


@dataclass(frozen=True)
class CorpusPost:
    title: str
    keyphrase: str
    category: str
    tags: tuple[str, ...]

    @property
    def content(self) -> str:
        """A short generated text that uses the keyphrase as Yoast would want (not read by the ranking)."""
        return (f"<!-- wp:paragraph -->\n<p>{self.title}. Cet article fait le point sur {self.keyphrase}, "
                f"un sujet de notre rubrique {self.category.lower()}.</p>\n<!-- /wp:paragraph -->\n\n"
                f"<!-- wp:paragraph -->\n<p>Nous y reprenons les questions de nos lecteurs sur {self.keyphrase} "
                f"et les conseils de spécialistes.</p>\n<!-- /wp:paragraph -->")


@dataclass(frozen=True)
class CorpusDraft:
    title: str
    text: str
    related: str | None  # the category a human would link to; None: no post of the site is related


def posts() -> list[CorpusPost]:
    data = json.loads((HERE / "posts-fr.json").read_text(encoding="utf-8"))
    return [CorpusPost(title, keyphrase, t["category"], tuple(t["tags"]))
            for t in data["topics"] for keyphrase, title in t["posts"]]


def drafts() -> list[CorpusDraft]:
    data = json.loads((HERE / "drafts-fr.json").read_text(encoding="utf-8"))
    return [CorpusDraft(d["title"], d["text"], d["related"]) for d in data["drafts"]]


def as_published(base_url: str = "https://blog.example.fr") -> list[PublishedPost]:
    """The corpus as the plugin would list it (ids 1..n), without WordPress."""
    return [PublishedPost(str(i), p.title, f"{base_url}/{i}/", p.keyphrase, (p.category,), p.tags)
            for i, p in enumerate(posts(), 1)]
