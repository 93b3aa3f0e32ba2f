"""The local site as CI runs it: real Yoast SEO active (both matrices), its fields printed in the front end's
``<head>`` (the core's default theme is there, Debian's included), and ``wp.yoast_disabled()`` really turning it
off for the tests that need a site without Yoast."""
from __future__ import annotations

import html
import re

import pytest
import requests

from wp_seo_bridge.model import YOAST_METADESC, YOAST_TITLE

pytestmark = pytest.mark.wordpress

SEO_TITLE = "Potager urbain : le guide de la saison"
METADESC = "Tout ce qu'il faut savoir pour cultiver un potager urbain sur un balcon, des semis à la récolte."


def head_of(wp, post_id: int) -> str:
    link = wp.call("wp.getPost", wp.admin, post_id, ["link"])["link"]
    r = requests.get(link, timeout=30)
    assert r.status_code == 200 and "</head>" in r.text, (r.status_code, r.text[:300])
    return html.unescape(r.text.split("</head>", 1)[0])


def description(head: str) -> str | None:
    found = re.search(r'<meta name="description" content="([^"]*)"', head)
    return found.group(1) if found else None


def test_yoast_prints_the_stored_seo_title_and_description_and_its_switch_turns_it_off(reset):
    wp = reset
    wp.require_yoast()
    pid = wp.create_post("Un potager sur le balcon", "<p>Des semis à la récolte.</p>", status="publish",
                         meta={YOAST_TITLE: SEO_TITLE, YOAST_METADESC: METADESC})

    head = head_of(wp, pid)
    assert re.search(r"<title>\s*" + re.escape(SEO_TITLE) + r"\s*</title>", head), head[-2000:]
    assert description(head) == METADESC

    with wp.yoast_disabled():
        head = head_of(wp, pid)
        assert "Yoast" not in head and description(head) is None
    assert description(head_of(wp, pid)) == METADESC
