"""A hand-written in-memory ``FeedReader`` for the read API's tests, with the DynamoDB adapter's semantics:
newest first by ``<published_at>#<id>``, scheduled entries hidden (``sk <= now``), ``after`` exclusive, a
``last_position`` whenever a page is full (like DynamoDB's ``LastEvaluatedKey`` with ``Limit``), and DynamoDB's
refusal of a key value that is empty or longer than a sort key may be."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pressroom.models import Article, Tag
from pressroom.ports import IndexPage, StoredArticle, index_names

T0 = datetime(2029, 11, 1, 12, 0, tzinfo=UTC)


def sort_key(published_at: datetime, article_id: str) -> str:
    return f"{published_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{article_id}"


def make_article(n: int | str, **overrides: Any) -> Article:
    """A valid article; ``n`` numbers it (id ``a-<n>``, published ``n`` minutes after ``T0``)."""
    minutes = n if isinstance(n, int) else 0
    published = overrides.pop("published_at", T0 + timedelta(minutes=minutes))
    article_id = overrides.pop("id", f"a-{n}")
    data: dict[str, Any] = {
        "id": article_id,
        "slug": overrides.pop("slug", f"article-{n}"),
        "title": f"Article {n}",
        "summary": f"Summary of article {n}.",
        "body": f"<p>Body of article {n}.</p>",
        "published_at": published,
        "updated_at": overrides.pop("updated_at", published),
        "author": ["Ada Byron"],
        "section": "entertainment",
        "language": "en",
        "word_count": 120,
        "reading_time_minutes": 1,
        "tags": [Tag(name="Portmere", slug="portmere", kind="place", score=0.9)],
        "related": [],
        "status": "published",
    }
    data.update(overrides)
    return Article.model_validate(data)


class DynamoDBValidationError(Exception):
    """What the DynamoDB adapter lets through for a key DynamoDB refuses (a ``ValidationException``)."""


class InMemoryFeed:
    """The read side of the feed table, in memory; ``publish`` stands in for the pipeline's write side."""

    def __init__(self) -> None:
        self.articles: dict[str, StoredArticle] = {}
        self.slugs: dict[str, str] = {}
        self.indexes: dict[str, dict[str, Article]] = {}
        self.calls: list[str] = []

    # ------------------------------------------------------------------ write side (test setup)
    def _unindex(self, article_id: str) -> None:
        for entries in self.indexes.values():
            for key in [k for k, a in entries.items() if a.id == article_id]:
                del entries[key]

    def publish(self, article: Article, *, deleted: bool = False) -> Article:
        self._unindex(article.id)
        old = self.articles.get(article.id)
        if old is not None and old.article.slug != article.slug:
            self.slugs.pop(old.article.slug, None)
        self.articles[article.id] = StoredArticle(
            article=article, status=article.status, version=article.updated_at.isoformat(), deleted=deleted
        )
        self.slugs[article.slug] = article.id
        if article.status == "published" and not deleted:
            key = sort_key(article.published_at, article.id)
            for name in index_names(article):
                self.indexes.setdefault(name, {})[key] = article
        return article

    def withdraw(self, article_id: str) -> None:
        stored = self.articles[article_id]
        self.publish(stored.article.model_copy(update={"status": "withdrawn"}))

    def delete(self, article_id: str) -> None:
        stored = self.articles[article_id]
        self.publish(stored.article, deleted=True)

    # ------------------------------------------------------------------ FeedReader
    def get_by_slug(self, slug: str) -> StoredArticle | None:
        self.calls.append("get_by_slug")
        article_id = self.slugs.get(slug)
        return self.articles.get(article_id) if article_id else None

    def list_index(
        self, index: str, *, limit: int, after: str | None, now: datetime, since: datetime | None = None
    ) -> IndexPage:
        self.calls.append(f"list_index:{index}")
        if not 0 < len(index.encode()) <= 2048 or (after is not None and not 0 < len(after.encode()) <= 1024):
            raise DynamoDBValidationError("a key value must be a non-empty string within the key size limits")
        now_key = f"{now.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"
        since_key = f"{since.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}" if since is not None else ""
        keys = sorted(
            (
                k
                for k in self.indexes.get(index, {})
                if since_key <= k.split("#", 1)[0] <= now_key and (after is None or k < after)
            ),
            reverse=True,
        )
        page = keys[:limit]
        items = [self.indexes[index][k].summary_view() for k in page]
        return IndexPage(items=items, last_position=page[-1] if len(page) == limit else None)

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        self.calls.append("get_articles")
        return [self.articles[i].article for i in ids if i in self.articles]


# ---------------------------------------------------------------------- API Gateway REST proxy events

EVENTS = Path(__file__).resolve().parent / "events"


def rest_event(
    method: str = "GET",
    path: str = "/articles",
    *,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    template: str = "apigw_rest_get_articles.json",
) -> dict[str, Any]:
    """A real REST proxy event (from ``tests/events``) for another method, path, query and extra headers, with
    ``path``, ``resource``, ``pathParameters`` and ``requestContext`` kept consistent as API Gateway sends them."""
    event = json.loads((EVENTS / template).read_text(encoding="utf-8"))
    event["httpMethod"] = method
    event["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")} if path != "/" else None
    event["resource"] = "/{proxy+}" if path != "/" else "/"
    context = event["requestContext"]
    context["httpMethod"] = method
    context["resourcePath"] = event["resource"]
    if "path" in context:
        stage = context.get("stage")
        context["path"] = f"/{stage}{path}" if stage and stage != "local" else path
    event["queryStringParameters"] = dict(query) if query else None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    for name, value in (headers or {}).items():
        for key in [k for k in event["headers"] if k.lower() == name.lower()]:
            del event["headers"][key]
            del event["multiValueHeaders"][key]
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    return event
