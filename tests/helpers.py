"""Builders of real event shapes (from the golden fixtures in tests/events/) and small moto helpers."""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
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


@dataclass(frozen=True)
class ObjectVersion:
    """One version of a key in a versioned bucket; ``data`` None is a delete marker."""

    key: str
    version_id: str
    data: bytes | None
    etag: str
    last_modified: datetime

    @property
    def is_delete_marker(self) -> bool:
        return self.data is None


class MotoBucket:
    """The editors' side of the articles bucket on moto, with the interface of ``tests.fakes.InMemoryBucket``:
    ``put_object``/``delete_object`` return the version written (``ObjectVersion``), ``upload``/``remove`` the S3
    record of the write, and ``current``/``report``/``reports`` read the bucket, so one test can drive either."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._s3 = boto3.client("s3")

    def put_object(self, key: str, data: bytes) -> ObjectVersion:
        version_id = self._s3.put_object(Bucket=self.name, Key=key, Body=data)["VersionId"]
        head = self._s3.head_object(Bucket=self.name, Key=key, VersionId=version_id)
        return ObjectVersion(key, version_id, data, head["ETag"].strip('"'), head["LastModified"].astimezone(UTC))

    def delete_object(self, key: str) -> ObjectVersion:
        version_id = self._s3.delete_object(Bucket=self.name, Key=key).get("VersionId", "")
        return ObjectVersion(key, version_id, None, "", datetime.now(UTC).replace(microsecond=0))

    def upload(self, key: str, data: bytes | dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(data).encode() if isinstance(data, dict) else data
        version = self.put_object(key, body)
        return s3_record(key, bucket=self.name, size=len(body), etag=version.etag, version_id=version.version_id)

    def remove(self, key: str) -> dict[str, Any]:
        marker = self.delete_object(key)
        record = s3_record(key, bucket=self.name, removed=True, version_id=marker.version_id or None)
        record["eventName"] = "ObjectRemoved:DeleteMarkerCreated"
        return record

    def current(self, key: str) -> ObjectVersion | None:
        try:
            response = self._s3.get_object(Bucket=self.name, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        return ObjectVersion(
            key,
            response["VersionId"],
            response["Body"].read(),
            response["ETag"].strip('"'),
            response["LastModified"].astimezone(UTC),
        )

    def report(self, key: str) -> dict[str, Any] | None:
        from pressroom.adapters.s3_source import rejection_key

        current = self.current(rejection_key(key))
        return json.loads(current.data) if current and current.data is not None else None

    def reports(self) -> dict[str, dict[str, Any]]:
        found = {}
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix="rejected/"):
            for item in page.get("Contents", []):
                body = self._s3.get_object(Bucket=self.name, Key=item["Key"])["Body"].read()
                report = json.loads(body)
                found[report["key"]] = report
        return found
