"""Ingest use-cases: one S3 event in, one outcome out. Pure decisions, AWS behind the ports.

An event names one upload (one version of a key). The use-case reads S3's *current* object for the key (S3 is the
source of truth: a deleted object is never published), validates and enriches the version the event names
(``preparing``) and saves it (``FeedStore.save``: single-item writes around one conditional commit) when it is newer
than what is stored, by the order of ``versions``. Every deterministic failure is a rejection with a report; only AWS
faults propagate (and are retried). An article id belongs to the key that first published it while that key exists.

A key serves its newest valid version since its latest deletion, whatever the order its events arrive in: an event
that names an earlier version offers it only if no later valid version of that life outranks it; a deletion event
of a key uploaded again since publishes the newest valid version of the new life (or takes the article down); an
upload that changes its key's id takes down the article of the old id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pressroom.cleaning import CleanBody
from pressroom.events import S3EventRecord
from pressroom.models import MAX_OBJECT_BYTES, Article, ArticleUpload, RelatedLink, Tag
from pressroom.notices import ArticleEvent, change_event, rejection_event
from pressroom.parsing import ErrorDetail, UploadRejected, object_too_large, parse_upload
from pressroom.ports import (
    ArticleRecord,
    ArticleSource,
    ArticleTooLarge,
    ArticleWrite,
    ConcurrentChange,
    EventSink,
    FeedStore,
    IndexHit,
    LifeVersion,
    NoEvents,
    NoRegistry,
    ObjectGone,
    ObjectTooLarge,
    SlugTaken,
    SourceObject,
    TagRegistry,
    index_names,
)
from pressroom.preparing import ENRICHMENT_VERSION, Prepared, build_article, check_times, enrich, enrichment_with
from pressroom.registry import learnable
from pressroom.relating import COMPUTED_LIMIT, match_headline, rank_related, tag_weights
from pressroom.text import slugify
from pressroom.versions import Order, Version

INCOMING_PREFIX = "incoming/"
MAX_ATTEMPTS = 8
MAX_SLUG_SUFFIX = 1000
HEADLINE_WINDOW = 200
NEIGHBOUR_DEPTH = 50
PENDING_PROMO_WINDOW = 200
MAX_PENDING_PROMOS = 20


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


@dataclass(frozen=True)
class _Offer:
    """One version of a key, offered for publication. ``current``: it is S3's current object for the key (an
    earlier version an event names is offered too, for the ``updated_at`` rule, but never reported on)."""

    obj: SourceObject
    upload: ArticleUpload
    version: Version
    current: bool
    reindex: str | None = None


@dataclass
class Ingest:
    """The ingest use-case with its dependencies (the composition root builds one per cold start)."""

    source: ArticleSource
    store: FeedStore
    events: EventSink = field(default_factory=NoEvents)
    base_url: str = ""
    enrichment: str = ENRICHMENT_VERSION
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    registry: TagRegistry = field(default_factory=NoRegistry)

    def handle(self, record: S3EventRecord) -> Result:
        """Process one S3 event record. Bad input ends in a rejection report; transient AWS errors propagate."""
        key = record.key
        ref = record.s3.object
        if not key.startswith(INCOMING_PREFIX) or key.endswith("/"):
            return Result(Outcome.IGNORED, key, detail="not an upload under incoming/")
        if record.is_removal:
            return self.after_deletion(key, record.event_time)
        try:
            obj = self.source.fetch(key, max_bytes=MAX_OBJECT_BYTES)
        except ObjectGone:
            return Result(Outcome.GONE, key, detail="object deleted before the event was processed")
        except ObjectTooLarge as e:
            if ref.etag and ref.etag.strip('"') != e.etag:  # the event names an earlier version, not this one
                return self._offer_earlier(key, ref.version_id, ref.etag, ref.sequencer)
            return self.reject(key, e.etag, object_too_large(e.size))
        if _names(ref.etag, ref.version_id, obj):
            return self.offer(obj, sequencer=ref.sequencer, current=True, reindex=record.reindex)
        return self._offer_earlier(key, ref.version_id, ref.etag or "", ref.sequencer)

    def _offer_earlier(self, key: str, version_id: str | None, etag: str, sequencer: str | None) -> Result:
        """Offer the earlier version an event names if it may still be the key's newest: it is of the key's current
        life (a version uploaded before the key's latest deletion never competes again) and no valid version
        uploaded after it is newer by the order of ``versions`` (whatever the ids: the key serves its newest; undecided,
        the later upload wins, as S3 orders them)."""
        life = self.source.life(key).versions
        named = [n for n, v in enumerate(life) if _is(v, version_id, etag)]
        at = named[-1] if named else None  # by ETag alone: the latest upload of those bytes
        earlier = self._read_version(key, life[at].version_id or version_id, etag) if at is not None else None
        if at is None or earlier is None:
            return Result(Outcome.STALE, key, detail="superseded by a later upload of the key (it has its own event)")
        offer = self._admissible(earlier, sequencer, current=False)
        if offer is None or any(
            later.version.compare(offer.version) in (Order.NEWER, Order.UNDECIDED)
            for ref in life[at + 1 :]
            if (later := self._admissible(self._read_version(key, ref.version_id, ref.etag), None, valid=True))
        ):
            return _superseded(earlier)
        return self.publish(offer)

    def _admissible(
        self, obj: SourceObject | None, sequencer: str | None, *, current: bool = False, valid: bool = False
    ) -> _Offer | None:
        """``obj`` as an offer if it passes the checks that need no enrichment (the upload contract and its times;
        ``valid``: enrichment too, the pipeline's whole verdict), else None."""
        if obj is None:
            return None
        try:
            upload = parse_upload(obj.data, obj.key)
            check_times(upload, obj.last_modified)
            if valid:
                enrich(upload, uploaded_at=obj.last_modified)
        except UploadRejected:
            return None
        version = Version.of(
            updated_at=upload.updated_at, last_modified=obj.last_modified, etag=obj.etag, sequencer=sequencer
        )
        return _Offer(obj, upload, version, current)

    def _read_version(self, key: str, version_id: str | None, etag: str) -> SourceObject | None:
        try:
            return self.source.fetch_version(key, max_bytes=MAX_OBJECT_BYTES, version_id=version_id, etag=etag)
        except ObjectTooLarge:
            return None

    def after_deletion(self, key: str, deleted_at: datetime) -> Result:
        """A deletion of ``key``. Gone: its article is taken out of the feed. Uploaded again since: the newest valid
        version of its new life replaces whatever its earlier life published (nothing, if none is valid)."""
        life = self.source.life(key)
        if not life.versions:
            self.source.clear_rejection(key)
            return self.unpublish_deleted(key, deleted_at)
        best: _Offer | None = None
        for n, ref in enumerate(life.versions):
            obj = self._read_version(key, ref.version_id, ref.etag)
            offer = self._admissible(obj, None, current=n == len(life.versions) - 1, valid=True)
            if offer is not None and (best is None or offer.version.compare(best.version) is not Order.OLDER):
                best = offer
        result = self.publish(best) if best is not None else None
        if result is not None and result.outcome not in (Outcome.REJECTED, Outcome.STALE):
            return result
        article_id = self.store.article_id_for_key(key)  # nothing of the new life is served: the old life must go
        record = self.store.get_record(article_id) if article_id else None
        if article_id and record and record.source_key == key and not record.stored.deleted:
            if life.of_earlier_life(Version.parse(record.stored.version).etag):
                return self._take_down(article_id, key, deleted_at)
        return result or Result(Outcome.IGNORED, key, detail="no valid version since the deletion; nothing served")

    def offer(self, obj: SourceObject, *, sequencer: str | None, current: bool, reindex: str | None = None) -> Result:
        """Offer one version of a key (read from S3) for publication; ``current``: it is S3's current object.
        ``reindex`` (``"all"`` or ``"stale"``): enrich it again even if it is stored already (``"stale"``: only if
        it was enriched by other code than this, ``enrichment``)."""
        try:
            upload = parse_upload(obj.data, obj.key)
        except UploadRejected as e:
            return self.reject(obj.key, obj.etag, e) if current else _superseded(obj)
        version = Version.of(
            updated_at=upload.updated_at, last_modified=obj.last_modified, etag=obj.etag, sequencer=sequencer
        )
        return self.publish(_Offer(obj, upload, version, current, reindex))

    def reject(
        self,
        key: str,
        etag: str | None,
        error: UploadRejected,
        *,
        outcome: Outcome = Outcome.REJECTED,
        refused: Version | None = None,
    ) -> Result:
        """Write the report of ``key`` (on the object with ``etag``). ``refused``: the version of the key refused its
        id (``id_taken``), kept in the key's report (through later rejections too) so that an older upload after it
        does not take its place."""
        report: dict[str, Any] = {
            "key": key,
            "etag": etag.strip('"') if etag else etag,
            "received_at": self.clock().isoformat(timespec="seconds").replace("+00:00", "Z"),
            "errors": [e.as_dict() for e in error.errors],
        }
        previous = self.source.read_rejection(key)
        kept = previous.get("refused_version") if previous else None
        if refused is not None or kept:
            self.store.note_refusal(key)  # before the report names it: a publish reads the report only if noted
        if refused is not None or kept:
            report["refused_version"] = str(refused) if refused is not None else kept
        if previous is None or (previous.get("etag"), previous.get("errors")) != (report["etag"], report["errors"]):
            self.events.emit([rejection_event(report)])
        report_key = self.source.write_rejection(key, report)
        return Result(outcome, key, detail=f"{error} (report: {report_key})")

    def publish(self, offer: _Offer) -> Result:
        """Store the offered version as the article's newest unless the stored one is newer, the same, or owned by
        another key. Enrichment runs only once the version is known to be wanted."""
        upload, obj = offer.upload, offer.obj
        current = self.store.get_record(upload.article_id)
        earlier_id, held, refusal = self._before_enrichment(current, offer)
        if refusal is not None:
            return refusal
        rules = self.registry.rules()
        try:
            prepared = enrich(upload, uploaded_at=obj.last_modified, rules=rules)
        except UploadRejected as e:
            return self.reject(obj.key, obj.etag, e) if offer.current else _superseded(obj)
        if earlier_id is not None:  # a valid version under another id is the key's newest: the old article goes
            self._take_down(earlier_id, obj.key, obj.last_modified)
        if held and current is not None:
            return self._taken(current, offer)
        return self._store(offer, prepared, current, enrichment_with(self.enrichment, rules))

    def _before_enrichment(
        self, current: ArticleRecord | None, offer: _Offer
    ) -> tuple[str | None, bool, Result | None]:
        """What is decided before enrichment: the refusal, if any; else the key's earlier id to take down once the
        version proves valid, and whether another key holds the id (refused once the version proves valid)."""
        refusal = self._first_checks(offer)
        if refusal is not None:
            return None, False, refusal
        earlier_id: str | None = None
        if not (current and current.source_key == offer.obj.key and not current.stored.deleted):
            earlier_id, refusal = self._earlier_id(offer, current)  # not this key's id yet: it may be changing it
            if refusal is not None:
                return None, False, refusal
        held = self._held_elsewhere(current, offer.obj.key)
        return earlier_id, held, None if held else self._refusal(current, offer, owner_checked=True)

    def _store(self, offer: _Offer, prepared: Prepared, current: ArticleRecord | None, enrichment: str) -> Result:
        """Save the enriched version (retrying a slug taken meanwhile or a concurrent change), then its event."""
        upload, obj = offer.upload, offer.obj
        indexed = upload.status == "published"
        related, pending = self._relate(upload, prepared.clean, prepared.tags) if indexed else ([], ())
        taken: set[str] = set()
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                current = self.store.get_record(upload.article_id)
                refusal = self._refusal(current, offer)
                if refusal is not None:
                    return refusal
            base = preferred_slug(upload, current)
            never_served = upload.status == "withdrawn" and not (current and current.stored.article.slug)
            slug = "" if never_served else choose_slug(base, taken)
            article = build_article(prepared, related, slug=slug)
            event = change_event(
                article,
                served_before=_served(current),
                served_now=indexed,
                version=str(offer.version),
                source_key=obj.key,
                base_url=self.base_url,
                enrichment=enrichment,
            )
            write = ArticleWrite(
                article=article,
                status=upload.status,
                version=str(offer.version),
                source_key=obj.key,
                expected_rev=current.rev if current else None,
                index=index_names(article) if indexed else (),
                old=current,
                pending_promos=pending,
                event=event,
                enrichment=enrichment,
            )
            try:
                self.store.save(write)
            except SlugTaken:
                taken.add(slug)
                taken.update(self._taken_after(base, upload.article_id))
                continue
            except ConcurrentChange:
                continue
            except ArticleTooLarge as e:
                error = UploadRejected([ErrorDetail("body", f"{e}; shorten the body", "too_large")])
                return self.reject(obj.key, obj.etag, error) if offer.current else _superseded(obj)
            self._send(article.id, event)
            self._clear_if_current(offer)
            if indexed:
                self.registry.learn(learnable(article.tags, at=self.clock()))
            if indexed and article.published_at <= self.clock():
                self._resolve_earlier_promos(article)
            outcome = {"published": Outcome.PUBLISHED, "draft": Outcome.STORED_DRAFT}.get(
                upload.status, Outcome.UNPUBLISHED
            )
            detail = f"slug {slug}" if slug else "withdrawn before it was ever published: no slug, nothing served"
            return Result(outcome, obj.key, upload.article_id, detail=detail)
        raise ConcurrentChange(f"{upload.article_id}: still contended after {MAX_ATTEMPTS} attempts")

    def _first_checks(self, offer: _Offer) -> Result | None:
        """The checks before any other: the upload's times, and a version of the key refused its id outranking it."""
        try:
            check_times(offer.upload, offer.obj.last_modified)
        except UploadRejected as e:
            return self.reject(offer.obj.key, offer.obj.etag, e) if offer.current else _superseded(offer.obj)
        return self._outranked_by_refused(offer)

    def _held_elsewhere(self, current: ArticleRecord | None, key: str) -> bool:
        """Whether the article ``current`` is another key's, which still exists (the id is taken)."""
        if current is None or current.source_key == key or current.stored.deleted:
            return False
        return self.source.current_etag(current.source_key) is not None

    def _refusal(self, current: ArticleRecord | None, offer: _Offer, *, owner_checked: bool = False) -> Result | None:
        """Why ``offer`` must not be written over ``current`` (None: write it). Reads S3 only when the order of
        versions needs it (rule 4 of ``versions``) or when another key owns the id (``owner_checked``: it does
        not)."""
        key, article_id = offer.obj.key, offer.upload.article_id
        if current is None:
            return None
        if current.source_key != key and not current.stored.deleted:
            if not owner_checked and self._held_elsewhere(current, key):
                return self._taken(current, offer)
            return None
        if current.stored.deleted or current.source_key != key:
            there = self.source.current_etag(key)
            if there is None or (offer.current and there != offer.obj.etag):
                return Result(
                    Outcome.STALE, key, article_id, detail="the object changed or was deleted after it was read"
                )
            return None
        stored = Version.parse(current.stored.version)
        order = self._order(offer, stored)
        if order is Order.SAME:
            if offer.reindex == "all" or (
                offer.reindex == "stale"
                and current.enrichment != enrichment_with(self.enrichment, self.registry.rules())
            ):
                return None
            self.store.complete(current)
            unsent = self.store.pending_event(article_id)
            self._send(article_id, unsent)
            self._clear_if_current(offer)
            if unsent is not None and _served(current) and current.stored.article.published_at <= self.clock():
                self._resolve_earlier_promos(current.stored.article)  # the save was cut before it came to this
            return Result(Outcome.DUPLICATE, key, article_id, detail="this version is stored already")
        if order is Order.OLDER:
            return self._older(offer, stored)
        return None

    def _order(self, offer: _Offer, stored: Version) -> Order:
        """How the offered version stands to a stored one of the same key. Undecided by ``versions`` (the same time,
        no sequencers to compare): S3's order decides, the current object first, else the later upload in the key's
        listing. A stored version of an earlier life of the key (uploaded before its latest deletion) is older than
        any version of its current life."""
        key = offer.obj.key
        order = offer.version.compare(stored)
        if order is Order.UNDECIDED:
            there = self.source.current_etag(key)
            if there in (offer.obj.etag, stored.etag):
                order = Order.NEWER if there == offer.obj.etag else Order.OLDER
            else:
                place = {v.etag: n for n, v in enumerate(self.source.life(key).versions)}  # an ETag's latest upload
                order = Order.NEWER if place.get(offer.obj.etag, -1) > place.get(stored.etag, -1) else Order.OLDER
        if order is Order.OLDER and self.source.life(key).of_earlier_life(stored.etag):
            return Order.NEWER
        return order

    def _older(self, offer: _Offer, stored: Version) -> Result:
        if not offer.current or self.source.current_etag(offer.obj.key) != offer.obj.etag:
            return _superseded(offer.obj)
        error = _stale(stored, offer.version)
        return self.reject(offer.obj.key, offer.obj.etag, error, outcome=Outcome.STALE)

    def _earlier_id(self, offer: _Offer, current: ArticleRecord | None) -> tuple[str | None, Result | None]:
        """An upload that gives its key another id: the id whose article goes once this version proves valid (the
        key's newest version decides what the key serves), or the refusal if that article is the newer version.
        ``current``: the stored record of the upload's id."""
        key, article_id = offer.obj.key, offer.upload.article_id
        earlier_id = self.store.article_id_for_key(key, known={article_id: current})
        if earlier_id is None or earlier_id == article_id:
            return None, None
        record = self.store.get_record(earlier_id)
        if record is None or record.source_key != key or record.stored.deleted:
            return None, None
        stored = Version.parse(record.stored.version)
        if self._order(offer, stored) is not Order.NEWER:
            return None, self._older(offer, stored)
        return earlier_id, None

    def _send(self, article_id: str, event: ArticleEvent | None) -> None:
        """Emit the event a save stored in the article's outbox, then clear the outbox. A failure to emit raises (the
        message is retried, finds the version stored as a duplicate, and emits the outbox then)."""
        if event is not None:
            self.events.emit([event])
            self.store.event_sent(article_id, event.event_id)

    def _clear_if_current(self, offer: _Offer) -> None:
        """The offered version is stored: a report of its key is void if S3's current object has its content."""
        if offer.current or self.source.current_etag(offer.obj.key) == offer.obj.etag:
            self.source.clear_rejection(offer.obj.key)

    def _taken(self, current: ArticleRecord, offer: _Offer) -> Result:
        """Refuse the key's newest version its id. An earlier version (newer by ``updated_at`` than those after it)
        is reported on the key's current object: nothing is served from the key until it is uploaded again."""
        owner, article_id, key = current.source_key, offer.upload.article_id, offer.obj.key
        moment = f"{offer.version.time:%Y-%m-%dT%H:%M:%SZ}"
        which = "this upload" if offer.current else f"an earlier upload of this key, newer by its time ({moment})"
        error = UploadRejected(
            [
                ErrorDetail(
                    "id",
                    f"the id {article_id!r} of {which} belongs to {owner}, which published it first; upload it with "
                    f'another "id" (or another file name), or delete {owner} first',
                    "id_taken",
                )
            ]
        )
        there = offer.obj.etag if offer.current else self.source.current_etag(key)
        if there is None:
            return _superseded(offer.obj)
        return self.reject(key, there, error, refused=offer.version)

    def _outranked_by_refused(self, offer: _Offer) -> Result | None:
        """A version of the key refused its id and newer than ``offer`` is still the key's newest: ``offer`` is not
        published either, and the key's report (moved onto ``offer`` if it is the current object) keeps saying why."""
        key = offer.obj.key
        report = self.source.read_rejection(key) if self.store.refusal_noted(key) else None
        text = report.get("refused_version") if report else None
        if not report or not text:
            return None
        refused = Version.parse(text)
        if offer.version.compare(refused) is not Order.OLDER or self.source.life(key).of_earlier_life(refused.etag):
            return None
        if not offer.current:
            return _superseded(offer.obj)
        error = UploadRejected([ErrorDetail(e["loc"], e["msg"], e["type"]) for e in report["errors"]])
        return self.reject(key, offer.obj.etag, error, refused=refused)

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
        """The object is gone, or none of its versions since its deletion is valid: take its article out of the feed
        (its id and slug stay known, for 410s)."""
        article_id = self.store.article_id_for_key(key)
        if article_id is None:
            return Result(Outcome.IGNORED, key, detail="no article was published from this key")
        return self._take_down(article_id, key, deleted_at)

    def _take_down(self, article_id: str, key: str, deleted_at: datetime) -> Result:
        for _ in range(MAX_ATTEMPTS):
            current = self.store.get_record(article_id)
            if current is None or current.source_key != key:
                return Result(Outcome.IGNORED, key, article_id, detail="the article now comes from another key")
            if current.stored.deleted:
                self.store.complete(current)
                self._send(article_id, self.store.pending_event(article_id))
                return Result(Outcome.DUPLICATE, key, article_id, detail="already unpublished")
            withdrawn = current.stored.article.model_copy(update={"status": "withdrawn"})
            event = change_event(
                withdrawn,
                served_before=_served(current),
                served_now=False,
                version=current.stored.version,
                source_key=key,
                base_url=self.base_url,
                enrichment=current.enrichment,
            )
            write = ArticleWrite(
                article=withdrawn,
                status="withdrawn",
                version=current.stored.version,
                source_key=key,
                expected_rev=current.rev,
                index=(),
                old=current,
                deleted_at=_second_key(deleted_at),
                event=event,
                enrichment=current.enrichment,
            )
            try:
                self.store.save(write)
            except ConcurrentChange:
                continue
            self._send(article_id, event)
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
            now = self.clock()
            neighbours = {t.slug: self.store.tag_neighbours(t.slug, limit=NEIGHBOUR_DEPTH, now=now) for t in topical}
            weights = tag_weights(topical)
            seen = {link.slug for link in related if link.slug}
            ranked = rank_related(upload.article_id, neighbours, weights=weights, limit=COMPUTED_LIMIT + len(seen))
            fresh = [hit for hit in ranked if hit.slug not in seen][:COMPUTED_LIMIT]
            related.extend(RelatedLink(title=hit.title, url=None, slug=hit.slug, source="computed") for hit in fresh)
        return related, tuple(pending[:MAX_PENDING_PROMOS])

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


def _names(etag: str | None, version_id: str | None, obj: SourceObject) -> bool:
    """Whether an event's ETag / version id names ``obj`` (an event without them is taken to name it)."""
    if version_id and obj.version_id:
        return version_id == obj.version_id
    return not etag or etag.strip('"') == obj.etag


def _is(version: LifeVersion, version_id: str | None, etag: str) -> bool:
    """Whether an event's version id (else its ETag) names ``version``."""
    if version_id and version.version_id:
        return version.version_id == version_id
    return version.etag == etag.strip('"')


def _served(record: ArticleRecord | None) -> bool:
    return record is not None and not record.stored.deleted and record.stored.status == "published"


def _superseded(obj: SourceObject) -> Result:
    return Result(Outcome.STALE, obj.key, detail="an earlier upload of the key, superseded by the current object")


def _stale(stored: Version, offered: Version) -> UploadRejected:
    moments = f"its time {stored.time:%Y-%m-%dT%H:%M:%SZ}, this upload's {offered.time:%Y-%m-%dT%H:%M:%SZ}"
    message = (
        f"not published: the version already served is newer ({moments}; a version's time is its updated_at, or "
        "S3's upload time when it has none). Set updated_at to the time of this edit, or leave it out"
    )
    return UploadRejected([ErrorDetail("updated_at", message, "stale")])


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


__all__ = ["ErrorDetail", "Ingest", "Outcome", "Result"]
