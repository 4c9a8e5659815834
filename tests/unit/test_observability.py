"""The logger's keys and the pending metrics belong to an execution context: two functions (or two concurrent
invocations) in one process never log each other's request id or flush each other's metrics."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from pressroom.observability import logger, metrics


@dataclass
class Context:
    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:f"

    def get_remaining_time_in_millis(self) -> int:
        return 1000


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> None:
    metrics.add_metric(name=event["metric"], unit=MetricUnit.Count, value=1)
    logger.append_keys(object_key=event["metric"])
    event["both_started"].wait()
    logger.warning("done")


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def test_concurrent_invocations_keep_their_own_keys_and_metrics(
    log_stream: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    both_started = threading.Barrier(2, timeout=5)
    runs = {"ingest": contextvars.Context(), "api": contextvars.Context()}
    threads = [
        threading.Thread(
            target=run.run,
            args=(handler, {"metric": f"{name}_metric", "both_started": both_started}, Context(name, f"{name}-1")),
        )
        for name, run in runs.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    logs = {line["function_name"]: line for line in map(json.loads, log_stream.getvalue().splitlines())}
    assert {name: (log["function_request_id"], log["object_key"]) for name, log in logs.items()} == {
        "ingest": ("ingest-1", "ingest_metric"),
        "api": ("api-1", "api_metric"),
    }
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    flushed = [sorted(k for k in document if k.endswith("_metric")) for document in emf]
    assert sorted(flushed) == [["api_metric"], ["ingest_metric"]]
