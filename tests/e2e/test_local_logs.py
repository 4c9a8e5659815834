"""The local stack's log stream is one a person can read: each ingest line names the ingest function and its
own request id (never the API's), metric documents go to the local CloudWatch instead of the stream, and the
stack's own concurrency prints no traceback."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from pressroom.observability import logger as function_logger
from pressroom_stack.local import LocalStack, wait_until

pytestmark = pytest.mark.e2e

INGEST_LOCATIONS = {"record_handler", "_failed"}


@contextlib.contextmanager
def function_output(stack: LocalStack) -> Iterator[io.StringIO]:
    """What the functions write, as `pressroom up` shows it: stdout is the stack's (pytest's capture puts its own
    back at each test phase, so this runs inside the test), and the logger writes to it (it kept pytest's stream
    when it was imported)."""
    output, console = stack.function_output, sys.stdout
    handler = function_logger.registered_handler
    assert output is not None and isinstance(handler, logging.StreamHandler)
    stream, target = io.StringIO(), output.target
    output.target, sys.stdout = stream, output  # type: ignore[assignment]
    previous, level = handler.setStream(output), function_logger.log_level  # type: ignore[arg-type]
    function_logger.setLevel("INFO")  # the tests' environment says WARNING; a person reads INFO
    try:
        yield stream
    finally:
        function_logger.setLevel(level)
        handler.setStream(previous)
        output.target, sys.stdout = target, console


def test_ingest_lines_are_the_ingest_functions_and_metrics_leave_the_stream(
    local_stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    s3, bucket = local_stack.client("s3"), local_stack.outputs["ArticlesBucketName"]
    slugs = [f"readable-log-{n}-{uuid.uuid4().hex[:6]}" for n in range(6)]

    def upload(slug: str) -> None:
        body = {"title": f"Tide tables for the week ({slug})", "body": "High water at noon.", "slug": slug,
                "published_at": "2020-11-20T09:00:00Z"}  # fmt: skip
        s3.put_object(Bucket=bucket, Key=f"incoming/{slug}.json", Body=json.dumps(body).encode())

    def served(slug: str) -> bool:
        return requests.get(f"{local_stack.api_url}/articles/{slug}", timeout=10).status_code == 200

    with function_output(local_stack) as log_stream, ThreadPoolExecutor(4) as pool:
        list(pool.map(upload, slugs))
        wait_until(lambda: all(pool.map(served, slugs)), timeout=15)
        list(pool.map(lambda _: requests.get(f"{local_stack.api_url}/feed.json", timeout=10), range(4)))

    text = log_stream.getvalue()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    ingest_function = local_stack.physical_id("IngestFunction")
    api_ids = {line.get("function_request_id") for line in lines if line.get("function_name") != ingest_function}
    ingest = [line for line in lines if line.get("location", "").split(":")[0] in INGEST_LOCATIONS]
    assert {line.get("article_id") for line in ingest} >= set(slugs)
    for line in ingest:
        assert line["function_name"] == ingest_function, line
        assert line["function_request_id"] and line["function_request_id"] not in api_ids, line
        assert "correlation_id" not in line, line
    assert not [line for line in lines if "_aws" in line], "metric documents stay out of the log stream"
    assert "Traceback" not in text
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    names = _metric_names(local_stack)
    assert {"published", "Requests"} <= names


def _metric_names(stack: LocalStack) -> set[str]:
    metrics: list[dict[str, Any]] = stack.client("cloudwatch").list_metrics(Namespace="Pressroom")["Metrics"]
    return {m["MetricName"] for m in metrics}
