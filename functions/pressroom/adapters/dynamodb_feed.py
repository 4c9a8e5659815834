"""The feed table: a single DynamoDB table (``pk``/``sk``) holding articles, slugs, source keys and the indexes.

Items (see README, "The feed table"):

=========================  =================  ============================================================
pk                         sk                 what
=========================  =================  ============================================================
``ART#<id>``               ``ARTICLE``        the latest version of an article (any status), ``encode_article`` in
                                              ``doc``, with the event of its last save (``event``) and its index
                                              names unless they are the article's own (``index_names``)
``ART#<id>``               ``SENT#<event>``   the event ``<event>`` was sent (an empty marker)
``SLUG#<slug>``            ``SLUG``           slug -> article id; the uniqueness lock of the slug
``SRC#<s3 key>``           ``SRC``            S3 key -> article id, to unpublish on object deletion
``SRC#<s3 key>``           ``REFUSED``        a version of the key was refused its id (an empty marker): the key's
                                              report may name it (``refusal_noted``)
``FEED``                   ``<t>#<id>``       the feed index: one entry per indexed article, its listing view in ``doc``
``TAG#<tag slug>``         ``<t>#<id>``       one tag index per tag (entries as in the feed index)
``SECTION#<section>``      ``<t>#<id>``       one section index per section
``AUTHOR#<author slug>``   ``<t>#<id>``       one author index per author
``PROMOS``                 ``<id>#<n>``       promo lines not yet resolved to an article (expire after 30 days)
=========================  =================  ============================================================

``<t>`` is the publication time as ``%Y-%m-%dT%H:%M:%S.%fZ``: newest first is a backwards Query, scheduled
entries are hidden by the key condition ``sk < now``. Every read is a GetItem or a Query, never a Scan.

A save is a sequence of single-item writes, not a transaction (a transaction bills every item twice): the article
item is the commit point, and everything else is ordered around it so that readers never see a half-written
article and a save cut short anywhere converges when it runs again (``DynamoDBFeed.save``, ``complete``). A removed
entry or promo leaves a tombstone (``gone``, expiring after a day) that reads skip.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from pressroom.models import Article, ArticleSummary
from pressroom.notices import ArticleEvent, change_event
from pressroom.ports import (
    FEED_INDEX,
    ArticleRecord,
    ArticleWrite,
    ConcurrentChange,
    IndexHit,
    IndexPage,
    PendingPromo,
    SlugTaken,
    StoredArticle,
    index_names,
)
from pressroom.preparing import decode_article, encode_article
from pressroom.text import slugify

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ARTICLE_SK = "ARTICLE"
REFUSED_SK = "REFUSED"
SENT_PREFIX = "SENT#"
PROMOS_PK = "PROMOS"
PROMO_TTL = timedelta(days=30)
TOMBSTONE_TTL = timedelta(days=1)
_NEWER_OR_MISSING = "attribute_not_exists(pk) OR rev <= :rev"
_LIVE = "attribute_not_exists(gone)"


def time_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def index_sk(article: ArticleSummary) -> str:
    return f"{time_key(article.published_at)}#{article.id}"


def now_bound(now: datetime) -> str:
    """The exclusive upper sort key that admits every entry published at or before ``now``."""
    return f"{time_key(now)}#~"


def encode_summary(article: Article) -> bytes:
    """What an index entry carries: the article's listing view (the summary JSON without the URL), zlib-compressed:
    450-750 bytes for the sample articles, so an entry with its keys is one write unit."""
    return zlib.compress(article.summary_view().model_dump_json(exclude={"url"}).encode(), 9)


def decode_summary(doc: bytes) -> ArticleSummary:
    return ArticleSummary.model_validate_json(zlib.decompress(doc))


def _s(value: str) -> dict[str, Any]:
    return {"S": value}


def _n(value: int) -> dict[str, Any]:
    return {"N": str(value)}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": _s(pk), "sk": _s(sk)}


@dataclass(frozen=True)
class _Indexed:
    """What a save writes after its commit point, for one revision: promo items, then index entries, the feed
    entry last (so the feed entry present at ``rev`` means the rest is written)."""

    article_id: str
    rev: int
    sk: str
    names: tuple[str, ...]
    doc: bytes
    promos: tuple[tuple[str, str], ...]  # (position, headline)

    @property
    def keys(self) -> list[tuple[str, str]]:
        ordered = sorted(name for name in self.names if name != FEED_INDEX)
        ordered += [FEED_INDEX] if FEED_INDEX in self.names else []
        return [(PROMOS_PK, position) for position, _ in self.promos] + [(name, self.sk) for name in ordered]

    def item(self, pk: str, sk: str, expires: int) -> dict[str, Any]:
        if pk == PROMOS_PK:
            headline = dict(self.promos)[sk]
            return {
                **_key(pk, sk),
                "rev": _n(self.rev),
                "article_id": _s(self.article_id),
                "headline": _s(headline),
                "ttl": _n(expires),
            }
        return {**_key(pk, sk), "rev": _n(self.rev), "doc": {"B": self.doc}}


def article_item(write: ArticleWrite, *, rev: int, doc: bytes | None = None) -> dict[str, Any]:
    """The article item of ``write`` at revision ``rev`` (its commit point); ``doc``: ``encode_article`` done. What
    the article's document gives (its index sort key; its index names, when they are ``index_names``) is not stored
    again, nor defaults (not deleted, no promos)."""
    article = write.article
    item: dict[str, Any] = {
        **_key(f"ART#{article.id}", ARTICLE_SK),
        "doc": {"B": doc if doc is not None else encode_article(article)},
        "status": _s(write.status),
        "version": _s(write.version),
        "rev": _n(rev),
        "source_key": _s(write.source_key),
        "enrichment": _s(write.enrichment),
    }
    if tuple(write.index) != index_names(article):  # the common case, a published article in its own indexes
        item["index"] = {"L": [_s(name) for name in write.index]}
    if write.pending_promos:
        item["promos"] = {"M": {f"{article.id}#{n:02d}": _s(h) for n, h in enumerate(write.pending_promos)}}
    if write.deleted_at:
        item["deleted"] = {"BOOL": True}
        item["deleted_at"] = _s(write.deleted_at)
    if write.event is not None:
        item |= _outbox(write, write.event)
    return item


def _outbox(write: ArticleWrite, event: ArticleEvent) -> dict[str, Any]:
    """The event of a save as the article item keeps it until it is sent: what rebuilds it from the stored article
    (its kind and the public base URL, ~60 bytes instead of ~550 compressed), or the whole event when
    ``change_event`` would not rebuild it exactly."""
    url = str(event.detail.get("url") or "")
    base = url.removesuffix(f"/news/{write.article.slug}") if url else ""
    outbox = {"event_id": _s(event.event_id)}
    rebuilt = _rebuilt(event.detail_type, base, write.article, write.version, write.source_key, write.enrichment)
    if rebuilt == event:
        return outbox | {"event_kind": _s(event.detail_type), "event_base": _s(base)}
    return outbox | {"event": {"B": zlib.compress(event.to_json().encode(), 9)}}


def _rebuilt(
    kind: str, base: str, article: Article, version: str, source_key: str, enrichment: str
) -> ArticleEvent | None:
    return change_event(
        article,
        served_before=kind != "ArticlePublished",
        served_now=kind != "ArticleWithdrawn",
        version=version,
        source_key=source_key,
        base_url=base,
        enrichment=enrichment,
    )


def _new_source(write: ArticleWrite) -> bool:
    """Whether ``write`` needs the source key record written: a first save, a new key, or a deleted article back."""
    old = write.old
    return old is None or old.source_key != write.source_key or (old.stored.deleted and not write.deleted_at)


def default_id(key: str) -> str:
    """The id an upload at ``key`` gets when it names none (the file name without extension, slugified, as
    ``parse_upload`` gives it): a save of that id from that key writes no source key record, as the lookup tries
    this id first. Part of the stored layout: a change would lose the way back from the keys saved before it."""
    return slugify(PurePosixPath(key).stem)[:80].strip("-")


def entry_item(article: Article, name: str, *, rev: int) -> dict[str, Any]:
    """The entry of ``article`` in the index ``name`` (what ``save`` writes)."""
    return {**_key(name, index_sk(article)), "rev": _n(rev), "doc": {"B": encode_summary(article)}}


class DynamoDBFeed:
    """The feed table. Implements ``FeedReader`` and ``FeedStore``; all boto3 of the feed lives here."""

    def __init__(self, table_name: str, *, client: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._client = client or boto3.client("dynamodb")

    # ------------------------------------------------------------------ reads

    def get_by_slug(self, slug: str) -> StoredArticle | None:
        item = self._get(f"SLUG#{slug}", "SLUG")
        if item is None:
            return None
        record = self.get_record(item["article_id"]["S"], consistent=False)
        return record.stored if record else None

    def get_record(self, article_id: str, *, consistent: bool = True) -> ArticleRecord | None:
        item = self._get(f"ART#{article_id}", ARTICLE_SK, consistent=consistent)
        if item is None:
            return None
        article = decode_article(item["doc"]["B"])
        return ArticleRecord(
            stored=StoredArticle(
                article=article,
                status=item["status"]["S"],
                version=item["version"]["S"],
                deleted=item.get("deleted", {}).get("BOOL", False),
            ),
            rev=int(item["rev"]["N"]),
            source_key=item["source_key"]["S"],
            index_keys=_index_keys(item, article),
            pending_promos=tuple(sorted(item.get("promos", {}).get("M", {}))),
            deleted_at=item.get("deleted_at", {}).get("S"),
            enrichment=item.get("enrichment", {}).get("S", ""),
            index_rev=int(item["index_rev"]["N"]) if "index_rev" in item else None,
        )

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        keys = [_key(f"ART#{article_id}", ARTICLE_SK) for article_id in dict.fromkeys(ids)][:100]
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {self.table_name: {"Keys": keys, "ProjectionExpression": "doc"}}
        for _ in range(5):
            if not keys:
                break
            response = self._client.batch_get_item(RequestItems=request)
            items.extend(response.get("Responses", {}).get(self.table_name, []))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        return [decode_article(item["doc"]["B"]) for item in items]

    def slug_owner(self, slug: str) -> str | None:
        item = self._get(f"SLUG#{slug}", "SLUG", consistent=True)
        return item["article_id"]["S"] if item else None

    def article_id_for_key(self, key: str, *, known: Mapping[str, ArticleRecord | None] | None = None) -> str | None:
        """The id published from ``key``: the key's own (``default_id``), whose saves write no source key record,
        if its article comes from the key and is not unpublished; else the source key record's, else the own one
        (unpublished). Both claim a key whose uploads changed their id; the one still served is the key's.
        ``known``: records read already, by id (None: no such article); the own id's is not read again."""
        guess = default_id(key)
        claims = False
        if guess:
            if known is not None and guess in known:
                record = known[guess]
                source, deleted = (record.source_key, record.stored.deleted) if record else (None, False)
            else:
                article = self._get(f"ART#{guess}", ARTICLE_SK, consistent=True) or {}
                source, deleted = article.get("source_key", {}).get("S"), article.get("deleted", {}).get("BOOL", False)
            claims = source == key
            if claims and not deleted:
                return guess
        item = self._get(f"SRC#{key}", "SRC", consistent=True)
        if item is not None:
            return str(item["article_id"]["S"])
        return guess if claims else None

    def note_refusal(self, key: str) -> None:
        self._client.put_item(TableName=self.table_name, Item=_key(f"SRC#{key}", REFUSED_SK))

    def refusal_noted(self, key: str) -> bool:
        return self._get(f"SRC#{key}", REFUSED_SK, consistent=True) is not None

    def list_index(
        self, index: str, *, limit: int, after: str | None, now: datetime, since: datetime | None = None
    ) -> IndexPage:
        upper = now_bound(now)
        if after is not None and after < upper:
            upper = after
        lower = time_key(since) if since is not None else None
        items = self._query(index, upper, limit=limit + 1, lower=lower)
        more = len(items) > limit
        items = items[:limit]
        return IndexPage(
            items=[_summary(item) for item in items],
            last_position=items[-1]["sk"]["S"] if more and items else None,
        )

    def recent_headlines(self, limit: int) -> list[IndexHit]:
        return [_hit(item) for item in self._query(FEED_INDEX, "~", limit=limit)]

    def tag_neighbours(self, tag_slug: str, *, limit: int, now: datetime) -> list[IndexHit]:
        return [_hit(item) for item in self._query(f"TAG#{tag_slug}", now_bound(now), limit=limit)]

    def pending_promos(self, limit: int) -> list[PendingPromo]:
        response = self._client.query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk",
            FilterExpression=_LIVE,
            ExpressionAttributeValues={":pk": _s(PROMOS_PK)},
            Limit=limit,
        )
        return [
            PendingPromo(item["article_id"]["S"], item["sk"]["S"], item["headline"]["S"])
            for item in response.get("Items", [])
        ]

    # ------------------------------------------------------------------ writes

    def save(self, write: ArticleWrite) -> None:
        """Write one version in single-item steps (no transaction: it bills every item twice) around one commit
        point, the conditional put of the article item:

        1. the slug lock, when the slug is new to the article (``SlugTaken`` if another article holds it), and the
           source key record, unless the key gives the id (``default_id``): lookups that must find the article;
        2. removals: the entries and promos the old version had and this one has not are replaced by tombstones
           *before* the commit, each unless a revision from this save's on wrote it (a concurrent save's);
        3. the commit: the article item with this save's event (its outbox), conditional on ``expected_rev``
           (``ConcurrentChange``);
        4. additions: promo items, then every index entry with its listing view, the feed entry last, each unless
           a newer revision wrote it or buried it (so a slow older writer cannot bring back what a newer one
           removed).

        A reader never follows an entry to a missing or unserved article, nor sees one at a position the stored
        version does not list; a list may show an entry's previous summary until step 4 rewrites it. A fault
        between steps leaves at most entries missing, which the next save of the article or ``complete`` (on
        redelivery) writes; a slug lock or source record of a save that then failed stays, owned by the article,
        like an old slug. ``ArticleTooLarge`` is raised before any write."""
        article, old = write.article, write.old
        doc = encode_article(article)
        rev = (old.rev if old else 0) + 1
        if article.slug and (old is None or old.stored.article.slug != article.slug):
            self._claim_slug(article.slug, article.id)
        if _new_source(write) and article.id != default_id(write.source_key):
            item = {**_key(f"SRC#{write.source_key}", "SRC"), "article_id": _s(article.id)}
            self._client.put_item(TableName=self.table_name, Item=item)
        indexed = _Indexed(
            article_id=article.id,
            rev=rev,
            sk=index_sk(article),
            names=tuple(write.index),
            doc=encode_summary(article) if write.index else b"",
            promos=tuple((f"{article.id}#{n:02d}", h) for n, h in enumerate(write.pending_promos)),
        )
        wanted = set(indexed.keys)
        before = set(old.index_keys) | {(PROMOS_PK, p) for p in old.pending_promos} if old else set()
        for pk, sk in sorted(before - wanted):
            self._bury(pk, sk, rev)
        put: dict[str, Any] = {"TableName": self.table_name, "Item": article_item(write, rev=rev, doc=doc)}
        if write.expected_rev is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "rev = :rev"
            put["ExpressionAttributeValues"] = {":rev": _n(write.expected_rev)}
        try:
            self._client.put_item(**put)
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConcurrentChange from e
            raise
        self._add(indexed)

    def complete(self, record: ArticleRecord) -> None:
        """Write what the save of ``record`` left unwritten after its commit (a fault or a crash between steps):
        promo items and index entries. One consistent GetItem of its last addition (the feed entry) when nothing
        is missing; idempotent."""
        index_rev = record.index_rev if record.index_rev is not None else record.rev
        keys = [key for key in record.index_keys if key[0] == FEED_INDEX] or sorted(record.index_keys)[-1:]
        if not keys and not record.pending_promos:
            return
        last = self._get(*keys[0], consistent=True) if keys else None
        if last is not None and int(last["rev"]["N"]) >= index_rev:
            return
        item = self._get(f"ART#{record.stored.article.id}", ARTICLE_SK, consistent=True)
        if item is not None and int(item.get("index_rev", item["rev"])["N"]) == index_rev:
            self._add(_indexed_of(item))

    def pending_event(self, article_id: str) -> ArticleEvent | None:
        item = self._get(f"ART#{article_id}", ARTICLE_SK, consistent=True)
        if item is None or "event_id" not in item:
            return None
        if self._get(f"ART#{article_id}", SENT_PREFIX + item["event_id"]["S"], consistent=True) is not None:
            return None
        if "event" in item:
            return ArticleEvent.from_json(zlib.decompress(item["event"]["B"]).decode())
        article = decode_article(item["doc"]["B"])
        fields = (item["version"]["S"], item["source_key"]["S"], item.get("enrichment", {}).get("S", ""))
        return _rebuilt(item["event_kind"]["S"], item["event_base"]["S"], article, *fields)

    def event_sent(self, article_id: str, event_id: str) -> None:
        self._client.put_item(TableName=self.table_name, Item=_key(f"ART#{article_id}", SENT_PREFIX + event_id))

    def resolve_promos(self, resolutions: list[tuple[ArticleRecord, Article, tuple[str, ...]]]) -> int:
        """Rewrite each earlier article whose promos now resolve (one UpdateItem, conditional on its ``rev``; a
        concurrent change skips that one) and bury the resolved promo items. Returns how many were updated."""
        updated = 0
        for record, article, resolved in resolutions:
            names = {f"#p{n}": position for n, position in enumerate(resolved)}
            update: dict[str, Any] = {
                "TableName": self.table_name,
                "Key": _key(f"ART#{article.id}", ARTICLE_SK),
                "UpdateExpression": "SET doc = :doc, rev = :next, index_rev = if_not_exists(index_rev, :rev)",
                "ConditionExpression": "rev = :rev",
                "ExpressionAttributeValues": {
                    ":doc": {"B": encode_article(article)},
                    ":rev": _n(record.rev),
                    ":next": _n(record.rev + 1),
                },
                "ReturnValues": "ALL_OLD",
            }
            if names:
                update["UpdateExpression"] += f" REMOVE {', '.join(f'promos.{name}' for name in names)}"
                update["ExpressionAttributeNames"] = names
            try:
                old = self._client.update_item(**update).get("Attributes", {})
            except ClientError as e:
                if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                    continue
                raise
            updated += 1
            index_rev = int(old.get("index_rev", _n(record.rev))["N"])
            for position in resolved:
                self._bury(PROMOS_PK, position, index_rev + 1)
        return updated

    # ------------------------------------------------------------------ helpers

    def _claim_slug(self, slug: str, article_id: str) -> None:
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item={**_key(f"SLUG#{slug}", "SLUG"), "article_id": _s(article_id)},
                ConditionExpression="attribute_not_exists(pk) OR article_id = :id",
                ExpressionAttributeValues={":id": _s(article_id)},
            )
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise SlugTaken from e
            raise

    def _add(self, indexed: _Indexed) -> None:
        """Step 4 of ``save``: the additions of ``indexed``, each unless a newer revision wrote (or buried) it."""
        expires = int(datetime.now().timestamp() + PROMO_TTL.total_seconds())
        for pk, sk in indexed.keys:
            try:
                self._client.put_item(
                    TableName=self.table_name,
                    Item=indexed.item(pk, sk, expires),
                    ConditionExpression=_NEWER_OR_MISSING,
                    ExpressionAttributeValues={":rev": _n(indexed.rev)},
                )
            except ClientError as e:
                if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise

    def _bury(self, pk: str, sk: str, rev: int) -> None:
        """Replace the item by a tombstone of revision ``rev``, unless a revision from ``rev`` on wrote it: the
        tombstone stops a slower writer of an older revision from putting the item back (its put is conditional on
        ``rev``), and expires after a day (TTL deletes are free). Reads skip tombstones."""
        expires = int(datetime.now().timestamp() + TOMBSTONE_TTL.total_seconds())
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item={**_key(pk, sk), "rev": _n(rev), "gone": {"BOOL": True}, "ttl": _n(expires)},
                ConditionExpression="attribute_not_exists(pk) OR attribute_not_exists(rev) OR rev < :rev",
                ExpressionAttributeValues={":rev": _n(rev)},
            )
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _get(self, pk: str, sk: str, *, consistent: bool = False) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self.table_name, Key=_key(pk, sk), ConsistentRead=consistent)
        return response.get("Item")

    def _query(self, pk: str, upper: str, *, limit: int, lower: str | None = None) -> list[dict[str, Any]]:
        """Up to ``limit`` items of ``pk`` with ``lower <= sk < upper``, newest first: one Query, or more when a
        response stops at DynamoDB's 1 MB page before ``limit`` items (it then carries ``LastEvaluatedKey``)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk < :upper",
            "ExpressionAttributeValues": {":pk": _s(pk), ":upper": _s(upper)},
            "ScanIndexForward": False,
            "ProjectionExpression": "sk, doc",
            "FilterExpression": _LIVE,
        }
        if lower is not None:  # BETWEEN is inclusive: the upper bound itself is dropped below
            kwargs["KeyConditionExpression"] = "pk = :pk AND sk BETWEEN :lower AND :upper"
            kwargs["ExpressionAttributeValues"][":lower"] = _s(lower)
        items: list[dict[str, Any]] = []
        while len(items) < limit:
            response = self._client.query(**kwargs, Limit=limit - len(items))
            items.extend(item for item in response.get("Items", []) if item["sk"]["S"] != upper)
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return items[:limit]


def _index_keys(item: dict[str, Any], article: Article) -> tuple[tuple[str, str], ...]:
    if "index_keys" in item:  # written before the names were stored without their sort key
        return tuple((pk, sk) for pk, _, sk in (k["S"].partition("\x1f") for k in item["index_keys"]["L"]))
    sk = index_sk(article)
    names = [name["S"] for name in item["index"]["L"]] if "index" in item else index_names(article)
    return tuple(sorted((name, sk) for name in names))


def _indexed_of(item: dict[str, Any]) -> _Indexed:
    """What the save of the stored article item adds after its commit."""
    article = decode_article(item["doc"]["B"])
    keys = _index_keys(item, article)
    promos = tuple(sorted((p, h["S"]) for p, h in item.get("promos", {}).get("M", {}).items()))
    return _Indexed(
        article_id=article.id,
        rev=int(item.get("index_rev", item["rev"])["N"]),
        sk=index_sk(article),
        names=tuple(name for name, _ in keys),
        doc=encode_summary(article) if keys else b"",
        promos=promos,
    )


def _entry_json(item: dict[str, Any]) -> bytes:
    doc = item["doc"]
    return zlib.decompress(doc["B"]) if "B" in doc else doc["S"].encode()  # "S": the layout before compression


def _summary(item: dict[str, Any]) -> ArticleSummary:
    return ArticleSummary.model_validate_json(_entry_json(item))


def _hit(item: dict[str, Any]) -> IndexHit:
    summary = json.loads(_entry_json(item))
    published_at = item["sk"]["S"].split("#", 1)[0]
    return IndexHit(article_id=summary["id"], slug=summary["slug"], title=summary["title"], published_at=published_at)
