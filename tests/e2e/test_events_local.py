"""Article events through the local stack: a rule on the stack's bus (EventBusName output) targets a queue, as a
downstream system subscribes; publishing, rejecting and withdrawing an upload each arrive there once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from pressroom_stack.local import LocalStack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def subscribe(stack: LocalStack) -> str:
    events, sqs = stack.client("events"), stack.client("sqs")
    name = f"subscriber-{uuid.uuid4().hex[:6]}"
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.outputs["EventBusName"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": ["pressroom"]}))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}])
    return queue


def drain(stack: LocalStack, queue: str, seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        seen.append(json.loads(message["Body"]))
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return seen


def test_a_rule_on_the_stacks_bus_receives_each_change_once(local_stack: LocalStack) -> None:
    queue = subscribe(local_stack)
    s3, bucket = local_stack.client("s3"), local_stack.outputs["ArticlesBucketName"]
    name = uuid.uuid4().hex[:8]
    key = f"incoming/evented-{name}.json"
    body = {"title": f"Evented story {name}", "body": "Mara Quill said so.", "published_at": "2020-01-01"}
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode())
    s3.put_object(Bucket=bucket, Key=f"incoming/broken-{name}.json", Body=b"{")
    seen: list[dict[str, Any]] = []
    wait_until(lambda: len(drain(local_stack, queue, seen)) >= 2, timeout=20)
    s3.delete_object(Bucket=bucket, Key=key)
    wait_until(lambda: len(drain(local_stack, queue, seen)) >= 3, timeout=20)
    kinds = sorted(e["detail-type"] for e in seen)
    assert kinds == ["ArticlePublished", "ArticleWithdrawn", "UploadRejected"]
    published = next(e["detail"] for e in seen if e["detail-type"] == "ArticlePublished")
    assert published["source_key"] == key and published["url"].startswith("http")
