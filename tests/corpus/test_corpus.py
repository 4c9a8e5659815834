"""The bad-input corpus: every file ends in a clear rejection report or is published safely, through the handler.

Small cases are files in ``tests/corpus/files/``; large ones (10 MiB, huge lines, bombs) are generated here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.handlers import ingest
from tests.conftest import Resources
from tests.helpers import notification, put_article, sqs_event

pytestmark = pytest.mark.integration
FILES = Path(__file__).parent / "files"
BASE = {"title": "Corpus", "body": "Body text here.", "published_at": "2026-11-20T09:00:00Z"}

REJECTED = {
    "empty.json": "empty",
    "whitespace.json": "empty",
    "null.json": "got null",
    "array.json": "got array",
    "utf16.json": "UTF-16",
    "invalid-utf8.json": "not valid UTF-8",
    "nul-bytes.json": "NUL",
    "numbers-for-strings.json": "valid string",
    "javascript-url.json": "http",
    "data-url.json": "http",
    "dotdot-id.json": "a-z, 0-9",
    "bad-export.txt": "date",
}
PUBLISHED = ["bom.json", "emoji-title.json", "rtl.json", "script-html.json", "plain-export.txt"]


def _json(**fields: Any) -> bytes:
    return json.dumps({**BASE, **fields}).encode()


GENERATED: dict[str, tuple[Callable[[], bytes], str | None]] = {
    "ten-mib.json": (lambda: _json(body="x" * (10 * 1024 * 1024)), "1 MiB"),
    "deep-nesting.json": (lambda: b'{"title": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "nested too deeply"),
    "ten-thousand-tags.json": (lambda: _json(tags=[f"tag {n}" for n in range(10_000)]), "at most 50"),
    "huge-single-line.json": (lambda: _json(body="word " * 39_999 + "end"), None),
    "html-bomb.json": (lambda: _json(body="<div>" * 16_000 + "deep" + "</div>" * 16_000), None),
    "body-too-long.json": (lambda: _json(body="y" * 200_001), "200000"),
}
ODD_KEYS = [
    "incoming/sp ace+plus%25percent.json",
    "incoming/ünï©ødé ✓ 🎉.json",
    "incoming/brackets [1] (2) {3}.json",
    "incoming/quotes 'single' \"double\".json",
    "incoming/semi;colon,comma&amp=eq?q#hash.json",
    "incoming/tab\tand~tilde^caret`tick|pipe.json",
    "incoming/a/deep/path/with..dots/x.json",
]


@pytest.fixture(autouse=True)
def fresh_composition_root(resources: Resources) -> Any:
    ingest.ingest_service.cache_clear()
    yield
    ingest.ingest_service.cache_clear()


def _ingest(resources: Resources, lambda_context: Any, key: str, data: bytes) -> None:
    record = put_article(resources.bucket, key, data)
    response = ingest.handler(sqs_event(notification(record)), lambda_context)
    assert response["batchItemFailures"] == [], f"{key}: an exception escaped instead of a report"


def _report(resources: Resources, key: str) -> dict[str, Any] | None:
    try:
        obj = boto3.client("s3").get_object(Bucket=resources.bucket, Key=f"rejected/{key}.error.json")
    except ClientError:
        return None
    return json.loads(obj["Body"].read())


def _assert_safe(resources: Resources, key: str) -> None:
    store = DynamoDBFeed(resources.table)
    article_id = store.article_id_for_key(key)
    assert article_id, f"{key}: neither published nor rejected"
    record = store.get_record(article_id)
    assert record is not None
    body = record.stored.article.body.lower()
    for unsafe in ("<script", "javascript:", "onerror", "onload", "<iframe", "<svg"):
        assert unsafe not in body


@pytest.mark.parametrize(("name", "fragment"), sorted(REJECTED.items()))
def test_bad_files_get_a_clear_rejection_report(
    resources: Resources, lambda_context: Any, name: str, fragment: str
) -> None:
    key = f"incoming/{name}"
    _ingest(resources, lambda_context, key, (FILES / name).read_bytes())
    report = _report(resources, key)
    assert report is not None and report["key"] == key
    assert any(fragment in e["msg"] for e in report["errors"]), report["errors"]
    assert DynamoDBFeed(resources.table).article_id_for_key(key) is None


@pytest.mark.parametrize("name", PUBLISHED)
def test_odd_but_valid_files_are_published_safely(resources: Resources, lambda_context: Any, name: str) -> None:
    key = f"incoming/{name}"
    _ingest(resources, lambda_context, key, (FILES / name).read_bytes())
    assert _report(resources, key) is None
    _assert_safe(resources, key)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_hostile_inputs_are_rejected_or_safe(resources: Resources, lambda_context: Any, name: str) -> None:
    build, fragment = GENERATED[name]
    key = f"incoming/{name}"
    _ingest(resources, lambda_context, key, build())
    report = _report(resources, key)
    if fragment is None:
        assert report is None, report
        _assert_safe(resources, key)
    else:
        assert report is not None and any(fragment in e["msg"] for e in report["errors"]), report


@pytest.mark.parametrize("key", ODD_KEYS)
def test_keys_with_odd_characters_publish_and_reports_land_beside_them(
    resources: Resources, lambda_context: Any, key: str
) -> None:
    _ingest(resources, lambda_context, key, _json())
    _assert_safe(resources, key)
    bad_key = key.replace(".json", "-bad.json")
    _ingest(resources, lambda_context, bad_key, b"{")
    assert _report(resources, bad_key) is not None
