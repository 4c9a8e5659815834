"""Shared fixtures: fake AWS credentials, moto, and the feed table and bucket built from template.yaml."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
EVENTS = Path(__file__).resolve().parent / "events"

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "pressroom",
    "POWERTOOLS_METRICS_NAMESPACE": "Pressroom",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(scope="session", autouse=True)
def frozen_clock() -> Iterator[None]:
    """Every test, the local stack's included, runs with the clock at ``tests.clock.NOW`` (and ticking from it)."""
    import time_machine

    from tests.clock import NOW

    with time_machine.travel(NOW, tick=True):
        yield


@dataclass
class LambdaContext:
    function_name: str = "pressroom-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:pressroom-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


@dataclass
class Resources:
    table: str
    bucket: str


@pytest.fixture
def resources(aws: None, monkeypatch: pytest.MonkeyPatch) -> Resources:
    """The feed table and the articles bucket in moto, with the key schema of template.yaml's FeedTable."""
    import boto3

    from tests.template import feed_table_definition

    table, bucket = "pressroom-feed-test", "pressroom-articles-test"
    boto3.client("dynamodb").create_table(TableName=table, **feed_table_definition())
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    monkeypatch.setenv("TABLE_NAME", table)
    monkeypatch.setenv("BUCKET_NAME", bucket)
    return Resources(table=table, bucket=bucket)
