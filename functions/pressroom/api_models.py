"""What clients of the read API send and receive (DESIGN.md "Read API"): the query parameters (validated by
Powertools, which documents them in the OpenAPI document), and the response models, converted explicitly from the
domain models so that storage-only fields (status, versions) never leak and the OpenAPI document is exact. Every
body stays within :data:`MAX_RESPONSE_BYTES` (:func:`list_json` for the JSON lists)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from pressroom.cursor import MAX_CURSOR_CHARS
from pressroom.models import Article, ArticleSummary, Image, RelatedLink, Tag, article_url
from pressroom.reading import MAX_FILTER_CHARS, MAX_LIMIT

if TYPE_CHECKING:
    from pressroom.reading import Page

MAX_RESPONSE_BYTES = 5_000_000
"""The most a response body may weigh by :func:`payload_bytes`. Lambda refuses a response payload over 6 MB (and
API Gateway answers 502), so every route keeps its body within this, with a margin for the headers."""
_MAX_ESCAPE_BYTES = 12  # one character in ASCII JSON at most: an astral one is a surrogate pair, \ud83c\udf89


def payload_bytes(body: str) -> int:
    """What ``body`` weighs in Lambda's response payload at most: the length of its ASCII JSON encoding (the runtime
    sends the body as a JSON string, where one non-ASCII character may take 12 bytes). Never less than the body's
    UTF-8 length."""
    return len(json.dumps(body))


def payload_fits(body: str, max_bytes: int = MAX_RESPONSE_BYTES) -> bool:
    """``payload_bytes(body) <= max_bytes``, without encoding a body short enough to fit whatever it holds."""
    return len(body) * _MAX_ESCAPE_BYTES + 2 <= max_bytes or payload_bytes(body) <= max_bytes


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1-{MAX_LIMIT}.")]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CURSOR_CHARS,
        description="`next_cursor` of the previous page, exactly as received. Only valid on the list that issued it.",
    ),
]
PageCursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CURSOR_CHARS,
        description="Where the previous page ended (the page's own `Older articles` link). Only valid on that list.",
    ),
]
TagFilter = Annotated[
    str | None,
    Query(
        max_length=MAX_FILTER_CHARS,
        description="Only articles with this tag (matched by slug, e.g. `zoe-saldana`). Not combinable with `section`.",
    ),
]
SectionFilter = Annotated[
    str | None,
    Query(
        max_length=MAX_FILTER_CHARS,
        description="Only articles of this section (e.g. `entertainment`). Not combinable with `tag`.",
    ),
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ArticleSummaryOut(_Out):
    """An article in a list: everything but the body and the related links."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "harbour-lights",
                    "slug": "harbour-lights-festival-returns-to-portmere",
                    "url": "https://news.example.com/news/harbour-lights-festival-returns-to-portmere",
                    "title": "Harbour lights festival returns to Portmere",
                    "summary": "The festival returns this weekend.",
                    "published_at": "2026-11-25T09:30:00Z",
                    "updated_at": "2026-11-25T09:30:00Z",
                    "author": ["Ada Byron"],
                    "section": "entertainment",
                    "language": "en",
                    "word_count": 412,
                    "reading_time_minutes": 2,
                    "tags": [
                        {
                            "name": "Portmere",
                            "slug": "portmere",
                            "kind": "place",
                            "score": 0.9,
                            "provenance": "extracted",
                        }
                    ],
                    "image": None,
                }
            ]
        },
    )

    id: str
    slug: str
    url: str = Field(description="Public URL of the article's HTML page: `<public base URL>/news/<slug>`.")
    title: str = Field(description="Plain text.")
    summary: str = Field(description="Plain text, never markup: escape it to show it in HTML.")
    published_at: datetime = Field(description="RFC 3339, UTC.")
    updated_at: datetime = Field(description="RFC 3339, UTC.")
    author: list[str]
    section: str | None
    language: str
    word_count: int = Field(ge=0)
    reading_time_minutes: int = Field(ge=0)
    tags: list[Tag] = Field(description="Best first.")
    image: Image | None = None

    @classmethod
    def from_summary(cls, summary: ArticleSummary, base_url: str) -> ArticleSummaryOut:
        data = summary.model_dump(include=set(cls.model_fields))
        data["url"] = article_url(base_url, summary.slug)
        return cls.model_validate(data)


class ArticleOut(ArticleSummaryOut):
    """A whole article."""

    body: str = Field(description="Sanitised HTML.")
    related: list[RelatedLink] = Field(description="Related links: editor links, resolved promos, computed.")
    canonical_url: str | None = None

    @classmethod
    def from_article(cls, article: Article, base_url: str) -> ArticleOut:
        served = article.with_urls(base_url)
        return cls.model_validate(served.model_dump(include=set(cls.model_fields)))


class ArticleList(_Out):
    """A page of articles, newest first."""

    items: list[ArticleSummaryOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page. Opaque and tamper-evident."
    )


ErrorCode = Literal[
    "invalid_limit",
    "invalid_cursor",
    "invalid_filter",
    "invalid_request",
    "not_found",
    "gone",
    "method_not_allowed",
    "internal_error",
]


class ErrorOut(_Out):
    """Every error response: a stable machine code and a message saying what to fix."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"error": "invalid_limit", "message": "limit must be between 1 and 100"}]},
    )

    error: ErrorCode
    message: str


class JsonFeedAuthor(_Out):
    name: str


class JsonFeedItem(_Out):
    """A JSON Feed 1.1 item (https://www.jsonfeed.org/version/1.1/)."""

    id: str
    url: str
    title: str
    content_html: str = Field(description="The sanitised body, or the summary and a link when it does not fit.")
    summary: str | None = Field(default=None, description="Plain text; left out when empty.")
    date_published: str = Field(description="RFC 3339.")
    date_modified: str = Field(description="RFC 3339.")
    authors: list[JsonFeedAuthor] | None = Field(default=None, min_length=1, description="Left out when none.")
    tags: list[str] | None = Field(default=None, min_length=1, description="Left out when none.")
    language: str
    image: str | None = None


class JsonFeed(_Out):
    """A JSON Feed 1.1 document. Optional members with nothing to say are left out, never empty."""

    version: Literal["https://jsonfeed.org/version/1.1"] = "https://jsonfeed.org/version/1.1"
    title: str
    home_page_url: str
    feed_url: str
    description: str
    language: str
    items: list[JsonFeedItem]

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def _json(model: BaseModel) -> str:
    return json.dumps(model.model_dump(mode="json"), separators=(",", ":"))


def article_json(article: Article, base_url: str) -> str:
    """The article as ``/articles/{slug}`` serves it (compact JSON)."""
    return _json(ArticleOut.from_article(article, base_url))


def _page_json(page: Page, base_url: str) -> str:
    items = [ArticleSummaryOut.from_summary(s, base_url) for s in page.items]
    return _json(ArticleList(items=items, next_cursor=page.next_cursor))


def list_json(read: Callable[[int], Page], limit: int, base_url: str) -> str:
    """The ``ArticleList`` of the page ``read(limit)`` returns, within ``MAX_RESPONSE_BYTES``: a page whose items
    would weigh more is read again with as many items as fit (at least one), so its ``next_cursor`` goes on right
    after the last one shown."""
    page = read(limit)
    body = _page_json(page, base_url)
    if payload_fits(body):
        return body
    room, fitting = MAX_RESPONSE_BYTES - 2 * MAX_CURSOR_CHARS, 0
    for summary in page.items:
        room -= payload_bytes(_json(ArticleSummaryOut.from_summary(summary, base_url))) + 1
        if room < 0:
            break
        fitting += 1
    return _page_json(read(max(fitting, 1)), base_url)
