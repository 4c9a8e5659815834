"""``pressroom reindex`` end to end on moto, in-process: the CLI's fan-out puts reindex requests on the ingest queue,
the ingest handler re-enriches what was enriched by other code, and a second run finds nothing left to do."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.s3_source import S3ArticleSource
from pressroom.events import S3EventRecord
from pressroom.handlers import ingest
from pressroom.preparing import ENRICHMENT_VERSION
from pressroom.services import Ingest, Outcome
from pressroom_stack import reindex
from tests.conftest import Resources
from tests.helpers import article, put_article

pytestmark = pytest.mark.integration
ARTICLES = 30


@pytest.fixture(autouse=True)
def fresh_composition_root(resources: Resources) -> Any:
    ingest.ingest_service.cache_clear()
    yield
    ingest.ingest_service.cache_clear()


def drain(queue: str, lambda_context: Any) -> list[str]:
    """Feed the queue to the ingest handler, as Lambda's event source does; the outcomes logged are not needed,
    only the failures."""
    sqs, failures = boto3.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                }
                for m in messages
            ]
        }
        failures += [f["itemIdentifier"] for f in ingest.handler(event, lambda_context)["batchItemFailures"]]
        for m in messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    return failures


def test_reindex_re_enriches_stale_articles_once_and_is_idempotent(resources: Resources, lambda_context: Any) -> None:
    old_code = Ingest(S3ArticleSource(resources.bucket), DynamoDBFeed(resources.table), enrichment="old-code")
    for n in range(ARTICLES):
        record = put_article(resources.bucket, f"incoming/a{n:03d}.json", article(f"Story {n}", tags=["Rowing"]))
        assert old_code.handle(S3EventRecord.model_validate(record)).outcome is Outcome.PUBLISHED
    store = DynamoDBFeed(resources.table)
    before = {n: store.get_record(f"a{n:03d}") for n in range(ARTICLES)}
    assert {r.enrichment for r in before.values() if r} == {"old-code"}

    queue = boto3.client("sqs").create_queue(QueueName="ingest")["QueueUrl"]
    keys = list(reindex.keys(boto3.client("s3"), resources.bucket))
    assert len(keys) == ARTICLES
    messages = reindex.enqueue(boto3.client("sqs"), queue, resources.bucket, keys, only_stale=True)
    assert messages == ARTICLES // reindex.RECORDS_PER_MESSAGE
    assert drain(queue, lambda_context) == []
    after = {n: store.get_record(f"a{n:03d}") for n in range(ARTICLES)}
    assert all(r and r.enrichment == ENRICHMENT_VERSION and r.rev == before[n].rev + 1 for n, r in after.items())  # type: ignore[union-attr]
    assert all(r and r.stored.article.slug == before[n].stored.article.slug for n, r in after.items())  # type: ignore[union-attr]

    reindex.enqueue(boto3.client("sqs"), queue, resources.bucket, keys, only_stale=True)
    assert drain(queue, lambda_context) == []
    again = {n: store.get_record(f"a{n:03d}") for n in range(ARTICLES)}
    assert all(r and r.rev == after[n].rev for n, r in again.items())  # type: ignore[union-attr]


def test_a_reindex_message_is_one_article_of_work_as_an_upload_notification_is(resources: Resources) -> None:
    """The ingest handler defers the messages it cannot start with ``RESERVE_MS`` left, so a message must be no more
    work than that reserve covers: one article, as an upload's notification. Ten to a message, a batch was a hundred
    articles; under contention (the FEED partition's write limit on AWS, one interpreter locally) a message that
    started in time ran past the function's timeout, the whole batch came back, and after ``maxReceiveCount`` such
    rounds its articles were in the dead-letter queue, never re-enriched (400 of 1,000 in ``bench.reindex``)."""
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="ingest")["QueueUrl"]
    keys = [f"incoming/r{n:03d}.json" for n in range(25)]
    reindex.enqueue(sqs, queue, resources.bucket, keys, only_stale=True)
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
        )
    assert [len(body["Records"]) for body in bodies] == [1] * len(keys)
    assert sorted(S3EventRecord.model_validate(b["Records"][0]).key for b in bodies) == keys


def test_reindex_all_rewrites_even_current_articles_and_since_filters_the_listing(
    resources: Resources, lambda_context: Any
) -> None:
    record = put_article(resources.bucket, "incoming/one.json", article("One"))
    current = Ingest(S3ArticleSource(resources.bucket), DynamoDBFeed(resources.table))
    assert current.handle(S3EventRecord.model_validate(record)).outcome is Outcome.PUBLISHED
    queue = boto3.client("sqs").create_queue(QueueName="ingest")["QueueUrl"]
    reindex.enqueue(boto3.client("sqs"), queue, resources.bucket, ["incoming/one.json"], only_stale=False)
    body = json.loads(boto3.client("sqs").receive_message(QueueUrl=queue, VisibilityTimeout=0)["Messages"][0]["Body"])
    assert body["Records"][0]["eventName"] == "PressroomReindex:All"
    assert drain(queue, lambda_context) == []
    assert DynamoDBFeed(resources.table).get_record("one").rev == 2  # type: ignore[union-attr]
    modified = boto3.client("s3").head_object(Bucket=resources.bucket, Key="incoming/one.json")["LastModified"]
    assert list(reindex.keys(boto3.client("s3"), resources.bucket, since=modified)) == ["incoming/one.json"]
    later = modified.replace(year=modified.year + 1)
    assert list(reindex.keys(boto3.client("s3"), resources.bucket, since=later)) == []


def test_the_estimate_grows_with_the_items_and_shrinks_with_concurrency() -> None:
    small, large, wide = reindex.estimate(1_000, 5), reindex.estimate(1_000_000, 5), reindex.estimate(1_000_000, 50)
    assert large.dollars == pytest.approx(small.dollars * 1000)
    assert wide.seconds == pytest.approx(large.seconds / 10)
    assert "1,000,000 article(s)" in large.describe()
