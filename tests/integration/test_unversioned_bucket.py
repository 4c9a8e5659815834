"""The pipeline on an unversioned bucket (the local stack's, and any bucket whose objects predate versioning): S3
keeps one version per key (``VersionId`` "null") and no delete markers, so there is no earlier life to tell apart."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pressroom.adapters.s3_source import S3ArticleSource
from pressroom.events import S3EventRecord
from pressroom.services import Ingest, Outcome, Result
from tests.clock import NOW, iso
from tests.fakes import InMemoryFeed
from tests.helpers import article, s3_record

BUCKET, KEY = "pressroom-unversioned-test", "incoming/k.json"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def feed() -> InMemoryFeed:
    return InMemoryFeed()


@pytest.fixture
def handle(s3: Any, feed: InMemoryFeed) -> Callable[[dict[str, Any]], Result]:
    ingest = Ingest(source=S3ArticleSource(BUCKET, client=s3), store=feed)
    return lambda record: ingest.handle(S3EventRecord.model_validate(record))


def put(s3: Any, data: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(data).encode()
    etag = s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)["ETag"].strip('"')
    return s3_record(KEY, bucket=BUCKET, size=len(body), etag=etag)


def test_a_late_deletion_event_keeps_the_upload_after_it_served(
    s3: Any, feed: InMemoryFeed, handle: Callable[[dict[str, Any]], Result]
) -> None:
    assert handle(put(s3, article("First life"))).outcome is Outcome.PUBLISHED
    s3.delete_object(Bucket=BUCKET, Key=KEY)
    removal = s3_record(KEY, bucket=BUCKET, removed=True)
    assert handle(put(s3, article("Second life"))).outcome is Outcome.PUBLISHED
    handle(removal)
    record = feed.get_record("k")
    assert record is not None and not record.stored.deleted and record.stored.article.title == "Second life"


def test_an_upload_older_by_updated_at_is_stale(s3: Any, handle: Callable[[dict[str, Any]], Result]) -> None:
    assert handle(put(s3, article("Edited yesterday", updated_at=iso(NOW - timedelta(days=1))))).outcome is (
        Outcome.PUBLISHED
    )
    result = handle(put(s3, article("Edited two days ago", updated_at=iso(NOW - timedelta(days=2)))))
    assert result.outcome is Outcome.STALE
