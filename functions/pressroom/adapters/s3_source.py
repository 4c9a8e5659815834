"""The articles bucket: reading uploads and writing rejection reports. All boto3 of S3 lives here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from pressroom.ports import Life, LifeVersion, ObjectGone, ObjectTooLarge, SourceObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REJECTED_PREFIX = "rejected/"
LONG_KEYS_PREFIX = f"{REJECTED_PREFIX}long-keys/"
MAX_KEY_BYTES = 1024
_GONE = {"NoSuchKey", "NoSuchVersion", "InvalidArgument", "404", "NotFound"}


def rejection_key(key: str) -> str:
    """``rejected/<key>.error.json``; for a key too long for that (S3 keys are at most 1,024 bytes),
    ``rejected/long-keys/<sha256 of the key>.error.json`` (the report names the key)."""
    plain = f"{REJECTED_PREFIX}{key}.error.json"
    if len(plain.encode()) <= MAX_KEY_BYTES:
        return plain
    return f"{LONG_KEYS_PREFIX}{hashlib.sha256(key.encode()).hexdigest()}.error.json"


class S3ArticleSource:
    """Reads the current version of an upload (one GetObject) and writes reports next to it."""

    def __init__(self, bucket: str, *, client: S3Client | None = None) -> None:
        self.bucket = bucket
        self._client = client or boto3.client("s3")

    def fetch(self, key: str, *, max_bytes: int) -> SourceObject:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as e:
            if e.response["Error"]["Code"] in _GONE:
                raise ObjectGone(key) from e
            raise
        return self._read(key, response, max_bytes)

    def fetch_version(self, key: str, *, max_bytes: int, version_id: str | None, etag: str) -> SourceObject | None:
        """The version of ``key`` an event names: by its version id (real S3 on a versioned bucket), else the
        version whose ETag is ``etag`` (ListObjectVersions). None if it cannot be found."""
        try:
            version_id = version_id or self._version_with_etag(key, etag.strip('"'))
            if not version_id:
                return None
            response = self._client.get_object(Bucket=self.bucket, Key=key, VersionId=version_id)
        except ClientError as e:
            if e.response["Error"]["Code"] in _GONE:
                return None
            raise
        return self._read(key, response, max_bytes)

    @staticmethod
    def _read(key: str, response: Any, max_bytes: int) -> SourceObject:
        body = response["Body"]
        size = response.get("ContentLength", 0)
        etag = response["ETag"].strip('"')
        if size > max_bytes:
            body.close()
            raise ObjectTooLarge(size, etag)
        data = body.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ObjectTooLarge(len(data), etag)
        return SourceObject(
            key=key,
            data=data,
            etag=etag,
            last_modified=response["LastModified"],
            version_id=response.get("VersionId"),
        )

    def _version_with_etag(self, key: str, etag: str) -> str | None:
        response = self._client.list_object_versions(Bucket=self.bucket, Prefix=key, MaxKeys=50)
        for version in response.get("Versions", []):
            if version["Key"] == key and version["ETag"].strip('"') == etag and version.get("VersionId") != "null":
                return version["VersionId"]
        return None

    def current_etag(self, key: str) -> str | None:
        try:
            response = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as e:
            if e.response["Error"]["Code"] in _GONE:
                return None
            raise
        return response["ETag"].strip('"')

    def life(self, key: str) -> Life:
        """ListObjectVersions gives versions and delete markers in two lists, each newest first, with ``LastModified``
        to the second, so a version in the same second as the latest delete marker cannot be placed exactly: it
        counts as before it, unless it is S3's current object (a CMS that replaces a file deletes it and uploads it
        again at once: the new upload is current)."""
        versions: list[Any] = []
        deleted: datetime | None = None
        for page in self._client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=key):
            versions += [v for v in page.get("Versions", []) if v["Key"] == key]
            for marker in page.get("DeleteMarkers", []):
                if marker["Key"] == key:
                    if marker.get("IsLatest"):
                        return Life(reborn=True)
                    deleted = max(deleted or marker["LastModified"], marker["LastModified"])
        life = [v for v in versions if v.get("IsLatest") or deleted is None or v["LastModified"] > deleted]
        found = (LifeVersion(v.get("VersionId") or "null", v["ETag"].strip('"')) for v in reversed(life))
        return Life(tuple(found), reborn=deleted is not None)

    def write_rejection(self, key: str, report: Mapping[str, object]) -> str:
        report_key = rejection_key(key)
        self._client.put_object(
            Bucket=self.bucket,
            Key=report_key,
            Body=json.dumps(report, indent=2, ensure_ascii=False).encode("utf-8", "backslashreplace"),
            ContentType="application/json",
        )
        return report_key

    def clear_rejection(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=rejection_key(key))

    def read_rejection(self, key: str) -> dict[str, Any] | None:
        """The current report of ``key``, or None."""
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=rejection_key(key))["Body"].read()
        except ClientError as e:
            if e.response["Error"]["Code"] in _GONE:
                return None
            raise
        report: dict[str, Any] = json.loads(body)
        return report

    def rejections(self) -> Iterator[dict[str, Any]]:
        """Every report under ``rejected/`` whose upload is still S3's current object for its key (reports of keys
        fixed or deleted since are removed by the pipeline; this also skips any left behind by older versions)."""
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=REJECTED_PREFIX):
            for item in page.get("Contents", []):
                body = self._client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
                report = json.loads(body)
                key, etag = str(report.get("key", "")), str(report.get("etag") or "").strip('"')
                if key and self.current_etag(key) == etag:
                    yield report
