"""``pressroom dlq list`` and ``pressroom dlq redrive`` through the running local stack: a message that failed
transiently (the feed table was gone) and a poison message sit in the dead-letter queue; the list shows what each
is about without consuming it; the redrive moves both back and the ingest function publishes the good one."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pressroom_stack.local import LocalStack, wait_until
from pressroom_stack.template import load_template

pytestmark = pytest.mark.e2e

MAX_RECEIVES = load_template()["Resources"]["IngestQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
POISON = "this is not an S3 notification"


def pressroom(stack: LocalStack, *args: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "pressroom_stack.cli", *args, "--endpoint-url", stack.endpoint_url, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def depth(sqs: Any, queue: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@contextlib.contextmanager
def _table_gone(local_stack: LocalStack) -> Iterator[None]:
    """The feed table deleted (every ingest fails transiently), then re-created with every item it held."""
    dynamodb, table = local_stack.client("dynamodb"), local_stack.outputs["FeedTableName"]
    items = [item for page in dynamodb.get_paginator("scan").paginate(TableName=table) for item in page["Items"]]
    dynamodb.delete_table(TableName=table)
    try:
        yield
    finally:
        definition = load_template()["Resources"]["FeedTable"]["Properties"]
        dynamodb.create_table(
            TableName=table,
            KeySchema=definition["KeySchema"],
            AttributeDefinitions=definition["AttributeDefinitions"],
            BillingMode=definition["BillingMode"],
        )
        for start in range(0, len(items), 25):
            puts = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            dynamodb.batch_write_item(RequestItems={table: puts})


def test_dead_letters_are_listed_then_redriven_once_the_cause_is_fixed(local_stack: LocalStack) -> None:
    sqs = local_stack.client("sqs")
    queue, dlq = local_stack.outputs["IngestQueueUrl"], local_stack.outputs["DeadLetterQueueUrl"]
    wait_until(lambda: depth(sqs, queue) == 0 and depth(sqs, dlq) == 0, timeout=15)
    slug = f"dead-letter-{uuid.uuid4().hex[:8]}"
    key = f"incoming/{slug}.json"
    article = {"title": f"Ferry timetable changes ({slug})", "body": "The ferry leaves at nine.", "slug": slug,
               "published_at": "2020-11-20T09:00:00Z"}  # fmt: skip
    with _table_gone(local_stack):
        bucket = local_stack.outputs["ArticlesBucketName"]
        local_stack.client("s3").put_object(Bucket=bucket, Key=key, Body=json.dumps(article).encode())
        sqs.send_message(QueueUrl=queue, MessageBody=POISON)
        wait_until(lambda: depth(sqs, dlq) == 2, timeout=20)

    listed = pressroom(local_stack, "dlq", "list")
    assert depth(sqs, dlq) == 2, "listing consumes nothing"
    by_kind = {entry["s3_notification"]: entry for entry in listed}
    assert len(listed) == 2 and set(by_kind) == {True, False}
    failed, poison = by_kind[True], by_kind[False]
    assert failed["keys"] == [key] and failed["reason"] is None
    assert poison["keys"] == [] and "not an S3 event notification" in poison["reason"]
    for entry in listed:
        assert entry["receive_count"] > MAX_RECEIVES
        assert entry["first_received_at"] and entry["sent_at"] and entry["first_received_at"] >= entry["sent_at"]

    dry = pressroom(local_stack, "dlq", "redrive", "--dry-run")
    assert dry["task"] is None and {m["message_id"] for m in dry["messages"]} == {e["message_id"] for e in listed}
    assert depth(sqs, dlq) == 2, "a dry run moves nothing"

    moved = pressroom(local_stack, "dlq", "redrive")
    assert moved["task"]["Status"] == "COMPLETED"
    assert moved["task"]["ApproximateNumberOfMessagesMoved"] == 2
    assert (moved["source_arn"].rsplit(":", 1)[1], moved["destination_arn"].rsplit(":", 1)[1]) == (
        dlq.rsplit("/", 1)[1],
        queue.rsplit("/", 1)[1],
    )
    assert wait_until(lambda: requests.get(f"{local_stack.api_url}/articles/{slug}", timeout=5).ok, timeout=10)
    wait_until(lambda: depth(sqs, queue) == 0 and depth(sqs, dlq) == 1, timeout=15)
    assert [m["Body"] for m in _drain(sqs, dlq)] == [POISON], "the poison message fails again and comes back"


def _drain(sqs: Any, queue: str) -> list[dict[str, Any]]:
    drained = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
        sqs.delete_message_batch(QueueUrl=queue, Entries=entries)
        drained += messages
    return drained
