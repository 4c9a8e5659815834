"""Article events for downstream systems (push, CDN purge, search, social): what changed for readers, once per
change. The detail schema is versioned (``schema_version``); README "Events" documents it field by field.

=====================  =====================================================================================
detail type            when
=====================  =====================================================================================
``ArticlePublished``   an article becomes served (first publication, or back after a withdrawal or as a draft)
``ArticleUpdated``     a served article gets a newer version that is still served
``ArticleWithdrawn``   a served article stops being served (``withdrawn``, its object deleted, or made a draft)
``UploadRejected``     an upload gets a rejection report, or a report with other errors than before
=====================  =====================================================================================

Storing a draft or a withdrawal of something never served changes nothing for readers: no event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pressroom.models import Article, article_url

SOURCE = "pressroom"
SCHEMA_VERSION = "1"
DetailType = Literal["ArticlePublished", "ArticleUpdated", "ArticleWithdrawn", "UploadRejected"]


@dataclass(frozen=True)
class ArticleEvent:
    detail_type: DetailType
    detail: dict[str, Any] = field(hash=False)

    @property
    def event_id(self) -> str:
        return str(self.detail["event_id"])

    def to_json_detail(self) -> str:
        return json.dumps(self.detail, ensure_ascii=False)

    def to_json(self) -> str:
        return json.dumps({"detail_type": self.detail_type, "detail": self.detail}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ArticleEvent:
        data = json.loads(text)
        return cls(detail_type=data["detail_type"], detail=data["detail"])


def _event_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def change_event(
    article: Article,
    *,
    served_before: bool,
    served_now: bool,
    version: str,
    source_key: str,
    base_url: str,
    enrichment: str = "",
) -> ArticleEvent | None:
    """The event of writing ``article`` (None when readers see no change). A reindex of the same version by other
    enrichment code is a change (its ``event_id`` differs)."""
    if served_now:
        kind: DetailType = "ArticleUpdated" if served_before else "ArticlePublished"
    elif served_before:
        kind = "ArticleWithdrawn"
    else:
        return None
    detail = {
        "schema_version": SCHEMA_VERSION,
        "event_id": _event_id(kind, article.id, version, enrichment),
        "id": article.id,
        "slug": article.slug,
        "url": article_url(base_url, article.slug) if base_url and article.slug else None,
        "title": article.title,
        "version": version,
        "source_key": source_key,
        "published_at": article.published_at.isoformat().replace("+00:00", "Z"),
        "updated_at": article.updated_at.isoformat().replace("+00:00", "Z"),
        "section": article.section,
        "tags": [{"name": t.name, "slug": t.slug, "kind": t.kind} for t in article.tags],
    }
    return ArticleEvent(kind, detail)


def rejection_event(report: dict[str, Any]) -> ArticleEvent:
    """The event of a rejection report (``key``, ``etag``, ``received_at``, ``errors``)."""
    errors = report["errors"]
    detail = {
        "schema_version": SCHEMA_VERSION,
        "event_id": _event_id("UploadRejected", report["key"], str(report["etag"]), json.dumps(errors)),
        "source_key": report["key"],
        "etag": report["etag"],
        "received_at": report["received_at"],
        "errors": errors,
    }
    return ArticleEvent("UploadRejected", detail)
