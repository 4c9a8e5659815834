"""``pressroom reindex``: re-enrich stored articles with the current code, on the stack's own engines.

The CLI only lists the keys (ListObjectsV2, 1,000 a call) and fans them out to the ingest queue as reindex requests
(records in the S3 notification shape, one to a message as in an upload's notification, since the ingest handler's
time reserve is per message; ten messages to a SendMessageBatch call); the work itself runs in IngestFunction, scaled
by Lambda's SQS event source up to the mapping's ``MaximumConcurrency``. Each request
re-reads the current object, so the queue, its retries and its dead-letter queue apply as to uploads; a request for an
article enriched by the current code already is skipped with ``--only-stale`` (idempotent, so an interrupted run is
resumed by running it again).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pressroom.events import reindex_record
from pressroom_stack.prices import PRICES, PRICES_TAKEN, Usage, dollars

UPLOAD_SUFFIXES = (".json", ".txt")
RECORDS_PER_MESSAGE = 1
MESSAGES_PER_CALL = 10
# Measured on AWS-like sizes by `make bench` (bench/ingest.py): one re-enrichment of a short article, in the function.
SECONDS_PER_ARTICLE = 0.15
WRITE_UNITS_PER_ARTICLE = 20.0  # single-item writes, at most bench.cost.MAX_WRITE_UNITS (README, "The feed table")
# Measured at 10,000 articles (bench/RESULTS.md, "Reindex on the local stack"): record, slug probes, headline Query
# and the related links' Queries of up to 50 entries of each tag, whose partitions are full at that size.
READ_UNITS_PER_ARTICLE = 57.0


@dataclass(frozen=True)
class Estimate:
    items: int
    concurrency: int
    seconds: float
    dollars: float

    def describe(self) -> str:
        return (
            f"{self.items:,} article(s); about {self.seconds / 60:.1f} min at {self.concurrency} concurrent "
            f"invocation(s); about ${self.dollars:.4f} (list prices of {PRICES_TAKEN}: Lambda, DynamoDB, S3, SQS)"
        )


def keys(s3: Any, bucket: str, *, since: datetime | None = None) -> Iterator[str]:
    """The upload keys under ``incoming/`` (modified at or after ``since``), in S3's order."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="incoming/"):
        for item in page.get("Contents", []):
            if item["Key"].endswith(UPLOAD_SUFFIXES) and (since is None or item["LastModified"] >= since):
                yield item["Key"]


def estimate(items: int, concurrency: int) -> Estimate:
    per_article = Usage(
        lambda_invocations=1 / RECORDS_PER_MESSAGE,
        lambda_ms=SECONDS_PER_ARTICLE * 1000 * RECORDS_PER_MESSAGE,
        dynamodb_wru=WRITE_UNITS_PER_ARTICLE,
        dynamodb_rru=READ_UNITS_PER_ARTICLE,
        s3_get=2,  # GetObject of the upload, HeadObject or GetObject of its report (DeleteObject is free)
        s3_put=1 / 1000,  # its share of the ListObjectsV2 calls
        sqs_requests=3 / (RECORDS_PER_MESSAGE * MESSAGES_PER_CALL) + 2 / RECORDS_PER_MESSAGE,
    )
    total = dollars(per_article, PRICES)["total"] * items
    return Estimate(items, concurrency, items * SECONDS_PER_ARTICLE / max(1, concurrency), total)


def enqueue(
    sqs: Any,
    queue_url: str,
    bucket: str,
    all_keys: list[str],
    *,
    only_stale: bool,
    progress: Callable[[int], None] = lambda _: None,
) -> int:
    """Send reindex requests for ``all_keys``; returns the number of messages sent. ``progress`` gets keys sent."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    chunks = [all_keys[i : i + RECORDS_PER_MESSAGE] for i in range(0, len(all_keys), RECORDS_PER_MESSAGE)]
    sent = 0
    for start in range(0, len(chunks), MESSAGES_PER_CALL):
        batch = chunks[start : start + MESSAGES_PER_CALL]
        entries = [
            {
                "Id": str(n),
                "MessageBody": json.dumps(
                    {"Records": [reindex_record(bucket, k, only_stale=only_stale, event_time=now) for k in chunk]}
                ),
            }
            for n, chunk in enumerate(batch)
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        failed = {f["Id"] for f in response.get("Failed", [])}
        if failed:
            retry = [e for e in entries if e["Id"] in failed]
            response = sqs.send_message_batch(QueueUrl=queue_url, Entries=retry)
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} reindex message(s); run reindex again")
        sent += len(batch)
        progress(sum(len(chunk) for chunk in batch))
    return sent


def backlog(sqs: Any, queue_url: str) -> int:
    """Messages still waiting or in flight on the ingest queue."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
