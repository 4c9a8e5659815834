"""Logger, tracer and metrics, declared once for every function (names come from the POWERTOOLS_* environment).

The tracer patches botocore only (the functions make no other outbound calls), so cold starts do not import
X-Ray's other patchers."""

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics
from aws_lambda_powertools.tracing import Tracer

logger = Logger()
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics()
