"""A burst of 2,000+ S3 writes (uploads, deletions) with faults through the notification path, then a reconciliation.

In-process on moto (the local stack's HTTP hop would make this minutes long in CI): the bucket notifies an SQS queue
with a redrive policy exactly as template.yaml wires it, and a small event-source loop feeds the ingest handler in
batches of 10 with partial batch failures, like Lambda's SQS mapping. Throttling and 5xx faults are injected into a
fixed, seeded share of the handler's DynamoDB and S3 calls through botocore's event hooks (the code under test is
not touched). At the end every claim is checked against the table, the bucket and the dead-letter queue.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.handlers import ingest
from pressroom.ports import FEED_INDEX
from tests.conftest import Resources
from tests.helpers import s3_record, sqs_event, wire_ingest_queue

pytestmark = [pytest.mark.reliability, pytest.mark.slow, pytest.mark.timeout(1800)]

SEED = 20261125
FAULT_RATE = 0.015
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
FIRST = [
    "Mara",
    "Tomás",
    "Aïsha",
    "Jean-Luc",
    "Priya",
    "Odile",
    "Kwame",
    "Freya",
    "Dmitri",
    "Hana",
    "Lucía",
    "Ben",
    "Ines",
    "Rafael",
    "Noor",
    "Sven",
    "Chiara",
    "Emeka",
    "Yuki",
    "Paulo",
]
LAST = [
    "Quill",
    "Ferreira",
    "Benali",
    "Moreau",
    "Natarajan",
    "Varga",
    "Mensah",
    "Lindqvist",
    "Sokolov",
    "Takeda",
    "Ortega",
    "Adeyemi",
    "Halloran",
    "Szabó",
    "Kowalczyk",
    "Brennan",
    "Okonkwo",
    "Vasquez",
    "Holmberg",
    "Duarte",
]
ORGS = ["Council", "Energy", "Motors", "United", "Theatre Company", "Pictures", "Bank", "University"]
SECTIONS = ["news", "sport", "business", "entertainment", "science"]


class Faults:
    """Raises a transient AWS error on a seeded share of the calls made while active."""

    CODES = {
        "dynamodb": ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"],
        "s3": ["SlowDown", "InternalError", "ServiceUnavailable"],
    }

    def __init__(self, rate: float, seed: int) -> None:
        self.rate, self.rng, self.active, self.injected = rate, random.Random(seed), False, Counter[str]()

    def __call__(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        if self.active and service in self.CODES and self.rng.random() < self.rate:
            code = self.rng.choice(self.CODES[service])
            self.injected[f"{service}.{model.name}"] += 1
            raise ClientError({"Error": {"Code": code, "Message": "injected fault"}}, model.name)


def _body(rng: random.Random, n: int) -> str:
    """A short news story; names vary widely so each tag index stays small, as in a real newsroom."""
    person, other = (f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(2))
    org = f"{rng.choice(LAST)} {rng.choice(ORGS)}"
    return (
        f"{person} spoke to reporters at the {org} offices about plan number {n}. "
        f"“It is a good day,” {person.split()[-1]} said.\n\n"
        f"{other} of {org} said the work would take months. {person.split()[-1]} agreed.\n\n"
        "Sign up for the Portmere Ledger newsletter for more stories like this."
    )


def _article(rng: random.Random, n: int, *, version: int = 1) -> dict[str, Any]:
    return {
        "title": f"Story {n} version {version}",
        "body": _body(rng, n),
        "published_at": f"2029-{1 + n % 11:02d}-{1 + n % 27:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
        "updated_at": f"2029-11-{10 + version:02d}T00:00:00Z",
        "section": SECTIONS[n % len(SECTIONS)],
    }


class EventSource:
    """Lambda's SQS event source mapping, in-process: batches of 10, successes deleted, failures made visible again
    (SQS counts the receive; the queue's redrive policy moves a message to the DLQ after 5 receives)."""

    def __init__(self, queue_url: str, context: Any) -> None:
        self.sqs, self.queue_url, self.context = boto3.client("sqs"), queue_url, context
        self.invocations = 0

    def poll_once(self) -> int:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(*(m["Body"] for m in messages))
        for record, message in zip(event["Records"], messages, strict=True):
            record["messageId"], record["receiptHandle"] = message["MessageId"], message["ReceiptHandle"]
            record["attributes"] = message.get("Attributes", record["attributes"])
        self.invocations += 1
        response = ingest.handler(event, self.context)
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def drain(self, limit: int | None = None) -> None:
        handled = 0
        while (limit is None or handled < limit) and (got := self.poll_once()):
            handled += got


def test_burst_with_faults_loses_nothing_and_publishes_each_version_once(
    resources: Resources, lambda_context: Any
) -> None:
    rng = random.Random(SEED)
    faults = Faults(FAULT_RATE, SEED)
    session = boto3._get_default_session()  # noqa: SLF001 - the session the handler's clients are built from
    session.events.register("before-call", faults)
    ingest.ingest_service.cache_clear()
    queue, dlq = wire_ingest_queue(resources.bucket, redrive_after=5)
    assert dlq is not None
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    source = EventSource(queue, lambda_context)

    expected: dict[str, str] = {}  # live id -> newest title
    deleted: set[str] = set()
    invalid: list[str] = []
    operations = 0  # uploads and deletions: the S3 writes editors make

    def put(key: str, data: bytes) -> None:
        nonlocal operations
        s3.put_object(Bucket=resources.bucket, Key=key, Body=data)
        operations += 1

    for n in range(1300):
        put(f"incoming/story-{n}.json", json.dumps(_article(rng, n)).encode())
        expected[f"story-{n}"] = f"Story {n} version 1"
    for n in range(1300, 1420):  # three versions each, uploaded newest first
        for version in (3, 2, 1):
            put(f"incoming/story-{n}.json", json.dumps(_article(rng, n, version=version)).encode())
        expected[f"story-{n}"] = f"Story {n} version 3"
    bad_inputs = [
        b"",
        b"null",
        b'{"title": "no body"}',
        b'{"title": 1, "body": "x", "published_at": "2026-01-01"}',
        b"\xff\xfe{}",
        b'{"title": "t", "body": "b", "published_at": "2026-01-01", "extra": 1}',
    ]
    for n in range(240):
        key = f"incoming/bad-{n}.json"
        put(key, bad_inputs[n % len(bad_inputs)])
        invalid.append(key)

    faults.active = True
    source.drain(limit=900)  # part of the queue first, so deletions and duplicates meet both states
    faults.active = False
    for n in rng.sample(range(1300), 150):
        s3.delete_object(Bucket=resources.bucket, Key=f"incoming/story-{n}.json")
        operations += 1
        # moto sends no event for a delete marker on a versioned bucket; S3 sends this one.
        removal = s3_record(f"incoming/story-{n}.json", bucket=resources.bucket, removed=True)
        removal["eventName"] = "ObjectRemoved:DeleteMarkerCreated"
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"Records": [removal]}))
        deleted.add(f"story-{n}")
        expected.pop(f"story-{n}")
    duplicates = [
        json.dumps(
            {
                "Records": [
                    {
                        "eventName": "ObjectCreated:Put",
                        "eventTime": "2029-11-25T00:00:00.000Z",
                        "s3": {"bucket": {"name": resources.bucket}, "object": {"key": f"incoming/story-{n}.json"}},
                    }
                ]
            }
        )
        for n in rng.sample(range(1420), 300)
    ]
    poison = [f"poison message {n}" for n in range(5)]
    for body in duplicates + poison:
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    faults.active = True
    source.drain()
    faults.active = False
    session.events.unregister("before-call", faults)

    assert operations >= 2000
    assert sum(faults.injected.values()) > 50, "the burst must really have met faults"
    store = DynamoDBFeed(resources.table)

    # Every valid, live article is served at its newest version exactly once.
    served, after = [], None
    while True:
        page = store.list_index(FEED_INDEX, limit=100, after=after, now=FAR_FUTURE)
        served.extend(item.id for item in page.items)
        if page.last_position is None:
            break
        after = page.last_position
    assert len(served) == len(set(served))
    assert set(served) == set(expected)
    records = {article_id: store.get_record(article_id) for article_id in expected}
    for article_id, title in expected.items():
        record = records[article_id]
        assert record is not None and record.stored.article.title == title and not record.stored.deleted

    # Every deleted article is gone from the feed and answers 410 (withdrawn) by its slug.
    for article_id in deleted:
        record = store.get_record(article_id)
        if record is not None:  # deleted before its upload event was processed: never published at all
            assert record.stored.deleted
            assert store.get_by_slug(record.stored.article.slug).status == "withdrawn"  # type: ignore[union-attr]

    # Every invalid upload has its rejection report.
    for key in invalid:
        report = json.loads(s3.get_object(Bucket=resources.bucket, Key=f"rejected/{key}.error.json")["Body"].read())
        assert report["key"] == key and report["errors"]

    # The DLQ holds only what was made to fail permanently.
    dead = []
    while batch := sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", []):
        dead.extend(m["Body"] for m in batch)
        for m in batch:
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
    assert sorted(dead) == sorted(poison)

    # No index entry is orphaned, and no article misses an entry it claims (a test may Scan; the code never does).
    entries: set[tuple[str, str]] = set()
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=resources.table):
        for item in page["Items"]:
            pk, sk = item["pk"]["S"], item["sk"]["S"]
            if pk.startswith(("FEED", "TAG#", "SECTION#")):
                entries.add((pk, sk))
                record = records.get(item["article_id"]["S"])
                assert record is not None and not record.stored.deleted, f"orphan {pk} {sk}"
                assert record.stored.status == "published" and (pk, sk) in record.index_keys, f"stale {pk} {sk}"
    for article_id in expected:
        missing = set(records[article_id].index_keys) - entries  # type: ignore[union-attr]
        assert not missing, f"{article_id} misses its index entries {missing}"
