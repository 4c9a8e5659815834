"""No client input makes the read API fail: any method, path segment, query parameter, cursor or header gets a
2xx, 3xx or a 4xx with the JSON error shape, never a 5xx, and never a body past the response limit.

Requests go through ``api.serve`` (the Lambda handler's one call, without its logging and metrics decorators) over
the in-memory feed, which refuses the keys DynamoDB refuses."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom.config import ApiSettings
from pressroom.cursor import CursorCodec, fallback_secret
from pressroom.handlers import api
from pressroom.models import Tag
from pressroom.ports import FEED_INDEX, section_index, tag_index
from tests.conftest import LambdaContext
from tests.fakes_api import T0, InMemoryFeed, make_article, rest_event

TABLE = "pressroom-feed-test"
LIMIT = 5_500_000


def _feed() -> InMemoryFeed:
    store = InMemoryFeed()
    for n in range(30):
        store.publish(make_article(n, tags=[Tag(name="Zoë Saldaña", slug="zoe-saldana", kind="person", score=1)]))
    store.publish(make_article("draft", status="draft"))
    store.publish(make_article("gone"))
    store.withdraw("a-gone")
    return store


ROOT = api.build_root(_feed(), ApiSettings(TABLE_NAME=TABLE), clock=lambda: T0 + timedelta(days=1))
FORGER = CursorCodec(fallback_secret(TABLE))  # the key anyone who knows the table name can derive

no_surrogates = st.characters(blacklist_categories=("Cs",))
segment = st.one_of(
    st.text(no_surrogates.filter(lambda c: c != "/"), max_size=40),
    st.sampled_from(["article-1", "zoe-saldana", "Zoë Saldaña", "a" * 3000, "ä" * 1500, "..", "%00", "\x00", " "]),
    st.integers(0, 3000).map(lambda n: "x" * n),
)
ROUTES = [
    "/articles", "/articles/{}", "/tags/{}/articles", "/tags/{}/feed.json", "/tags/{}/feed.xml", "/tags/{}/atom.xml",
    "/feed.json", "/feed.xml", "/atom.xml", "/openapi.json", "/{}", "/{}/{}", "/articles/{}/{}",
    "/", "/news/{}", "/tags/{}", "/sections/{}", "/authors/{}", "/sections/{}/atom.xml", "/authors/{}/feed.json",
    "/sitemap.xml", "/sitemaps/{}", "/news-sitemap.xml", "/robots.txt", "/docs",
]  # fmt: skip
forged_cursor = st.builds(
    FORGER.encode,
    st.sampled_from([FEED_INDEX, tag_index("zoe-saldana"), section_index("entertainment"), ""]),
    st.one_of(st.just(""), st.text(no_surrogates, max_size=300), st.just("2029-11-01T12:10:00.000000Z#a-10")),
)
value = st.one_of(st.text(no_surrogates, max_size=60), segment, forged_cursor, st.sampled_from(["0", "100", "-1"]))
query = st.dictionaries(st.sampled_from(["limit", "cursor", "tag", "section", "other"]), value, max_size=4)
header_value = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF, blacklist_categories=("Cs",)), max_size=60)
accept = st.sampled_from(["text/html", "text/html,application/xhtml+xml,*/*;q=0.8", "application/json;q=0.5"])
headers = st.dictionaries(
    st.sampled_from(["Host", "If-None-Match", "Origin", "X-Forwarded-Proto", "Accept"]), header_value | accept
)
methods = st.sampled_from(["GET", "GET", "GET", "HEAD", "OPTIONS", "POST", "DELETE", "TRACE", "PROPFIND"])


def serve(method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> dict[str, Any]:
    event = rest_event(method, path, query=query or None, headers=headers)
    return api.serve(event, LambdaContext(), ROOT)  # type: ignore[arg-type]


def assert_well_formed(response: dict[str, Any], method: str = "GET") -> None:
    """No 5xx, within the payload limit, and a 4xx is the JSON error shape, or an HTML page on a reader page."""
    status = response["statusCode"]
    assert status < 500, response["body"]
    assert len(json.dumps(response).encode()) < LIMIT
    if status >= 400 and method != "HEAD":
        if response["multiValueHeaders"]["Content-Type"] == ["text/html; charset=utf-8"]:
            assert response["body"].startswith("<!DOCTYPE html>") and "</html>" in response["body"]
        else:
            assert set(json.loads(response["body"])) == {"error", "message"}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=methods,
    route=st.sampled_from(ROUTES),
    segments=st.lists(segment, min_size=2, max_size=2),
    query=query,
    headers=headers,
)
def test_no_request_gets_a_5xx(
    method: str, route: str, segments: list[str], query: dict[str, str], headers: dict[str, str]
) -> None:
    assert_well_formed(serve(method, route.format(*segments), query, headers), method)


@settings(max_examples=300, deadline=None)
@given(cursor=st.one_of(st.text(no_surrogates, max_size=1100), forged_cursor), path=st.sampled_from(ROUTES[:3]))
def test_any_cursor_is_a_page_or_400_invalid_cursor(cursor: str, path: str) -> None:
    response = serve("GET", path.format("zoe-saldana"), {"cursor": cursor, "limit": "5"}, {})
    assert_well_formed(response)
    if path != "/articles/{}":
        assert response["statusCode"] in (200, 400)
        if response["statusCode"] == 400:
            assert json.loads(response["body"])["error"] == "invalid_cursor"


@pytest.mark.parametrize("path", ["/tags/{}/articles", "/tags/{}/feed.json", "/tags/{}/feed.xml", "/tags/{}/atom.xml"])
@pytest.mark.parametrize("tag", ["a" * 3000, "ä" * 201, "!!!", "\x00", "🎉"])
def test_a_tag_segment_that_cannot_name_a_tag_is_404_not_found(path: str, tag: str) -> None:
    response = serve("GET", path.format(tag), {}, {})
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"] == "not_found"
    assert len(json.loads(response["body"])["message"]) < 200  # the message never echoes a long segment


@pytest.mark.parametrize("tag", ["zoe-saldana", "Zoë Saldaña", "unknown-tag"])
def test_a_tag_segment_that_is_or_slugifies_to_a_tag_slug_is_served(tag: str) -> None:
    assert serve("GET", f"/tags/{tag}/articles", {}, {})["statusCode"] == 200


@pytest.mark.parametrize("slug", ["a" * 3000, "A-1", "article 1", "-article-1", "ärticle", "\x00"])
def test_a_segment_that_cannot_be_a_slug_is_404_without_a_read(slug: str) -> None:
    store = InMemoryFeed()
    root = api.build_root(store, ApiSettings(TABLE_NAME=TABLE))
    response = api.serve(rest_event("GET", f"/articles/{slug}"), LambdaContext(), root)  # type: ignore[arg-type]
    assert response["statusCode"] == 404 and json.loads(response["body"])["error"] == "not_found"
    assert store.calls == []


@pytest.mark.parametrize("name", ["tag", "section"])
@pytest.mark.parametrize("value", ["a" * 201, "ä" * 3000])
def test_a_filter_too_long_to_name_anything_is_400_invalid_filter(name: str, value: str) -> None:
    response = serve("GET", "/articles", {name: value}, {})
    assert response["statusCode"] == 400 and json.loads(response["body"])["error"] == "invalid_filter"


@pytest.mark.parametrize("path", ["/tags/{}/feed.xml", "/tags/{}/atom.xml", "/tags/{}/feed.json"])
def test_a_tag_feed_does_not_reflect_the_raw_segment(path: str) -> None:
    segment = "<img src=x onerror=alert(1)>"
    response = serve("GET", path.format(segment), {}, {})
    assert response["statusCode"] == 200
    assert "onerror=alert" not in response["body"].replace("onerror-alert", "")
    assert "Pressroom: img-src-x-onerror-alert-1" in response["body"]
