"""AWS list prices (dated, with their sources) and the usage model that prices a unit of work: one owner for the
cost figures of `make bench` (bench/cost.py) and the estimates the CLI prints before it starts work
(`pressroom reindex`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

PRICES_TAKEN = "2026-11-25"
REGION = "us-east-1"
PRICES: dict[str, float] = {
    "dynamodb_wru": 0.625 / 1e6,  # on-demand, per write request unit (Standard table class)
    "dynamodb_rru": 0.125 / 1e6,  # on-demand, per read request unit
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000133334,  # arm64, first 7.5 billion GB-s a month
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk of a request
    "s3_get": 0.0004 / 1000,  # GET, HEAD, SELECT (S3 Standard)
    "s3_put": 0.005 / 1000,  # PUT, COPY, POST, LIST (S3 Standard)
    "apigw_request": 3.50 / 1e6,  # REST API, first 333 million a month
    "comprehend_unit": 0.0001,  # DetectEntities, per 100 characters, minimum 3 units a request (first 10M units)
}
SOURCES: dict[str, str] = {
    "dynamodb": "https://aws.amazon.com/dynamodb/pricing/on-demand/ (rates after the 2024-11-01 on-demand cut; "
    "figures cross-read at https://airbyte.com/data-engineering-resources/dynamodb-pricing)",
    "lambda": "https://aws.amazon.com/lambda/pricing/ (arm64 rate cross-read in artillery's "
    "lib/platform/aws-lambda/prices.js: base arm64 1333340e-11 $/GB-s)",
    "sqs": "https://aws.amazon.com/sqs/pricing/ (cross-read at https://cloudburn.io/blog/amazon-sqs-pricing)",
    "s3": "https://aws.amazon.com/s3/pricing/ (cross-read at https://c3x.dev/blog/s3-request-fees-explained)",
    "apigateway": "https://aws.amazon.com/api-gateway/pricing/ (REST tiers in the AWS whitepaper 'Best Practices "
    "for Designing Amazon API Gateway Private APIs', Cost optimization)",
    "comprehend": "https://aws.amazon.com/comprehend/pricing/ (unit = 100 characters, minimum 3 units a request; "
    "$0.0001 a unit cross-read at https://www.cloudzero.com/blog/amazon-comprehend-pricing/)",
}
LAMBDA_MEMORY_MB = 512  # template.yaml Globals


@dataclass(frozen=True)
class Usage:
    """What one unit of work (a published article, a feed page …) uses."""

    lambda_invocations: float = 0.0
    lambda_ms: float = 0.0  # duration of one invocation
    lambda_memory_mb: int = LAMBDA_MEMORY_MB
    dynamodb_wru: float = 0.0
    dynamodb_rru: float = 0.0
    s3_get: float = 0.0
    s3_put: float = 0.0
    sqs_requests: float = 0.0
    apigw_requests: float = 0.0


def lambda_gb_seconds(usage: Usage) -> float:
    """Billed GB-seconds: duration rounded up to the millisecond, times the memory."""
    return usage.lambda_invocations * math.ceil(usage.lambda_ms) / 1000 * usage.lambda_memory_mb / 1024


def dollars(usage: Usage, prices: dict[str, float] = PRICES) -> dict[str, float]:
    """US dollars of one unit of work, per service, and the total."""
    parts = {
        "lambda": usage.lambda_invocations * prices["lambda_request"]
        + lambda_gb_seconds(usage) * prices["lambda_gb_second"],
        "dynamodb": usage.dynamodb_wru * prices["dynamodb_wru"] + usage.dynamodb_rru * prices["dynamodb_rru"],
        "s3": usage.s3_get * prices["s3_get"] + usage.s3_put * prices["s3_put"],
        "sqs": usage.sqs_requests * prices["sqs_request"],
        "apigateway": usage.apigw_requests * prices["apigw_request"],
    }
    parts["total"] = sum(parts.values())
    return parts
