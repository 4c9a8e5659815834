"""Small ports between the pure domain and AWS. Adapters in ``pressroom.adapters`` implement them with boto3;
tests use the hand-written fakes in ``tests/fakes.py``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from pressroom.models import Article, ArticleSummary
from pressroom.notices import ArticleEvent
from pressroom.registry import NO_RULES, KnownTag, TagRules
from pressroom.text import slugify

FEED_INDEX = "FEED"


def tag_index(tag_slug: str) -> str:
    return f"TAG#{tag_slug}"


def section_index(section_slug: str) -> str:
    return f"SECTION#{section_slug}"


def author_index(author_slug: str) -> str:
    return f"AUTHOR#{author_slug}"


def index_names(article: Article) -> tuple[str, ...]:
    """The indexes a published ``article`` is listed in: the feed, its section, each tag and each author. Part of
    the stored layout, with ``text.slugify``: an article item without an ``index`` attribute is in these (a draft's
    lists none), so a change here or in ``slugify`` would strand the entries written under the old names."""
    names = [FEED_INDEX]
    if article.section and slugify(article.section):
        names.append(section_index(slugify(article.section)))
    names.extend(tag_index(tag.slug) for tag in article.tags if tag.slug)
    names.extend(author_index(slugify(name)) for name in article.author if slugify(name))
    return tuple(dict.fromkeys(names))


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

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        """Whole articles for up to 100 ids (one BatchGetItem; any status). Unknown ids are left out."""
        ...

    def list_index(
        self, index: str, *, limit: int, after: str | None, now: datetime, since: datetime | None = None
    ) -> IndexPage:
        """Newest-first page of ``index`` (``FEED_INDEX``, ``tag_index(slug)``, ``section_index(slug)`` or
        ``author_index(slug)``) of up to ``limit`` entries, hiding entries scheduled after ``now`` and, with
        ``since``, entries published before it. ``after`` is the ``last_position`` of the previous page."""
        ...


# ---------------------------------------------------------------- write side (ingest)


@dataclass(frozen=True)
class ArticleRecord:
    """The stored state of one article id, as the ingest side needs it to decide and to write conditionally.
    ``index_rev`` is the revision whose save wrote the index entries (None: ``rev``; a promo resolution moves ``rev``
    alone)."""

    stored: StoredArticle
    rev: int
    source_key: str
    index_keys: tuple[tuple[str, str], ...] = ()
    pending_promos: tuple[str, ...] = ()
    deleted_at: str | None = None
    enrichment: str = ""
    index_rev: int | None = None


@dataclass(frozen=True)
class IndexHit:
    """An entry of a feed/tag index, without the body: enough to link to the article."""

    article_id: str
    slug: str
    title: str
    published_at: str


@dataclass(frozen=True)
class PendingPromo:
    """A promo line of a published article that did not match any headline yet."""

    article_id: str
    position: str
    headline: str


@dataclass(frozen=True)
class ArticleWrite:
    """Everything one publish/unpublish writes. ``expected_rev`` is the ``rev`` read before deciding (None: the
    article must not exist yet); the write fails with ``ConcurrentChange`` if it moved meanwhile. An empty slug (an
    article withdrawn before it was ever published) claims no slug: nothing is served under one."""

    article: Article
    status: Literal["published", "draft", "withdrawn"]
    version: str
    source_key: str
    expected_rev: int | None
    index: tuple[str, ...]
    old: ArticleRecord | None = None
    pending_promos: tuple[str, ...] = ()
    deleted_at: str | None = None
    event: ArticleEvent | None = None
    enrichment: str = ""


class ConcurrentChange(Exception):
    """The article changed between read and write; read again and decide again."""


class ArticleTooLarge(Exception):
    """The enriched article does not fit in one stored item, even compressed: bad input, never retried."""


class SlugTaken(Exception):
    """Another article owns the slug; pick another."""


class FeedStore(FeedReader, Protocol):
    """The feed table as the ingest side sees it."""

    def get_record(self, article_id: str) -> ArticleRecord | None: ...

    def slug_owner(self, slug: str) -> str | None:
        """The id of the article that owns ``slug``, or None if it is free."""
        ...

    def article_id_for_key(self, key: str, *, known: Mapping[str, ArticleRecord | None] | None = None) -> str | None:
        """The id of the article published from ``key``, or None. ``known``: records read already, by id (None: no
        article has that id), which are not read again."""
        ...

    def note_refusal(self, key: str) -> None:
        """Mark ``key`` as one a version of which was refused its id: written before the key's report says so."""
        ...

    def refusal_noted(self, key: str) -> bool:
        """Whether ``key`` was ever marked by ``note_refusal``: if not, no report of it written since the marker
        exists names a refused version, and a publish need not read the report (one GetItem instead of an S3 GET on
        every publish). A report written before the markers does not count until the key is rejected again."""
        ...

    def recent_headlines(self, limit: int) -> list[IndexHit]: ...

    def tag_neighbours(self, tag_slug: str, *, limit: int, now: datetime) -> list[IndexHit]: ...

    def pending_promos(self, limit: int) -> list[PendingPromo]: ...

    def save(self, write: ArticleWrite) -> None:
        """Write the article with its event, its slug, its source key, its index entries and its pending promos.
        The article (with its event) is stored atomically and readers never see it half-written, nor an index entry
        of an article that is missing or not served; the rest may be cut short by a fault after the article is
        stored, and is then written by the next ``save`` of the article or by ``complete``. Raises
        ``ConcurrentChange`` or ``SlugTaken`` (nothing of this version is then stored) or ``ArticleTooLarge``
        (nothing written)."""
        ...

    def complete(self, record: ArticleRecord) -> None:
        """Write whatever the ``save`` of ``record`` (the stored version, just read) left unwritten: index entries,
        pending promos. Idempotent; one read when nothing is missing. Call it when the offered version is found
        stored already (a redelivery), so a save cut short between its steps converges."""
        ...

    def resolve_promos(self, resolutions: list[tuple[ArticleRecord, Article, tuple[str, ...]]]) -> int:
        """Best effort: store each earlier article whose promos now resolve, unless it changed since its record was
        read (then it is skipped); returns how many were updated."""
        ...

    def pending_event(self, article_id: str) -> ArticleEvent | None:
        """The event the last ``save`` stored with the article (its outbox), unless it is marked sent."""
        ...

    def event_sent(self, article_id: str, event_id: str) -> None:
        """Mark ``event_id`` of ``article_id`` sent (idempotent; a later save's event stays pending)."""
        ...


class EventSink(Protocol):
    """Where article events go (EventBridge)."""

    def emit(self, events: Sequence[ArticleEvent]) -> None:
        """Send every event, or raise (a transient fault: the caller's message is retried)."""
        ...


class NoEvents:
    """An ``EventSink`` that drops events: for tools and tests that only ingest."""

    def emit(self, events: Sequence[ArticleEvent]) -> None:
        return None


@dataclass(frozen=True)
class SourceObject:
    """One version of an upload as read from S3 (``version_id`` None on an unversioned bucket)."""

    key: str
    data: bytes
    etag: str
    last_modified: datetime
    version_id: str | None = None


@dataclass(frozen=True)
class LifeVersion:
    """One version of a key's current life (see ``ArticleSource.life``); ``version_id`` ``"null"`` on an unversioned
    bucket (S3's own name for that version)."""

    version_id: str | None
    etag: str


@dataclass(frozen=True)
class Life:
    """The versions of a key since its latest deletion, oldest first (S3's current object last; none when the key is
    deleted now). ``reborn``: a delete marker comes before them, so the key had an earlier life; on an unversioned
    bucket, or a key never deleted, S3 keeps no earlier life and every stored version counts as of this one."""

    versions: tuple[LifeVersion, ...] = ()
    reborn: bool = False

    def of_earlier_life(self, etag: str) -> bool:
        """Whether a version with ``etag`` (stored, or refused) was uploaded before the key's latest deletion."""
        return self.reborn and all(v.etag != etag for v in self.versions)


class ObjectGone(Exception):
    """The object was deleted before the event was processed."""


class ObjectTooLarge(Exception):
    """The current object is over the size limit (its body is not read); ``etag`` names that object."""

    def __init__(self, size: int, etag: str | None = None) -> None:
        super().__init__(f"object is {size} bytes")
        self.size = size
        self.etag = etag


class ArticleSource(Protocol):
    """The articles bucket."""

    def fetch(self, key: str, *, max_bytes: int) -> SourceObject:
        """The current object at ``key``. Raises ``ObjectGone`` or ``ObjectTooLarge`` (without reading it all)."""
        ...

    def fetch_version(self, key: str, *, max_bytes: int, version_id: str | None, etag: str) -> SourceObject | None:
        """An earlier version of ``key`` (by version id, else by ETag), or None if it is gone."""
        ...

    def current_etag(self, key: str) -> str | None:
        """The ETag of S3's current object at ``key`` (one HeadObject), or None if there is none."""
        ...

    def life(self, key: str) -> Life:
        """The versions of ``key`` since its latest deletion (see ``Life``): one ListObjectVersions, read only when
        events arrive out of order, an upload would be stale, or the key came back after a deletion."""
        ...

    def read_rejection(self, key: str) -> dict[str, Any] | None:
        """The report of ``key``, or None."""
        ...

    def write_rejection(self, key: str, report: Mapping[str, object]) -> str:
        """Store a rejection report for ``key`` at ``rejected/<key>.error.json``; returns the report's key."""
        ...

    def clear_rejection(self, key: str) -> None:
        """Remove the report of ``key``, if any: it no longer describes a current problem."""
        ...


# ---------------------------------------------------------------- the tag registry


class RegistryChanged(Exception):
    """Another edit of the tag rules was saved since they were read: read them again and redo the edit."""


class TagRulesSource(Protocol):
    """Where the current tag rules are read (the read API needs no more)."""

    def rules(self) -> TagRules:
        """The newest saved rules (``TagRules()``, version 0, when none were ever saved)."""
        ...


class TagRegistry(TagRulesSource, Protocol):
    """The newsroom's tag registry: the known tags and the versioned rules (``pressroom.registry``)."""

    def learn(self, tags: Sequence[KnownTag]) -> int:
        """Record each of ``tags`` whose slug is not known yet; a known tag is never overwritten, not even by a
        concurrent ``learn``. Returns how many were recorded."""
        ...

    def known(self, slugs: Sequence[str]) -> dict[str, KnownTag]:
        """The known tags among ``slugs`` (at most 100), by slug."""
        ...

    def known_tags(self) -> Iterator[KnownTag]:
        """Every known tag, by slug."""
        ...

    def save_rules(self, rules: TagRules, *, expected_version: int) -> None:
        """Store ``rules`` (edited from version ``expected_version``, so of a higher version) as the newest, only if
        the newest stored is still ``expected_version``; raises ``RegistryChanged`` otherwise (nothing is written)."""
        ...


class NoRegistry:
    """A ``TagRegistry`` with no rules that remembers nothing: for tools and tests without a registry."""

    def rules(self) -> TagRules:
        return NO_RULES

    def learn(self, tags: Sequence[KnownTag]) -> int:
        return 0

    def known(self, slugs: Sequence[str]) -> dict[str, KnownTag]:
        return {}

    def known_tags(self) -> Iterator[KnownTag]:
        return iter(())

    def save_rules(self, rules: TagRules, *, expected_version: int) -> None:
        raise RegistryChanged("this registry keeps no rules")
