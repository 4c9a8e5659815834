"""Logger, tracer and metrics, declared once for every function (names come from the POWERTOOLS_* environment).

The tracer patches botocore only (the functions make no other outbound calls), so cold starts do not import
X-Ray's other patchers.

The logger's keys and the metrics not yet flushed belong to the execution context (:mod:`contextvars`), not to the
shared objects. On Lambda, where a process runs one invocation at a time, that changes nothing; where two functions
or concurrent invocations share a process (the local stack runs each execution environment in a context of its
own), no invocation logs another's request id or flushes another's metrics. Each context starts from the state
these objects had when this module was imported."""

import copy
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics
from aws_lambda_powertools.tracing import Tracer


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
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics()
_per_context(logger.registered_formatter, "log_format")
_per_context(metrics.provider, "metric_set", "dimension_set", "dimension_sets", "metadata_set", "default_dimensions")
