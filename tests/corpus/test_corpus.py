"""The bad-input corpus: every file ends in a clear rejection report or is published safely, through the handler.

Small cases are files in ``tests/corpus/files/`` with their expected verdicts in ``cases.py``; large ones (10 MiB,
huge lines, bombs) are generated here. Each case states its verdict: rejected with which error type (and where), or
published; a rejection must leave a report at ``rejected/<key>.error.json`` and nothing in the feed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.handlers import ingest
from tests.conftest import Resources
from tests.corpus.cases import FILES, FILES_DIR, PUBLISHED, Rejected
from tests.helpers import notification, put_article, sqs_event

pytestmark = pytest.mark.integration
BASE = {"title": "Corpus", "body": "Body text here.", "published_at": "2029-11-20T09:00:00Z"}


def _json(**fields: Any) -> bytes:
    return json.dumps({**BASE, **fields}).encode()


GENERATED: dict[str, tuple[Callable[[], bytes], Rejected | str]] = {
    "ten-mib.json": (lambda: _json(body="x" * (10 * 1024 * 1024)), Rejected("too_large", "1 MiB", "$")),
    "deep-nesting.json": (
        lambda: b'{"title": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        Rejected("json_invalid", "nested too deeply", "$"),
    ),
    "ten-thousand-tags.json": (
        lambda: _json(tags=[f"tag {n}" for n in range(10_000)]),
        Rejected("too_long", "at most 50", "tags"),
    ),
    "ten-thousand-unknown-fields.json": (
        lambda: _json(**{f"field{n}": n for n in range(10_000)}),
        Rejected("too_many_errors", "more errors", "$"),
    ),
    "huge-single-line.json": (lambda: _json(body="word " * 39_999 + "end"), PUBLISHED),
    "html-bomb.json": (lambda: _json(body="<div>" * 16_000 + "deep" + "</div>" * 16_000), PUBLISHED),
    "body-too-long.json": (lambda: _json(body="y" * 200_001), Rejected("string_too_long", "200000", "body")),
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


def _assert_verdict(resources: Resources, key: str, expected: Rejected | str) -> None:
    report = _report(resources, key)
    if expected == PUBLISHED:
        assert report is None, report
        _assert_safe(resources, key)
        return
    assert isinstance(expected, Rejected)
    assert report is not None and report["key"] == key, f"{key}: no rejection report"
    assert any(
        e["type"] == expected.type and expected.fragment in e["msg"] and expected.loc in (None, e["loc"])
        for e in report["errors"]
    ), report["errors"]
    assert DynamoDBFeed(resources.table).article_id_for_key(key) is None


def test_every_corpus_file_has_an_expected_verdict() -> None:
    assert sorted(p.name for p in FILES_DIR.iterdir()) == sorted(FILES)
    assert len(FILES) + len(GENERATED) + len(ODD_KEYS) >= 45


@pytest.mark.parametrize(("name", "expected"), sorted(FILES.items()), ids=sorted(FILES))
def test_each_corpus_file_is_rejected_with_a_clear_report_or_published_safely(
    resources: Resources, lambda_context: Any, name: str, expected: Rejected | str
) -> None:
    key = f"incoming/{name}"
    _ingest(resources, lambda_context, key, (FILES_DIR / name).read_bytes())
    _assert_verdict(resources, key, expected)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_hostile_inputs_are_rejected_or_safe(resources: Resources, lambda_context: Any, name: str) -> None:
    build, expected = GENERATED[name]
    key = f"incoming/{name}"
    _ingest(resources, lambda_context, key, build())
    _assert_verdict(resources, key, expected)


@pytest.mark.parametrize("key", ODD_KEYS)
def test_keys_with_odd_characters_publish_and_reports_land_beside_them(
    resources: Resources, lambda_context: Any, key: str
) -> None:
    _ingest(resources, lambda_context, key, _json())
    _assert_safe(resources, key)
    bad_key = key.replace(".json", "-bad.json")
    _ingest(resources, lambda_context, bad_key, b"{")
    assert _report(resources, bad_key) is not None
