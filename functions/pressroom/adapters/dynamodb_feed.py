"""The feed table: a single DynamoDB table (``pk``/``sk``) holding articles, slugs, source keys and the indexes.

Items (see README, "Feed table"):

=========================  ===========  ==================================================================
pk                         sk           what
=========================  ===========  ==================================================================
``ART#<id>``               ``ARTICLE``  the latest version of an article (any status), zlib JSON in ``doc``
``ART#<id>``               ``OUTBOX``   the article event of the last save, until it is sent (``notices``)
``SLUG#<slug>``            ``SLUG``     slug -> article id; the uniqueness lock of the slug
``SRC#<s3 key>``           ``SRC``      S3 key -> article id, to unpublish on object deletion
``FEED``                   ``<t>#<id>`` the feed index: one entry per indexed article, summary in ``doc``
``TAG#<tag slug>``         ``<t>#<id>`` one tag index per tag
``SECTION#<section>``      ``<t>#<id>`` one section index per section
``AUTHOR#<author slug>``   ``<t>#<id>`` one author index per author
``PROMOS``                 ``<id>#<n>`` promo lines not yet resolved to an article (expire after 30 days)
=========================  ===========  ==================================================================

``<t>`` is the publication time as ``%Y-%m-%dT%H:%M:%S.%fZ``: newest first is a backwards Query, scheduled
entries are hidden by the key condition ``sk < now``. Every read is a GetItem or a Query, never a Scan.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from pressroom.models import Article, ArticleSummary
from pressroom.notices import ArticleEvent
from pressroom.ports import (
    ArticleRecord,
    ArticleWrite,
    ConcurrentChange,
    IndexHit,
    IndexPage,
    PendingPromo,
    SlugTaken,
    StoredArticle,
)
from pressroom.preparing import encode_article

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ARTICLE_SK = "ARTICLE"
OUTBOX_SK = "OUTBOX"
PROMOS_PK = "PROMOS"
PROMO_TTL = timedelta(days=30)
_SEP = "\x1f"


def time_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def index_sk(article: ArticleSummary) -> str:
    return f"{time_key(article.published_at)}#{article.id}"


def now_bound(now: datetime) -> str:
    """The exclusive upper sort key that admits every entry published at or before ``now``."""
    return f"{time_key(now)}#~"


def _s(value: str) -> dict[str, Any]:
    return {"S": value}


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
        article = Article.model_validate_json(zlib.decompress(item["doc"]["B"]))
        return ArticleRecord(
            stored=StoredArticle(
                article=article,
                status=item["status"]["S"],
                version=item["version"]["S"],
                deleted=item.get("deleted", {}).get("BOOL", False),
            ),
            rev=int(item["rev"]["N"]),
            source_key=item["source_key"]["S"],
            index_keys=tuple(tuple(k["S"].split(_SEP, 1)) for k in item.get("index_keys", {}).get("L", [])),
            pending_promos=tuple(p["S"] for p in item.get("pending_promos", {}).get("L", [])),
            deleted_at=item.get("deleted_at", {}).get("S"),
            enrichment=item.get("enrichment", {}).get("S", ""),
        )

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        keys = [{"pk": _s(f"ART#{article_id}"), "sk": _s(ARTICLE_SK)} for article_id in dict.fromkeys(ids)][:100]
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
        return [Article.model_validate_json(zlib.decompress(item["doc"]["B"])) for item in items]

    def slug_owner(self, slug: str) -> str | None:
        item = self._get(f"SLUG#{slug}", "SLUG", consistent=True)
        return item["article_id"]["S"] if item else None

    def article_id_for_key(self, key: str) -> str | None:
        item = self._get(f"SRC#{key}", "SRC", consistent=True)
        return item["article_id"]["S"] if item else None

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
            items=[ArticleSummary.model_validate_json(item["doc"]["S"]) for item in items],
            last_position=items[-1]["sk"]["S"] if more and items else None,
        )

    def recent_headlines(self, limit: int) -> list[IndexHit]:
        return [_hit(item) for item in self._query("FEED", "~", limit=limit, projection=True)]

    def tag_neighbours(self, tag_slug: str, *, limit: int, now: datetime) -> list[IndexHit]:
        return [_hit(item) for item in self._query(f"TAG#{tag_slug}", now_bound(now), limit=limit, projection=True)]

    def pending_promos(self, limit: int) -> list[PendingPromo]:
        response = self._client.query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _s(PROMOS_PK)},
            Limit=limit,
        )
        return [
            PendingPromo(item["article_id"]["S"], item["sk"]["S"], item["headline"]["S"])
            for item in response.get("Items", [])
        ]

    # ------------------------------------------------------------------ writes

    def save(self, write: ArticleWrite) -> None:
        """One TransactWriteItems: the article (conditional on ``expected_rev``), its slug lock, its source key,
        its index entries (stale ones deleted) and its pending promos."""
        article, old = write.article, write.old
        new_index = {(name, index_sk(article)) for name in write.index}
        old_index = set(old.index_keys) if old else set()
        promo_sks = tuple(f"{article.id}#{n:02d}" for n in range(len(write.pending_promos)))
        actions: list[dict[str, Any]] = [self._article_put(write, new_index, promo_sks)]
        slug_at = None
        if article.slug and (old is None or old.stored.article.slug != article.slug):
            slug_at = len(actions)
            actions.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": {"pk": _s(f"SLUG#{article.slug}"), "sk": _s("SLUG"), "article_id": _s(article.id)},
                        "ConditionExpression": "attribute_not_exists(pk) OR article_id = :id",
                        "ExpressionAttributeValues": {":id": _s(article.id)},
                    }
                }
            )
        if old is None or old.source_key != write.source_key or (old.stored.deleted and not write.deleted_at):
            item = {"pk": _s(f"SRC#{write.source_key}"), "sk": _s("SRC"), "article_id": _s(article.id)}
            actions.append({"Put": {"TableName": self.table_name, "Item": item}})
        summary_doc = article.summary_view().model_dump_json(exclude={"url"})
        for pk, sk in sorted(new_index):
            item = {
                "pk": _s(pk),
                "sk": _s(sk),
                "doc": _s(summary_doc),
                "article_id": _s(article.id),
                "slug": _s(article.slug),
                "title": _s(article.title),
            }
            actions.append({"Put": {"TableName": self.table_name, "Item": item}})
        for pk, sk in sorted(old_index - new_index):
            actions.append({"Delete": {"TableName": self.table_name, "Key": {"pk": _s(pk), "sk": _s(sk)}}})
        expires = str(int(datetime.now().timestamp() + PROMO_TTL.total_seconds()))
        for sk, headline in zip(promo_sks, write.pending_promos, strict=True):
            item = {
                "pk": _s(PROMOS_PK),
                "sk": _s(sk),
                "article_id": _s(article.id),
                "headline": _s(headline),
                "ttl": {"N": expires},
            }
            actions.append({"Put": {"TableName": self.table_name, "Item": item}})
        for sk in sorted(set(old.pending_promos if old else ()) - set(promo_sks)):
            actions.append({"Delete": {"TableName": self.table_name, "Key": {"pk": _s(PROMOS_PK), "sk": _s(sk)}}})
        if write.event is not None:
            item = {
                "pk": _s(f"ART#{article.id}"),
                "sk": _s(OUTBOX_SK),
                "event_id": _s(write.event.event_id),
                "event": _s(write.event.to_json()),
            }
            actions.append({"Put": {"TableName": self.table_name, "Item": item}})
        self._transact(actions, slug_at=slug_at)

    def pending_event(self, article_id: str) -> ArticleEvent | None:
        item = self._get(f"ART#{article_id}", OUTBOX_SK, consistent=True)
        return ArticleEvent.from_json(item["event"]["S"]) if item else None

    def event_sent(self, article_id: str, event_id: str) -> None:
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key={"pk": _s(f"ART#{article_id}"), "sk": _s(OUTBOX_SK)},
                ConditionExpression="event_id = :id",
                ExpressionAttributeValues={":id": _s(event_id)},
            )
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def resolve_promos(self, resolutions: list[tuple[ArticleRecord, Article, tuple[str, ...]]]) -> int:
        """Rewrite earlier articles whose promos now resolve (conditional on their ``rev``) and drop the resolved
        pending promos, in one transaction. A concurrent change of any of them cancels all: returns 0."""
        actions: list[dict[str, Any]] = []
        for record, article, resolved in resolutions:
            update = {
                "TableName": self.table_name,
                "Key": {"pk": _s(f"ART#{article.id}"), "sk": _s(ARTICLE_SK)},
                "UpdateExpression": "SET doc = :doc, rev = :next, pending_promos = :pending",
                "ConditionExpression": "rev = :rev",
                "ExpressionAttributeValues": {
                    ":doc": {"B": encode_article(article)},
                    ":rev": {"N": str(record.rev)},
                    ":next": {"N": str(record.rev + 1)},
                    ":pending": {"L": [_s(p) for p in record.pending_promos if p not in resolved]},
                },
            }
            actions.append({"Update": update})
            actions.extend(
                {"Delete": {"TableName": self.table_name, "Key": {"pk": _s(PROMOS_PK), "sk": _s(sk)}}}
                for sk in resolved
            )
        if not actions:
            return 0
        try:
            self._client.transact_write_items(TransactItems=actions[:100])  # type: ignore[arg-type]
        except ClientError as e:
            if e.response["Error"]["Code"] == "TransactionCanceledException":
                return 0
            raise
        return len(resolutions)

    # ------------------------------------------------------------------ helpers

    def _article_put(self, write: ArticleWrite, index: set[tuple[str, str]], promo_sks: tuple[str, ...]) -> dict:
        article = write.article
        item: dict[str, Any] = {
            "pk": _s(f"ART#{article.id}"),
            "sk": _s(ARTICLE_SK),
            "doc": {"B": encode_article(article)},
            "status": _s(write.status),
            "slug": _s(article.slug),
            "version": _s(write.version),
            "rev": {"N": str((write.old.rev if write.old else 0) + 1)},
            "deleted": {"BOOL": write.deleted_at is not None},
            "source_key": _s(write.source_key),
            "index_keys": {"L": [_s(f"{pk}{_SEP}{sk}") for pk, sk in sorted(index)]},
            "pending_promos": {"L": [_s(sk) for sk in promo_sks]},
            "enrichment": _s(write.enrichment),
        }
        if write.deleted_at:
            item["deleted_at"] = _s(write.deleted_at)
        put: dict[str, Any] = {"TableName": self.table_name, "Item": item}
        if write.expected_rev is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "rev = :rev"
            put["ExpressionAttributeValues"] = {":rev": {"N": str(write.expected_rev)}}
        return {"Put": put}

    def _transact(self, actions: list[dict[str, Any]], *, slug_at: int | None) -> None:
        try:
            self._client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
        except ClientError as e:
            if e.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
            if slug_at is not None and len(codes) > slug_at and codes[slug_at] == "ConditionalCheckFailed":
                raise SlugTaken from e
            if codes and codes[0] == "ConditionalCheckFailed":
                raise ConcurrentChange from e
            if "TransactionConflict" in codes:
                raise ConcurrentChange from e
            raise

    def _get(self, pk: str, sk: str, *, consistent: bool = False) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self.table_name, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=consistent
        )
        return response.get("Item")

    def _query(
        self, pk: str, upper: str, *, limit: int, projection: bool = False, lower: str | None = None
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` items of ``pk`` with ``lower <= sk < upper``, newest first: one Query, or more when a
        response stops at DynamoDB's 1 MB page before ``limit`` items (it then carries ``LastEvaluatedKey``)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk < :upper",
            "ExpressionAttributeValues": {":pk": _s(pk), ":upper": _s(upper)},
            "ScanIndexForward": False,
        }
        if lower is not None:  # BETWEEN is inclusive: the upper bound itself is dropped below
            kwargs["KeyConditionExpression"] = "pk = :pk AND sk BETWEEN :lower AND :upper"
            kwargs["ExpressionAttributeValues"][":lower"] = _s(lower)
        if projection:
            kwargs["ProjectionExpression"] = "sk, article_id, slug, title"
        items: list[dict[str, Any]] = []
        while len(items) < limit:
            response = self._client.query(**kwargs, Limit=limit - len(items))
            items.extend(item for item in response.get("Items", []) if item["sk"]["S"] != upper)
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return items[:limit]


def _hit(item: dict[str, Any]) -> IndexHit:
    return IndexHit(
        article_id=item["article_id"]["S"],
        slug=item["slug"]["S"],
        title=item["title"]["S"],
        published_at=item["sk"]["S"].split("#", 1)[0],
    )
