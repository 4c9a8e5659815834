"""Ingest use-cases: one S3 event in, one outcome out. Pure decisions, AWS behind the ports.

An upload is read from S3 at its *current* version (S3 is the source of truth), validated, enriched and written with
one conditional transaction. Ordering: a version is ``updated_at | S3 LastModified | content hash``; an older one
never overwrites a newer one, the same one twice is a no-op, and a write that races another is decided again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from pressroom.cleaning import CleanBody, clean_body, count_words, derive_summary, reading_time_minutes
from pressroom.events import S3EventRecord
from pressroom.models import MAX_OBJECT_BYTES, Article, ArticleUpload, RelatedLink, Tag
from pressroom.parsing import ErrorDetail, UploadRejected, object_too_large, parse_upload
from pressroom.ports import (
    FEED_INDEX,
    ArticleRecord,
    ArticleSource,
    ArticleTooLarge,
    ArticleWrite,
    ConcurrentChange,
    FeedStore,
    IndexHit,
    ObjectGone,
    ObjectTooLarge,
    SlugTaken,
    SourceObject,
    section_index,
    tag_index,
)
from pressroom.relating import COMPUTED_LIMIT, match_headline, rank_related
from pressroom.tagging import extract_tags
from pressroom.text import slugify

INCOMING_PREFIX = "incoming/"
MAX_ATTEMPTS = 8
MAX_SLUG_SUFFIX = 1000
HEADLINE_WINDOW = 200
NEIGHBOUR_DEPTH = 50
PENDING_PROMO_WINDOW = 200


class Outcome(StrEnum):
    PUBLISHED = "published"
    STORED_DRAFT = "draft"
    UNPUBLISHED = "unpublished"
    DUPLICATE = "duplicate"
    STALE = "stale"
    REJECTED = "rejected"
    GONE = "gone"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    key: str
    article_id: str | None = None
    detail: str = ""


@dataclass
class Ingest:
    """The ingest use-case with its dependencies (the composition root builds one per cold start)."""

    source: ArticleSource
    store: FeedStore
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def handle(self, record: S3EventRecord) -> Result:
        """Process one S3 event record. Bad input ends in a rejection report; transient AWS errors propagate.

        The *current* object is read (a deleted object is never published, whatever order events come in). If the
        event is about an earlier upload of the key, that upload is considered too: of the two, the newer by
        ``updated_at`` is kept, so versions uploaded in reverse order still end at the newest."""
        key = record.key
        ref = record.s3.object
        if not key.startswith(INCOMING_PREFIX) or key.endswith("/"):
            return Result(Outcome.IGNORED, key, detail="not an upload under incoming/")
        if record.is_removal and not self.source.exists(key):
            return self.unpublish_deleted(key, record.event_time)
        if not record.is_removal and ref.size is not None and ref.size > MAX_OBJECT_BYTES:
            return self.reject(key, ref.etag, object_too_large(ref.size))
        try:
            obj = self.source.fetch(key, max_bytes=MAX_OBJECT_BYTES)
        except ObjectGone:
            return Result(Outcome.GONE, key, detail="object deleted before the event was processed")
        except ObjectTooLarge as e:
            return self.reject(key, ref.etag, object_too_large(e.size))
        if not record.is_removal and ref.etag and ref.etag.strip('"') != obj.etag:
            self._publish_superseded(key, ref.version_id, ref.etag)
        try:
            upload = parse_upload(obj.data, key)
        except UploadRejected as e:
            return self.reject(key, obj.etag, e)
        try:
            return self.publish(upload, obj)
        except ArticleTooLarge as e:
            return self.reject(
                key, obj.etag, UploadRejected([ErrorDetail("body", f"{e}; shorten the body", "too_large")])
            )

    def _publish_superseded(self, key: str, version_id: str | None, etag: str) -> None:
        """Offer the earlier upload an event names to ``publish``: it wins only if its ``updated_at`` is newer."""
        try:
            earlier = self.source.fetch_version(key, max_bytes=MAX_OBJECT_BYTES, version_id=version_id, etag=etag)
            if earlier is not None:
                self.publish(parse_upload(earlier.data, key), earlier)
        except (ObjectTooLarge, UploadRejected):
            pass  # superseded by the current object, which is what gets published or reported

    def reject(self, key: str, etag: str | None, error: UploadRejected) -> Result:
        report = {
            "key": key,
            "etag": etag,
            "received_at": self.clock().isoformat(timespec="seconds").replace("+00:00", "Z"),
            "errors": [e.as_dict() for e in error.errors],
        }
        report_key = self.source.write_rejection(key, report)
        return Result(Outcome.REJECTED, key, detail=f"{error} (report: {report_key})")

    def publish(self, upload: ArticleUpload, obj: SourceObject) -> Result:
        """Store ``upload`` as the article's newest version unless a newer or equal one is stored already."""
        now = self.clock()
        clean = clean_body(upload.body)
        updated_at = upload.updated_at or obj.last_modified.astimezone(UTC)
        version = version_key(updated_at, obj.last_modified, obj.data)
        tags = extract_tags(upload.title, clean.text, upload.tags)
        indexed = upload.status == "published"
        related, pending = self._relate(upload, clean, tags) if indexed else ([], ())
        taken: set[str] = set()
        for _ in range(MAX_ATTEMPTS):
            current = self.store.get_record(upload.article_id)
            verdict = decide(current, version)
            if verdict is not None:
                return Result(verdict, obj.key, upload.article_id)
            if current and current.stored.deleted and not self.source.exists(obj.key):
                return Result(
                    Outcome.STALE, obj.key, upload.article_id, detail="the object was deleted after it was read"
                )
            base = preferred_slug(upload, current)
            slug = choose_slug(base, taken)
            article = build_article(upload, clean, tags, related, slug=slug, updated_at=updated_at)
            index = index_names(article) if indexed else ()
            write = ArticleWrite(
                article=article,
                status=upload.status,
                version=version,
                source_key=obj.key,
                expected_rev=current.rev if current else None,
                index=index,
                old=current,
                pending_promos=pending,
            )
            try:
                self.store.save(write)
            except SlugTaken:
                taken.add(slug)
                taken.update(self._taken_after(base, upload.article_id))
                continue
            except ConcurrentChange:
                continue
            if indexed and article.published_at <= now:
                self._resolve_earlier_promos(article)
            outcome = {"published": Outcome.PUBLISHED, "draft": Outcome.STORED_DRAFT}.get(
                upload.status, Outcome.UNPUBLISHED
            )
            return Result(outcome, obj.key, upload.article_id, detail=f"slug {slug}")
        raise ConcurrentChange(f"{upload.article_id}: still contended after {MAX_ATTEMPTS} attempts")

    def _taken_after(self, base: str, article_id: str) -> set[str]:
        """The run of suffixed slugs (``slug-2``, ``slug-3`` …) other articles own already (GetItems, no writes)."""
        taken: set[str] = set()
        for n in range(2, MAX_SLUG_SUFFIX):
            candidate = f"{base}-{n}"
            owner = self.store.slug_owner(candidate)
            if owner is None or owner == article_id:
                break
            taken.add(candidate)
        return taken

    def unpublish_deleted(self, key: str, deleted_at: datetime) -> Result:
        """The object is gone: take its article out of the feed (its id and slug stay known, for 410s)."""
        article_id = self.store.article_id_for_key(key)
        if article_id is None:
            return Result(Outcome.IGNORED, key, detail="no article was published from this key")
        for _ in range(MAX_ATTEMPTS):
            current = self.store.get_record(article_id)
            if current is None or current.source_key != key:
                return Result(Outcome.IGNORED, key, article_id, detail="the article now comes from another key")
            if current.stored.deleted:
                return Result(Outcome.DUPLICATE, key, article_id, detail="already unpublished")
            write = ArticleWrite(
                article=current.stored.article.model_copy(update={"status": "withdrawn"}),
                status="withdrawn",
                version=current.stored.version,
                source_key=key,
                expected_rev=current.rev,
                index=(),
                old=current,
                deleted_at=_second_key(deleted_at),
            )
            try:
                self.store.save(write)
            except ConcurrentChange:
                continue
            return Result(Outcome.UNPUBLISHED, key, article_id, detail="object deleted")
        raise ConcurrentChange(f"{article_id}: still contended after {MAX_ATTEMPTS} attempts")

    def _relate(
        self, upload: ArticleUpload, clean: CleanBody, tags: list[Tag]
    ) -> tuple[list[RelatedLink], tuple[str, ...]]:
        related: list[RelatedLink] = []
        pending: list[str] = []
        if clean.promos:
            headlines = self.store.recent_headlines(HEADLINE_WINDOW)
            for promo in clean.promos:
                hit = match_headline(promo.headline, headlines, exclude_id=upload.article_id)
                if hit is None:
                    pending.append(promo.headline)
                elif all(link.slug != hit.slug for link in related):
                    related.append(RelatedLink(title=hit.title, url=None, slug=hit.slug, source="promo"))
        related.extend(RelatedLink(title=link.title, url=link.url, source="link") for link in upload.links)
        topical = [t for t in tags if t.kind != "editorial"] or tags
        if topical:
            top = max(t.score for t in topical) or 1.0
            now = self.clock()
            neighbours = {t.slug: self.store.tag_neighbours(t.slug, limit=NEIGHBOUR_DEPTH, now=now) for t in topical}
            weights = {t.slug: 0.5 + t.score / top for t in topical}
            seen = {link.slug for link in related if link.slug}
            ranked = rank_related(upload.article_id, neighbours, weights=weights, limit=COMPUTED_LIMIT + len(seen))
            fresh = [hit for hit in ranked if hit.slug not in seen][:COMPUTED_LIMIT]
            related.extend(RelatedLink(title=hit.title, url=None, slug=hit.slug, source="computed") for hit in fresh)
        return related, tuple(pending)

    def _resolve_earlier_promos(self, article: Article) -> None:
        me = IndexHit(article.id, article.slug, article.title, article.published_at.isoformat())
        matches: dict[str, list[str]] = {}
        for promo in self.store.pending_promos(PENDING_PROMO_WINDOW):
            if promo.article_id != article.id and match_headline(promo.headline, [me]):
                matches.setdefault(promo.article_id, []).append(promo.position)
        resolutions: list[tuple[ArticleRecord, Article, tuple[str, ...]]] = []
        for earlier_id, positions in matches.items():
            record = self.store.get_record(earlier_id)
            if record is None or record.stored.deleted:
                continue
            earlier = record.stored.article
            link = RelatedLink(title=article.title, url=None, slug=article.slug, source="promo")
            related = (
                [*earlier.related, link] if all(r.slug != article.slug for r in earlier.related) else earlier.related
            )
            resolutions.append((record, earlier.model_copy(update={"related": related}), tuple(positions)))
        if resolutions:
            self.store.resolve_promos(resolutions)


def decide(current: ArticleRecord | None, version: str) -> Outcome | None:
    """None if ``version`` may be written over ``current``; else why not (duplicate or stale).

    After a deletion, an upload of the same or a newer ``updated_at`` publishes again (the caller checks that the
    object still exists, so a read that the deletion superseded cannot bring the article back)."""
    if current is None:
        return None
    stored = current.stored
    if stored.deleted:
        return Outcome.STALE if version.split("|")[0] < stored.version.split("|")[0] else None
    if version == stored.version:
        return Outcome.DUPLICATE
    return Outcome.STALE if version < stored.version else None


def version_key(updated_at: datetime, last_modified: datetime, data: bytes) -> str:
    """A string that sorts like versions: the editor's ``updated_at``, then S3's LastModified, then the content."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    return f"{updated_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}|{_second_key(last_modified)}|{digest}"


def _second_key(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def preferred_slug(upload: ArticleUpload, current: ArticleRecord | None) -> str:
    """The editor's slug, else the one the article already has (URLs stay stable), else one from the title."""
    return (
        upload.slug or (current.stored.article.slug if current else None) or slugify(upload.title) or upload.article_id
    )


def choose_slug(base: str, taken: set[str]) -> str:
    """``base``, or the first of ``base-2``, ``base-3`` … that no other article owns."""
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug, n = base[: 120 - len(suffix)].rstrip("-") + suffix, n + 1
    return slug


def build_article(
    upload: ArticleUpload,
    clean: CleanBody,
    tags: list[Tag],
    related: list[RelatedLink],
    *,
    slug: str,
    updated_at: datetime,
) -> Article:
    words = count_words(clean.text)
    return Article(
        id=upload.article_id,
        slug=slug,
        title=upload.title,
        summary=(upload.summary or "").strip() or derive_summary(clean.text),
        body=clean.html,
        published_at=upload.published_at,
        updated_at=updated_at,
        author=upload.authors,
        section=upload.section.strip() if upload.section else None,
        language=upload.language,
        word_count=words,
        reading_time_minutes=reading_time_minutes(words),
        tags=tags,
        related=related,
        image=upload.image,
        canonical_url=upload.canonical_url,
        status=upload.status,
    )


def index_names(article: Article) -> tuple[str, ...]:
    names = [FEED_INDEX]
    if article.section and slugify(article.section):
        names.append(section_index(slugify(article.section)))
    names.extend(tag_index(tag.slug) for tag in article.tags if tag.slug)
    return tuple(dict.fromkeys(names))


__all__ = ["ErrorDetail", "Ingest", "Outcome", "Result", "decide", "version_key"]
