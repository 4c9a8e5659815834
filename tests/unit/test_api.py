"""The read API through its REST proxy entry point (``serve``) over the in-memory feed: routes, errors, cursors,
visibility, conditional requests, CORS, URLs and the OpenAPI document."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import feedparser
import pytest

from pressroom.config import ApiSettings
from pressroom.cursor import CursorCodec, fallback_secret
from pressroom.handlers import api
from pressroom.models import Tag
from pressroom.ports import FEED_INDEX, tag_index
from tests.conftest import LambdaContext
from tests.fakes_api import T0, InMemoryFeed, make_article, rest_event

NOW = T0 + timedelta(days=1)
READER_CACHE = "public, max-age=60, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    def __init__(self, feed: InMemoryFeed, **settings: str) -> None:
        self.feed = feed
        self.now = NOW
        config = ApiSettings.model_validate({"TABLE_NAME": "pressroom-feed-test", **settings})
        self.root = api.build_root(feed, config, clock=lambda: self.now)

    def request(self, method: str = "GET", path: str = "/articles", **kwargs: Any) -> Reply:
        response = api.serve(rest_event(method, path, **kwargs), LambdaContext(), self.root)  # type: ignore[arg-type]
        assert set(response) >= {"statusCode", "body", "isBase64Encoded", "multiValueHeaders"}
        headers = {k: ",".join(v) for k, v in response["multiValueHeaders"].items()}
        return Reply(response["statusCode"], headers, response["body"] or "")

    def get(self, path: str = "/articles", **query: str) -> Reply:
        return self.request("GET", path, query=query or None)


@pytest.fixture
def feed() -> InMemoryFeed:
    store = InMemoryFeed()
    for n in range(25):
        store.publish(make_article(n))
    return store


@pytest.fixture
def client(feed: InMemoryFeed) -> Client:
    return Client(feed)


def walk(
    client: Client, path: str = "/articles", between: Callable[[int], None] | None = None, **query: str
) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    for page in range(1000):
        reply = client.get(path, **query, **({"cursor": cursor} if cursor else {}))
        assert reply.status == 200, reply.body
        seen += [item["id"] for item in reply.json()["items"]]
        cursor = reply.json()["next_cursor"]
        if cursor is None:
            return seen
        if between:
            between(page)
    raise AssertionError("paging did not end")


# ------------------------------------------------------------------------------------------------ lists


def test_articles_are_listed_newest_first_with_default_limit_20(client: Client) -> None:
    reply = client.get()
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    body = reply.json()
    assert [i["id"] for i in body["items"]] == [f"a-{n}" for n in range(24, 4, -1)]
    assert isinstance(body["next_cursor"], str)
    item = body["items"][0]
    assert item["url"] == "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev/news/article-24"
    assert item["published_at"] == "2029-11-01T12:24:00Z"
    assert "body" not in item and "related" not in item
    assert set(item) >= {"id", "slug", "url", "title", "summary", "published_at", "updated_at", "author", "section",
                         "language", "word_count", "reading_time_minutes", "tags"}  # fmt: skip
    assert item["tags"] == [
        {"name": "Portmere", "slug": "portmere", "kind": "place", "score": 0.9, "provenance": "extracted"}
    ]


def test_paging_returns_every_article_once_in_order(client: Client) -> None:
    assert walk(client, limit="7") == [f"a-{n}" for n in range(24, -1, -1)]
    assert walk(client, limit="100") == [f"a-{n}" for n in range(24, -1, -1)]
    assert walk(client, limit="1") == [f"a-{n}" for n in range(24, -1, -1)]


def test_paging_while_articles_are_published_returns_each_visible_article_once_in_order(
    client: Client, feed: InMemoryFeed
) -> None:
    before = [f"a-{n}" for n in range(24, -1, -1)]

    def publish_more(page: int) -> None:
        feed.publish(make_article(100 + page, published_at=NOW - timedelta(seconds=10 - page)))
        client.now += timedelta(seconds=1)

    assert walk(client, between=publish_more, limit="4") == before
    assert client.get(limit="3").json()["items"][0]["id"].startswith("a-10")


def test_every_list_is_one_query(client: Client, feed: InMemoryFeed) -> None:
    feed.calls.clear()
    cursor = client.get(limit="5").json()["next_cursor"]
    client.get(limit="5", cursor=cursor)
    assert feed.calls == [f"list_index:{FEED_INDEX}"] * 2


def test_tag_route_and_tag_filter_read_the_tag_index(feed: InMemoryFeed, client: Client) -> None:
    feed.publish(make_article(50, tags=[Tag(name="Zoë Saldaña", slug="zoe-saldana", kind="person", score=1)]))
    feed.calls.clear()
    by_route = client.get("/tags/zoe-saldana/articles").json()
    by_filter = client.get(tag="Zoë Saldaña").json()
    assert [i["id"] for i in by_route["items"]] == [i["id"] for i in by_filter["items"]] == ["a-50"]
    assert feed.calls == [f"list_index:{tag_index('zoe-saldana')}"] * 2
    assert client.get("/tags/unknown-tag/articles").json() == {"items": [], "next_cursor": None}


def test_section_filter_reads_the_section_index(feed: InMemoryFeed, client: Client) -> None:
    feed.publish(make_article(60, section="Sport"))
    assert [i["id"] for i in client.get(section="sport").json()["items"]] == ["a-60"]
    assert len(client.get(section="entertainment", limit="100").json()["items"]) == 25


def test_tag_and_section_together_are_refused(client: Client) -> None:
    reply = client.get(tag="portmere", section="entertainment")
    assert reply.status == 400 and reply.json()["error"] == "invalid_filter"


def test_empty_filters_mean_no_filter(client: Client) -> None:
    assert len(client.get(tag="", section="").json()["items"]) == 20


def test_tag_paging_walks_the_whole_tag(client: Client) -> None:
    assert walk(client, "/tags/portmere/articles", limit="6") == [f"a-{n}" for n in range(24, -1, -1)]


# ------------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "", "9" * 40])
def test_bad_limit_is_400_invalid_limit(client: Client, limit: str) -> None:
    reply = client.get(limit=limit)
    assert reply.status == 400
    assert reply.json()["error"] == "invalid_limit"
    assert "1" in reply.json()["message"] and "100" in reply.json()["message"]
    assert reply.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("limit", ["1", "100", "20"])
def test_limits_at_the_bounds_are_accepted(client: Client, limit: str) -> None:
    assert len(client.get(limit=limit).json()["items"]) == min(int(limit), 25)


def cursor_variants(cursor: str) -> dict[str, str]:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    flipped = raw[:5] + bytes([raw[5] ^ 1]) + raw[6:]
    return {
        "modified-char": cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:],
        "modified-payload": base64.urlsafe_b64encode(flipped).rstrip(b"=").decode(),
        "truncated": cursor[: len(cursor) // 2],
        "truncated-by-one": cursor[:-1],
        "extended": cursor + "A",
        "empty": "",
        "garbage": "!!!not-a-cursor!!!",
        "too-long": "A" * 5000,
        "padded": cursor + "==",
    }


def test_tampered_cursors_are_400_invalid_cursor_never_data(client: Client) -> None:
    cursor = client.get(limit="5").json()["next_cursor"]
    for name, bad in cursor_variants(cursor).items():
        reply = client.get(limit="5", cursor=bad)
        assert reply.status == 400, name
        assert reply.json()["error"] == "invalid_cursor", name
        assert "items" not in reply.json()


def test_foreign_cursors_are_400_invalid_cursor(client: Client, feed: InMemoryFeed) -> None:
    feed.publish(make_article(70, tags=[Tag(name="Other", slug="other", kind="topic", score=1)]))
    feed.publish(make_article(71, tags=[Tag(name="Other", slug="other", kind="topic", score=1)]))
    feed_cursor = client.get(limit="2").json()["next_cursor"]
    tag_cursor = client.get("/tags/portmere/articles", limit="2").json()["next_cursor"]
    other_cursor = client.get("/tags/other/articles", limit="1").json()["next_cursor"]
    cases = [
        ("/articles", {"cursor": tag_cursor}),
        ("/articles", {"cursor": feed_cursor, "tag": "portmere"}),
        ("/articles", {"cursor": tag_cursor, "section": "entertainment"}),
        ("/tags/portmere/articles", {"cursor": feed_cursor}),
        ("/tags/portmere/articles", {"cursor": other_cursor}),
        ("/tags/other/articles", {"cursor": tag_cursor}),
    ]
    for path, query in cases:
        reply = client.get(path, limit="2", **query)
        assert (reply.status, reply.json()["error"]) == (400, "invalid_cursor"), (path, query)
    assert client.get("/articles", limit="2", cursor=tag_cursor, tag="portmere").status == 200


def test_a_forged_cursor_with_an_empty_position_is_400_not_500(client: Client) -> None:
    forged = CursorCodec(fallback_secret("pressroom-feed-test")).encode(FEED_INDEX, "")
    reply = client.get(limit="5", cursor=forged)
    assert (reply.status, reply.json()["error"]) == (400, "invalid_cursor")


def test_a_cursor_from_another_deployment_is_rejected(feed: InMemoryFeed, client: Client) -> None:
    other = Client(feed, CURSOR_SECRET="another-secret")
    cursor = other.get(limit="2").json()["next_cursor"]
    assert client.get(limit="2", cursor=cursor).json()["error"] == "invalid_cursor"


def test_unknown_route_is_404_not_found_json(client: Client) -> None:
    for path in ("/nope", "/articles/a/b", "/tags/x/y", "/news", "/news/a/b", "/feed.rss", "/ARTICLES", "/sitemaps"):
        reply = client.get(path)
        assert reply.status == 404, path
        assert reply.json()["error"] == "not_found"
        assert reply.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_wrong_method_is_405_with_allow(client: Client, method: str) -> None:
    for path in ("/articles", "/articles/article-1", "/feed.xml", "/tags/portmere/atom.xml"):
        reply = client.request(method, path)
        assert reply.status == 405, path
        assert reply.json()["error"] == "method_not_allowed"
        assert reply.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_an_internal_failure_is_a_json_500_and_throttling_a_503(feed: InMemoryFeed) -> None:
    class Broken(InMemoryFeed):
        error: Exception = RuntimeError("boom")

        def list_index(self, *args: Any, **kwargs: Any) -> Any:
            raise self.error

    broken = Broken()
    client = Client(broken)
    reply = client.get()
    assert (reply.status, reply.json()["error"]) == (500, "internal_error")
    assert "boom" not in reply.body

    class Throttled(Exception):
        response = {"Error": {"Code": "ProvisionedThroughputExceededException"}}

    broken.error = Throttled()
    reply = client.get()
    assert reply.status == 503 and reply.headers["Retry-After"] == "1"


# ------------------------------------------------------------------------------------------------ articles


def test_article_by_slug_is_the_whole_article(client: Client, feed: InMemoryFeed) -> None:
    feed.calls.clear()
    reply = client.get("/articles/article-3")
    assert reply.status == 200
    body = reply.json()
    assert body["id"] == "a-3" and body["body"] == "<p>Body of article 3.</p>" and body["related"] == []
    assert body["url"].endswith("/dev/news/article-3")
    assert "status" not in body
    assert reply.headers["Cache-Control"] == READER_CACHE
    assert feed.calls == ["get_by_slug"]


def test_related_links_to_pressroom_articles_get_public_urls(feed: InMemoryFeed) -> None:
    from pressroom.models import RelatedLink

    feed.publish(make_article(80, related=[RelatedLink(title="Article 1", url=None, slug="article-1", source="promo")]))
    client = Client(feed, PUBLIC_BASE_URL="https://news.example.com/")
    related = client.get("/articles/article-80").json()["related"]
    assert related == [
        {
            "title": "Article 1",
            "url": "https://news.example.com/news/article-1",
            "slug": "article-1",
            "source": "promo",
        }
    ]


def test_visibility_of_drafts_scheduled_withdrawn_and_deleted(client: Client, feed: InMemoryFeed) -> None:
    feed.publish(make_article("draft", status="draft"))
    feed.publish(make_article("later", published_at=NOW + timedelta(hours=1)))
    feed.publish(make_article("withdrawn"))
    feed.withdraw("a-withdrawn")
    feed.publish(make_article("deleted"))
    feed.delete("a-deleted")
    feed.publish(make_article("withdrawn-before-due", published_at=NOW + timedelta(hours=2)))
    feed.withdraw("a-withdrawn-before-due")

    expected = {
        "article-draft": (404, "not_found"),
        "article-later": (404, "not_found"),
        "article-withdrawn": (410, "gone"),
        "article-deleted": (410, "gone"),
        "article-withdrawn-before-due": (404, "not_found"),
        "no-such-article": (404, "not_found"),
    }
    for slug, (status, code) in expected.items():
        reply = client.get(f"/articles/{slug}")
        assert (reply.status, reply.json()["error"]) == (status, code), slug
    listed = set(walk(client, limit="100"))
    assert listed == {f"a-{n}" for n in range(25)}
    assert set(walk(client, "/tags/portmere/articles", limit="100")) == listed

    client.now = NOW + timedelta(hours=1, seconds=1)
    assert client.get("/articles/article-later").status == 200
    assert client.get(limit="1").json()["items"][0]["id"] == "a-later"


@pytest.mark.parametrize("slug", ["x" * 600, "%00", "a%2Fb", "Article-1", "ünïcode", "a.b"])
def test_odd_slugs_are_404_not_500(client: Client, slug: str) -> None:
    reply = client.get(f"/articles/{slug}")
    assert reply.status == 404 and reply.json()["error"] == "not_found"


# ------------------------------------------------------------------------------------------------ feeds


@pytest.mark.parametrize(
    ("path", "content_type", "version"),
    [
        ("/feed.xml", "application/rss+xml; charset=utf-8", "rss20"),
        ("/atom.xml", "application/atom+xml; charset=utf-8", "atom10"),
        ("/tags/portmere/feed.xml", "application/rss+xml; charset=utf-8", "rss20"),
        ("/tags/portmere/atom.xml", "application/atom+xml; charset=utf-8", "atom10"),
    ],
)
def test_xml_feeds_are_served_with_their_content_type(
    client: Client, path: str, content_type: str, version: str
) -> None:
    reply = client.get(path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == content_type
    assert reply.headers["Cache-Control"] == READER_CACHE
    parsed = feedparser.parse(reply.body)
    assert not parsed.bozo and parsed.version == version
    assert len(parsed.entries) == 25
    self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
    assert self_link == f"https://abc123defg.execute-api.us-east-1.amazonaws.com/dev{path}"


@pytest.mark.parametrize("path", ["/feed.json", "/tags/portmere/feed.json"])
def test_json_feed_is_served_as_application_feed_json(client: Client, path: str) -> None:
    reply = client.get(path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/feed+json; charset=utf-8"
    body = reply.json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert body["feed_url"].endswith(f"/dev{path}")
    assert len(body["items"]) == 25 and body["items"][0]["id"] == "urn:pressroom:article:a-24"
    assert body["items"][0]["content_html"] == "<p>Body of article 24.</p>"


def test_tag_feed_is_titled_with_the_tag_name(client: Client) -> None:
    assert client.get("/tags/portmere/feed.json").json()["title"] == "Pressroom: Portmere"


def test_feeds_hold_the_newest_fifty(feed: InMemoryFeed, client: Client) -> None:
    for n in range(25, 80):
        feed.publish(make_article(n))
    assert len(client.get("/feed.json").json()["items"]) == 50
    assert len(feedparser.parse(client.get("/atom.xml").body).entries) == 50


# ------------------------------------------------------------------------------------------------ HTTP caching


@pytest.mark.parametrize(
    "path",
    [
        "/articles",
        "/articles/article-1",
        "/tags/portmere/articles",
        "/feed.json",
        "/feed.xml",
        "/atom.xml",
        "/tags/portmere/feed.xml",
        "/openapi.json",
    ],  # fmt: skip
)
def test_every_200_has_a_strong_etag_and_if_none_match_gets_304(client: Client, path: str) -> None:
    first = client.get(path)
    etag = first.headers["ETag"]
    assert first.status == 200 and etag.startswith('"') and not etag.startswith("W/")
    assert client.get(path).headers["ETag"] == etag
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.request("GET", path, headers={"If-None-Match": header})
        assert again.status == 304, header
        assert again.body == ""
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert client.request("GET", path, headers={"If-None-Match": '"stale"'}).status == 200


def test_etag_changes_when_the_content_changes(feed: InMemoryFeed, client: Client) -> None:
    etag = client.get().headers["ETag"]
    feed.publish(make_article(90))
    assert client.get().headers["ETag"] != etag


def directives(cache_control: str) -> dict[str, int | bool]:
    """``Cache-Control`` as a dict: ``max-age=60`` -> ``{"max-age": 60}``, ``public`` -> ``{"public": True}``."""
    parts = [part.strip().partition("=") for part in cache_control.split(",")]
    return {name.lower(): int(value) if value else True for name, _, value in parts}


READER_CONTENT = [
    "/articles", "/articles/article-1", "/tags/portmere/articles", "/", "/news/article-1", "/tags/portmere",
    "/sections/entertainment", "/authors/ada-byron", "/feed.json", "/feed.xml", "/atom.xml", "/tags/portmere/feed.xml",
    "/sections/entertainment/atom.xml", "/authors/ada-byron/feed.json",
]  # fmt: skip


@pytest.mark.parametrize("path", READER_CONTENT)
def test_articles_lists_pages_and_feeds_go_stale_at_the_cdn_soon_after_a_change(client: Client, path: str) -> None:
    reply = client.get(path)
    assert reply.status == 200
    policy = directives(reply.headers["Cache-Control"])
    assert policy["public"] is True
    # What the CDN may still serve after an edit or a withdrawal: fresh for s-maxage, then at most one stale answer
    # while it revalidates within stale-while-revalidate.
    assert int(policy["s-maxage"]) + int(policy["stale-while-revalidate"]) <= 120
    assert int(policy["max-age"]) <= int(policy["s-maxage"]), "a browser keeps it no longer than the CDN"
    assert int(policy["stale-if-error"]) >= 3600, "an origin outage serves the last good copy"


def test_every_kind_of_reader_content_has_the_one_caching_policy(client: Client) -> None:
    assert len({client.get(path).headers["Cache-Control"] for path in READER_CONTENT}) == 1


def test_errors_are_never_cached_and_have_no_etag(client: Client) -> None:
    reply = client.get("/articles/nope")
    assert reply.headers["Cache-Control"] == "no-store" and "ETag" not in reply.headers


def test_head_is_get_without_a_body(client: Client) -> None:
    get, head = client.get("/articles/article-1"), client.request("HEAD", "/articles/article-1")
    assert head.status == 200 and head.body == ""
    assert head.headers["ETag"] == get.headers["ETag"]


# ------------------------------------------------------------------------------------------------ CORS


def test_cors_preflight_from_any_origin_by_default(client: Client) -> None:
    event = rest_event("OPTIONS", "/articles", template="apigw_rest_options_preflight.json")
    response = api.serve(event, LambdaContext(), client.root)  # type: ignore[arg-type]
    headers = {k: ",".join(v) for k, v in response["multiValueHeaders"].items()}
    assert response["statusCode"] == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in headers["Access-Control-Allow-Headers"]
    assert headers["Access-Control-Max-Age"] == "600"


def test_cors_allows_only_the_configured_origins(feed: InMemoryFeed) -> None:
    client = Client(feed, CORS_ALLOW_ORIGINS="https://reader.example.com, https://app.example.com")
    allowed = client.request("OPTIONS", "/articles/article-1", headers={"Origin": "https://app.example.com"})
    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert allowed.headers["Vary"] == "Origin"
    denied = client.request("GET", "/articles", headers={"Origin": "https://evil.example.com"})
    assert denied.status == 200 and "Access-Control-Allow-Origin" not in denied.headers
    assert denied.headers["Vary"] == "Accept, Origin"  # a browser's Accept gets the page (see test_pages)
    simple = client.request("GET", "/feed.json", headers={"Origin": "https://reader.example.com"})
    assert simple.headers["Access-Control-Allow-Origin"] == "https://reader.example.com"
    assert simple.headers["Access-Control-Expose-Headers"] == "ETag"
    error = client.request("GET", "/articles", query={"limit": "0"}, headers={"Origin": "https://reader.example.com"})
    assert error.status == 400 and error.headers["Access-Control-Allow-Origin"] == "https://reader.example.com"


def test_preflight_of_an_unknown_route_is_404(client: Client) -> None:
    assert client.request("OPTIONS", "/nope", headers={"Origin": "https://a.example"}).status == 404


# ------------------------------------------------------------------------------------------------ public URLs


def test_public_base_url_setting_wins(feed: InMemoryFeed) -> None:
    client = Client(feed, PUBLIC_BASE_URL="https://news.example.com")
    assert client.get(limit="1").json()["items"][0]["url"] == "https://news.example.com/news/article-24"
    feed_doc = client.get("/feed.json").json()
    assert feed_doc["items"][0]["url"] == "https://news.example.com/news/article-24"
    assert feed_doc["feed_url"] == "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev/feed.json"


def test_local_stack_urls_are_http_without_a_stage(client: Client) -> None:
    reply = client.request("GET", "/articles", query={"limit": "1"}, template="apigw_rest_local_get_feed.json")
    assert reply.json()["items"][0]["url"] == "http://127.0.0.1:3000/news/article-24"


def test_forwarded_proto_and_custom_domain_base_path(client: Client) -> None:
    event = rest_event("GET", "/articles", query={"limit": "1"}, headers={"Host": "api.example.com"})
    event["requestContext"]["path"] = "/news/articles"
    response = api.serve(event, LambdaContext(), client.root)  # type: ignore[arg-type]
    assert json.loads(response["body"])["items"][0]["url"] == "https://api.example.com/news/news/article-24"
    reply = client.request("GET", "/articles", query={"limit": "1"}, headers={"X-Forwarded-Proto": "http"})
    assert reply.json()["items"][0]["url"].startswith("http://abc123defg")


def test_a_bad_host_header_is_not_echoed(client: Client) -> None:
    reply = client.request("GET", "/articles", query={"limit": "1"}, headers={"Host": "evil.com/<script>"})
    assert reply.json()["items"][0]["url"].startswith("https://abc123defg.execute-api.us-east-1.amazonaws.com/")


# ------------------------------------------------------------------------------------------------ OpenAPI


def test_openapi_document_describes_every_route_and_error(client: Client) -> None:
    reply = client.get("/openapi.json")
    assert reply.status == 200 and reply.headers["Content-Type"] == "application/json"
    document = reply.json()
    assert document["openapi"].startswith("3.")
    feeds = {f"{prefix}/{fmt}" for prefix in ("", "/tags/{tag}", "/sections/{section}", "/authors/{author}")
             for fmt in ("feed.json", "feed.xml", "atom.xml")}  # fmt: skip
    assert set(document["paths"]) == {
        "/articles", "/articles/{slug}", "/tags/{tag}/articles",
        "/", "/news/{slug}", "/tags/{tag}", "/sections/{section}", "/authors/{author}",
        "/sitemap.xml", "/sitemaps/{month}", "/news-sitemap.xml", "/robots.txt",
    } | feeds  # fmt: skip
    articles = document["paths"]["/articles"]["get"]
    assert {p["name"] for p in articles["parameters"]} == {"limit", "cursor", "tag", "section", "If-None-Match"}
    limit = next(p for p in articles["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"], limit["schema"]["default"]) == (1, 100, 20)
    assert "422" not in json.dumps(document["paths"])
    assert articles["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    slug = document["paths"]["/articles/{slug}"]["get"]["responses"]
    assert {"200", "304", "404", "410"} <= set(slug)
    assert "application/rss+xml" in document["paths"]["/feed.xml"]["get"]["responses"]["200"]["content"]
    assert document["servers"] == [{"url": "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev"}]
    schemas = document["components"]["schemas"]
    assert {"ArticleList", "ArticleOut", "ArticleSummaryOut", "ErrorOut", "JsonFeed"} <= set(schemas)
    assert "HTTPValidationError" not in schemas


def test_swagger_ui_is_served_at_docs(client: Client) -> None:
    reply = client.get("/docs")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/html")
    assert "swagger" in reply.body.lower() and "/articles/{slug}" in reply.body


def test_swagger_ui_is_titled_and_its_spec_link_serves_the_document(client: Client) -> None:
    page = client.get("/docs")
    assert "<title>Pressroom read API</title>" in page.body and '<html lang="en">' in page.body
    assert "Swagger UI" not in page.body.split("</title>", 1)[0]
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "public, max-age=3600, s-maxage=3600"
    assert '?format=json"' in page.body  # the spec link Swagger UI shows
    spec = client.get("/docs", format="json")
    assert (spec.status, spec.headers["Content-Type"]) == (200, "application/json")
    assert spec.json() == client.get("/openapi.json").json()
    info = spec.json()["info"]
    assert info["title"] == "Pressroom read API" and info["description"].startswith("Published articles")
    assert "DESIGN.md" not in json.dumps(spec.json())
