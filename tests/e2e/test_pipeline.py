"""End to end through the running local stack, with real clients only: boto3 (and the AWS CLI when installed)
upload to the bucket, HTTP requests to the local API read the feed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from pressroom_stack.local import LocalStack, wait_until
from pressroom_stack.template import load_template

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SERVED_WITHIN = 10.0


def article(slug: str, **extra: Any) -> bytes:
    body = {
        "title": f"Harbour lights festival returns to Portmere ({slug})",
        "body": (
            "The Harbour Lights festival returns to Portmere this weekend, organisers said on Thursday.\n\n"
            "Zoë Saldaña will open the festival with the mayor of Portmere, Ada Lovelace.\n\n"
            "WATCH: Fireworks light up Portmere harbour\n\n"
            "Organisers expect 40,000 visitors over the two days."
        ),
        "published_at": "2020-11-20T09:30:00Z",
        "slug": slug,
        "section": "entertainment",
        "tags": ["festivals"],
        **extra,
    }
    return json.dumps(body).encode()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def get(stack: LocalStack, path: str, **params: Any) -> requests.Response:
    return requests.get(stack.api_url + path, params=params, timeout=10)


def served(stack: LocalStack, slug: str) -> dict[str, Any] | None:
    response = get(stack, f"/articles/{slug}")
    return response.json() if response.status_code == 200 else None


def listed_slugs(stack: LocalStack) -> set[str]:
    return {item["slug"] for item in get(stack, "/articles", limit=100).json()["items"]}


def put(stack: LocalStack, key: str, data: bytes) -> str:
    response = stack.client("s3").put_object(Bucket=stack.outputs["ArticlesBucketName"], Key=key, Body=data)
    return str(response["ETag"]).strip('"')


def rejection_report(stack: LocalStack, key: str) -> dict[str, Any] | None:
    try:
        body = stack.client("s3").get_object(
            Bucket=stack.outputs["ArticlesBucketName"], Key=f"rejected/{key}.error.json"
        )["Body"]
    except ClientError:
        return None
    return json.loads(body.read())


def test_an_uploaded_article_is_served_enriched_within_seconds(local_stack: LocalStack) -> None:
    slug = unique("harbour-lights")
    put(local_stack, f"incoming/{slug}.json", article(slug))

    served_article = wait_until(lambda: served(local_stack, slug), timeout=SERVED_WITHIN)

    assert served_article["id"] == slug
    assert served_article["url"] == f"{local_stack.api_url}/news/{slug}"
    assert served_article["word_count"] > 20 and served_article["reading_time_minutes"] >= 1
    assert served_article["summary"]
    assert "Loading the player" not in served_article["body"]
    tags = {tag["name"]: tag["kind"] for tag in served_article["tags"]}
    assert tags.get("festivals") == "editorial"
    assert any(kind != "editorial" for kind in tags.values()), f"no extracted tags: {tags}"
    assert not {"Watch", "WATCH", "Thursday", "More"} & set(tags)
    assert slug in listed_slugs(local_stack)
    feed_urls = {item.get("url") for item in get(local_stack, "/feed.json").json()["items"]}
    assert served_article["url"] in feed_urls


def test_the_aws_cli_uploads_to_the_local_stack_too(local_stack: LocalStack, tmp_path: Path) -> None:
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed")
    slug = unique("cli-upload")
    source = tmp_path / f"{slug}.json"
    source.write_bytes(article(slug))
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    subprocess.run(
        ["aws", "--endpoint-url", local_stack.endpoint_url, "--region", "us-east-1", "s3", "cp", str(source),
         f"s3://{local_stack.outputs['ArticlesBucketName']}/incoming/"],
        check=True, env=env, capture_output=True, timeout=60,
    )  # fmt: skip
    assert wait_until(lambda: served(local_stack, slug), timeout=SERVED_WITHIN)


def test_an_invalid_upload_yields_its_rejection_report_and_is_not_served(local_stack: LocalStack) -> None:
    slug = unique("bad")
    key = f"incoming/{slug}.json"
    etag = put(local_stack, key, json.dumps({"title": "", "body": "x", "published_at": "soon", "colour": 1}).encode())

    report = wait_until(lambda: rejection_report(local_stack, key), timeout=SERVED_WITHIN)

    assert set(report) >= {"key", "etag", "received_at", "errors"}
    assert report["key"] == key
    assert str(report["etag"]).strip('"') == etag
    locations = {error["loc"] for error in report["errors"]}
    assert {"title", "published_at", "colour"} <= locations
    assert all(error["msg"] and error["type"] for error in report["errors"])
    assert local_stack.client("s3").head_object(Bucket=local_stack.outputs["ArticlesBucketName"], Key=key)
    assert get(local_stack, f"/articles/{slug}").status_code == 404


def test_deleting_the_upload_takes_the_article_out_of_the_feed(local_stack: LocalStack) -> None:
    slug = unique("to-delete")
    key = f"incoming/{slug}.json"
    put(local_stack, key, article(slug))
    wait_until(lambda: served(local_stack, slug), timeout=SERVED_WITHIN)

    local_stack.client("s3").delete_object(Bucket=local_stack.outputs["ArticlesBucketName"], Key=key)

    wait_until(lambda: get(local_stack, f"/articles/{slug}").status_code in (404, 410), timeout=SERVED_WITHIN)
    assert slug not in listed_slugs(local_stack)


def test_api_errors_are_json_with_a_client_status(local_stack: LocalStack) -> None:
    bad_limit = get(local_stack, "/articles", limit=0)
    assert bad_limit.status_code == 400
    assert set(bad_limit.json()) >= {"error", "message"}
    unknown = get(local_stack, "/no-such-route")
    assert unknown.status_code == 404
    assert set(unknown.json()) >= {"error", "message"}


def test_a_message_that_keeps_failing_lands_in_the_dead_letter_queue(local_stack: LocalStack) -> None:
    """The table is made unreachable (deleted, then re-created from template.yaml): every ingest of the upload
    fails transiently, is retried by the queue, and after maxReceiveCount receives sits in the DLQ.
    Runs last: it empties the feed."""
    dynamodb, sqs = local_stack.client("dynamodb"), local_stack.client("sqs")
    queue, dlq = local_stack.outputs["IngestQueueUrl"], local_stack.outputs["DeadLetterQueueUrl"]
    wait_until(lambda: _queue_depth(sqs, queue) == 0, timeout=SERVED_WITHIN)
    table = local_stack.outputs["FeedTableName"]
    dynamodb.delete_table(TableName=table)
    slug = unique("poison")
    key = f"incoming/{slug}.json"
    try:
        put(local_stack, key, article(slug))
        receives = load_template()["Resources"]["IngestQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
        dead = wait_until(lambda: _received(sqs, dlq), timeout=10 + 3 * receives)
    finally:
        _recreate_table(dynamodb, table)
    records = json.loads(dead["Body"])["Records"]
    assert records[0]["s3"]["object"]["key"].replace("%2F", "/") == key
    assert int(dead["Attributes"]["ApproximateReceiveCount"]) >= 1
    assert _queue_depth(sqs, queue) == 0
    assert rejection_report(local_stack, key) is None, "a transient fault is not a rejection"


def _queue_depth(sqs: Any, queue: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _received(sqs: Any, queue: str) -> dict[str, Any] | None:
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0, AttributeNames=["All"]).get("Messages", [])
    return messages[0] if messages else None


def _recreate_table(dynamodb: Any, name: str) -> None:
    definition = load_template()["Resources"]["FeedTable"]["Properties"]
    dynamodb.create_table(
        TableName=name,
        KeySchema=definition["KeySchema"],
        AttributeDefinitions=definition["AttributeDefinitions"],
        BillingMode=definition["BillingMode"],
    )
