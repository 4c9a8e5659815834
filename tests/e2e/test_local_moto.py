"""The local stack's moto server under concurrent requests (as the pollers, the functions and the API send them):
moto's backends are not thread-safe (a TransactWriteItems deep-copying a table while a GetItem of a missing key
adds to it failed with ``dictionary changed size during iteration``), so their work runs one request at a time,
while an SQS long poll waits without holding up anyone."""

from __future__ import annotations

import gc
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

from pressroom_stack.local import LocalStack
from pressroom_stack.names import local_session

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


@pytest.fixture
def patched_moto() -> Iterator[str]:
    """A moto server patched as the local stack's moto host patches its own (``moto_host``), in this process, so a
    test can look inside its backends: the local stack's runs in a process of its own."""
    from moto.server import ThreadedMotoServer

    from pressroom_stack.moto_host import moto_patched

    with moto_patched():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def new_table(endpoint_url: str) -> tuple[Any, str]:
    """A DynamoDB client of the server at ``endpoint_url`` and a new table of its own (``pk``, ``sk``)."""
    dynamodb = local_session("us-east-1").client("dynamodb", endpoint_url=endpoint_url)
    table = f"t-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
        BillingMode="PAY_PER_REQUEST",
    )
    return dynamodb, table


def test_backend_work_runs_one_request_at_a_time(patched_moto: str, get_item_overlap: Overlap) -> None:
    dynamodb, table = new_table(patched_moto)

    def read() -> None:
        dynamodb.get_item(TableName=table, Key={"pk": {"S": f"missing-{uuid.uuid4()}"}, "sk": {"S": "x"}})

    in_threads(*[read] * 4)
    assert get_item_overlap.peak == 1


def test_the_server_keeps_no_copy_of_what_it_answered(patched_moto: str) -> None:
    """moto kept every model object it made, for good: each Query's copies of the items it returned grew the local
    stack's moto by 0.7 MB an article (10.8 GB in a 10,000-article reindex). It keeps what it stores, no more."""
    from moto.dynamodb.models.dynamo_type import Item

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, Item) for o in gc.get_objects())

    dynamodb, table = new_table(patched_moto)
    before = alive()
    for n in range(10):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "P"}, "sk": {"S": f"{n:02}"}})
    for _ in range(30):
        page = dynamodb.query(
            TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "P"}}
        )
        assert page["Count"] == 10
    assert alive() - before <= 12  # the 10 stored (30 answers of 10 copies each kept: 300 more)
    from moto.meteringmarketplace.models import UsageRecord

    assert UsageRecord.__new__(UsageRecord) == {}  # a model that is also a dict is still made as one


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


def test_moto_runs_in_a_process_of_its_own_that_ignores_ctrl_c_reports_failures_and_never_outlives_the_stack() -> None:
    import os
    import signal

    import requests

    from pressroom_stack.moto_host import MotoHost, MotoHostError

    host = MotoHost("127.0.0.1", 0)
    process = host._process
    try:
        assert process.pid != os.getpid()
        process.send_signal(signal.SIGINT)  # Ctrl-C reaches the whole process group: the stack stops the host
        s3 = local_session("us-east-1").client("s3", endpoint_url=f"http://{host.host}:{host.port}")
        assert s3.list_buckets()["Buckets"] == []
        with pytest.raises(MotoHostError, match="applying the template's gaps failed"):
            host.apply_gaps({}, "no-such-stack", endpoint_url="http://127.0.0.1:1", region="us-east-1")
        assert process.poll() is None  # a failed request does not take moto down
    finally:
        assert process.stdin is not None
        process.stdin.close()  # what a crashed parent leaves: the end of the host's stdin
    assert process.wait(timeout=10) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{host.host}:{host.port}/moto-api/", timeout=2)
    host.stop()  # stopping a host that is gone is harmless


def test_moto_keeps_the_clock_of_the_process_that_started_it(local_stack: LocalStack) -> None:
    """The tests run at ``tests.clock.NOW`` (time-machine, in this process): the moto host travels there too, so an
    upload's ``LastModified`` and the functions' clock agree (else every ``updated_at`` would be in the future)."""
    s3, bucket = local_stack.client("s3"), local_stack.outputs["ArticlesBucketName"]
    key = f"scratch/clock-{uuid.uuid4().hex[:8]}.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"tick")
    try:
        stamped = s3.head_object(Bucket=bucket, Key=key)["LastModified"].timestamp()
    finally:
        s3.delete_object(Bucket=bucket, Key=key)
    assert abs(stamped - time.time()) < 60
