"""``pressroom publish``: upload articles to ``incoming/`` and learn what became of each one, from the pipeline's
own records for the upload's key and ETag (``fates``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pressroom_stack.fates import Records, UploadFate

UPLOAD_SUFFIXES = (".json", ".txt")


@dataclass
class Upload:
    path: Path
    key: str
    etag: str = ""
    fate: UploadFate = field(default_factory=lambda: UploadFate(key="", etag=""))


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


def upload_all(s3: Any, bucket: str, uploads: list[Upload], progress: Callable[[Upload], None]) -> None:
    for upload in uploads:
        content_type = "application/json" if upload.path.suffix == ".json" else "text/plain; charset=utf-8"
        response = s3.put_object(Bucket=bucket, Key=upload.key, Body=upload.path.read_bytes(), ContentType=content_type)
        upload.etag = response["ETag"].strip('"')
        upload.fate = UploadFate(key=upload.key, etag=upload.etag)
        progress(upload)


def wait_for_fates(
    records: Records,
    uploads: list[Upload],
    *,
    timeout: float = 60.0,
    interval: float = 0.5,
    progress: Callable[[int], None] = lambda _: None,
) -> None:
    """Poll the pipeline's records until every upload has a fate or ``timeout`` passes; ``progress`` gets the
    number of uploads settled since the last call."""
    deadline = time.monotonic() + timeout
    while True:
        settled = 0
        for upload in uploads:
            if upload.fate.fate != "pending":
                continue
            upload.fate = records.fate(upload.key, upload.etag, now=datetime.now(UTC))
            settled += upload.fate.fate != "pending"
        progress(settled)
        if all(u.fate.fate != "pending" for u in uploads) or time.monotonic() > deadline:
            return
        time.sleep(interval)
