"""Bounds of the read API: no response outgrows Lambda's 6 MB payload limit, and the documents cached per
deployment do not grow with the Host headers clients send."""

from __future__ import annotations

import gc
import json
import tracemalloc
from datetime import timedelta
from typing import Any

import feedparser
import pytest

from pressroom.config import ApiSettings
from pressroom.handlers import api
from pressroom.models import MAX_BODY_CHARS, MAX_TAGS, Article, Image, RelatedLink, Tag
from tests.conftest import LambdaContext
from tests.fakes_api import T0, InMemoryFeed, make_article, rest_event

LIMIT = 5_500_000
ARTICLES = 50
EMOJI = "🎉"  # one character, 4 bytes of UTF-8, 12 of ASCII JSON (a surrogate pair), 14 once that is a JSON string


def heaviest_text(chars: int) -> str:
    return EMOJI * chars


def heaviest_body() -> str:
    """Sanitised HTML of the longest upload body, made of the characters that weigh most once escaped."""
    mix = (EMOJI * 16 + ' Zoë "x" &amp; &lt;b&gt;\u2028 ') * (MAX_BODY_CHARS // 40)
    return "<p>" + mix[: MAX_BODY_CHARS - 7] + "</p>"


def heaviest_article(n: int) -> Article:
    """An article at every limit of the upload contract (DESIGN.md), in the costliest characters."""
    return make_article(
        n,
        title=heaviest_text(300),
        summary=heaviest_text(1000),
        body=heaviest_body(),
        author=[heaviest_text(200)] * 20,
        section="entertainment",
        tags=[Tag(name="Portmere", slug="portmere", kind="place", score=1)]
        + [Tag(name=heaviest_text(100), slug=f"t{i}-{'x' * 76}", kind="topic", score=0.5) for i in range(MAX_TAGS - 1)],
        image=Image(url="https://img.example.com/" + heaviest_text(2000), alt=heaviest_text(500)),
        related=[
            RelatedLink(title=heaviest_text(300), url="https://x.example.com/" + heaviest_text(2000), source="link")
        ]
        * 20,
        canonical_url="https://x.example.com/" + heaviest_text(2000),
    )


def root_of(articles: list[Article]) -> api.ApiRoot:
    feed = InMemoryFeed()
    for article in articles:
        feed.publish(article)
    settings = ApiSettings(TABLE_NAME="pressroom-feed-test")
    return api.build_root(feed, settings, clock=lambda: T0 + timedelta(days=1))


@pytest.fixture(scope="module")
def heavy_bodies() -> api.ApiRoot:
    """Fifty articles with the longest bodies, in the costliest characters (the issue's case)."""
    return root_of([make_article(n, body=heaviest_body()) for n in range(ARTICLES)])


@pytest.fixture(scope="module")
def root() -> api.ApiRoot:
    """Fifty articles at every limit of the upload contract."""
    return root_of([heaviest_article(n) for n in range(ARTICLES)])


def call(root: api.ApiRoot, path: str, **query: str) -> dict[str, Any]:
    response = api.serve(rest_event("GET", path, query=query or None), LambdaContext(), root)  # type: ignore[arg-type]
    payload = len(json.dumps(response).encode())  # what the Lambda runtime sends back, at its most verbose
    assert payload < LIMIT, (path, query, payload)
    assert len((response["body"] or "").encode()) < LIMIT
    return response


def feed_items(response: dict[str, Any], path: str) -> list[tuple[str, str]]:
    """(id, content) of each entry, newest first."""
    if path.endswith(".json"):
        return [(item["id"], item["content_html"]) for item in json.loads(response["body"])["items"]]
    parsed = feedparser.parse(response["body"])
    assert not parsed.bozo
    return [(e.id, e.content[0].value) for e in parsed.entries]


FEEDS = ["/feed.xml", "/atom.xml", "/feed.json", "/tags/portmere/feed.xml", "/tags/portmere/atom.xml",
         "/tags/portmere/feed.json"]  # fmt: skip


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_of_fifty_maximum_size_bodies_stay_under_the_limit(heavy_bodies: api.ApiRoot, path: str) -> None:
    response = call(heavy_bodies, path)
    assert response["statusCode"] == 200
    items = feed_items(response, path)
    assert [i for i, _ in items] == [f"urn:pressroom:article:a-{n}" for n in range(ARTICLES - 1, -1, -1)]
    assert items[0][1] == heaviest_body()
    assert items[-1][1].endswith("Read the article</a></p>")


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_of_fifty_articles_at_every_limit_stay_under_the_limit(root: api.ApiRoot, path: str) -> None:
    response = call(root, path)
    assert response["statusCode"] == 200
    ids = [i for i, _ in feed_items(response, path)]
    assert ids and ids == [f"urn:pressroom:article:a-{n}" for n in range(ARTICLES - 1, ARTICLES - 1 - len(ids), -1)]


@pytest.mark.parametrize("path", ["/articles", "/tags/portmere/articles"])
def test_full_pages_of_maximum_size_summaries_stay_under_the_limit_and_paging_still_sees_all(
    root: api.ApiRoot, path: str
) -> None:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(ARTICLES):
        response = call(root, path, limit="100", **({"cursor": cursor} if cursor else {}))
        assert response["statusCode"] == 200
        page = json.loads(response["body"])
        assert page["items"]
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"a-{n}" for n in range(ARTICLES - 1, -1, -1)]


def test_the_heaviest_article_stays_under_the_limit(root: api.ApiRoot) -> None:
    response = call(root, "/articles/article-1")
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["body"] == heaviest_body()


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_documents_stay_under_the_limit(root: api.ApiRoot, path: str) -> None:
    assert call(root, path)["statusCode"] == 200


@pytest.mark.parametrize(
    "path", ["/", "/news/article-1", "/tags/portmere", "/sections/entertainment", "/sitemap.xml", "/news-sitemap.xml"]
)
def test_pages_and_sitemaps_of_articles_at_every_limit_stay_under_the_limit(root: api.ApiRoot, path: str) -> None:
    response = call(root, path)
    assert response["statusCode"] == 200
    assert "article-49" in response["body"] or path == "/news/article-1"


# ------------------------------------------------------------------------------------------------ memory per Host


def get_with_host(root: api.ApiRoot, path: str, host: str) -> dict[str, Any]:
    event = rest_event("GET", path, headers={"Host": host})
    return api.serve(event, LambdaContext(), root)  # type: ignore[arg-type]


def test_documents_for_many_hosts_do_not_grow_memory() -> None:
    root = api.build_root(InMemoryFeed(), ApiSettings(TABLE_NAME="pressroom-feed-test"))
    for path in ("/docs", "/openapi.json"):
        get_with_host(root, path, "warm.example.com")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(20):
            host = f"h{n}.example.com"
            for path in ("/docs", "/openapi.json"):
                response = get_with_host(root, path, host)
                assert response["statusCode"] == 200
                assert f"https://{host}/dev" in response["body"]
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2_000_000, f"{grown:,} bytes kept for 20 hosts"
