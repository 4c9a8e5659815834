"""Read use-cases of the API, pure of HTTP: list an index page, get an article by slug, gather a feed.

Every use-case is one ``FeedReader`` call sequence of fixed size (one Query, or two GetItems, plus at most one
batch read of the feed's bodies), so its cost does not depend on how many articles the feed holds; the one
exception is the sitemap index of a feed too large for one sitemap (one Query per month that has articles).

Visibility rules (DESIGN.md): lists only ever show published articles that are due; by slug,
an unknown slug, a draft or a scheduled article that is not yet due is *not found*, and a withdrawn (or deleted)
article that readers could once see is *gone*.

Merged and renamed tags (the tag registry, ``pressroom.registry``): a tag route that names an alias slug is
:class:`TagMoved` to its canonical tag (the API answers with a redirect), and ``?tag=`` of an alias lists the
canonical tag; reading the rules is one small GetItem, and only tag routes read them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from pressroom.cursor import CursorCodec
from pressroom.links import Listing, ListingKind
from pressroom.models import Article, ArticleSummary
from pressroom.ports import FEED_INDEX, FeedReader, TagRulesSource, section_index, tag_index
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


class TagMoved(LookupError):
    """A tag route names a tag that was merged into another or renamed: ``listing`` is the canonical tag's list."""

    def __init__(self, listing: Listing) -> None:
        super().__init__(f"this tag is now {listing.slug!r}")
        self.listing = listing


class UnknownName(LookupError):
    """A tag, section or author route names what cannot be one: nothing a slug keeps (``!!!``), or longer than any
    name."""


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


_EXAMPLES = {"tag": "/tags/zoe-saldana/articles", "section": "/sections/sport", "author": "/authors/ada-byron"}


def listing_for(kind: ListingKind, segment: str) -> Listing:
    """The list a ``/tags/{tag}…``, ``/sections/{section}…`` or ``/authors/{author}…`` route names, matched by slug
    like ``?tag=``; raises :class:`UnknownName` when the segment cannot name one (longer than ``MAX_FILTER_CHARS``
    or with no letter or digit a slug keeps)."""
    slug = slugify(segment) if len(segment) <= MAX_FILTER_CHARS else ""
    if not slug:
        raise UnknownName(
            f"no {kind} can be named {segment[:80]!r}; {kind}s are matched by slug, e.g. {_EXAMPLES[kind]}"
        )
    return Listing(kind, slug)


def named(listing: Listing, summaries: Iterable[ArticleSummary]) -> Listing:
    """``listing`` with the name its articles give it (the tag's, the section's or the author's as written), or the
    slug: never the raw route segment, so what a client typed is not reflected into a page or a feed."""
    slug = listing.slug
    for s in summaries:
        if listing.kind == "tag":
            names = [t.name for t in s.tags if t.slug == slug]
        elif listing.kind == "section":
            names = [s.section] if s.section and slugify(s.section) == slug else []
        elif listing.kind == "author":
            names = [a for a in s.author if slugify(a) == slug]
        else:
            return listing
        if names:
            return replace(listing, name=names[0])
    return replace(listing, name=listing.name or slug)


def month_start(moment: datetime | date) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


@dataclass(frozen=True)
class SiteMap:
    """What ``/sitemap.xml`` lists: every article (``complete``) when they fit in one sitemap, else the months that
    have articles, newest first (the first day of each, UTC), each a sitemap of its own."""

    articles: list[ArticleSummary]
    months: list[datetime]

    @property
    def complete(self) -> bool:
        return not self.months


class ReadService:
    """The read use-cases over a ``FeedReader``; ``clock`` decides which scheduled articles are due, ``tags`` (the
    tag registry's rules; none: no tag was ever merged) which tag slugs are aliases of another tag."""

    def __init__(
        self,
        reader: FeedReader,
        cursors: CursorCodec,
        *,
        clock: Callable[[], datetime] = utc_now,
        tags: TagRulesSource | None = None,
    ) -> None:
        self._reader = reader
        self._cursors = cursors
        self._clock = clock
        self._tags = tags

    def _canonical(self, tag_slug: str) -> str:
        return self._tags.rules().canonical(tag_slug) if self._tags is not None else tag_slug

    def tag_listing(self, segment: str) -> Listing:
        """The tag a ``/tags/{tag}…`` route names (matched by slug, as :func:`listing_for`). Raises
        :class:`TagMoved` when the slug is an alias (a tag merged into another, or renamed), so that old links and
        feed subscriptions reach the canonical tag, and :class:`UnknownName` when the segment names no tag."""
        listing = listing_for("tag", segment)
        canonical = self._canonical(listing.slug)
        if canonical != listing.slug:
            raise TagMoved(Listing("tag", canonical))
        return listing

    def index_for(self, *, tag: str | None = None, section: str | None = None) -> str | None:
        """:func:`list_index_for`, where a tag that is an alias lists its canonical tag."""
        index = list_index_for(tag=tag, section=section)
        if tag is None or index is None:
            return index
        return tag_index(self._canonical(slugify(tag)))

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

    def now(self) -> datetime:
        return self._clock()

    def site_map(self, *, max_articles: int) -> SiteMap:
        """Every visible article when at most ``max_articles`` (one Query), else the months that have articles: one
        Query of one entry per such month, each finding the newest article before the month found last."""
        now = self._clock()
        page = self._reader.list_index(FEED_INDEX, limit=max_articles, after=None, now=now)
        if page.last_position is None:
            return SiteMap(articles=page.items, months=[])
        months: list[datetime] = []
        bound = now
        while newest := self._reader.list_index(FEED_INDEX, limit=1, after=None, now=bound).items:
            months.append(month_start(newest[0].published_at))
            bound = months[-1] - timedelta(microseconds=1)
        return SiteMap(articles=[], months=months)

    def month(self, start: datetime, *, max_articles: int) -> list[ArticleSummary]:
        """The newest ``max_articles`` visible articles published in the month that begins at ``start`` (one Query;
        none for a month that has not begun)."""
        now = min(self._clock(), next_month(start) - timedelta(microseconds=1))
        if now < start:
            return []
        return self._reader.list_index(FEED_INDEX, limit=max_articles, after=None, now=now, since=start).items

    def recent(self, *, within: timedelta, limit: int) -> list[ArticleSummary]:
        """The newest ``limit`` visible articles published in the last ``within`` (one Query)."""
        now = self._clock()
        return self._reader.list_index(FEED_INDEX, limit=limit, after=None, now=now, since=now - within).items

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
