"""Logger, tracer and metrics, declared once for every function (names come from the POWERTOOLS_* environment)."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
