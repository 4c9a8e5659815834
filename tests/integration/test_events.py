"""Article events on EventBridge: one per change readers can see, never one per redelivery; a rule on the bus
delivers them to a queue, as a downstream system would subscribe."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import boto3
import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.eventbridge_sink import EventBridgeSink, EventsNotSent
from pressroom.adapters.s3_source import S3ArticleSource
from pressroom.events import S3EventRecord
from pressroom.models import article_url
from pressroom.notices import ArticleEvent
from pressroom.services import Ingest, Outcome
from tests.conftest import Resources
from tests.helpers import article, put_article, s3_record

pytestmark = pytest.mark.integration
BUS = "pressroom-events-test"


@pytest.fixture
def subscriber(resources: Resources) -> str:
    """A queue subscribed to every pressroom event on the bus, through a rule."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name=BUS)
    queue = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": ["pressroom"]}))
    events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    return queue


def received(queue: str) -> list[dict[str, Any]]:
    sqs, out = boto3.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return out


def service(resources: Resources, events: Any = None) -> Ingest:
    return Ingest(
        source=S3ArticleSource(resources.bucket),
        store=DynamoDBFeed(resources.table),
        events=events or EventBridgeSink(BUS),
        base_url="https://news.example.com",
    )


def handle(ingest: Ingest, record: dict[str, Any]) -> Outcome:
    return ingest.handle(S3EventRecord.model_validate(record)).outcome


def test_each_change_readers_see_is_one_event_and_redeliveries_are_none(resources: Resources, subscriber: str) -> None:
    ingest = service(resources)
    key = "incoming/story.json"
    first = put_article(resources.bucket, key, article("Harbour lights return", tags=["Harbour"]))
    assert handle(ingest, first) is Outcome.PUBLISHED
    assert handle(ingest, first) is Outcome.DUPLICATE
    second = put_article(resources.bucket, key, article("Harbour lights return, brighter"))
    assert handle(ingest, second) is Outcome.PUBLISHED
    draft = put_article(resources.bucket, key, article("Harbour lights return, brighter", status="draft"))
    assert handle(ingest, draft) is Outcome.STORED_DRAFT
    back = put_article(resources.bucket, key, article("Harbour lights are back"))
    assert handle(ingest, back) is Outcome.PUBLISHED
    boto3.client("s3").delete_object(Bucket=resources.bucket, Key=key)
    removal = s3_record(key, bucket=resources.bucket, removed=True)
    assert handle(ingest, removal) is Outcome.UNPUBLISHED
    assert handle(ingest, removal) is Outcome.DUPLICATE
    bad = put_article(resources.bucket, "incoming/bad.json", b'{"title": "no body"}')
    assert handle(ingest, bad) is Outcome.REJECTED
    assert handle(ingest, bad) is Outcome.REJECTED
    events = received(subscriber)
    assert [e["detail-type"] for e in events] == [
        "ArticlePublished",
        "ArticleUpdated",
        "ArticleWithdrawn",
        "ArticlePublished",
        "ArticleWithdrawn",
        "UploadRejected",
    ]
    assert {e["source"] for e in events} == {"pressroom"}
    published = events[0]["detail"]
    assert published["schema_version"] == "1" and published["id"] == "story" and published["source_key"] == key
    assert published["url"] == article_url("https://news.example.com", "harbour-lights-return")
    assert [t["slug"] for t in published["tags"]][:1] == ["harbour"] or "harbour" in {
        t["slug"] for t in published["tags"]
    }
    assert published["version"] and published["event_id"]
    rejected = events[-1]["detail"]
    assert rejected["source_key"] == "incoming/bad.json" and rejected["errors"][0]["loc"] == "body"
    assert len({e["detail"]["event_id"] for e in events}) == len(events)


class Refusing:
    def emit(self, events: Sequence[ArticleEvent]) -> None:
        raise EventsNotSent("throttled")


def test_an_event_not_sent_is_sent_when_the_message_comes_back(resources: Resources, subscriber: str) -> None:
    record = put_article(resources.bucket, "incoming/late.json", article("Late news"))
    with pytest.raises(EventsNotSent):
        handle(service(resources, Refusing()), record)
    assert received(subscriber) == []
    assert handle(service(resources), record) is Outcome.DUPLICATE
    assert [e["detail-type"] for e in received(subscriber)] == ["ArticlePublished"]
    assert handle(service(resources), record) is Outcome.DUPLICATE
    assert received(subscriber) == []
