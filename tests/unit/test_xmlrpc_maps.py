"""The XML-RPC field maps and transport guards: pure code, no server."""
import xmlrpc.client
from datetime import datetime, timezone

import pytest

from wp_seo_bridge.config import parse
from wp_seo_bridge.gateways.wordpress.base import PostUpdate
from wp_seo_bridge.gateways.wordpress.errors import InsecureTransport
from wp_seo_bridge.gateways.wordpress.xmlrpc import (
    RequestsTransport,
    XmlRpcGateway,
    draft_from_struct,
    edit_struct,
    summary_from_struct,
)

MOD = xmlrpc.client.DateTime("20261128T10:11:12")


def site(url: str, **kw):
    return parse({"sites": [{"name": "s", "url": url, "user": "bot", "password_env": "PW", **kw}]}).sites[0]


def test_summary_reads_tags_hash_state_and_lock():
    s = summary_from_struct({
        "post_id": "12", "post_status": "draft", "post_modified_gmt": MOD,
        "seo_bridge": {"content_hash": "abc", "locked_by": 0, "tags": ["seo-bridge"],
                       "state": '{"state":"failed","source_hash":"abc","at":"x","reason":"short"}'},
    })
    assert s.tags == ("seo-bridge",) and s.content_hash == "abc" and s.locked_by is None
    assert s.modified_gmt == datetime(2026, 11, 28, 10, 11, 12, tzinfo=timezone.utc)
    assert s.state.state == "failed" and s.state.reason == "short"


def test_garbage_state_is_treated_as_none():
    s = summary_from_struct({"post_id": 1, "seo_bridge": {"state": "{not json", "locked_by": "4"}})
    assert s.state is None and s.locked_by == 4


def test_edit_struct_updates_meta_by_id_and_never_sends_dates():
    draft = draft_from_struct({
        "post_id": "5", "post_title": "T", "post_content": "C", "post_status": "draft",
        "post_modified_gmt": MOD, "post_date_gmt": xmlrpc.client.DateTime("00000000T00:00:00"),
        "custom_fields": [{"id": "91", "key": "_yoast_wpseo_title", "value": "old"}],
    })
    update = PostUpdate(title="New", content="<p>x</p>", slug="new", meta={"_yoast_wpseo_title": "A",
                                                                          "_yoast_wpseo_focuskw": "k"})
    s = edit_struct(draft, update, "d1")
    assert s["custom_fields"] == [{"id": "91", "key": "_yoast_wpseo_title", "value": "A"},
                                  {"key": "_yoast_wpseo_focuskw", "value": "k"}]
    assert not {"post_date", "post_date_gmt", "post_modified", "sticky", "terms"} & set(s)
    assert s["post_status"] == "pending" and s["seo_bridge_expect_hash"] == draft.hash
    assert s["if_not_modified_since"].value == "20261128T10:11:12"  # UTC, as post_modified_gmt


def test_plain_http_to_a_remote_host_is_refused_before_any_call():
    with pytest.raises(InsecureTransport, match="password would travel in clear"):
        XmlRpcGateway(site("http://blog.example.fr"))
    XmlRpcGateway(site("http://blog.example.fr", allow_insecure_http=True))
    XmlRpcGateway(site("http://127.0.0.1:8080"))
    XmlRpcGateway(site("https://blog.example.fr"))


def test_xml_entity_bombs_are_refused_by_the_parser():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<methodResponse><params><param><value><string>&b;</string></value></param></params></methodResponse>")
    parser, _ = RequestsTransport("http://127.0.0.1/xmlrpc.php").getparser()
    with pytest.raises(Exception) as e:
        parser.feed(bomb)
        parser.close()
    assert "Entities" in type(e.value).__name__ or "forbidden" in str(e.value).lower()
