"""Logger, metrics and tracing, declared once for every function (names come from the POWERTOOLS_* environment).

Tracing is Lambda's own: ``Tracing: Active`` on the functions and ``TracingEnabled`` on the API stage put every
request in X-Ray (API Gateway, then the function, with its initialisation and invocation times). Powertools'
Tracer is not used, as it needs the X-Ray SDK: that SDK depends on botocore, which would then be installed into each
zip (30 MB, half the package, a copy of what the runtime provides), and importing and patching it added about
40 ms to every cold start. What the SDK would add is a subsegment per AWS call; CloudWatch's DynamoDB and S3
metrics and the functions' own metrics cover those calls. ``tracer`` keeps the Tracer's two decorators, as
no-ops, so the handlers read as Powertools handlers do."""

from __future__ import annotations

from collections.abc import Callable
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


logger = Logger()
tracer = LambdaTracing()
metrics = Metrics()
