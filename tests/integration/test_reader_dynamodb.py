"""The reader side on moto: the author index the pipeline writes, the author, section and tag pages and feeds and the
sitemaps over it, and the feed table's Query behaviour the sitemaps rely on (pages past DynamoDB's 1 MB response,
a lower time bound) - with only Query and GetItem."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.handlers import api, ingest
from pressroom.models import Article
from pressroom.ports import FEED_INDEX, ArticleWrite, author_index, index_names
from tests.clock import NOW
from tests.conftest import Resources
from tests.fakes_api import make_article, rest_event
from tests.helpers import article, notification, put_article, sqs_event

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_roots")]
BASE = NOW - timedelta(hours=30)


def publish(resources: Resources, lambda_context: Any, key: str, title: str, **fields: Any) -> None:
    record = put_article(resources.bucket, f"incoming/{key}.json", article(title, **fields))
    assert ingest.handler(sqs_event(notification(record)), lambda_context)["batchItemFailures"] == []


def call(lambda_context: Any, path: str) -> tuple[int, dict[str, str], str]:
    response = api.handler(rest_event("GET", path), lambda_context)
    return (
        response["statusCode"],
        {k: ",".join(v) for k, v in response["multiValueHeaders"].items()},
        response["body"] or "",
    )


def at(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def test_the_pipeline_indexes_each_author_and_the_author_page_and_feeds_read_it(
    resources: Resources, lambda_context: Any
) -> None:
    publish(resources, lambda_context, "one", "The harbour reopens", author="Zoë Saldaña", published_at=at(1))
    publish(resources, lambda_context, "two", "The cup final", author=["Ada Byron", "Zoë Saldaña"], published_at=at(2))
    publish(resources, lambda_context, "three", "The weather", author="Ada Byron", published_at=at(3))
    store = DynamoDBFeed(resources.table)
    slugs = [s.slug for s in store.list_index(author_index("zoe-saldana"), limit=10, after=None, now=NOW).items]
    assert slugs == ["the-cup-final", "the-harbour-reopens"]

    status, headers, body = call(lambda_context, "/authors/zoe-saldana")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "The cup final" in body and "The harbour reopens" in body and "The weather" not in body
    assert "<h1>Zoë Saldaña</h1>" in body
    status, _, body = call(lambda_context, "/authors/ada-byron/atom.xml")
    parsed = feedparser.parse(body)
    assert status == 200 and not parsed.bozo
    assert [e.title for e in parsed.entries] == ["The weather", "The cup final"]
    assert parsed.feed.title == "Pressroom: Ada Byron"


def test_section_pages_feeds_and_sitemaps_over_the_table(resources: Resources, lambda_context: Any) -> None:
    publish(resources, lambda_context, "old", "An old story", section="Sport", published_at=at(-60 * 24 * 40))
    publish(resources, lambda_context, "new", "A new story", section="Sport", published_at=at(5))
    status, _, body = call(lambda_context, "/sections/sport/feed.json")
    document = json.loads(body)
    assert status == 200 and [i["title"] for i in document["items"]] == ["A new story", "An old story"]
    assert document["home_page_url"].endswith("/dev/sections/sport")
    status, _, body = call(lambda_context, "/sitemap.xml")
    assert status == 200 and body.count("<url>") == 3
    status, _, body = call(lambda_context, "/news-sitemap.xml")
    assert status == 200 and "A new story" in body and "An old story" not in body


def heavy(n: int) -> Article:
    """An article whose index entry weighs about 20 kB (DynamoDB answers at most 1 MB per Query)."""
    return make_article(
        n,
        title="🎉" * 300,
        summary="🎉" * 1000,
        author=["🎉" * 200] * 20,
        published_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=n),
    )


def store_all(store: DynamoDBFeed, articles: list[Article]) -> None:
    for a in articles:
        write = ArticleWrite(a, "published", "v1", f"incoming/{a.id}.json", None, index_names(a))
        store.save(write)


def test_a_page_of_index_entries_past_one_mb_is_complete_and_paging_sees_every_entry(resources: Resources) -> None:
    store = DynamoDBFeed(resources.table)
    store_all(store, [heavy(n) for n in range(70)])
    page = store.list_index(FEED_INDEX, limit=60, after=None, now=NOW)
    assert [s.id for s in page.items] == [f"a-{n}" for n in range(69, 9, -1)]
    assert page.last_position is not None
    rest = store.list_index(FEED_INDEX, limit=60, after=page.last_position, now=NOW)
    assert [s.id for s in rest.items] == [f"a-{n}" for n in range(9, -1, -1)] and rest.last_position is None


def test_since_bounds_a_query_below(resources: Resources) -> None:
    store = DynamoDBFeed(resources.table)
    start = datetime(2021, 3, 1, tzinfo=UTC)
    moments = [start - timedelta(microseconds=1), start, start + timedelta(days=3), start + timedelta(days=40)]
    store_all(store, [make_article(n, published_at=m) for n, m in enumerate(moments)])
    end = datetime(2021, 4, 1, tzinfo=UTC) - timedelta(microseconds=1)
    within = store.list_index(FEED_INDEX, limit=10, after=None, now=end, since=start)
    assert [s.id for s in within.items] == ["a-2", "a-1"] and within.last_position is None
    first = store.list_index(FEED_INDEX, limit=1, after=None, now=end, since=start)
    assert [s.id for s in first.items] == ["a-2"] and first.last_position is not None
    second = store.list_index(FEED_INDEX, limit=5, after=first.last_position, now=end, since=start)
    assert [s.id for s in second.items] == ["a-1"]
