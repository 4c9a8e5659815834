"""An SQS event source poller that behaves like Lambda's SQS event source mapping, in-process.

Per batch: receive up to ``BatchSize`` messages (waiting up to ``MaximumBatchingWindowInSeconds`` to fill it),
invoke the handler once with the Lambda SQS event shape, then

* success: delete every message;
* ``ReportBatchItemFailures`` response: delete all but the listed ``itemIdentifier``s (an invalid response fails
  the whole batch, as in Lambda);
* exception or timeout: nothing is deleted.

Up to ``ScalingConfig.MaximumConcurrency`` batches run at once, as Lambda scales its invocations up to that
maximum while the queue is deep (a mapping without one would scale to the account's concurrency on Lambda; 2 here,
the smallest maximum Lambda accepts): one poller thread per concurrent batch, each invoking the function in an
execution environment of its own (:class:`~pressroom_stack.runtime.LocalFunction`) with its own Lambda context.

Failed messages become visible again (after ``retry_delay`` seconds locally, instead of the queue's full
visibility timeout, so retries take seconds) and the queue's ``RedrivePolicy`` moves them to the dead-letter queue
once their receive count reaches ``maxReceiveCount`` -- moto implements that on receive, like SQS.

Every wait and every measure of time goes through the poller's :class:`Clock`. The default, :class:`SystemClock`,
long-polls (SQS, here moto, waits for messages on the process's clock) and pauses on ``threading.Event``; a clock of
the caller's (``long_poll == 0``) has the poller short-poll and pause on that clock instead, so nothing waits on the
process's clock. That matters under process-wide ``faketime``: libfaketime 0.9.10 shifts ``CLOCK_MONOTONIC`` but
does not intercept ``sem_clockwait``, which CPython 3.11's timed lock waits use, so there a ``Condition``,
``Event``, ``Queue`` or ``join`` timeout never fires (``time.sleep`` still works), and moto's long poll never ends.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pressroom_stack.runtime import LocalFunction

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("pressroom_stack.poller")


@dataclass(frozen=True)
class SqsMapping:
    """The settings of one SQS event source mapping (``ListEventSourceMappings``)."""

    queue_arn: str
    queue_url: str
    batch_size: int = 10
    batching_window: float = 0.0
    report_batch_item_failures: bool = False
    max_concurrency: int = 2

    @classmethod
    def for_function(cls, lambda_client: LambdaClient, sqs: SQSClient, function_name: str) -> list[SqsMapping]:
        mappings = lambda_client.list_event_source_mappings(FunctionName=function_name)["EventSourceMappings"]
        found = []
        for m in mappings:
            arn = m.get("EventSourceArn", "")
            if not arn.startswith("arn:aws:sqs:"):
                continue
            account, name = arn.split(":")[4], arn.split(":")[5]
            url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
            found.append(
                cls(
                    queue_arn=arn,
                    queue_url=url,
                    batch_size=int(m.get("BatchSize") or 10),
                    batching_window=float(m.get("MaximumBatchingWindowInSeconds") or 0),
                    report_batch_item_failures="ReportBatchItemFailures" in (m.get("FunctionResponseTypes") or []),
                    max_concurrency=int((m.get("ScalingConfig") or {}).get("MaximumConcurrency") or 2),
                )
            )
        return found


@dataclass(frozen=True)
class BatchOutcome:
    received: int
    deleted: int
    retried: int
    seconds: float


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The Lambda SQS event for ``messages`` as returned by ``ReceiveMessage`` (all attributes requested)."""
    region = queue_arn.split(":")[3]
    records = []
    for m in messages:
        body = m.get("Body", "")
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": body,
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": value.get("StringListValues", []),
                        "binaryListValues": value.get("BinaryListValues", []),
                        "dataType": value.get("DataType"),
                    }
                    for name, value in m.get("MessageAttributes", {}).items()
                },
                "md5OfBody": m.get("MD5OfBody") or hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def failed_ids(result: Any, message_ids: set[str]) -> set[str] | None:
    """The message ids a ``ReportBatchItemFailures`` response lists; None when the response is invalid
    (Lambda then fails the whole batch). A null or empty response, or no/empty ``batchItemFailures``, is success."""
    if result is None:
        return set()
    if not isinstance(result, dict):
        return None
    failures = result.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    ids = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in message_ids:
            return None
        ids.add(identifier)
    return ids


class Clock(Protocol):
    """The poller's time source and the way it waits."""

    long_poll: int
    """Seconds a receive may wait at the queue for messages (SQS long polling, timed by the queue: in-process, the
    process's clock); 0 for a clock the queue does not share: the poller then short-polls and pauses on the clock."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, never going back."""
        ...

    def pause(self, seconds: float, stop: threading.Event) -> bool:
        """Wait up to ``seconds``, less once ``stop`` is set; whether it is set."""
        ...


class SystemClock:
    """The process's monotonic clock; idle pollers long-poll for a second, as Lambda's pollers long-poll."""

    long_poll = 1

    def monotonic(self) -> float:
        return time.monotonic()

    def pause(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(seconds)


IDLE_PAUSE = 0.05
"""Seconds a short-polling poller (``Clock.long_poll == 0``) pauses after an empty receive."""


class SqsPoller:
    """Polls one queue for one function with ``mapping``'s settings: ``concurrency`` batches at once (default:
    the mapping's ``MaximumConcurrency``), each on its own thread."""

    def __init__(
        self,
        *,
        sqs: SQSClient,
        mapping: SqsMapping,
        function: LocalFunction,
        retry_delay: int = 1,
        concurrency: int | None = None,
        on_batch: Callable[[BatchOutcome], None] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._sqs = sqs
        self.mapping = mapping
        self.function = function
        self._retry_delay = retry_delay
        self._concurrency = concurrency or mapping.max_concurrency
        self._on_batch = on_batch
        self._clock: Clock = clock or SystemClock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self._concurrency):
            thread = threading.Thread(target=self._run, name=f"poller-{self.function.name}-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _run(self) -> None:
        long_poll = self._clock.long_poll
        while not self._stop.is_set():
            try:
                outcome = self.poll_once(wait_seconds=long_poll)
            except Exception:  # keep polling through endpoint hiccups, as Lambda's pollers do
                if self._stop.is_set():
                    return
                log.exception("poller for %s: receive failed; retrying", self.function.name)
                self._clock.pause(1.0, self._stop)
                continue
            if outcome is None and not long_poll:
                self._clock.pause(IDLE_PAUSE, self._stop)

    def _receive(self, wait_seconds: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        window_ends: float | None = None
        while len(messages) < self.mapping.batch_size and not self._stop.is_set():
            wait = wait_seconds if not messages else 0
            got: list[Any] = self._sqs.receive_message(
                QueueUrl=self.mapping.queue_url,
                MaxNumberOfMessages=min(10, self.mapping.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages.extend(got)
            if not messages:
                break
            now = self._clock.monotonic()
            if window_ends is None:
                window_ends = now + self.mapping.batching_window
            if now >= window_ends:
                break
            if not got:
                self._clock.pause(min(0.1, window_ends - now), self._stop)
        return messages

    def poll_once(self, wait_seconds: int = 0) -> BatchOutcome | None:
        """Receive one batch and process it; None when the queue had nothing."""
        messages = self._receive(wait_seconds)
        if not messages:
            return None
        by_id = {m["MessageId"]: m for m in messages}
        run = self.function.invoke(sqs_event(messages, self.mapping.queue_arn))
        if run.error is not None or run.timed_out:
            reason = f"timed out after {run.seconds:.1f} s" if run.timed_out else f"raised {run.error!r}"
            log.warning("%s %s: batch of %d will be retried", self.function.name, reason, len(messages))
            failed = set(by_id)
        elif self.mapping.report_batch_item_failures:
            listed = failed_ids(run.result, set(by_id))
            if listed is None:
                log.warning("%s returned an invalid batchItemFailures response; batch retried", self.function.name)
                failed = set(by_id)
            else:
                failed = listed
        else:
            failed = set()
        succeeded = [m for mid, m in by_id.items() if mid not in failed]
        for start in range(0, len(succeeded), 10):
            chunk = succeeded[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self.mapping.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        for mid in failed:
            self._sqs.change_message_visibility(
                QueueUrl=self.mapping.queue_url,
                ReceiptHandle=by_id[mid]["ReceiptHandle"],
                VisibilityTimeout=self._retry_delay,
            )
        outcome = BatchOutcome(len(messages), len(succeeded), len(failed), run.seconds)
        log.info(
            "%s: batch of %d in %.0f ms, %d done, %d to retry",
            self.function.name,
            outcome.received,
            outcome.seconds * 1000,
            outcome.deleted,
            outcome.retried,
        )
        if self._on_batch:
            self._on_batch(outcome)
        return outcome
