"""Logger, metrics and tracing, declared once for every function (names come from the POWERTOOLS_* environment).

Tracing is Lambda's own: ``Tracing: Active`` on the functions and ``TracingEnabled`` on the API stage put every
request in X-Ray (API Gateway, then the function, with its initialisation and invocation times). Powertools'
Tracer is not used, as it needs the X-Ray SDK: that SDK depends on botocore, which would then be installed into each
zip (30 MB, half the package, a copy of what the runtime provides), and importing and patching it added about
40 ms to every cold start. What the SDK would add is a subsegment per AWS call; CloudWatch's DynamoDB and S3
metrics and the functions' own metrics cover those calls. ``tracer`` keeps the Tracer's two decorators, as
no-ops, so the handlers read as Powertools handlers do.

The logger's keys and the metrics not yet flushed belong to the execution context (:mod:`contextvars`), not to the
shared objects. On Lambda, where a process runs one invocation at a time, that changes nothing; where two functions
or concurrent invocations share a process (the local stack runs each execution environment in a context of its
own), no invocation logs another's request id or flushes another's metrics. Each context starts from the state
these objects had when this module was imported."""

from __future__ import annotations

import copy
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics

F = TypeVar("F", bound=Callable[..., Any])


class LambdaTracing:
    """The decorators of Powertools' ``Tracer`` used by the handlers; each returns the function unchanged, since
    Lambda traces every invocation itself."""

    def capture_lambda_handler(self, handler: F) -> F:
        return handler

    def capture_method(self, method: F) -> F:
        return method


def _per_context(obj: Any, *names: str) -> None:
    """From now on, ``obj``'s attributes ``names`` hold a value per context, a copy of their current one at first."""
    initial = {name: getattr(obj, name) for name in names}
    state: ContextVar[dict[str, Any]] = ContextVar(f"pressroom_{type(obj).__name__}")

    def current() -> dict[str, Any]:
        values = state.get(None)
        if values is None:
            values = copy.deepcopy(initial)
            state.set(values)
        return values

    def attribute(name: str) -> property:
        return property(lambda _: current()[name], lambda _, value: current().__setitem__(name, value))

    cls = type(obj)
    obj.__class__ = type(cls.__name__, (cls,), {"__module__": cls.__module__, **{n: attribute(n) for n in names}})


logger = Logger()
tracer = LambdaTracing()
metrics = Metrics()
_per_context(logger.registered_formatter, "log_format")
_per_context(metrics.provider, "metric_set", "dimension_set", "dimension_sets", "metadata_set", "default_dimensions")
