"""``pressroom publish``: upload articles to ``incoming/`` and learn what became of each one.

An upload ends *published* (the API serves it with an ``updated_at`` no older than the upload), *withdrawn*
(the API answers ``410``), *accepted* (a draft or a scheduled article: stored, deliberately not served yet), or
*rejected* (a report for this very upload -- same ETag -- appeared at ``rejected/<key>.error.json``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import requests
from botocore.exceptions import ClientError

UPLOAD_SUFFIXES = (".json", ".txt")
Outcome = Literal["published", "withdrawn", "accepted", "rejected", "pending"]


@dataclass
class Upload:
    path: Path
    key: str
    article_id: str | None = None
    slug: str | None = None
    expect: Literal["published", "withdrawn", "accepted"] = "published"
    note: str = ""
    etag: str = ""
    uploaded_at: datetime | None = None
    outcome: Outcome = "pending"
    detail: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)
    url: str = ""


def collect(paths: Iterable[Path]) -> list[Path]:
    """Files given, plus the uploadable files (``*.json``, ``*.txt``) under folders given, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in UPLOAD_SUFFIXES))
        else:
            found.append(path)
    return found


def plan(files: list[Path]) -> list[Upload]:
    """One upload per file, keyed ``incoming/<file name>``; two files with one name would overwrite each other."""
    uploads: dict[str, Upload] = {}
    for path in files:
        key = f"incoming/{path.name}"
        if key in uploads:
            raise ValueError(f"{path} and {uploads[key].path} would both upload to {key}; rename one")
        uploads[key] = Upload(path=path, key=key)
    return list(uploads.values())


def expectation(upload: Upload, article: Any, now: datetime) -> None:
    """What the pipeline will do with a locally valid ``article`` (an ``ArticleUpload``)."""
    from pressroom.text import slugify

    upload.article_id = article.id or slugify(upload.path.stem)
    upload.slug = article.slug or slugify(article.title)
    if article.status == "withdrawn":
        upload.expect = "withdrawn"
    elif article.status == "draft":
        upload.expect, upload.note = "accepted", "draft: stored, never served"
    elif article.published_at > now:
        upload.expect, upload.note = "accepted", f"scheduled for {article.published_at:%Y-%m-%d %H:%M} UTC"


def upload_all(s3: Any, bucket: str, uploads: list[Upload], progress: Callable[[Upload], None]) -> None:
    for upload in uploads:
        upload.uploaded_at = datetime.now(UTC).replace(microsecond=0)
        content_type = "application/json" if upload.path.suffix == ".json" else "text/plain; charset=utf-8"
        response = s3.put_object(Bucket=bucket, Key=upload.key, Body=upload.path.read_bytes(), ContentType=content_type)
        upload.etag = response["ETag"].strip('"')
        progress(upload)


def _rejection(s3: Any, bucket: str, upload: Upload) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=f"rejected/{upload.key}.error.json")["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "AccessDenied", "403"):
            return None
        raise
    report = json.loads(body)
    return report if str(report.get("etag") or "").strip('"') == upload.etag else None


def _served(api_url: str, upload: Upload, http: requests.Session) -> tuple[Outcome, str] | None:
    if not upload.slug:
        return None
    response = http.get(f"{api_url}/articles/{upload.slug}", timeout=10)
    if response.status_code == 410 and upload.expect == "withdrawn":
        return "withdrawn", f"{api_url}/articles/{upload.slug}"
    if response.status_code != 200:
        return None
    article = response.json()
    if article.get("id") != upload.article_id:
        return None
    updated = datetime.fromisoformat(str(article.get("updated_at", "1970-01-01T00:00:00Z")).replace("Z", "+00:00"))
    if upload.uploaded_at and updated < upload.uploaded_at:
        return None
    return "published", str(article.get("url") or f"{api_url}/articles/{upload.slug}")


def wait_for_outcomes(
    s3: Any,
    bucket: str,
    api_url: str | None,
    uploads: list[Upload],
    *,
    timeout: float = 60.0,
    interval: float = 0.5,
    settle: float = 3.0,
) -> None:
    """Poll the rejection reports and the API until each upload has an outcome or ``timeout`` passes.

    Drafts and scheduled articles are never served, so they count as accepted once ``settle`` seconds pass
    without a rejection report.
    """
    started = time.monotonic()
    http = requests.Session()
    while True:
        pending = [u for u in uploads if u.outcome == "pending"]
        if not pending:
            return
        elapsed = time.monotonic() - started
        for upload in pending:
            report = _rejection(s3, bucket, upload)
            if report is not None:
                upload.outcome = "rejected"
                upload.errors = list(report.get("errors", []))
                continue
            if upload.expect == "accepted":
                if elapsed >= settle:
                    upload.outcome, upload.detail = "accepted", upload.note
                continue
            if api_url:
                served = _served(api_url, upload, http)
                if served:
                    upload.outcome, upload.url = served
        if elapsed > timeout:
            return
        time.sleep(interval)
