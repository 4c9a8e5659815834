"""The fate of an upload (a key and the ETag of the bytes put there), read from the pipeline's own records: the
article record that the key's uploads write (its source key and the ETag of the version it holds) and the key's
rejection report (its ETag). Never guessed from titles, slugs or times.

=============  =========================================================================================
fate           when
=============  =========================================================================================
published      the article record of the key holds this upload, served now
scheduled      the same, with a ``published_at`` still to come
draft          the same, stored as a draft (never served)
withdrawn      the same, withdrawn (``410``, or ``404`` if it was never published), or its object deleted
rejected       the key's report is about this upload (errors say what to fix)
stale          the key's report says a newer version is served (``updated_at``)
superseded     S3 holds another upload at the key now: this one will never be processed as current
deleted        the key has no object any more, and nothing was recorded for this upload
pending        none of the above yet
=============  =========================================================================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.s3_source import S3ArticleSource, rejection_key
from pressroom.models import article_url
from pressroom.versions import Version

Fate = Literal["published", "scheduled", "draft", "withdrawn", "rejected", "stale", "superseded", "deleted", "pending"]
WENT_THROUGH: frozenset[Fate] = frozenset({"published", "scheduled", "draft", "withdrawn", "deleted"})


@dataclass
class UploadFate:
    key: str
    etag: str
    fate: Fate = "pending"
    article_id: str | None = None
    slug: str | None = None
    url: str | None = None
    report: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Records:
    """Where the pipeline keeps its records: the feed table, the bucket, and the base URL of article pages."""

    store: DynamoDBFeed
    source: S3ArticleSource
    base_url: str

    def fate(self, key: str, etag: str, *, now: datetime) -> UploadFate:
        etag = etag.strip('"')
        found = UploadFate(key=key, etag=etag)
        article_id = self.store.article_id_for_key(key)
        record = self.store.get_record(article_id) if article_id else None
        if record and record.source_key == key and Version.parse(record.stored.version).etag == etag:
            article = record.stored.article
            found.article_id, found.slug = article.id, article.slug or None
            found.url = article_url(self.base_url, article.slug) if article.slug else None
            if record.stored.deleted or record.stored.status == "withdrawn":
                found.fate = "withdrawn"
            elif record.stored.status == "draft":
                found.fate = "draft"
            else:
                found.fate = "scheduled" if article.published_at > now else "published"
            return found
        report = self.source.read_rejection(key)
        if report and str(report.get("etag") or "").strip('"') == etag:
            found.errors = list(report.get("errors", []))
            found.report = rejection_key(key)
            stale = found.errors and all(e.get("type") == "stale" for e in found.errors)
            found.fate = "stale" if stale else "rejected"
            return found
        current = self.source.current_etag(key)
        if current is None:
            found.fate = "deleted"
        elif current != etag:
            found.fate = "superseded"
        return found
