"""S3 event notifications as they arrive in SQS message bodies: the shape real S3 sends and the leaner one moto sends.

Keys arrive URL-encoded with ``+`` for spaces; ``key`` gives the decoded object key. A body without ``Records``
(``s3:TestEvent``, sent when notifications are configured) holds no records.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote_plus, unquote_plus

from pydantic import BaseModel, ConfigDict, Field, ValidationError

REINDEX_EVENT = "PressroomReindex"


def reindex_record(bucket: str, key: str, *, only_stale: bool, event_time: str) -> dict[str, object]:
    """A record in the S3 notification shape that asks ingest to re-enrich the current object of ``key`` (event name
    ``PressroomReindex:All`` or ``PressroomReindex:Stale``): ``pressroom reindex`` sends these to the ingest queue."""
    return {
        "eventName": f"{REINDEX_EVENT}:{'Stale' if only_stale else 'All'}",
        "eventTime": event_time,
        "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/")}},
    }


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class S3Object(_Lenient):
    key: str
    size: int | None = None
    etag: str | None = Field(default=None, alias="eTag")
    version_id: str | None = Field(default=None, alias="versionId")
    sequencer: str | None = None


class S3Bucket(_Lenient):
    name: str


class S3Entity(_Lenient):
    bucket: S3Bucket
    object: S3Object


class S3EventRecord(_Lenient):
    event_name: str = Field(alias="eventName")
    event_time: datetime = Field(alias="eventTime")
    s3: S3Entity

    @property
    def key(self) -> str:
        return unquote_plus(self.s3.object.key)

    @property
    def is_removal(self) -> bool:
        return self.event_name.startswith("ObjectRemoved")

    @property
    def reindex(self) -> str | None:
        """``"all"`` or ``"stale"`` for a reindex request (``pressroom reindex``), else None."""
        prefix, _, scope = self.event_name.partition(":")
        return scope.lower() if prefix == REINDEX_EVENT and scope in ("All", "Stale") else None


class S3Notification(_Lenient):
    records: list[S3EventRecord] = Field(default_factory=list, alias="Records")
    event: str | None = Field(default=None, alias="Event")


class NotAnS3Notification(ValueError):
    """The SQS message body is not an S3 notification: a poison message, left to SQS retries and the DLQ."""


def parse_notification(body: str) -> list[S3EventRecord]:
    """The S3 records of one SQS message body (empty for ``s3:TestEvent``)."""
    try:
        notification = S3Notification.model_validate(json.loads(body))
    except (ValueError, ValidationError) as e:
        raise NotAnS3Notification(f"SQS message body is not an S3 event notification: {e}") from None
    if not notification.records and notification.event is None:
        raise NotAnS3Notification("SQS message body has neither Records nor Event")
    return notification.records
