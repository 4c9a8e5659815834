"""Running a deployed function's handler in-process, the way the Lambda runtime would call it."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

Handler = Callable[[dict[str, Any], Any], Any]


class HandlerNotFound(ImportError):
    """The ``Handler`` of a function configuration cannot be imported (module missing or not callable)."""


@dataclass(frozen=True)
class FunctionConfig:
    """What the runtime needs from ``GetFunctionConfiguration``."""

    name: str
    arn: str
    handler: str
    timeout: int
    memory_size: int
    environment: dict[str, str] = field(default_factory=dict)

    @classmethod
    def fetch(cls, client: LambdaClient, name: str) -> FunctionConfig:
        config = client.get_function_configuration(FunctionName=name)
        return cls(
            name=config["FunctionName"],
            arn=config["FunctionArn"],
            handler=config["Handler"],
            timeout=int(config.get("Timeout", 3)),
            memory_size=int(config.get("MemorySize", 128)),
            environment=dict(config.get("Environment", {}).get("Variables", {})),
        )


def import_handler(dotted: str) -> Handler:
    """``pkg.module.attr`` -> the callable, imported now (not at start-up of the importing module)."""
    module_name, _, attr = dotted.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as error:
        raise HandlerNotFound(f"cannot import handler {dotted!r}: {error}") from error
    if not callable(handler):
        raise HandlerNotFound(f"handler {dotted!r} is not callable")
    return handler


@dataclass
class LambdaContext:
    """The subset of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def context_for(config: FunctionConfig) -> LambdaContext:
    return LambdaContext(
        function_name=config.name,
        invoked_function_arn=config.arn,
        memory_limit_in_mb=config.memory_size,
        timeout_seconds=config.timeout,
    )


@dataclass(frozen=True)
class Invocation:
    result: Any
    error: BaseException | None
    seconds: float
    timed_out: bool


class LocalFunction:
    """A deployed function run in-process as one execution environment: one invocation at a time.

    Lambda never runs two invocations at once in one environment, and handlers rely on it (module-level
    resolvers, batch processors and logger keys are not thread-safe), so concurrent callers wait their turn.
    """

    def __init__(self, config: FunctionConfig, handler: Handler) -> None:
        self.config = config
        self.handler = handler
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.config.name

    def invoke(self, event: Mapping[str, Any]) -> Invocation:
        """Call the handler once; an exception or a run past the function's Timeout is a failed invocation.

        A thread cannot be killed, so an overrun is detected afterwards and reported as Lambda would report it.
        """
        with self._lock:
            started = time.monotonic()
            try:
                result = self.handler(dict(event), context_for(self.config))
                error: BaseException | None = None
            except Exception as raised:  # the handler's failure is the invocation's outcome, as in Lambda
                result, error = None, raised
            seconds = time.monotonic() - started
        return Invocation(result, error, seconds, seconds > self.config.timeout)
