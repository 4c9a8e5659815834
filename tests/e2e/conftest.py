"""The local stack, started once for the e2e package on free ports (torn down before other packages run, so
``mock_aws`` tests never share moto's global state or ``AWS_ENDPOINT_URL`` with it)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from pressroom_stack.local import LocalStack, free_port


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
    stack = LocalStack(aws_port=free_port(), api_port=free_port(), publish_samples=False)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
