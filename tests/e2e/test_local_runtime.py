"""The in-process runtime runs each concurrent invocation in an execution environment of its own (its own module
instance of the handler and its own context) and reuses warm environments, as Lambda does."""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pressroom_stack.runtime import FunctionConfig, LocalFunction, fresh_handler, import_handler

pytestmark = pytest.mark.e2e

MODULE = """
import contextvars

calls = []
in_this_context = contextvars.ContextVar("in_this_context", default=0)


def handler(event, context):
    calls.append(context.aws_request_id)
    in_this_context.set(in_this_context.get() + 1)
    if event.get("barrier"):
        event["barrier"].wait()
    return {"module": id(calls), "calls": len(calls), "in_context": in_this_context.get()}
"""


@pytest.fixture
def function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalFunction]:
    name = f"stand_in_environment_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    dotted = f"{name}.handler"
    config = FunctionConfig("f", "arn:aws:lambda:us-east-1:123456789012:function:f", dotted, 10, 128)
    yield LocalFunction(config, import_handler(dotted), new_handler=lambda: fresh_handler(dotted))
    sys.modules.pop(name, None)


def concurrently(function: LocalFunction, count: int) -> list[Any]:
    barrier = threading.Barrier(count, timeout=5)
    results: list[Any] = [None] * count

    def call(n: int) -> None:
        results[n] = function.invoke({"barrier": barrier}).result

    threads = [threading.Thread(target=call, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_invocations_run_in_environments_of_their_own(function: LocalFunction) -> None:
    results = concurrently(function, 3)
    assert function.environments == 3
    assert len({r["module"] for r in results}) == 3
    assert [(r["calls"], r["in_context"]) for r in results] == [(1, 1)] * 3


def test_warm_environments_are_reused_with_their_state(function: LocalFunction) -> None:
    first = concurrently(function, 2)
    later = [function.invoke({}).result for _ in range(4)]
    assert function.environments == 2
    assert {r["module"] for r in later} <= {r["module"] for r in first}
    assert all(r["calls"] == r["in_context"] >= 2 for r in later)
    assert max(r["calls"] for r in later) >= 3


def test_past_the_limit_callers_wait_for_a_free_environment(function: LocalFunction) -> None:
    function.max_environments = 1
    results = [function.invoke({}).result for _ in range(2)]
    assert function.environments == 1
    assert [r["calls"] for r in results] == [1, 2]
