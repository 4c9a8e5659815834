"""The local stack's moto server under concurrent requests (as the pollers, the functions and the API send them):
moto's backends are not thread-safe (a TransactWriteItems deep-copying a table while a GetItem of a missing key
adds to it failed with ``dictionary changed size during iteration``), so their work runs one request at a time,
while an SQS long poll waits without holding up anyone."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

from pressroom_stack.local import LocalStack

pytestmark = pytest.mark.e2e


class Overlap:
    """Wraps a moto backend method: how many calls ran inside it at once, at most."""

    def __init__(self, original: Any) -> None:
        self.original = original
        self.lock = threading.Lock()
        self.inside = self.peak = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.inside += 1
            self.peak = max(self.peak, self.inside)
        try:
            time.sleep(0.05)
            return self.original(*args, **kwargs)
        finally:
            with self.lock:
                self.inside -= 1


@pytest.fixture
def get_item_overlap(monkeypatch: pytest.MonkeyPatch) -> Iterator[Overlap]:
    overlap = Overlap(DynamoDBBackend.get_item)
    monkeypatch.setattr(DynamoDBBackend, "get_item", lambda *a, **k: overlap(*a, **k))
    yield overlap


def in_threads(*work: Any) -> None:
    threads = [threading.Thread(target=w) for w in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)


def test_backend_work_runs_one_request_at_a_time(local_stack: LocalStack, get_item_overlap: Overlap) -> None:
    dynamodb, table = local_stack.client("dynamodb"), local_stack.outputs["FeedTableName"]

    def read() -> None:
        dynamodb.get_item(TableName=table, Key={"pk": {"S": f"missing-{uuid.uuid4()}"}, "sk": {"S": "x"}})

    in_threads(*[read] * 4)
    assert get_item_overlap.peak == 1


def test_a_long_poll_does_not_hold_up_other_requests(local_stack: LocalStack) -> None:
    sqs = local_stack.client("sqs")
    empty = sqs.create_queue(QueueName=f"empty-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    took: dict[str, float] = {}

    def long_poll() -> None:
        sqs.receive_message(QueueUrl=empty, WaitTimeSeconds=2)

    def list_queues() -> None:
        time.sleep(0.2)
        started = time.monotonic()
        sqs.list_queues()
        took["list"] = time.monotonic() - started

    try:
        in_threads(long_poll, list_queues)
    finally:
        sqs.delete_queue(QueueUrl=empty)
    assert took["list"] < 1.0
