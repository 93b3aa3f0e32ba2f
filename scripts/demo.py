"""Creates the demo drafts in the local WordPress (idempotent: each carries a `wp_seo_bridge_demo` custom
field naming its source, and a source that already has a post, whatever its status or title now, is skipped).

The drafts are the stand-in fixtures' sources, the seed article the product was asked for first among
them, tagged with the opt-in tag. Uses the local site's admin account (scripts/wordpress-local.sh env).
"""
from __future__ import annotations

import os
import sys
import xmlrpc.client
from importlib.resources import files

DEMO_KEY = "wp_seo_bridge_demo"
SOURCES = files("wp_seo_bridge.standin").joinpath("fixtures", "sources")


def seed() -> tuple[str, str]:
    lines = [l.strip() for l in SOURCES.joinpath("seed-fr.txt").read_text(encoding="utf-8").splitlines() if l.strip()]
    # Line 1 is the request that came with the article ("make this article SEO compatible…"): it is what
    # this product does, not part of the draft.
    body = lines[1:]
    return body[0].split(",")[0], "\n\n".join(body)


def titled(name: str) -> tuple[str, str]:
    title, _, body = SOURCES.joinpath(name).read_text(encoding="utf-8").strip().partition("\n")
    return title.strip(), body.strip()


def gutenberg() -> tuple[str, str]:
    return "Fête du pain : le four banal de Montrieux-en-Causse reprend du service", \
        SOURCES.joinpath("gutenberg-fr.html").read_text(encoding="utf-8")


def main() -> int:
    url, user, pw = os.environ["WP_URL"], os.environ["WP_ADMIN_USER"], os.environ["WP_ADMIN_PASSWORD"]
    tag = sys.argv[1] if len(sys.argv) > 1 else "seo-bridge"
    wp = xmlrpc.client.ServerProxy(f"{url}/xmlrpc.php", allow_none=True)
    existing = {f["value"]: p["post_id"] for status in ("draft", "pending", "publish", "future", "private")
                for p in wp.wp.getPosts(0, user, pw, {"post_status": status, "number": 1000}, ["custom_fields"])
                for f in p["custom_fields"] if f["key"] == DEMO_KEY}
    demos = {"seed-fr": seed(), "wire-fr": titled("wire-fr.txt"), "news-en": titled("news-en.txt"),
             "gutenberg-fr": gutenberg()}
    for name, (title, content) in demos.items():
        if name in existing:
            print(f"demo draft {name} exists: post #{existing[name]}")
            continue
        post_id = wp.wp.newPost(0, user, pw, {
            "post_type": "post", "post_status": "draft", "post_title": title, "post_content": content,
            "terms_names": {"post_tag": [tag]}, "custom_fields": [{"key": DEMO_KEY, "value": name}],
        })
        print(f"demo draft #{post_id} created: {title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
