"""Small ports between the pure domain and AWS. Adapters in ``pressroom.adapters`` implement them with boto3;
tests use the hand-written fakes in ``tests/fakes.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pressroom.models import Article, ArticleSummary

FEED_INDEX = "FEED"


def tag_index(tag_slug: str) -> str:
    return f"TAG#{tag_slug}"


def section_index(section_slug: str) -> str:
    return f"SECTION#{section_slug}"


@dataclass(frozen=True)
class StoredArticle:
    """What the store knows of an article id: its latest version, even when withdrawn or a draft."""

    article: Article
    status: Literal["published", "draft", "withdrawn"]
    version: str
    deleted: bool = False


@dataclass(frozen=True)
class IndexPage:
    """One page of an index, newest first. ``last_position`` is set when more items may follow; pass it back as
    ``after`` to get the next page. Positions are the index's sort keys: opaque to callers, never shown raw."""

    items: list[ArticleSummary]
    last_position: str | None


class FeedReader(Protocol):
    """Read side of the feed table: every method is one GetItem or Query, never a Scan."""

    def get_by_slug(self, slug: str) -> StoredArticle | None:
        """The article that owns ``slug`` (any status), or None if the slug is unknown."""
        ...

    def list_index(self, index: str, *, limit: int, after: str | None, now: datetime) -> IndexPage:
        """Newest-first page of ``index`` (``FEED_INDEX``, ``tag_index(slug)`` or ``section_index(slug)``),
        hiding entries scheduled after ``now``. ``after`` is the ``last_position`` of the previous page."""
        ...
