"""The local stack, started once for the e2e package on free ports (torn down before other packages run, so
``mock_aws`` tests never see its ``AWS_ENDPOINT_URL``; its moto runs in a process of its own). Failed messages are
retried at once and batches wait 0.2 s to fill, so a failing message reaches the dead-letter queue in about a
second."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from pressroom_stack.local import LocalStack, free_port

BATCHING_WINDOW = 0.2
"""Seconds the pollers wait to fill a batch (the template's is 1 s): failures reach the dead-letter queue sooner."""


def _handlers_importable() -> str | None:
    for module in ("pressroom.handlers.ingest", "pressroom.handlers.api"):
        try:
            importlib.import_module(module)
        except ImportError as error:
            return f"{module} is not importable yet ({error})"
    return None


@pytest.fixture(scope="package")
def local_stack() -> Iterator[LocalStack]:
    missing = _handlers_importable()
    if missing:
        pytest.skip(f"local stack e2e needs the function handlers: {missing}")
    ports = {"aws_port": free_port(), "api_port": free_port()}
    stack = LocalStack(**ports, publish_samples=False, retry_delay=0, batching_window=BATCHING_WINDOW)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
