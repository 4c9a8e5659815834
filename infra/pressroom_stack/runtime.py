"""Running a deployed function's handler in-process, the way the Lambda runtime would call it.

Lambda runs concurrent invocations of a function in separate execution environments (one invocation at a time in
each) and reuses warm ones. :class:`LocalFunction` does the same in threads: an environment is a
:class:`contextvars.Context` (so per-context state, such as the Powertools logger keys and metrics of
``pressroom.observability``, belongs to one environment) and its own instance of the handler's module (so
module-level state -- a batch processor, a resolver, cached clients -- does too). What the handler module imports
is shared by every environment, as it would not be on Lambda: state there must be per context or thread-safe.
"""

from __future__ import annotations

import contextvars
import importlib
import importlib.util
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
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


def fresh_handler(dotted: str) -> Handler:
    """``pkg.module.attr`` from a new instance of ``pkg.module`` (executed again, not registered in
    ``sys.modules``): module-level state of its own, as in a new execution environment. The module must have been
    imported (:func:`import_handler`) first."""
    module_name, _, attr = dotted.rpartition(".")
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.loader is None:
        raise HandlerNotFound(f"cannot import handler {dotted!r}: no module {module_name!r}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Handler = getattr(module, attr)
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


@dataclass
class Environment:
    """One execution environment: its handler and its context; one invocation at a time."""

    number: int
    handler: Handler
    context: contextvars.Context = field(default_factory=contextvars.Context)
    invocations: int = 0


class LocalFunction:
    """A deployed function run in-process: each invocation in an execution environment, at most
    ``max_environments`` of them at once; a free warm environment is reused, else a new one starts (up to the
    limit; past it callers wait their turn).

    The first environment runs ``handler``; each later one ``new_handler()`` (e.g. :func:`fresh_handler` of
    ``config.handler``), or ``handler`` again when it is None (a stand-in passed by a test is shared).
    """

    def __init__(
        self,
        config: FunctionConfig,
        handler: Handler,
        *,
        max_environments: int = 10,
        new_handler: Callable[[], Handler] | None = None,
    ) -> None:
        self.config = config
        self.handler = handler
        self.max_environments = max_environments
        self._new_handler = new_handler
        self._environments: list[Environment] = []
        self._idle: list[Environment] = []
        self._available = threading.Condition()

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def environments(self) -> int:
        """How many execution environments have started."""
        return len(self._environments)

    def _acquire(self) -> Environment:
        with self._available:
            while not self._idle and len(self._environments) >= self.max_environments:
                self._available.wait()
            if self._idle:
                return self._idle.pop()
            new = self._new_handler
            handler = new() if new is not None and self._environments else self.handler
            environment = Environment(len(self._environments), handler)
            self._environments.append(environment)
            return environment

    def _release(self, environment: Environment) -> None:
        with self._available:
            self._idle.append(environment)
            self._available.notify()

    def invoke(self, event: Mapping[str, Any]) -> Invocation:
        """Call the handler once, in a free environment; an exception or a run past the function's Timeout is a
        failed invocation.

        A thread cannot be killed, so an overrun is detected afterwards and reported as Lambda would report it.
        """
        environment = self._acquire()
        try:
            environment.invocations += 1
            started = time.monotonic()
            try:
                result = environment.context.run(environment.handler, dict(event), context_for(self.config))
                error: BaseException | None = None
            except Exception as raised:  # the handler's failure is the invocation's outcome, as in Lambda
                result, error = None, raised
            seconds = time.monotonic() - started
        finally:
            self._release(environment)
        return Invocation(result, error, seconds, seconds > self.config.timeout)


class MetricsOutOfTheLog:
    """Stands in for ``sys.stdout`` while the functions run in-process: a line that is a CloudWatch embedded metric
    format document (what Powertools' ``log_metrics`` prints once per invocation) goes to ``publish``, as CloudWatch
    Logs turns it into metrics on AWS, instead of the console; every other line passes through to ``target``.

    Lines are assembled per thread (``print`` writes the document and its newline separately)."""

    def __init__(self, target: Any, publish: Callable[[dict[str, Any]], None]) -> None:
        self.target = target
        self._publish = publish
        self._pending = threading.local()

    def write(self, text: str) -> int:
        pending: str = getattr(self._pending, "line", "") + text
        *lines, rest = pending.split("\n")
        self._pending.line = rest if rest.startswith("{") else ""
        for line in lines:
            if not self._published(line):
                self.target.write(line + "\n")
        if rest and not rest.startswith("{"):
            self.target.write(rest)
        return len(text)

    def _published(self, line: str) -> bool:
        if not line.startswith('{"_aws"'):
            return False
        try:
            document = json.loads(line)
        except ValueError:
            return False
        if not isinstance(document, dict) or not isinstance(document.get("_aws"), dict):
            return False
        self._publish(document)
        return True

    def flush(self) -> None:
        self.target.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


def metric_data(document: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(namespace, MetricDatum)`` pairs for ``PutMetricData`` from one embedded metric format document."""
    meta = document["_aws"]
    timestamp = meta.get("Timestamp")
    data = []
    for directive in meta.get("CloudWatchMetrics", []):
        for dimension_names in directive.get("Dimensions") or [[]]:
            dimensions = [{"Name": n, "Value": str(document[n])} for n in dimension_names if n in document]
            for metric in directive.get("Metrics", []):
                values = document.get(metric["Name"])
                values = values if isinstance(values, list) else [values]
                datum: dict[str, Any] = {
                    "MetricName": metric["Name"],
                    "Dimensions": dimensions,
                    "Values": [float(v) for v in values if isinstance(v, int | float)],
                    "Unit": metric.get("Unit", "None"),
                }
                if timestamp:
                    datum["Timestamp"] = datetime.fromtimestamp(timestamp / 1000, UTC)
                data.append((directive["Namespace"], datum))
    return data
