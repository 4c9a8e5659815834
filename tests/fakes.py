"""Hand-written in-memory fakes of the ingest side's ports, with the semantics of the AWS services as the adapters use
them (``tests/contract/`` runs one suite over each fake and its moto-backed adapter, so they cannot drift):

- ``InMemoryFeed``: the feed table (``FeedStore`` and ``FeedReader``) as items keyed ``(pk, sk)`` in the adapter's
  layout on an ``InMemoryTable``, written in the adapter's steps, each a single-item write with DynamoDB's
  conditions (``attribute_not_exists``, ``rev = :rev``, the slug lock); index pages are newest-first Queries
  bounded by ``now`` and by ``after``.
- ``InMemoryBucket``: a versioned S3 bucket (``ArticleSource``) with an injected clock: a PUT gets an MD5 ETag, a
  version id and a ``LastModified`` at S3's 1-second resolution; a DELETE adds a delete marker; reports are objects.
- ``InMemoryRegistry``: the tag registry (``TagRegistry``): known tags learned only while unknown, and versioned rules
  saved only over the version they were edited from; it counts its reads and writes as the adapter's DynamoDB calls.
- ``FaultInjector``: wraps either fake (or an adapter) and raises a transient AWS error on a seeded share of calls,
  before or after the call takes effect (a lost response), to prove retries. ``FaultAt`` fails exactly the n-th
  call: wrapped around a feed's ``InMemoryTable`` or boto3 client, it cuts a save between two of its steps.
- ``FakeWorld``: the ingest use-case on the fakes, with the editors' side of the bucket and a manual clock.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import random
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from pressroom.adapters.dynamodb_feed import decode_summary, default_id, encode_summary
from pressroom.events import S3EventRecord
from pressroom.models import Article, ArticleSummary
from pressroom.notices import ArticleEvent, change_event
from pressroom.ports import (
    FEED_INDEX,
    ArticleRecord,
    ArticleWrite,
    ConcurrentChange,
    IndexHit,
    IndexPage,
    Life,
    LifeVersion,
    ObjectGone,
    ObjectTooLarge,
    PendingPromo,
    RegistryChanged,
    SlugTaken,
    SourceObject,
    StoredArticle,
)
from pressroom.preparing import decode_article, encode_article
from pressroom.registry import NO_RULES, KnownTag, TagRules
from pressroom.services import Ingest, Result
from tests.clock import NOW
from tests.helpers import ObjectVersion, s3_record
from tests.helpers import article as upload_of

Key = tuple[str, str]
Item = dict[str, Any]
Condition = Callable[[Item | None], bool]
PROMO_TTL = timedelta(days=30)
TOMBSTONE_TTL = timedelta(days=1)


class ManualClock:
    """A clock that moves only when told: ``clock()`` is now, ``advance(seconds=…)`` moves it on."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# ---------------------------------------------------------------------------------------------------- the feed table


def _time_key(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"


def _index_sk(article: ArticleSummary) -> str:
    return f"{_time_key(article.published_at)}#{article.id}"


class ConditionFailed(Exception):
    """A single-item write whose condition was false (DynamoDB's ConditionalCheckFailedException): nothing written."""


def _missing(item: Item | None) -> bool:
    return item is None


def _rev_is(rev: int) -> Condition:
    return lambda item: item is not None and item["rev"] == rev


def _free_or_owned_by(article_id: str) -> Condition:
    return lambda item: item is None or item["article_id"] == article_id


def _missing_or_rev_at_most(rev: int) -> Condition:
    return lambda item: item is None or item["rev"] <= rev


def _missing_or_rev_below(rev: int) -> Condition:
    return lambda item: item is None or item["rev"] < rev


class InMemoryTable:
    """A DynamoDB table in memory: items keyed ``(pk, sk)``, single-item writes with a condition on the stored item
    (``ConditionFailed`` when it is false), and Queries of one partition in sort-key order. The write methods
    (``put``, ``update``, ``delete``) are the steps a ``FaultInjector`` or ``FaultAt`` can cut."""

    def __init__(self) -> None:
        self.items: dict[Key, Item] = {}
        self._sorted: dict[str, list[str]] = {}

    def get(self, key: Key) -> Item | None:
        return self.items.get(key)

    def put(self, key: Key, item: Item, condition: Condition | None = None) -> None:
        self._check(key, condition)
        pk, sk = key
        if key not in self.items:
            bisect.insort(self._sorted.setdefault(pk, []), sk)
        self.items[key] = {**item, "pk": pk, "sk": sk}

    def update(
        self, key: Key, changes: Callable[[Item], Item], condition: Condition, remove: tuple[str, ...] = ()
    ) -> Item:
        """Set what ``changes`` (of the stored item) gives and drop the ``remove`` keys of the ``promos`` map;
        returns the item as it was."""
        self._check(key, condition)
        old = self.items[key]
        promos = {p: h for p, h in old.get("promos", {}).items() if p not in remove}
        self.items[key] = {**old, **changes(old), "promos": promos}
        return old

    def delete(self, key: Key, condition: Condition | None = None) -> None:
        self._check(key, condition)
        if self.items.pop(key, None) is not None:
            sks = self._sorted[key[0]]
            del sks[bisect.bisect_left(sks, key[1])]

    def query_back(self, pk: str, upper: str, limit: int, lower: str = "") -> list[Item]:
        """``pk = :pk AND :lower <= sk < :upper``, ``ScanIndexForward=False``, ``FilterExpression`` skipping
        tombstones, as many pages as it takes to ``limit`` items."""
        sks = self._sorted.get(pk, [])
        start, end = bisect.bisect_left(sks, lower), bisect.bisect_left(sks, upper)
        found = (self.items[(pk, sk)] for sk in reversed(sks[start:end]))
        return list(itertools.islice((item for item in found if "gone" not in item), limit))

    def query_forward(self, pk: str, limit: int) -> list[Item]:
        """``pk = :pk`` forward with ``Limit`` and the tombstone filter: one page, as the adapter reads it."""
        return [
            item for item in (self.items[(pk, sk)] for sk in self._sorted.get(pk, [])[:limit]) if "gone" not in item
        ]

    def _check(self, key: Key, condition: Condition | None) -> None:
        if condition is not None and not condition(self.items.get(key)):
            raise ConditionFailed(f"the condition on {key} is false")


@dataclass(frozen=True)
class _Indexed:
    """What a save adds after its commit point, for one revision: promo items, then entries, the feed entry last."""

    article_id: str
    rev: int
    sk: str
    names: tuple[str, ...]
    doc: bytes
    promos: tuple[tuple[str, str], ...]

    @property
    def keys(self) -> list[Key]:
        ordered = sorted(name for name in self.names if name != FEED_INDEX)
        ordered += [FEED_INDEX] if FEED_INDEX in self.names else []
        return [("PROMOS", position) for position, _ in self.promos] + [(name, self.sk) for name in ordered]

    def item(self, key: Key) -> Item:
        if key[0] == "PROMOS":
            return {"rev": self.rev, "article_id": self.article_id, "headline": dict(self.promos)[key[1]]}
        return {"rev": self.rev, "doc": self.doc}


def _indexed_of(item: Item) -> _Indexed:
    article = decode_article(item["doc"])
    names = tuple(item["index"])
    return _Indexed(
        article_id=article.id,
        rev=item.get("index_rev", item["rev"]),
        sk=_index_sk(article),
        names=names,
        doc=encode_summary(article) if names else b"",
        promos=tuple(sorted(item.get("promos", {}).items())),
    )


class InMemoryFeed:
    """The feed table in memory. Implements ``FeedStore`` (and so ``FeedReader``) like ``DynamoDBFeed``, in the same
    single-item steps on an ``InMemoryTable`` (``table``):

    - ``save``: the slug lock when the slug is new to the article (``SlugTaken`` when another article holds it),
      the source key, the deletion of what the old version had and this one has not (conditional on ``rev`` below
      this save's), the commit (the article item with its event: ``attribute_not_exists`` for a new one, else
      ``rev = expected_rev``; ``ConcurrentChange``), then the promo items and index entries (each unless a newer
      revision wrote it; the feed entry last), then the removal of those a newer committed save does not want.
      ``ArticleTooLarge`` (from the stored form) is raised before anything is written.
    - Queries read one partition in sort-key order; an index is newest first below ``now``'s bound (``recent_headlines``
      has none), ``after`` is exclusive.

    ``items`` is the whole table (``(pk, sk) -> attributes``), for tests to inspect as they would Scan."""

    def __init__(self, table: Any = None) -> None:
        self.table: Any = table if table is not None else InMemoryTable()

    @property
    def items(self) -> dict[Key, Item]:
        return self.table.items  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ reads

    def get_by_slug(self, slug: str) -> StoredArticle | None:
        item = self.table.get((f"SLUG#{slug}", "SLUG"))
        if item is None:
            return None
        record = self.get_record(item["article_id"], consistent=False)
        return record.stored if record else None

    def get_record(self, article_id: str, *, consistent: bool = True) -> ArticleRecord | None:
        item = self.table.get((f"ART#{article_id}", "ARTICLE"))
        if item is None:
            return None
        article = decode_article(item["doc"])
        return ArticleRecord(
            stored=StoredArticle(
                article=article,
                status=item["status"],
                version=item["version"],
                deleted=item.get("deleted", False),
            ),
            rev=item["rev"],
            source_key=item["source_key"],
            index_keys=tuple(sorted((name, _index_sk(article)) for name in item["index"])),
            pending_promos=tuple(sorted(item.get("promos", {}))),
            deleted_at=item.get("deleted_at"),
            enrichment=item.get("enrichment", ""),
            index_rev=item.get("index_rev"),
        )

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        keys = [(f"ART#{article_id}", "ARTICLE") for article_id in list(dict.fromkeys(ids))[:100]]
        found = (self.table.get(key) for key in keys)
        return [decode_article(item["doc"]) for item in found if item is not None]

    def slug_owner(self, slug: str) -> str | None:
        item = self.table.get((f"SLUG#{slug}", "SLUG"))
        return item["article_id"] if item else None

    def article_id_for_key(self, key: str, *, known: Mapping[str, ArticleRecord | None] | None = None) -> str | None:
        guess = default_id(key)  # ``known`` saves reads of DynamoDB; a dict costs nothing to read again
        article = (self.table.get((f"ART#{guess}", "ARTICLE")) if guess else None) or {}
        claims = article.get("source_key") == key
        if claims and not article.get("deleted"):
            return guess
        item = self.table.get((f"SRC#{key}", "SRC"))
        if item is not None:
            return str(item["article_id"])
        return guess if claims else None

    def note_refusal(self, key: str) -> None:
        self.table.put((f"SRC#{key}", "REFUSED"), {})

    def refusal_noted(self, key: str) -> bool:
        return self.table.get((f"SRC#{key}", "REFUSED")) is not None

    def list_index(
        self, index: str, *, limit: int, after: str | None, now: datetime, since: datetime | None = None
    ) -> IndexPage:
        upper = f"{_time_key(now)}#~"
        if after is not None and after < upper:
            upper = after
        lower = _time_key(since) if since is not None else ""
        items = self.table.query_back(index, upper, limit + 1, lower)
        more = len(items) > limit
        items = items[:limit]
        return IndexPage(
            items=[decode_summary(item["doc"]) for item in items],
            last_position=items[-1]["sk"] if more and items else None,
        )

    def recent_headlines(self, limit: int) -> list[IndexHit]:
        return [_hit(item) for item in self.table.query_back(FEED_INDEX, "~", limit)]

    def tag_neighbours(self, tag_slug: str, *, limit: int, now: datetime) -> list[IndexHit]:
        return [_hit(item) for item in self.table.query_back(f"TAG#{tag_slug}", f"{_time_key(now)}#~", limit)]

    def pending_promos(self, limit: int) -> list[PendingPromo]:
        return [
            PendingPromo(item["article_id"], item["sk"], item["headline"])
            for item in self.table.query_forward("PROMOS", limit)
        ]

    # ------------------------------------------------------------------ writes

    def save(self, write: ArticleWrite) -> None:
        article, old = write.article, write.old
        doc = encode_article(article)
        rev = (old.rev if old else 0) + 1
        if article.slug and (old is None or old.stored.article.slug != article.slug):
            try:
                lock = {"article_id": article.id}
                self.table.put((f"SLUG#{article.slug}", "SLUG"), lock, _free_or_owned_by(article.id))
            except ConditionFailed as e:
                raise SlugTaken from e
        back = old is not None and old.stored.deleted and not write.deleted_at
        if (old is None or old.source_key != write.source_key or back) and article.id != default_id(write.source_key):
            self.table.put((f"SRC#{write.source_key}", "SRC"), {"article_id": article.id})
        indexed = _Indexed(
            article_id=article.id,
            rev=rev,
            sk=_index_sk(article),
            names=tuple(write.index),
            doc=encode_summary(article) if write.index else b"",
            promos=tuple((f"{article.id}#{n:02d}", h) for n, h in enumerate(write.pending_promos)),
        )
        before = set(old.index_keys) | {("PROMOS", p) for p in old.pending_promos} if old else set()
        for key in sorted(before - set(indexed.keys)):
            self._bury(key, rev)
        item: Item = {
            "doc": doc,
            "status": write.status,
            "version": write.version,
            "rev": rev,
            "source_key": write.source_key,
            "index": list(write.index),
            "enrichment": write.enrichment,
        }
        if indexed.promos:
            item["promos"] = dict(indexed.promos)
        if write.deleted_at:
            item |= {"deleted": True, "deleted_at": write.deleted_at}
        if write.event is not None:
            item |= _outbox(write, write.event)
        condition = _missing if write.expected_rev is None else _rev_is(write.expected_rev)
        try:
            self.table.put((f"ART#{article.id}", "ARTICLE"), item, condition)
        except ConditionFailed as e:
            raise ConcurrentChange from e
        self._add(indexed)

    def complete(self, record: ArticleRecord) -> None:
        index_rev = record.index_rev if record.index_rev is not None else record.rev
        keys = [key for key in record.index_keys if key[0] == FEED_INDEX] or sorted(record.index_keys)[-1:]
        if not keys and not record.pending_promos:
            return
        last = self.table.get(keys[0]) if keys else None
        if last is not None and last["rev"] >= index_rev:
            return
        item = self.table.get((f"ART#{record.stored.article.id}", "ARTICLE"))
        if item is not None and item.get("index_rev", item["rev"]) == index_rev:
            self._add(_indexed_of(item))

    def pending_event(self, article_id: str) -> ArticleEvent | None:
        item = self.table.get((f"ART#{article_id}", "ARTICLE"))
        if item is None or "event_id" not in item:
            return None
        if self.table.get((f"ART#{article_id}", f"SENT#{item['event_id']}")) is not None:
            return None
        if "event" in item:
            return ArticleEvent.from_json(item["event"])
        article = decode_article(item["doc"])
        fields = (item["version"], item["source_key"], item.get("enrichment", ""))
        return _rebuilt(item["event_kind"], item["event_base"], article, *fields)

    def event_sent(self, article_id: str, event_id: str) -> None:
        self.table.put((f"ART#{article_id}", f"SENT#{event_id}"), {})

    def resolve_promos(self, resolutions: list[tuple[ArticleRecord, Article, tuple[str, ...]]]) -> int:
        updated = 0
        for record, article, resolved in resolutions:
            doc = encode_article(article)

            def changes(item: Item, doc: bytes = doc) -> Item:
                return {"doc": doc, "rev": item["rev"] + 1, "index_rev": item.get("index_rev", item["rev"])}

            try:
                old = self.table.update((f"ART#{article.id}", "ARTICLE"), changes, _rev_is(record.rev), resolved)
            except ConditionFailed:
                continue
            updated += 1
            for position in resolved:
                self._bury(("PROMOS", position), old.get("index_rev", record.rev) + 1)
        return updated

    # ------------------------------------------------------------------ helpers

    def _add(self, indexed: _Indexed) -> None:
        expires = int(datetime.now(UTC).timestamp() + PROMO_TTL.total_seconds())
        for key in indexed.keys:
            item = indexed.item(key) | ({"ttl": expires} if key[0] == "PROMOS" else {})
            try:
                self.table.put(key, item, _missing_or_rev_at_most(indexed.rev))
            except ConditionFailed:
                pass

    def _bury(self, key: Key, rev: int) -> None:
        expires = int(datetime.now(UTC).timestamp() + TOMBSTONE_TTL.total_seconds())
        try:
            self.table.put(key, {"rev": rev, "gone": True, "ttl": expires}, _missing_or_rev_below(rev))
        except ConditionFailed:
            pass


def _live(item: Item) -> bool:
    return "gone" not in item


def _outbox(write: ArticleWrite, event: ArticleEvent) -> Item:
    """The event as the article item keeps it: its kind and base URL when ``change_event`` rebuilds it exactly from
    the stored article (as the adapter stores it), else the whole event."""
    url = str(event.detail.get("url") or "")
    base = url.removesuffix(f"/news/{write.article.slug}") if url else ""
    if _rebuilt(event.detail_type, base, write.article, write.version, write.source_key, write.enrichment) == event:
        return {"event_id": event.event_id, "event_kind": event.detail_type, "event_base": base}
    return {"event_id": event.event_id, "event": event.to_json()}


def _rebuilt(kind: str, base: str, article: Article, version: str, key: str, enrichment: str) -> ArticleEvent | None:
    return change_event(
        article,
        served_before=kind != "ArticlePublished",
        served_now=kind != "ArticleWithdrawn",
        version=version,
        source_key=key,
        base_url=base,
        enrichment=enrichment,
    )


def _hit(item: Item) -> IndexHit:
    summary = json.loads(zlib.decompress(item["doc"]))
    return IndexHit(summary["id"], summary["slug"], summary["title"], item["sk"].split("#", 1)[0])


# ---------------------------------------------------------------------------------------------------- the registry


class InMemoryRegistry:
    """The tag registry in memory. Implements ``TagRegistry`` like ``DynamoDBRegistry``: ``learn`` records only slugs
    not known yet (never overwriting one), ``save_rules`` stores rules only over the version they were edited from
    (else ``RegistryChanged``, nothing written), ``known_tags`` is in slug order. ``reads`` and ``writes`` count the
    DynamoDB calls the adapter would make (GetItem, BatchGetItem; PutItem, TransactWriteItems)."""

    def __init__(self) -> None:
        self.tags: dict[str, KnownTag] = {}
        self.stored: TagRules = NO_RULES
        self.reads = 0
        self.writes = 0

    def rules(self) -> TagRules:
        self.reads += 1
        return self.stored

    def save_rules(self, rules: TagRules, *, expected_version: int) -> None:
        if rules.version <= expected_version:
            raise ValueError(f"rules of version {rules.version} cannot replace version {expected_version}")
        if self.stored.version != expected_version:
            raise RegistryChanged(f"the tag rules are at version {self.stored.version}, not {expected_version}")
        self.writes += 1
        self.stored = TagRules.from_json(rules.to_json())

    def known(self, slugs: Sequence[str]) -> dict[str, KnownTag]:
        wanted = list(dict.fromkeys(slugs))[:100]
        if wanted:
            self.reads += 1
        return {slug: self.tags[slug] for slug in wanted if slug in self.tags}

    def learn(self, tags: Sequence[KnownTag]) -> int:
        present = self.known([t.slug for t in tags])
        learned = 0
        for tag in tags:
            if tag.slug in present or tag.slug in self.tags:
                continue
            self.writes += 1
            self.tags[tag.slug] = tag
            learned += 1
        return learned

    def known_tags(self) -> Iterator[KnownTag]:
        self.reads += 1
        return iter([self.tags[slug] for slug in sorted(self.tags)])


# ---------------------------------------------------------------------------------------------------- the bucket


def rejection_key(key: str) -> str:
    """Where the bucket keeps the report of ``key`` (the adapter's naming, which the contract suite pins)."""
    plain = f"rejected/{key}.error.json"
    if len(plain.encode()) <= 1024:
        return plain
    return f"rejected/long-keys/{hashlib.sha256(key.encode()).hexdigest()}.error.json"


class InMemoryBucket:
    """A versioned S3 bucket in memory. Implements ``ArticleSource`` like ``S3ArticleSource``.

    ``upload`` and ``remove`` are what editors do; each returns the S3 event record that S3 would send (a sequencer
    that grows with every write, as S3's does for one key). ``clock`` sets ``LastModified`` (truncated to the
    second, as S3 reports it)."""

    def __init__(self, name: str = "pressroom-articles-test", *, clock: Callable[[], datetime] | None = None) -> None:
        self.name = name
        self.clock = clock or ManualClock()
        self.versions: dict[str, list[ObjectVersion]] = {}
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ editors' side

    def put_object(self, key: str, data: bytes) -> ObjectVersion:
        version = ObjectVersion(
            key=key,
            version_id=f"v{next(self._ids):08d}",
            data=bytes(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            last_modified=self.clock().astimezone(UTC).replace(microsecond=0),
        )
        self.versions.setdefault(key, []).append(version)
        return version

    def delete_object(self, key: str) -> ObjectVersion:
        """A DELETE without a version id on a versioned bucket: a new delete marker, even if the key has none."""
        marker = ObjectVersion(
            key=key,
            version_id=f"v{next(self._ids):08d}",
            data=None,
            etag="",
            last_modified=self.clock().astimezone(UTC).replace(microsecond=0),
        )
        self.versions.setdefault(key, []).append(marker)
        return marker

    def upload(self, key: str, data: bytes | Mapping[str, Any]) -> dict[str, Any]:
        """PUT ``data`` (a mapping is JSON-encoded) and return the S3 record of the upload, like ``put_article``."""
        body = json.dumps(data).encode() if isinstance(data, Mapping) else data
        version = self.put_object(key, body)
        return s3_record(key, bucket=self.name, size=len(body), etag=version.etag, version_id=version.version_id)

    def remove(self, key: str) -> dict[str, Any]:
        """DELETE ``key`` and return the ``ObjectRemoved:DeleteMarkerCreated`` record S3 sends for it."""
        marker = self.delete_object(key)
        record = s3_record(key, bucket=self.name, removed=True, version_id=marker.version_id)
        record["eventName"] = "ObjectRemoved:DeleteMarkerCreated"
        record["eventTime"] = marker.last_modified.isoformat().replace("+00:00", ".000Z")
        return record

    def current(self, key: str) -> ObjectVersion | None:
        """S3's current object at ``key`` (None when there is none or the newest version is a delete marker)."""
        versions = self.versions.get(key)
        if not versions or versions[-1].is_delete_marker:
            return None
        return versions[-1]

    def report(self, key: str) -> dict[str, Any] | None:
        """The rejection report of ``key`` if there is one."""
        current = self.current(rejection_key(key))
        return json.loads(current.data) if current and current.data is not None else None

    def reports(self) -> dict[str, dict[str, Any]]:
        """Every report in the bucket, by the key it reports on."""
        found = {}
        for key in self.versions:
            current = self.current(key)
            if key.startswith("rejected/") and current and current.data is not None:
                report = json.loads(current.data)
                found[report["key"]] = report
        return found

    # ------------------------------------------------------------------ ArticleSource

    def fetch(self, key: str, *, max_bytes: int) -> SourceObject:
        current = self.current(key)
        if current is None:
            raise ObjectGone(key)
        return _read(current, max_bytes)

    def fetch_version(self, key: str, *, max_bytes: int, version_id: str | None, etag: str) -> SourceObject | None:
        versions = [v for v in reversed(self.versions.get(key, [])) if not v.is_delete_marker]
        if version_id:
            found = next((v for v in versions if v.version_id == version_id), None)
        else:
            found = next((v for v in versions[:50] if v.etag == etag.strip('"')), None)
        return _read(found, max_bytes) if found else None

    def current_etag(self, key: str) -> str | None:
        current = self.current(key)
        return current.etag if current else None

    def life(self, key: str) -> Life:
        versions = self.versions.get(key, [])
        markers = [n for n, v in enumerate(versions) if v.is_delete_marker]
        start = markers[-1] + 1 if markers else 0
        return Life(tuple(LifeVersion(v.version_id, v.etag) for v in versions[start:]), reborn=bool(markers))

    def write_rejection(self, key: str, report: Mapping[str, object]) -> str:
        report_key = rejection_key(key)
        self.put_object(report_key, json.dumps(report, indent=2, ensure_ascii=False).encode())
        return report_key

    def clear_rejection(self, key: str) -> None:
        self.delete_object(rejection_key(key))

    def read_rejection(self, key: str) -> dict[str, Any] | None:
        return self.report(key)


def _read(version: ObjectVersion, max_bytes: int) -> SourceObject:
    assert version.data is not None
    if len(version.data) > max_bytes:
        raise ObjectTooLarge(len(version.data), version.etag)
    return SourceObject(
        key=version.key,
        data=version.data,
        etag=version.etag,
        last_modified=version.last_modified,
        version_id=version.version_id,
    )


# ---------------------------------------------------------------------------------------------------- faults

TRANSIENT_ERRORS = (ClientError, ConnectionError)


def throttling(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected fault"}}, operation)


@dataclass
class FaultInjector:
    """Wraps a port and makes a seeded share ``rate`` of its method calls fail with a transient error: a
    ``ClientError`` (``ThrottlingException``) or a ``ConnectionError``. Half of the faults (``after_share``) strike
    after the call took effect, as a lost response does. ``methods`` limits the faults to those names; ``active``
    turns them off and on. ``injected`` counts the faults by method."""

    target: Any
    rate: float
    seed: int = 0
    methods: frozenset[str] | None = None
    after_share: float = 0.5
    active: bool = True
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.target, name)
        if name.startswith("_") or not callable(attribute) or (self.methods is not None and name not in self.methods):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            fault = self.active and self._rng.random() < self.rate
            after = fault and self._rng.random() < self.after_share
            if fault and not after:
                raise self._fault(name)
            result = attribute(*args, **kwargs)
            if after:
                raise self._fault(name)
            return result

        return call

    def _fault(self, name: str) -> Exception:
        self.injected[name] += 1
        if self._rng.random() < 0.5:
            return throttling(name)
        return ConnectionError(f"injected fault in {name}")


@dataclass
class FaultAt:
    """Wraps a port, a feed's ``InMemoryTable`` or a boto3 client and fails exactly the ``at``-th call (counted from
    1) of the ``methods`` with a transient error (``ThrottlingException``): before the call takes effect, or with
    ``after`` once it took effect (a lost response). ``calls`` counts the calls of ``methods`` so far and ``log``
    keeps them (name, arguments); ``at=0`` fails none, so one run counts the steps. With ``hook``, the ``at``-th
    call fails not but runs ``hook()`` first, once: another writer's work squeezed between two steps."""

    target: Any
    methods: frozenset[str]
    at: int = 0
    after: bool = False
    hook: Callable[[], None] | None = None
    calls: int = 0
    log: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.target, name)
        if name not in self.methods:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            self.log.append((name, args, kwargs))
            fault = self.calls == self.at
            if fault and self.hook is not None:
                hook, self.hook, self.at = self.hook, None, 0
                hook()
                return attribute(*args, **kwargs)
            if fault and not self.after:
                raise throttling(name)
            result = attribute(*args, **kwargs)
            if fault:
                raise throttling(name)
            return result

        return call


# ---------------------------------------------------------------------------------------------------- the pipeline


@dataclass
class FakeWorld:
    """The ingest use-case on the fakes, with the editors' side of the bucket and a clock that moves only when told
    (``upload``/``delete`` move it one second on first; ``bucket.upload`` does not)."""

    clock: ManualClock = field(default_factory=ManualClock)
    feed: InMemoryFeed = field(default_factory=InMemoryFeed)
    registry: InMemoryRegistry = field(default_factory=InMemoryRegistry)
    bucket: InMemoryBucket = field(init=False)

    def __post_init__(self) -> None:
        self.bucket = InMemoryBucket(clock=self.clock)

    @property
    def source(self) -> InMemoryBucket:
        return self.bucket

    def ingest(self, source: Any = None, store: Any = None) -> Ingest:
        return Ingest(source=source or self.bucket, store=store or self.feed, clock=self.clock, registry=self.registry)

    def handle(self, record: dict[str, Any], **ports: Any) -> Result:
        return self.ingest(**ports).handle(S3EventRecord.model_validate(record))

    def upload(self, name: str, data: bytes | dict[str, Any]) -> dict[str, Any]:
        """Upload ``incoming/<name>.json`` a second after the last write; returns its S3 event record."""
        self.clock.advance(seconds=1)
        return self.bucket.upload(f"incoming/{name}.json", data)

    def publish(self, name: str, title: str, **fields: Any) -> Result:
        """Upload a valid article and handle its event."""
        return self.handle(self.upload(name, upload_of(title, **fields)))

    def delete(self, name: str) -> dict[str, Any]:
        self.clock.advance(seconds=1)
        return self.bucket.remove(f"incoming/{name}.json")

    def tick(self) -> None:
        self.clock.advance(seconds=1)

    def served(self, article_id: str) -> Article | None:
        """The article readers get for ``article_id`` (stored, not deleted, published), or None."""
        record = self.feed.get_record(article_id)
        if record is None or record.stored.deleted or record.stored.status != "published":
            return None
        return record.stored.article

    def title(self, article_id: str) -> str | None:
        served = self.served(article_id)
        return served.title if served else None

    def feed_ids(self, index: str = FEED_INDEX) -> list[str]:
        page = self.feed.list_index(index, limit=100, after=None, now=self.clock.now)
        return [item.id for item in page.items]

    def report(self, name: str) -> dict[str, Any] | None:
        return self.bucket.report(f"incoming/{name}.json")

    def report_type(self, name: str) -> str | None:
        report = self.report(name)
        return report["errors"][0]["type"] if report else None

    def index_entries(self) -> list[tuple[str, str, str]]:
        """Every FEED/TAG/SECTION entry as ``(pk, sk, article id)``, as a Scan would list them."""
        indexes = (FEED_INDEX, "TAG#", "SECTION#")
        items = self.feed.items.items()
        return [(pk, sk, sk.split("#", 1)[1]) for (pk, sk), item in items if pk.startswith(indexes) and _live(item)]

    def close(self) -> None:
        """Nothing to release (the moto world stops its mock)."""
