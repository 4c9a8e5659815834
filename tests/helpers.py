"""Builders of real event shapes (from the golden fixtures in tests/events/) and small moto helpers."""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from typing import Any
from urllib.parse import quote_plus

import boto3

from tests.clock import ago
from tests.conftest import EVENTS


def golden(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def s3_record(
    key: str,
    *,
    bucket: str,
    removed: bool = False,
    size: int | None = None,
    etag: str | None = None,
    sequencer: str | None = None,
    version_id: str | None = None,
    event_time: str | None = None,
    encode: bool = True,
) -> dict[str, Any]:
    """One S3 notification record in the shape real S3 sends, with the key URL-encoded (``+`` for spaces) and a
    sequencer that grows with every call, as S3's does for the events of one key."""
    fixture = "s3_object_removed_delete.json" if removed else "s3_object_created_put.json"
    record = copy.deepcopy(golden(fixture)["Records"][0])
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    obj = record["s3"]["object"]
    obj["key"] = quote_plus(key, safe="/") if encode else key
    obj["sequencer"] = sequencer or next_sequencer()
    if version_id:
        obj["versionId"] = version_id
    else:
        obj.pop("versionId", None)
    if not removed:
        obj["size"] = size if size is not None else obj["size"]
        obj["eTag"] = etag or obj["eTag"]
    if event_time:
        record["eventTime"] = event_time
    return record


_sequence = itertools.count(0x0055AED6DCD9028000)


def next_sequencer() -> str:
    return f"{next(_sequence):X}"


def sqs_event(*bodies: dict[str, Any] | str) -> dict[str, Any]:
    """A Lambda SQS event carrying ``bodies`` (S3 notifications, or raw strings for poison messages)."""
    template = golden("sqs_event.json")["Records"][0]
    records = []
    for body in bodies:
        record = copy.deepcopy(template)
        record["messageId"] = str(uuid.uuid4())
        record["body"] = body if isinstance(body, str) else json.dumps(body)
        records.append(record)
    return {"Records": records}


def notification(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def put_article(bucket: str, key: str, data: bytes | dict[str, Any]) -> dict[str, Any]:
    """Upload ``data`` and return the real-shape S3 record of that upload."""
    body = json.dumps(data).encode() if isinstance(data, dict) else data
    response = boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    return s3_record(
        key, bucket=bucket, size=len(body), etag=response["ETag"].strip('"'), version_id=response.get("VersionId")
    )


def article(title: str, **fields: Any) -> dict[str, Any]:
    return {
        "title": title,
        "body": fields.pop("body", f"{title}. Mara Quill said the plan was ready.\n\nThe Portmere council agreed."),
        "published_at": fields.pop("published_at", ago(days=7)),
        **fields,
    }


def wire_ingest_queue(bucket: str, *, redrive_after: int | None = None) -> tuple[str, str | None]:
    """An ingest queue (with a dead-letter queue after ``redrive_after`` receives, if given) notified by ``bucket``
    for ``incoming/`` creations and removals, as template.yaml wires them. Returns (queue URL, DLQ URL)."""
    sqs = boto3.client("sqs")

    def arn(url: str) -> str:
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"] if redrive_after else None
    attributes = {"VisibilityTimeout": "180"}
    if dlq:
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": arn(dlq), "maxReceiveCount": redrive_after})
    queue = sqs.create_queue(QueueName="ingest", Attributes=attributes)["QueueUrl"]
    boto3.client("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn(queue),
                    "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}},
                }
            ]
        },
    )
    return queue, dlq
