"""Every AWS call the ingest function makes is one its role in template.yaml allows: a scenario of every outcome runs
through the handler on moto, each call is recorded, and its IAM action must be granted (a missing grant would be an
AccessDenied on AWS: a retried fault, and the message would end in the dead-letter queue)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from pressroom.handlers import ingest
from pressroom_stack.template import load_template
from tests.conftest import Resources
from tests.helpers import article, notification, put_article, s3_record, sqs_event

pytestmark = pytest.mark.integration
# TransactWriteItems is not an IAM action: its parts are authorised one by one.
TRANSACT_PARTS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
IAM_PREFIX = {"eventbridge": "events"}


def granted_actions() -> set[str]:
    role = load_template()["Resources"]["IngestFunctionRole"]["Properties"]
    actions: set[str] = set()
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            value = statement["Action"]
            actions.update([value] if isinstance(value, str) else value)
    return actions


def iam_actions(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    if service == "s3":
        if operation in ("GetObject", "HeadObject"):
            return ["s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject"]
        if operation == "ListObjectVersions":
            return ["s3:ListBucketVersions"]
        return [f"s3:{operation}"]
    if service == "dynamodb" and operation == "TransactWriteItems":
        return sorted({f"dynamodb:{TRANSACT_PARTS[kind]}" for item in params["TransactItems"] for kind in item})
    return [f"{IAM_PREFIX.get(service, service)}:{operation}"]


@pytest.fixture
def calls(resources: Resources, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    boto3.client("events").create_event_bus(Name="bus")
    monkeypatch.setenv("EVENT_BUS_NAME", "bus")
    seen: list[str] = []

    def record(event_name: str, params: dict[str, Any], **_: Any) -> None:
        _, service, operation = event_name.split(".")
        seen.extend(iam_actions(service, operation, params))

    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("provide-client-params.*.*", record)  # type: ignore[union-attr]
    ingest.ingest_service.cache_clear()
    yield seen
    ingest.ingest_service.cache_clear()


def test_every_call_of_every_outcome_is_granted_by_the_ingest_role(
    resources: Resources, calls: list[str], lambda_context: Any
) -> None:
    def deliver(record: dict[str, Any]) -> None:
        ingest.handler(sqs_event(notification(record)), lambda_context)

    key = "incoming/story.json"
    deliver(put_article(resources.bucket, key, b'{"title": "broken'))
    first = put_article(resources.bucket, key, article("Story", body="Text.\n\nWATCH: Something unknown"))
    second = put_article(resources.bucket, key, article("Story, updated"))
    deliver(second)
    deliver(first)
    deliver(second)
    deliver(put_article(resources.bucket, "incoming/other.json", article("Other", id="story")))
    boto3.client("s3").delete_object(Bucket=resources.bucket, Key=key)
    deliver(s3_record(key, bucket=resources.bucket, removed=True))
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "dynamodb:PutItem", "events:PutEvents"} <= set(calls)
    missing = sorted(set(calls) - granted_actions())
    assert not missing, f"template.yaml's IngestFunctionRole does not grant {missing}"
