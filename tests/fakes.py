"""Hand-written in-memory fakes of the ingest side's ports, with the semantics of the AWS services as the adapters use
them (``tests/contract/`` runs one suite over each fake and its moto-backed adapter, so they cannot drift):

- ``InMemoryFeed``: the feed table (``FeedStore`` and ``FeedReader``) as items keyed ``(pk, sk)`` in the adapter's
  layout; every write is one all-or-nothing transaction with DynamoDB's conditions (``attribute_not_exists``,
  ``rev = :rev``, the slug lock); index pages are newest-first Queries bounded by ``now`` and by ``after``.
- ``InMemoryBucket``: a versioned S3 bucket (``ArticleSource``) with an injected clock: a PUT gets an MD5 ETag, a
  version id and a ``LastModified`` at S3's 1-second resolution; a DELETE adds a delete marker; reports are objects.
- ``InMemoryRegistry``: the tag registry (``TagRegistry``): known tags learned only while unknown, and versioned rules
  saved only over the version they were edited from; it counts its reads and writes as the adapter's DynamoDB calls.
- ``FaultInjector``: wraps either fake (or an adapter) and raises a transient AWS error on a seeded share of calls,
  before or after the call takes effect (a lost response), to prove retries.
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

from pressroom.events import S3EventRecord
from pressroom.models import Article, ArticleSummary
from pressroom.notices import ArticleEvent
from pressroom.ports import (
    FEED_INDEX,
    ArticleRecord,
    ArticleWrite,
    ConcurrentChange,
    IndexHit,
    IndexPage,
    LifeVersion,
    ObjectGone,
    ObjectTooLarge,
    PendingPromo,
    RegistryChanged,
    SlugTaken,
    SourceObject,
    StoredArticle,
)
from pressroom.preparing import encode_article
from pressroom.registry import NO_RULES, KnownTag, TagRules
from pressroom.services import Ingest, Result
from tests.clock import NOW
from tests.helpers import ObjectVersion, s3_record
from tests.helpers import article as upload_of

MAX_TRANSACTION_ITEMS = 100
_SEP = "\x1f"

Key = tuple[str, str]
Item = dict[str, Any]
Condition = Callable[[Item | None], bool]


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


@dataclass(frozen=True)
class _Put:
    key: Key
    item: Item
    condition: Condition | None = None


@dataclass(frozen=True)
class _Delete:
    key: Key


@dataclass(frozen=True)
class _Update:
    key: Key
    changes: Item
    condition: Condition


class _Cancelled(Exception):
    """TransactWriteItems' TransactionCanceledException: ``failed`` holds the positions whose condition failed."""

    def __init__(self, failed: list[int]) -> None:
        super().__init__(f"conditional check failed at {failed}")
        self.failed = failed


def _missing(item: Item | None) -> bool:
    return item is None


def _rev_is(rev: int) -> Condition:
    return lambda item: item is not None and item["rev"] == rev


def _free_or_owned_by(article_id: str) -> Condition:
    return lambda item: item is None or item["article_id"] == article_id


class InMemoryFeed:
    """The feed table in memory. Implements ``FeedStore`` (and so ``FeedReader``) like ``DynamoDBFeed``:

    - ``save`` is one transaction of at most 100 items, none twice: the article (``attribute_not_exists`` for a new
      one, else ``rev = expected_rev``), the slug lock when the slug is new to the article (``SlugTaken`` when
      another article holds it; checked before the article's own condition, as the adapter reads the reasons), the
      source key, the index entries (the ones the new version no longer has deleted) and the pending promos.
      ``ArticleTooLarge`` (from the stored form) is raised before anything is written.
    - Queries read one partition in sort-key order; an index is newest first below ``now``'s bound (``recent_headlines``
      has none), ``after`` is exclusive.

    ``items`` is the whole table (``(pk, sk) -> attributes``), for tests to inspect as they would Scan."""

    def __init__(self) -> None:
        self.items: dict[Key, Item] = {}
        self._sorted: dict[str, list[str]] = {}
        self.transactions = 0

    # ------------------------------------------------------------------ reads

    def get_by_slug(self, slug: str) -> StoredArticle | None:
        item = self.items.get((f"SLUG#{slug}", "SLUG"))
        if item is None:
            return None
        record = self.get_record(item["article_id"], consistent=False)
        return record.stored if record else None

    def get_record(self, article_id: str, *, consistent: bool = True) -> ArticleRecord | None:
        item = self.items.get((f"ART#{article_id}", "ARTICLE"))
        if item is None:
            return None
        return ArticleRecord(
            stored=StoredArticle(
                article=Article.model_validate_json(zlib.decompress(item["doc"])),
                status=item["status"],
                version=item["version"],
                deleted=item["deleted"],
            ),
            rev=item["rev"],
            source_key=item["source_key"],
            index_keys=tuple((pk, sk) for pk, _, sk in (k.partition(_SEP) for k in item["index_keys"])),
            pending_promos=tuple(item["pending_promos"]),
            deleted_at=item.get("deleted_at"),
            enrichment=item.get("enrichment", ""),
        )

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        found = (self.items.get((f"ART#{article_id}", "ARTICLE")) for article_id in list(dict.fromkeys(ids))[:100])
        return [Article.model_validate_json(zlib.decompress(item["doc"])) for item in found if item is not None]

    def slug_owner(self, slug: str) -> str | None:
        item = self.items.get((f"SLUG#{slug}", "SLUG"))
        return item["article_id"] if item else None

    def article_id_for_key(self, key: str) -> str | None:
        item = self.items.get((f"SRC#{key}", "SRC"))
        return item["article_id"] if item else None

    def list_index(self, index: str, *, limit: int, after: str | None, now: datetime) -> IndexPage:
        upper = f"{_time_key(now)}#~"
        if after is not None and after < upper:
            upper = after
        items = self._query_back(index, upper, limit + 1)
        more = len(items) > limit
        items = items[:limit]
        return IndexPage(
            items=[ArticleSummary.model_validate_json(item["doc"]) for item in items],
            last_position=items[-1]["sk"] if more and items else None,
        )

    def recent_headlines(self, limit: int) -> list[IndexHit]:
        return [_hit(item) for item in self._query_back("FEED", "~", limit)]

    def tag_neighbours(self, tag_slug: str, *, limit: int, now: datetime) -> list[IndexHit]:
        return [_hit(item) for item in self._query_back(f"TAG#{tag_slug}", f"{_time_key(now)}#~", limit)]

    def pending_promos(self, limit: int) -> list[PendingPromo]:
        sks = self._sorted.get("PROMOS", [])[:limit]
        return [
            PendingPromo(item["article_id"], sk, item["headline"])
            for sk in sks
            for item in [self.items[("PROMOS", sk)]]
        ]

    # ------------------------------------------------------------------ writes

    def save(self, write: ArticleWrite) -> None:
        article, old = write.article, write.old
        doc = encode_article(article)
        new_index = {(name, _index_sk(article)) for name in write.index}
        old_index = set(old.index_keys) if old else set()
        promo_sks = [f"{article.id}#{n:02d}" for n in range(len(write.pending_promos))]
        item: Item = {
            "doc": doc,
            "status": write.status,
            "slug": article.slug,
            "version": write.version,
            "rev": (old.rev if old else 0) + 1,
            "deleted": write.deleted_at is not None,
            "source_key": write.source_key,
            "index_keys": [f"{pk}{_SEP}{sk}" for pk, sk in sorted(new_index)],
            "pending_promos": promo_sks,
            "enrichment": write.enrichment,
        }
        if write.deleted_at:
            item["deleted_at"] = write.deleted_at
        condition = _missing if write.expected_rev is None else _rev_is(write.expected_rev)
        actions: list[_Put | _Delete | _Update] = [_Put((f"ART#{article.id}", "ARTICLE"), item, condition)]
        slug_at = None
        if article.slug and (old is None or old.stored.article.slug != article.slug):
            slug_at = len(actions)
            lock = {"article_id": article.id}
            actions.append(_Put((f"SLUG#{article.slug}", "SLUG"), lock, _free_or_owned_by(article.id)))
        if old is None or old.source_key != write.source_key or (old.stored.deleted and not write.deleted_at):
            actions.append(_Put((f"SRC#{write.source_key}", "SRC"), {"article_id": article.id}))
        summary = article.summary_view().model_dump_json(exclude={"url"})
        for key in sorted(new_index):
            entry = {"doc": summary, "article_id": article.id, "slug": article.slug, "title": article.title}
            actions.append(_Put(key, entry))
        actions.extend(_Delete(key) for key in sorted(old_index - new_index))
        for sk, headline in zip(promo_sks, write.pending_promos, strict=True):
            actions.append(_Put(("PROMOS", sk), {"article_id": article.id, "headline": headline}))
        dropped = set(old.pending_promos if old else ()) - set(promo_sks)
        actions.extend(_Delete(("PROMOS", sk)) for sk in sorted(dropped))
        if write.event is not None:
            outbox = {"event_id": write.event.event_id, "event": write.event.to_json()}
            actions.append(_Put((f"ART#{article.id}", "OUTBOX"), outbox))
        try:
            self._transact(actions)
        except _Cancelled as e:
            if slug_at is not None and slug_at in e.failed:
                raise SlugTaken from e
            raise ConcurrentChange from e

    def pending_event(self, article_id: str) -> ArticleEvent | None:
        item = self.items.get((f"ART#{article_id}", "OUTBOX"))
        return ArticleEvent.from_json(item["event"]) if item else None

    def event_sent(self, article_id: str, event_id: str) -> None:
        item = self.items.get((f"ART#{article_id}", "OUTBOX"))
        if item is not None and item["event_id"] == event_id:
            self._delete((f"ART#{article_id}", "OUTBOX"))

    def resolve_promos(self, resolutions: list[tuple[ArticleRecord, Article, tuple[str, ...]]]) -> int:
        actions: list[_Put | _Delete | _Update] = []
        for record, article, resolved in resolutions:
            changes = {
                "doc": encode_article(article),
                "rev": record.rev + 1,
                "pending_promos": [p for p in record.pending_promos if p not in resolved],
            }
            actions.append(_Update((f"ART#{article.id}", "ARTICLE"), changes, _rev_is(record.rev)))
            actions.extend(_Delete(("PROMOS", sk)) for sk in resolved)
        if not actions:
            return 0
        try:
            self._transact(actions[:MAX_TRANSACTION_ITEMS])
        except _Cancelled:
            return 0
        return len(resolutions)

    # ------------------------------------------------------------------ the table

    def _transact(self, actions: Sequence[_Put | _Delete | _Update]) -> None:
        """All or nothing. Like DynamoDB: at most 100 items, no item twice (a ValidationException, a bug of the
        caller: ``ValueError``), every condition evaluated on the state before the transaction."""
        keys = [action.key for action in actions]
        if len(keys) > MAX_TRANSACTION_ITEMS or len(set(keys)) != len(keys):
            raise ValueError(f"invalid transaction of {len(keys)} items ({len(set(keys))} distinct)")
        failed = [
            n
            for n, action in enumerate(actions)
            if not isinstance(action, _Delete) and action.condition and not action.condition(self.items.get(action.key))
        ]
        if failed:
            raise _Cancelled(failed)
        self.transactions += 1
        for action in actions:
            if isinstance(action, _Put):
                self._put(action.key, dict(action.item))
            elif isinstance(action, _Update):
                self._put(action.key, {**self.items[action.key], **action.changes})
            else:
                self._delete(action.key)

    def _put(self, key: Key, item: Item) -> None:
        pk, sk = key
        if key not in self.items:
            bisect.insort(self._sorted.setdefault(pk, []), sk)
        self.items[key] = {**item, "pk": pk, "sk": sk}

    def _delete(self, key: Key) -> None:
        if self.items.pop(key, None) is not None:
            sks = self._sorted[key[0]]
            del sks[bisect.bisect_left(sks, key[1])]

    def _query_back(self, pk: str, upper: str, limit: int) -> list[Item]:
        """``pk = :pk AND sk < :upper``, ``ScanIndexForward=False``, ``Limit``."""
        sks = self._sorted.get(pk, [])
        end = bisect.bisect_left(sks, upper)
        return [self.items[(pk, sk)] for sk in reversed(sks[max(0, end - limit) : end])]


def _hit(item: Item) -> IndexHit:
    return IndexHit(item["article_id"], item["slug"], item["title"], item["sk"].split("#", 1)[0])


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

    def life(self, key: str) -> list[LifeVersion]:
        versions = self.versions.get(key, [])
        markers = [n for n, v in enumerate(versions) if v.is_delete_marker]
        start = markers[-1] + 1 if markers else 0
        return [LifeVersion(v.version_id, v.etag) for v in versions[start:]]

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
        return [(pk, sk, item["article_id"]) for (pk, sk), item in self.feed.items.items() if pk.startswith(indexes)]

    def close(self) -> None:
        """Nothing to release (the moto world stops its mock)."""
