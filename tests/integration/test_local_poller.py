"""The local SQS event source poller behaves like Lambda's SQS mapping: batches, partial batch failures,
retries and redrive to the dead-letter queue (the queues are built with template.yaml's settings)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pressroom_stack.poller import IDLE_PAUSE, SqsMapping, SqsPoller, failed_ids, sqs_event
from pressroom_stack.runtime import FunctionConfig, LocalFunction
from pressroom_stack.template import load_template

pytestmark = pytest.mark.integration

REGION = "us-east-1"
QUEUE = load_template()["Resources"]["IngestQueue"]["Properties"]
MAX_RECEIVES = QUEUE["RedrivePolicy"]["maxReceiveCount"]


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queues(sqs: Any) -> tuple[str, str, str]:
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES}
    queue = sqs.create_queue(
        QueueName="ingest",
        Attributes={"VisibilityTimeout": str(QUEUE["VisibilityTimeout"]), "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return queue, arn, dlq


class Recorder:
    """A stand-in handler: records events, fails the bodies it is told to."""

    def __init__(self, fail_bodies: set[str] = frozenset(), *, raise_error: bool = False, response: Any = None):  # type: ignore[assignment]
        self.events: list[dict[str, Any]] = []
        self.fail_bodies = set(fail_bodies)
        self.raise_error = raise_error
        self.response = response

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        assert context.get_remaining_time_in_millis() > 0
        self.events.append(event)
        if self.raise_error:
            raise RuntimeError("table unreachable")
        if self.response is not None:
            return self.response
        failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] in self.fail_bodies]
        return {"batchItemFailures": failures}


def make_poller(sqs: Any, queues: tuple[str, str, str], handler: Recorder, batch_size: int = 10) -> SqsPoller:
    queue, arn, _ = queues
    config = FunctionConfig(
        name="ingest",
        arn="arn:aws:lambda:us-east-1:123456789012:function:ingest",
        handler="stand.in",
        timeout=30,
        memory_size=512,
    )
    mapping = SqsMapping(queue_arn=arn, queue_url=queue, batch_size=batch_size, report_batch_item_failures=True)
    return SqsPoller(sqs=sqs, mapping=mapping, function=LocalFunction(config, handler), retry_delay=0)


def send(sqs: Any, queue: str, *bodies: str) -> None:
    for body in bodies:
        sqs.send_message(QueueUrl=queue, MessageBody=body)


def visible(sqs: Any, queue: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_successful_batch_is_deleted_and_the_event_has_the_lambda_shape(sqs: Any, queues: Any) -> None:
    send(sqs, queues[0], "a", "b", "c")
    handler = Recorder()
    outcome = make_poller(sqs, queues, handler).poll_once()
    assert outcome is not None and (outcome.received, outcome.deleted, outcome.retried) == (3, 3, 0)
    (event,) = handler.events
    record = event["Records"][0]
    assert set(record) >= {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == queues[1]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert visible(sqs, queues[0]) == 0


def test_batches_never_exceed_the_batch_size(sqs: Any, queues: Any) -> None:
    send(sqs, queues[0], *[f"m{i}" for i in range(7)])
    handler = Recorder()
    poller = make_poller(sqs, queues, handler, batch_size=3)
    while poller.poll_once():
        pass
    assert [len(e["Records"]) for e in handler.events] == [3, 3, 1]


def test_only_reported_failures_are_retried(sqs: Any, queues: Any) -> None:
    send(sqs, queues[0], "good", "bad", "fine")
    poller = make_poller(sqs, queues, Recorder({"bad"}))
    outcome = poller.poll_once()
    assert outcome is not None and (outcome.deleted, outcome.retried) == (2, 1)
    retry = Recorder()
    make_poller(sqs, queues, retry).poll_once()
    (event,) = retry.events
    assert [(r["body"], r["attributes"]["ApproximateReceiveCount"]) for r in event["Records"]] == [("bad", "2")]


@pytest.mark.parametrize("response", [{"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]}, "ok", [1]])
def test_an_invalid_failure_response_retries_the_whole_batch(sqs: Any, queues: Any, response: Any) -> None:
    send(sqs, queues[0], "a", "b")
    outcome = make_poller(sqs, queues, Recorder(response=response)).poll_once()
    assert outcome is not None and (outcome.deleted, outcome.retried) == (0, 2)


def test_a_message_that_keeps_failing_lands_in_the_dead_letter_queue(sqs: Any, queues: Any) -> None:
    queue, _, dlq = queues
    send(sqs, queue, "poison")
    failing = Recorder(raise_error=True)
    poller = make_poller(sqs, queues, failing)
    attempts = 0
    while poller.poll_once():
        attempts += 1
    assert attempts == MAX_RECEIVES
    (dead,) = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=0)["Messages"]
    assert dead["Body"] == "poison"
    assert visible(sqs, queue) == 0


def test_failure_response_rules_match_lambda() -> None:
    ids = {"a", "b"}
    assert failed_ids(None, ids) == set()
    assert failed_ids({}, ids) == set()
    assert failed_ids({"batchItemFailures": []}, ids) == set()
    assert failed_ids({"batchItemFailures": None}, ids) == set()
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}, ids) == {"a"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ids) is None
    assert failed_ids({"batchItemFailures": [{"id": "a"}]}, ids) is None
    assert failed_ids("nope", ids) is None


def test_sqs_event_converts_message_attributes_to_lambda_names() -> None:
    message = {
        "MessageId": "1",
        "ReceiptHandle": "rh",
        "Body": "{}",
        "Attributes": {"ApproximateReceiveCount": "1"},
        "MessageAttributes": {"trace": {"StringValue": "x", "DataType": "String"}},
    }
    (record,) = sqs_event([message], "arn:aws:sqs:eu-west-1:123456789012:q")["Records"]
    assert record["awsRegion"] == "eu-west-1"
    assert record["messageAttributes"]["trace"]["stringValue"] == "x"
    assert record["messageAttributes"]["trace"]["dataType"] == "String"


class StepClock:
    """A poller clock that moves only when someone pauses on it, by the pause (the pause itself only yields): the
    poller short-polls (``long_poll = 0``) and none of its waits depends on the process's clock, which may be
    anything (``faketime '+365 days'``). ``on_pause`` runs at each pause, before it returns."""

    long_poll = 0

    def __init__(self, on_pause: Callable[[], None] = lambda: None) -> None:
        self.now = 0.0
        self.pauses: list[float] = []
        self._lock = threading.Lock()
        self._on_pause = on_pause

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def pause(self, seconds: float, stop: threading.Event) -> bool:
        with self._lock:
            self.now += seconds
            self.pauses.append(seconds)
        self._on_pause()
        time.sleep(0)
        return stop.is_set()


class ReceiveLog:
    """The SQS client, recording the ``WaitTimeSeconds`` of every receive."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.waits: list[int] = []

    def receive_message(self, **request: Any) -> Any:
        self.waits.append(request.get("WaitTimeSeconds", 0))
        return self._sqs.receive_message(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)


def pollers_alive() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("poller-")]


def test_the_batching_window_is_timed_by_the_pollers_clock(sqs: Any, queues: Any) -> None:
    queue, arn, _ = queues
    send(sqs, queue, "early")

    def send_late() -> None:
        if len(clock.pauses) == 5:
            send(sqs, queue, "late")

    clock = StepClock(on_pause=send_late)
    handler = Recorder()
    mapping = SqsMapping(queue_arn=arn, queue_url=queue, batching_window=2.0)
    config = FunctionConfig("ingest", "arn:aws:lambda:us-east-1:123456789012:function:ingest", "stand.in", 30, 512)
    poller = SqsPoller(sqs=sqs, mapping=mapping, function=LocalFunction(config, handler), retry_delay=0, clock=clock)
    outcome = poller.poll_once()
    assert outcome is not None and outcome.received == 2
    assert [r["body"] for r in handler.events[0]["Records"]] == ["early", "late"]
    assert clock.now == pytest.approx(2.0) and len(clock.pauses) == 20


def test_a_poller_on_its_own_clock_never_waits_on_the_process_clock(sqs: Any, queues: Any) -> None:
    receives: Any = ReceiveLog(sqs)
    clock = StepClock()
    mapping = SqsMapping(queue_arn=queues[1], queue_url=queues[0])
    config = FunctionConfig("ingest", "arn:aws:lambda:us-east-1:123456789012:function:ingest", "stand.in", 30, 512)
    poller = SqsPoller(sqs=receives, mapping=mapping, function=LocalFunction(config, Recorder()), clock=clock)
    poller.start()
    try:
        for _ in range(2000):
            if len(clock.pauses) >= 10:
                break
            time.sleep(0.01)
    finally:
        poller.stop()
    assert pollers_alive() == []
    assert len(receives.waits) >= 10 and set(receives.waits) == {0}
    assert set(clock.pauses) == {IDLE_PAUSE}


class Overlapping:
    """A stand-in handler whose invocations wait, with no timeout, until ``wait_for`` of them have run at once (or
    until :meth:`release`); records the peak and each one's Lambda context."""

    def __init__(self, wait_for: int) -> None:
        self.wait_for = wait_for
        self.changed = threading.Condition()
        self.running = self.peak = 0
        self.released = False
        self.request_ids: list[str] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with self.changed:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.request_ids.append(context.aws_request_id)
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.peak >= self.wait_for or self.released)
            self.running -= 1
        return {"batchItemFailures": []}

    def release(self) -> None:
        with self.changed:
            self.released = True
            self.changed.notify_all()


def test_batches_run_concurrently_up_to_the_mappings_maximum_concurrency(sqs: Any, queues: Any) -> None:
    queue, arn, _ = queues
    maximum = 3
    send(sqs, queue, *[f"m{i}" for i in range(2 * maximum * 2)])
    handler = Overlapping(wait_for=maximum)
    config = FunctionConfig("ingest", "arn:aws:lambda:us-east-1:123456789012:function:ingest", "stand.in", 30, 512)
    mapping = SqsMapping(queue_arn=arn, queue_url=queue, batch_size=2, max_concurrency=maximum)
    function = LocalFunction(config, handler)
    poller = SqsPoller(sqs=sqs, mapping=mapping, function=function, retry_delay=0, clock=StepClock())
    poller.start()
    try:
        for _ in range(2000):
            if not visible(sqs, queue):
                break
            time.sleep(0.01)
    finally:
        handler.release()
        poller.stop()
    assert pollers_alive() == []
    assert visible(sqs, queue) == 0
    assert handler.peak == maximum
    assert function.environments == maximum
    assert len(set(handler.request_ids)) == len(handler.request_ids) >= 2 * maximum
