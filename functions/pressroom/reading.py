"""Read use-cases of the API, pure of HTTP: list an index page, get an article by slug, gather a feed.

Every use-case is one ``FeedReader`` call sequence of fixed size (one Query, or two GetItems, plus at most one
batch read of the feed's bodies), so its cost does not depend on how many articles the feed holds.

Visibility rules (DESIGN.md): lists only ever show published articles that are due; by slug,
an unknown slug, a draft or a scheduled article that is not yet due is *not found*, and a withdrawn (or deleted)
article that readers could once see is *gone*.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pressroom.cursor import CursorCodec
from pressroom.models import Article, ArticleSummary
from pressroom.ports import FEED_INDEX, FeedReader, section_index, tag_index
from pressroom.text import slugify

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
FEED_SIZE = 50
MAX_FILTER_CHARS = 200
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")  # every slug the pipeline stores (``pressroom.models.Slug``)


class ArticleNotFound(LookupError):
    """No article readers may see has this slug (unknown, draft, or scheduled and not yet due)."""


class ArticleGone(LookupError):
    """The article was published once and has been withdrawn or deleted."""


class InvalidFilter(ValueError):
    """The list filters cannot be served (e.g. ``tag`` and ``section`` together)."""


class UnknownTag(LookupError):
    """A tag route names what cannot be a tag: nothing a slug keeps (``!!!``), or longer than any tag's name."""


@dataclass(frozen=True)
class Page:
    """One page of a list, newest first, with the cursor of the next page (None on the last page)."""

    index: str
    items: list[ArticleSummary]
    next_cursor: str | None


@dataclass(frozen=True)
class FeedEntry:
    """An article as a feed shows it: its summary, and its body when the store could provide it."""

    summary: ArticleSummary
    article: Article | None


def utc_now() -> datetime:
    return datetime.now(UTC)


def list_index_for(*, tag: str | None = None, section: str | None = None) -> str | None:
    """The index serving ``/articles`` with these filters; None when the filter can match nothing.

    ``tag`` and ``section`` are matched by slug (``Zoë Saldaña`` finds ``zoe-saldana``). Combining both would need an
    intersection of two indexes, whose cost grows with the feed, so it is refused with :class:`InvalidFilter`.
    """
    if tag is not None and section is not None:
        raise InvalidFilter("use either tag or section, not both (combining them is not supported)")
    if tag is not None:
        slug = slugify(tag)
        return tag_index(slug) if slug else None
    if section is not None:
        slug = slugify(section)
        return section_index(slug) if slug else None
    return FEED_INDEX


def tag_route_index(tag: str) -> str:
    """The index of ``/tags/{tag}/…``: the tag matched by slug like ``?tag=``; raises :class:`UnknownTag` when the
    segment cannot name a tag (longer than ``MAX_FILTER_CHARS`` or with no letter or digit a slug keeps)."""
    slug = slugify(tag) if len(tag) <= MAX_FILTER_CHARS else ""
    if not slug:
        raise UnknownTag(f"no tag can be named {tag[:80]!r}; tags are matched by slug, e.g. /tags/zoe-saldana/articles")
    return tag_index(slug)


class ReadService:
    """The read use-cases over a ``FeedReader``; ``clock`` decides which scheduled articles are due."""

    def __init__(self, reader: FeedReader, cursors: CursorCodec, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._reader = reader
        self._cursors = cursors
        self._clock = clock

    def list_articles(self, index: str | None, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Page:
        """A page of ``index`` (None: an index that cannot exist, so an empty page) after ``cursor``.

        Raises ``InvalidCursor`` for a modified, truncated or foreign cursor and ``ValueError`` for a bad limit.
        Pages are keyset pages: articles published meanwhile appear at the top of the list, never inside a walk.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        key = index if index is not None else tag_index("")
        after = self._cursors.decode(cursor, index=key) if cursor is not None else None
        if index is None:
            return Page(index=key, items=[], next_cursor=None)
        page = self._reader.list_index(index, limit=limit, after=after, now=self._clock())
        next_cursor = self._cursors.encode(index, page.last_position) if page.last_position and page.items else None
        return Page(index=index, items=page.items, next_cursor=next_cursor)

    def get_article(self, slug: str) -> Article:
        """The article readers may see at ``slug``; raises :class:`ArticleNotFound` or :class:`ArticleGone`. What
        cannot be a slug is not found without a read."""
        if not _SLUG.fullmatch(slug):
            raise ArticleNotFound(f"no article has the slug {slug[:80]!r}")
        stored = self._reader.get_by_slug(slug)
        if stored is None or stored.status == "draft":
            raise ArticleNotFound(f"no article has the slug {slug!r}")
        if stored.article.published_at > self._clock():
            raise ArticleNotFound(f"no article has the slug {slug!r}")
        if stored.status == "withdrawn" or stored.deleted:
            raise ArticleGone(f"the article {slug!r} has been withdrawn")
        return stored.article

    def feed(self, index: str | None, *, size: int = FEED_SIZE) -> list[FeedEntry]:
        """The newest ``size`` visible articles of ``index`` with their bodies (one Query + one batch read)."""
        if index is None:
            return []
        summaries = self._reader.list_index(index, limit=size, after=None, now=self._clock()).items
        bodies = {a.id: a for a in self._reader.get_articles([s.id for s in summaries])} if summaries else {}
        return [
            FeedEntry(summary=s, article=bodies.get(s.id))
            for s in summaries
            if s.id not in bodies or bodies[s.id].status == "published"
        ]
