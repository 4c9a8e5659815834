"""Bursts of S3 writes (uploads, versions uploaded newest first, invalid files, deletions) with duplicates, poison
messages and transient faults, then a reconciliation of everything claimed against the bucket, the table and the DLQ:

- 2,050 S3 writes, 300 duplicate deliveries and 5 poison messages at the port level, on the in-memory fakes with a
  seeded 1.5% of port calls failing (before or after they take effect), through an in-memory SQS queue that moves a
  message to its DLQ after 5 receives, as the template's redrive policy does;
- ~300 messages through the real path on moto: the bucket's own notifications to an SQS queue with the template's
  redrive policy, an in-process event source feeding ``ingest.handler`` in batches of 10 with partial batch
  failures, and throttling/5xx injected into 1.5% of the handler's boto3 calls by botocore's event hooks.

The fakes are held to moto and DynamoDB/S3's semantics by ``tests/contract/``; the large burst runs there because on
moto it would take minutes and gigabytes.
"""

from __future__ import annotations

import json
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.events import NotAnS3Notification, parse_notification
from pressroom.handlers import ingest
from pressroom.ports import FEED_INDEX
from tests.conftest import Resources
from tests.fakes import TRANSIENT_ERRORS, FakeWorld, FaultInjector
from tests.helpers import s3_record, sqs_event, wire_ingest_queue

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

SEED = 20261125
FAULT_RATE = 0.015
MAX_RECEIVES = 5
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
FIRST = ["Mara", "Tomás", "Aïsha", "Jean-Luc", "Priya", "Odile", "Kwame", "Freya", "Dmitri", "Hana", "Lucía", "Ben"]
LAST = ["Quill", "Ferreira", "Benali", "Moreau", "Natarajan", "Varga", "Mensah", "Lindqvist", "Sokolov", "Szabó"]
ORGS = ["Council", "Energy", "Motors", "United", "Theatre Company", "Pictures", "Bank", "University"]
SECTIONS = ["news", "sport", "business", "entertainment", "science"]
BAD_INPUTS = [
    b"",
    b"null",
    b'{"title": "no body"}',
    b'{"title": 1, "body": "x", "published_at": "2026-01-01"}',
    b"\xff\xfe{}",
    b'{"title": "t", "body": "b", "published_at": "2026-01-01", "extra": 1}',
]


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


@dataclass(frozen=True)
class Scale:
    singles: int  # keys uploaded once
    versioned: int  # keys uploaded three times, newest version first
    invalid: int
    deleted: int
    duplicates: int  # redeliveries in the bare shape (key only: no ETag, version id or sequencer)
    poison: int = 5
    first_drain: int = 0  # messages handled before the deletions and duplicates are sent


@dataclass
class Truth:
    """What the editors did: the reconciliation's expected state."""

    expected: dict[str, str] = field(default_factory=dict)  # live id -> newest title
    deleted: set[str] = field(default_factory=set)
    invalid: list[str] = field(default_factory=list)
    writes: int = 0


def upload_all(put: Any, scale: Scale, rng: random.Random, truth: Truth) -> None:
    """The uploads of a burst, through ``put(key, bytes)``."""
    n = 0
    for n in range(scale.singles):
        put(f"incoming/story-{n}.json", json.dumps(_article(rng, n)).encode())
        truth.expected[f"story-{n}"] = f"Story {n} version 1"
    for n in range(scale.singles, scale.singles + scale.versioned):
        for version in (3, 2, 1):
            put(f"incoming/story-{n}.json", json.dumps(_article(rng, n, version=version)).encode())
        truth.expected[f"story-{n}"] = f"Story {n} version 3"
    for n in range(scale.invalid):
        key = f"incoming/bad-{n}.json"
        put(key, BAD_INPUTS[n % len(BAD_INPUTS)])
        truth.invalid.append(key)
    truth.writes += scale.singles + 3 * scale.versioned + scale.invalid


def delete_some(remove: Any, scale: Scale, rng: random.Random, truth: Truth) -> None:
    for n in rng.sample(range(scale.singles), scale.deleted):
        remove(f"incoming/story-{n}.json")
        truth.deleted.add(f"story-{n}")
        truth.expected.pop(f"story-{n}")
    truth.writes += scale.deleted


def duplicates_and_poison(bucket: str, scale: Scale, rng: random.Random) -> tuple[list[str], list[str]]:
    duplicates = [
        json.dumps(
            {
                "Records": [
                    {
                        "eventName": "ObjectCreated:Put",
                        "eventTime": "2029-11-25T00:00:00.000Z",
                        "s3": {"bucket": {"name": bucket}, "object": {"key": f"incoming/story-{n}.json"}},
                    }
                ]
            }
        )
        for n in rng.sample(range(scale.singles + scale.versioned), scale.duplicates)
    ]
    return duplicates, [f"poison message {n}" for n in range(scale.poison)]


def reconcile(store: Any, truth: Truth, report: Any, entries: list[tuple[str, str, str]]) -> None:
    """Every live article served once at its newest version; every deleted one gone (410); every invalid upload
    reported; no index entry orphaned, stale or missing."""
    served, after = [], None
    while True:
        page = store.list_index(FEED_INDEX, limit=100, after=after, now=FAR_FUTURE)
        served.extend(item.id for item in page.items)
        if page.last_position is None:
            break
        after = page.last_position
    assert len(served) == len(set(served))
    assert set(served) == set(truth.expected)
    records = {article_id: store.get_record(article_id) for article_id in truth.expected}
    for article_id, title in truth.expected.items():
        record = records[article_id]
        assert record is not None and record.stored.article.title == title and not record.stored.deleted
    for article_id in truth.deleted:
        record = store.get_record(article_id)
        if record is not None:  # deleted before its upload event was processed: never published at all
            assert record.stored.deleted
            assert store.get_by_slug(record.stored.article.slug).status == "withdrawn"
    for key in truth.invalid:
        found = report(key)
        assert found is not None and found["key"] == key and found["errors"], key
    present = set()
    for pk, sk, article_id in entries:
        present.add((pk, sk))
        record = records.get(article_id)
        assert record is not None and not record.stored.deleted, f"orphan {pk} {sk}"
        assert record.stored.status == "published" and (pk, sk) in record.index_keys, f"stale {pk} {sk}"
    for article_id, record in records.items():
        missing = set(record.index_keys) - present  # type: ignore[union-attr]
        assert not missing, f"{article_id} misses its index entries {missing}"


# ---------------------------------------------------------------------------------------------------- on the fakes


@dataclass
class Message:
    body: str
    receives: int = 0
    failures: list[str] = field(default_factory=list)


class InMemoryQueue:
    """An SQS queue with a redrive policy: a message that fails ``MAX_RECEIVES`` times goes to ``dead``. Delivery is
    out of order within a window, as a standard queue's is."""

    def __init__(self, rng: random.Random, *, window: int = 50) -> None:
        self.pending: deque[Message] = deque()
        self.dead: list[Message] = []
        self.rng, self.window = rng, window

    def send(self, body: str) -> None:
        self.pending.append(Message(body))

    def drain(self, handle: Any, limit: int | None = None) -> None:
        handled = 0
        while self.pending and (limit is None or handled < limit):
            self.pending.rotate(-self.rng.randrange(min(self.window, len(self.pending))))
            message = self.pending.popleft()
            message.receives += 1
            handled += 1
            try:
                for record in parse_notification(message.body):
                    handle(record)
            except (NotAnS3Notification, *TRANSIENT_ERRORS) as e:
                message.failures.append(type(e).__name__)
                if message.receives >= MAX_RECEIVES:
                    self.dead.append(message)
                else:
                    self.pending.append(message)


def test_a_burst_of_2000_writes_with_faults_on_the_fakes_loses_nothing() -> None:
    scale = Scale(singles=1300, versioned=120, invalid=240, deleted=150, duplicates=300, first_drain=900)
    rng = random.Random(SEED)
    world = FakeWorld()
    source = FaultInjector(world.bucket, rate=FAULT_RATE, seed=SEED, active=False)
    store = FaultInjector(world.feed, rate=FAULT_RATE, seed=SEED + 1, active=False)
    service = world.ingest(source, store)
    queue = InMemoryQueue(random.Random(SEED))
    truth = Truth()

    def put(key: str, data: bytes) -> None:
        queue.send(json.dumps({"Records": [world.bucket.upload(key, data)]}))

    upload_all(put, scale, rng, truth)
    source.active = store.active = True
    queue.drain(service.handle, limit=scale.first_drain)
    delete_some(lambda key: queue.send(json.dumps({"Records": [world.bucket.remove(key)]})), scale, rng, truth)
    duplicates, poison = duplicates_and_poison(world.bucket.name, scale, rng)
    for body in duplicates + poison:
        queue.send(body)
    queue.drain(service.handle)
    source.active = store.active = False

    assert truth.writes >= 2000
    injected = sum(source.injected.values()) + sum(store.injected.values())
    assert injected > 200, "the burst must really have met faults"
    assert set(source.injected) >= {"fetch", "write_rejection", "clear_rejection"}
    assert set(store.injected) >= {"get_record", "save"}
    assert sorted(m.body for m in queue.dead if m.failures == ["NotAnS3Notification"] * MAX_RECEIVES) == poison
    unlucky = [m for m in queue.dead if m.body not in poison]
    assert all(len(m.failures) == MAX_RECEIVES and "NotAnS3Notification" not in m.failures for m in unlucky)
    for message in unlucky:  # an operator redrives the DLQ once the faults are over
        queue.send(message.body)
    queue.drain(service.handle)
    reconcile(world.feed, truth, world.bucket.report, world.index_entries())


# ---------------------------------------------------------------------------------------------------- on moto


class Faults:
    """Raises a transient AWS error on a seeded share of the boto3 calls made while active."""

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


class EventSource:
    """Lambda's SQS event source mapping, in-process: batches of 10, successes deleted, failures made visible again
    (SQS counts the receive; the queue's redrive policy moves a message to the DLQ after 5 receives)."""

    def __init__(self, queue_url: str, context: Any) -> None:
        self.sqs, self.queue_url, self.context = boto3.client("sqs"), queue_url, context
        self.failures = Counter[str]()  # by message body

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
        response = ingest.handler(event, self.context)
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] in failed:
                self.failures[message["Body"]] += 1
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


def test_a_burst_through_the_handler_on_moto_with_faults_loses_nothing(
    resources: Resources, lambda_context: Any
) -> None:
    scale = Scale(singles=150, versioned=20, invalid=30, deleted=20, duplicates=40, first_drain=100)
    rng = random.Random(SEED)
    faults = Faults(FAULT_RATE, SEED)
    session = boto3._get_default_session()  # noqa: SLF001 - the session the handler's clients are built from
    session.events.register("before-call", faults)
    ingest.ingest_service.cache_clear()
    queue, dlq = wire_ingest_queue(resources.bucket, redrive_after=MAX_RECEIVES)
    assert dlq is not None
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    source = EventSource(queue, lambda_context)
    truth = Truth()

    def remove(key: str) -> None:
        s3.delete_object(Bucket=resources.bucket, Key=key)
        # moto sends no event for a delete marker on a versioned bucket; S3 sends this one.
        removal = s3_record(key, bucket=resources.bucket, removed=True)
        removal["eventName"] = "ObjectRemoved:DeleteMarkerCreated"
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"Records": [removal]}))

    try:
        upload_all(lambda key, data: s3.put_object(Bucket=resources.bucket, Key=key, Body=data), scale, rng, truth)
        faults.active = True
        source.drain(limit=scale.first_drain)  # part of the queue first: deletions and duplicates meet both states
        faults.active = False
        delete_some(remove, scale, rng, truth)
        duplicates, poison = duplicates_and_poison(resources.bucket, scale, rng)
        for body in duplicates + poison:
            sqs.send_message(QueueUrl=queue, MessageBody=body)
        faults.active = True
        source.drain()
    finally:
        faults.active = False
        session.events.unregister("before-call", faults)
        ingest.ingest_service.cache_clear()

    assert sum(faults.injected.values()) > 10, "the burst must really have met faults"
    dead = []
    while batch := sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", []):
        dead.extend(m["Body"] for m in batch)
        for m in batch:
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
    assert set(poison) <= set(dead), "every poison message ends in the DLQ"
    unlucky = [body for body in dead if body not in poison]
    assert all(source.failures[body] >= MAX_RECEIVES for body in unlucky), "only what failed on every receive"
    for body in unlucky:  # an operator redrives the DLQ once the faults are over
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    source.drain()

    def report(key: str) -> dict[str, Any] | None:
        body = s3.get_object(Bucket=resources.bucket, Key=f"rejected/{key}.error.json")["Body"].read()
        return json.loads(body)

    entries = [
        (item["pk"]["S"], item["sk"]["S"], item["sk"]["S"].split("#", 1)[1])
        for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=resources.table)
        for item in page["Items"]
        if item["pk"]["S"].startswith(("FEED", "TAG#", "SECTION#")) and "gone" not in item  # not a tombstone
    ]
    reconcile(DynamoDBFeed(resources.table), truth, report, entries)
