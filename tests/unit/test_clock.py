"""The suite's clock is fixed (tests/clock.py), whatever the calendar says: no test depends on today's date."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import boto3
from moto import mock_aws

from tests.clock import NOW


def test_every_test_runs_at_the_fixed_instant_and_time_still_flows() -> None:
    first = datetime.now(UTC)
    assert NOW <= first < NOW + timedelta(hours=1)
    time.sleep(0.01)
    assert datetime.now(UTC) > first


def test_s3_last_modified_in_moto_follows_the_same_clock() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="clock")
        s3.put_object(Bucket="clock", Key="k", Body=b"x")
        modified = s3.head_object(Bucket="clock", Key="k")["LastModified"]
    assert NOW - timedelta(seconds=1) <= modified < NOW + timedelta(hours=1)
