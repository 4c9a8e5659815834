"""``pressroom dlq``: what sits in the dead-letter queue, and moving it back to the ingest queue.

Listing never consumes a message: each is received with a short visibility timeout and made visible again at once
(``ChangeMessageVisibility`` to 0), so a crash mid-way only hides them for ``HIDE_SECONDS``. Each receive counts:
``ApproximateReceiveCount`` includes the listing's own receives, on the dead-letter queue as on the source queue.

Redriving is SQS's own: ``StartMessageMoveTask`` from the dead-letter queue's ARN to the ingest queue's, then the
task's status from ``ListMessageMoveTasks`` (on the local stack, the moto extension in ``moto_gaps`` implements both).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from pressroom.events import NotAnS3Notification, parse_notification

HIDE_SECONDS = 30
FINISHED = frozenset({"COMPLETED", "CANCELLED", "FAILED"})


@dataclass(frozen=True)
class DeadLetter:
    """One message of the dead-letter queue, as ``pressroom dlq list --output json`` prints it."""

    message_id: str
    s3_notification: bool
    keys: list[str]
    """The S3 keys the notification is about (empty for an ``s3:TestEvent`` or a body that is not a notification)."""
    reason: str | None
    """Why it failed, when the message itself says so (a body that is not an S3 notification); else None."""
    receive_count: int
    first_received_at: str | None
    """ISO 8601 UTC of ``ApproximateFirstReceiveTimestamp``: about when it first failed."""
    sent_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(milliseconds: str | None) -> str | None:
    if not milliseconds:
        return None
    return datetime.fromtimestamp(int(milliseconds) / 1000, UTC).isoformat(timespec="milliseconds")


def describe(message: dict[str, Any]) -> DeadLetter:
    """What a received message (``AttributeNames=["All"]``) is about, read with the ingest function's own parser."""
    attributes = message.get("Attributes", {})
    try:
        keys, reason, notification = [e.key for e in parse_notification(message.get("Body", ""))], None, True
    except NotAnS3Notification as error:
        keys, reason, notification = [], str(error), False
    return DeadLetter(
        message_id=message["MessageId"],
        s3_notification=notification,
        keys=keys,
        reason=reason,
        receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
        first_received_at=_iso(attributes.get("ApproximateFirstReceiveTimestamp")),
        sent_at=_iso(attributes.get("SentTimestamp")),
    )


def peek(sqs: Any, queue_url: str, *, hide_seconds: int = HIDE_SECONDS) -> list[DeadLetter]:
    """Every message of ``queue_url``, oldest first, left in the queue and visible again."""
    seen: dict[str, dict[str, Any]] = {}
    handles: list[str] = []
    try:
        while True:
            messages = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=hide_seconds,
                WaitTimeSeconds=1,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                handles.append(message["ReceiptHandle"])
                seen.setdefault(message["MessageId"], message)
    finally:
        _make_visible(sqs, queue_url, handles)
    found = [describe(m) for m in seen.values()]
    return sorted(found, key=lambda d: (d.sent_at or "", d.message_id))


def _make_visible(sqs: Any, queue_url: str, handles: list[str]) -> None:
    for start in range(0, len(handles), 10):
        chunk = handles[start : start + 10]
        entries = [{"Id": str(n), "ReceiptHandle": h, "VisibilityTimeout": 0} for n, h in enumerate(chunk)]
        sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)


def queue_arn(sqs: Any, queue_url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def latest_task(sqs: Any, source_arn: str) -> dict[str, Any] | None:
    results = sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1).get("Results", [])
    return dict(results[0]) if results else None


def redrive(sqs: Any, source_arn: str, destination_arn: str, *, wait: float = 0.0) -> dict[str, Any]:
    """Start moving every message of ``source_arn`` to ``destination_arn``; the task's status, after waiting up to
    ``wait`` seconds for it to finish. A task already running on the queue is an error (SQS allows one)."""
    running = latest_task(sqs, source_arn)
    if running and running.get("Status") == "RUNNING":
        raise ValueError(f"a message move task is already running on {source_arn} ({running.get('TaskHandle')})")
    handle = sqs.start_message_move_task(SourceArn=source_arn, DestinationArn=destination_arn)["TaskHandle"]
    deadline = time.monotonic() + wait
    while True:
        task = latest_task(sqs, source_arn) or {}
        if task.get("Status") in FINISHED or time.monotonic() >= deadline:
            return {"TaskHandle": handle, **task}
        time.sleep(1.0)
