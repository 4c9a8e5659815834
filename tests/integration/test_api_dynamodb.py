"""ApiFunction through its Lambda handler on moto, over articles published by the real ingest pipeline
(S3 upload -> SQS notification -> IngestFunction), with real API Gateway REST proxy events."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import feedparser
import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.config import ApiSettings
from pressroom.handlers import api, ingest
from tests.clock import NOW
from tests.conftest import Resources
from tests.fakes_api import rest_event
from tests.helpers import article, notification, put_article, s3_record, sqs_event

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_roots")]
BASE = NOW - timedelta(days=60)
HOSTILE_TITLE = "Tom & Jerry <script>alert(1)</script> ]]> 🎉 שלום עולם"
HOSTILE_BODY = "Tom & Jerry wrote <script>alert(1)</script> and ]]> with 🎉 and שלום עולם in it.\n\nA second paragraph."


def publish(resources: Resources, lambda_context: Any, key: str, title: str, **fields: Any) -> None:
    record = put_article(resources.bucket, f"incoming/{key}.json", article(title, **fields))
    response = ingest.handler(sqs_event(notification(record)), lambda_context)
    assert response["batchItemFailures"] == []


def delete(resources: Resources, lambda_context: Any, key: str) -> None:
    boto3.client("s3").delete_object(Bucket=resources.bucket, Key=f"incoming/{key}.json")
    record = s3_record(f"incoming/{key}.json", bucket=resources.bucket, removed=True, sequencer="0055AED6DCD90281F0")
    assert ingest.handler(sqs_event(notification(record)), lambda_context)["batchItemFailures"] == []


def call(lambda_context: Any, path: str, method: str = "GET", **kwargs: Any) -> tuple[int, dict[str, str], str]:
    response = api.handler(rest_event(method, path, **kwargs), lambda_context)
    headers = {k: ",".join(v) for k, v in response["multiValueHeaders"].items()}
    return response["statusCode"], headers, response["body"] or ""


def at(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def published(resources: Resources, lambda_context: Any) -> list[str]:
    for n in range(12):
        publish(resources, lambda_context, f"story-{n:02d}", f"Story number {n}", published_at=at(n), tags=["Harbour"])
    return [f"story-{n:02d}" for n in range(11, -1, -1)]


def walk(lambda_context: Any, path: str = "/articles", between: Any = None, **query: str) -> list[str]:
    seen, cursor, page = [], None, 0
    while True:
        status, _, body = call(lambda_context, path, query={**query, **({"cursor": cursor} if cursor else {})})
        assert status == 200, body
        seen += [item["id"] for item in json.loads(body)["items"]]
        cursor = json.loads(body)["next_cursor"]
        if cursor is None:
            return seen
        if between:
            between(page)
        page += 1


def test_every_route_serves_the_published_feed(published: list[str], lambda_context: Any) -> None:
    status, headers, body = call(lambda_context, "/articles")
    assert status == 200 and [i["id"] for i in json.loads(body)["items"]] == published
    assert headers["ETag"] and headers["Cache-Control"].startswith("public")

    status, _, body = call(lambda_context, "/articles/story-number-3")
    assert status == 200
    item = json.loads(body)
    assert item["id"] == "story-03" and item["body"].startswith("<p>")
    assert item["url"] == "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev/news/story-number-3"
    assert {"harbour"} <= {t["slug"] for t in item["tags"]}

    assert [i["id"] for i in json.loads(call(lambda_context, "/tags/harbour/articles")[2])["items"]] == published
    assert [
        i["id"] for i in json.loads(call(lambda_context, "/articles", query={"tag": "Harbour"})[2])["items"]
    ] == published

    for path, version in [("/feed.xml", "rss20"), ("/atom.xml", "atom10"), ("/tags/harbour/feed.xml", "rss20"),
                          ("/tags/harbour/atom.xml", "atom10")]:  # fmt: skip
        status, headers, body = call(lambda_context, path)
        parsed = feedparser.parse(body)
        assert status == 200 and not parsed.bozo and parsed.version == version, path
        assert [e.id.rsplit(":", 1)[1] for e in parsed.entries] == published
    for path in ("/feed.json", "/tags/harbour/feed.json"):
        status, headers, body = call(lambda_context, path)
        assert status == 200 and headers["Content-Type"].startswith("application/feed+json")
        assert [i["id"].rsplit(":", 1)[1] for i in json.loads(body)["items"]] == published
    status, _, body = call(lambda_context, "/openapi.json")
    assert status == 200 and "/articles/{slug}" in json.loads(body)["paths"]


def test_paging_while_publishing_returns_each_visible_article_once_in_order(
    resources: Resources, published: list[str], lambda_context: Any
) -> None:
    def publish_newer(page: int) -> None:
        publish(resources, lambda_context, f"breaking-{page}", f"Breaking news {page}", published_at=at(100 + page))

    assert walk(lambda_context, between=publish_newer, limit="5") == published
    assert walk(lambda_context, "/tags/harbour/articles", limit="5") == published
    first = json.loads(call(lambda_context, "/articles", query={"limit": "3"})[2])["items"]
    assert [i["id"] for i in first] == ["breaking-1", "breaking-0", "story-11"]


def test_drafts_scheduled_withdrawn_and_deleted(
    resources: Resources, published: list[str], lambda_context: Any
) -> None:
    publish(resources, lambda_context, "draft", "A draft story", status="draft", published_at=at(200))
    publish(resources, lambda_context, "later", "A scheduled story", published_at="2100-01-01T00:00:00Z")
    publish(resources, lambda_context, "pulled", "A pulled story", published_at=at(201))
    assert call(lambda_context, "/articles/a-pulled-story")[0] == 200
    publish(resources, lambda_context, "pulled", "A pulled story", published_at=at(201), status="withdrawn")
    publish(resources, lambda_context, "removed", "A removed story", published_at=at(202))
    delete(resources, lambda_context, "removed")

    assert call(lambda_context, "/articles/a-draft-story")[0] == 404
    assert call(lambda_context, "/articles/a-scheduled-story")[0] == 404
    assert call(lambda_context, "/articles/a-pulled-story")[:1] == (410,)
    assert json.loads(call(lambda_context, "/articles/a-pulled-story")[2])["error"] == "gone"
    assert call(lambda_context, "/articles/a-removed-story")[0] == 410
    assert call(lambda_context, "/articles/never-published")[0] == 404
    assert walk(lambda_context, limit="100") == published
    feed_ids = [i["id"].rsplit(":", 1)[1] for i in json.loads(call(lambda_context, "/feed.json")[2])["items"]]
    assert feed_ids == published


def test_cursor_tampering_through_the_handler(published: list[str], lambda_context: Any) -> None:
    cursor = json.loads(call(lambda_context, "/articles", query={"limit": "4"})[2])["next_cursor"]
    tag_cursor = json.loads(call(lambda_context, "/tags/harbour/articles", query={"limit": "4"})[2])["next_cursor"]
    bad = {
        "modified": cursor[:-4] + ("AAAA" if cursor[-4:] != "AAAA" else "BBBB"),
        "truncated": cursor[:-6],
        "foreign": tag_cursor,
    }
    for name, value in bad.items():
        status, _, body = call(lambda_context, "/articles", query={"limit": "4", "cursor": value})
        assert (status, json.loads(body)["error"]) == (400, "invalid_cursor"), name
    status, _, body = call(lambda_context, "/tags/harbour/articles", query={"cursor": cursor})
    assert (status, json.loads(body)["error"]) == (400, "invalid_cursor")


def test_errors_conditional_requests_and_cors_through_the_handler(published: list[str], lambda_context: Any) -> None:
    assert call(lambda_context, "/articles", query={"limit": "101"})[0] == 400
    assert json.loads(call(lambda_context, "/nowhere")[2])["error"] == "not_found"
    assert json.loads(call(lambda_context, "/articles", method="DELETE")[2])["error"] == "method_not_allowed"
    for path in ("/articles", "/articles/story-number-1", "/feed.xml"):
        _, headers, _ = call(lambda_context, path)
        status, again, body = call(lambda_context, path, headers={"If-None-Match": headers["ETag"]})
        assert (status, body, again["ETag"]) == (304, "", headers["ETag"])
    response = api.handler(
        rest_event("OPTIONS", "/articles", template="apigw_rest_options_preflight.json"), lambda_context
    )
    assert response["statusCode"] == 204
    assert response["multiValueHeaders"]["Access-Control-Allow-Origin"] == ["*"]


def test_configured_origins_and_public_base_url_come_from_the_environment(
    published: list[str], lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://news.example.com")
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://reader.example.com")
    api.default_root.cache_clear()
    _, headers, body = call(
        lambda_context, "/articles", query={"limit": "1"}, headers={"Origin": "https://reader.example.com"}
    )
    assert json.loads(body)["items"][0]["url"] == "https://news.example.com/news/story-number-11"
    assert headers["Access-Control-Allow-Origin"] == "https://reader.example.com"
    _, headers, _ = call(lambda_context, "/articles", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in headers


def test_local_stack_urls(published: list[str], lambda_context: Any) -> None:
    event = rest_event("GET", "/feed.json", template="apigw_rest_local_get_feed.json")
    body = json.loads(api.handler(event, lambda_context)["body"])
    assert body["feed_url"] == "http://127.0.0.1:3000/feed.json"
    assert body["items"][0]["url"] == "http://127.0.0.1:3000/news/story-number-11"


def test_hostile_article_survives_every_format_intact_and_inert(resources: Resources, lambda_context: Any) -> None:
    publish(resources, lambda_context, "hostile", HOSTILE_TITLE, body=HOSTILE_BODY, published_at=at(5))
    status, _, body = call(lambda_context, "/articles", query={"limit": "1"})
    item = json.loads(body)["items"][0]
    assert item["title"] == HOSTILE_TITLE
    whole = json.loads(call(lambda_context, f"/articles/{item['slug']}")[2])
    assert "<script" not in whole["body"] and "🎉" in whole["body"] and "שלום עולם" in whole["body"]
    for path in ("/feed.xml", "/atom.xml"):
        document = call(lambda_context, path)[2]
        assert "<script" not in document
        parsed = feedparser.parse(document)
        assert not parsed.bozo and parsed.entries[0].title == HOSTILE_TITLE, path
        content = parsed.entries[0].get("content", [{"value": parsed.entries[0].summary}])[0]["value"]
        assert "<script" not in content and "🎉" in content and "שלום עולם" in content and "&amp;" in content
    feed = json.loads(call(lambda_context, "/feed.json")[2])
    assert feed["items"][0]["title"] == HOSTILE_TITLE and "<script" not in feed["items"][0]["content_html"]


def test_every_route_is_one_get_or_query_sequence_never_a_scan(
    resources: Resources, published: list[str], lambda_context: Any
) -> None:
    client = boto3.client("dynamodb")
    operations: list[str] = []
    client.meta.events.register("before-call.dynamodb.*", lambda model, **_: operations.append(model.name))
    settings = ApiSettings.model_validate({"TABLE_NAME": resources.table})
    root = api.build_root(DynamoDBFeed(resources.table, client=client), settings)
    cursor = json.loads(api.serve(rest_event("GET", "/articles", query={"limit": "3"}), lambda_context, root)["body"])
    expected = {
        ("/articles", "limit=3"): ["Query"],
        ("/articles", f"cursor={cursor['next_cursor']}"): ["Query"],
        ("/tags/harbour/articles", ""): ["Query"],
        ("/articles/story-number-1", ""): ["GetItem", "GetItem"],
        ("/articles/unknown", ""): ["GetItem"],
        ("/feed.xml", ""): ["Query"],
        ("/tags/harbour/atom.xml", ""): ["Query"],
        ("/feed.json", ""): ["Query"],
    }
    for (path, query), calls in expected.items():
        operations.clear()
        params = dict([query.split("=", 1)]) if query else None
        response = api.serve(rest_event("GET", path, query=params), lambda_context, root)
        assert response["statusCode"] in (200, 404)
        assert operations[: len(calls)] == calls, (path, operations)
        assert "Scan" not in operations and len(operations) <= len(calls) + 1, (path, operations)
