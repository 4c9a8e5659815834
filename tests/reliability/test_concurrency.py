"""Two workers on the same events at once: each version is published once and an older one never wins.

The race is forced deterministically: worker A is paused right after reading the article, worker B runs to the end
(or to the same point), then A goes on. Every interleaving that matters is covered without depending on timing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.s3_source import S3ArticleSource
from pressroom.events import S3EventRecord
from pressroom.ports import FEED_INDEX, ArticleRecord
from pressroom.services import Ingest, Outcome
from tests.conftest import Resources
from tests.helpers import article, put_article, s3_record

pytestmark = pytest.mark.reliability


class PausingFeed(DynamoDBFeed):
    """A real feed adapter that runs ``on_read`` once, right after its first ``get_record``."""

    def __init__(self, table: str, on_read: Callable[[], None]) -> None:
        super().__init__(table)
        self._on_read: Callable[[], None] | None = on_read

    def get_record(self, article_id: str, *, consistent: bool = True) -> ArticleRecord | None:
        record = super().get_record(article_id, consistent=consistent)
        hook, self._on_read = self._on_read, None
        if hook:
            hook()
        return record


def _event(resources: Resources, key: str, body: dict[str, Any]) -> S3EventRecord:
    return S3EventRecord.model_validate(put_article(resources.bucket, key, body))


def _worker(resources: Resources, on_read: Callable[[], None] | None = None) -> Ingest:
    store = PausingFeed(resources.table, on_read) if on_read else DynamoDBFeed(resources.table)
    return Ingest(source=S3ArticleSource(resources.bucket), store=store)


def test_two_workers_on_the_same_event_publish_it_once(resources: Resources) -> None:
    event = _event(resources, "incoming/same.json", article("Same event"))
    results: list[Outcome] = []
    b = _worker(resources)
    a = _worker(resources, on_read=lambda: results.append(b.handle(event).outcome))
    results.append(a.handle(event).outcome)
    assert sorted(results) == sorted([Outcome.PUBLISHED, Outcome.DUPLICATE])
    record = DynamoDBFeed(resources.table).get_record("same")
    assert record is not None and record.rev == 1
    entries = DynamoDBFeed(resources.table).list_index(
        FEED_INDEX, limit=10, after=None, now=record.stored.article.published_at
    )
    assert [e.id for e in entries.items] == ["same"]


def test_an_older_version_racing_a_newer_one_never_wins(resources: Resources) -> None:
    key = "incoming/race.json"
    old = article("Old title", updated_at="2029-11-20T00:00:00Z", tags=["Rowing"])
    new = article("New title", updated_at="2029-11-21T00:00:00Z", tags=["Sailing"])
    old_event = _event(resources, key, old)
    old_worker = _worker(resources)
    # Worker A has read S3's *old* object and the empty table; then the newer version is uploaded and B publishes it.
    source = S3ArticleSource(resources.bucket)
    old_object = source.fetch(key, max_bytes=1 << 20)

    def newer_published_meanwhile() -> None:
        new_event = _event(resources, key, new)
        assert _worker(resources).handle(new_event).outcome is Outcome.PUBLISHED

    a = _worker(resources, on_read=newer_published_meanwhile)
    outcome = a.offer(old_object, sequencer=None, current=True)
    assert outcome.outcome is Outcome.STALE
    record = DynamoDBFeed(resources.table).get_record("race")
    assert record is not None and record.stored.article.title == "New title"
    tags = DynamoDBFeed(resources.table).list_index(
        "TAG#rowing", limit=10, after=None, now=record.stored.article.published_at
    )
    assert tags.items == []
    # Its own event, redelivered late, offers the old version (by version id): older, superseded, not reported.
    assert old_worker.handle(old_event).outcome is Outcome.STALE
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=resources.bucket, Prefix="rejected/")


def test_a_deletion_racing_a_publish_is_not_undone(resources: Resources) -> None:
    key = "incoming/del.json"
    event = _event(resources, key, article("Deleted during publish"))
    assert _worker(resources).handle(event).outcome is Outcome.PUBLISHED
    source = S3ArticleSource(resources.bucket)
    stale_read = source.fetch(key, max_bytes=1 << 20)
    boto3.client("s3").delete_object(Bucket=resources.bucket, Key=key)
    removal = S3EventRecord.model_validate(s3_record(key, bucket=resources.bucket, removed=True, encode=False))
    assert _worker(resources).handle(removal).outcome is Outcome.UNPUBLISHED
    late = _worker(resources).offer(stale_read, sequencer=None, current=True)
    assert late.outcome is Outcome.STALE
    assert DynamoDBFeed(resources.table).get_by_slug("deleted-during-publish").status == "withdrawn"  # type: ignore[union-attr]


def test_two_articles_racing_for_one_slug_both_publish_under_distinct_slugs(resources: Resources) -> None:
    first = _event(resources, "incoming/first.json", article("Shared headline"))
    second = _event(resources, "incoming/second.json", article("Shared headline"))
    a = _worker(resources, on_read=lambda: _worker(resources).handle(second))
    assert a.handle(first).outcome is Outcome.PUBLISHED
    store = DynamoDBFeed(resources.table)
    owners = {store.get_by_slug(s).article.id for s in ("shared-headline", "shared-headline-2")}  # type: ignore[union-attr]
    assert owners == {"first", "second"}
