"""IngestFunction through its handler, on moto, with the event shapes real S3 and SQS send."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.handlers import ingest
from pressroom.ports import FEED_INDEX, tag_index
from tests.clock import NOW, ago
from tests.conftest import Resources
from tests.helpers import article, golden, notification, put_article, s3_record, sqs_event, wire_ingest_queue

pytestmark = pytest.mark.integration
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_composition_root(resources: Resources) -> Any:
    ingest.ingest_service.cache_clear()
    yield
    ingest.ingest_service.cache_clear()


def run(lambda_context: Any, *bodies: dict[str, Any] | str) -> list[str]:
    """Invoke the handler with one SQS message per body; return the failed message positions."""
    event = sqs_event(*bodies)
    response = ingest.handler(event, lambda_context)
    ids = [r["messageId"] for r in event["Records"]]
    return [str(ids.index(f["itemIdentifier"])) for f in response["batchItemFailures"]]


def feed(resources: Resources, index: str = FEED_INDEX) -> list[str]:
    page = DynamoDBFeed(resources.table).list_index(index, limit=100, after=None, now=FAR_FUTURE)
    return [item.id for item in page.items]


def report(resources: Resources, key: str) -> dict[str, Any]:
    obj = boto3.client("s3").get_object(Bucket=resources.bucket, Key=f"rejected/{key}.error.json")
    return json.loads(obj["Body"].read())


@pytest.mark.parametrize(
    "key",
    [
        "incoming/Harbour Lights (2026).json",
        "incoming/c++ and more+plus.json",
        "incoming/100%2B reasons.json",
        "incoming/Zoë — café [draft] ü.json",
    ],
)
def test_odd_keys_arrive_url_encoded_and_are_published(resources: Resources, lambda_context: Any, key: str) -> None:
    record = put_article(resources.bucket, key, article("Odd keys work"))
    assert run(lambda_context, notification(record)) == []
    stored = DynamoDBFeed(resources.table).article_id_for_key(key)
    assert stored is not None and feed(resources) == [stored]


def test_a_published_article_is_enriched(resources: Resources, lambda_context: Any) -> None:
    body = (
        "<p>Mara Quill opened the Portmere Harbour Festival on Friday.</p><script>alert('x')</script>"
        '<p onclick="steal()">Quill said the <a href="javascript:alert(1)">crowd</a> was huge.</p>'
        "<p>WATCH: Some other story about the harbour</p><p>Loading the player...</p>"
    )
    record = put_article(resources.bucket, "incoming/festival.json", article("Festival opens", body=body))
    assert run(lambda_context, notification(record)) == []
    stored = DynamoDBFeed(resources.table).get_record("festival")
    assert stored is not None
    a = stored.stored.article
    assert "<script" not in a.body and "javascript:" not in a.body and "onclick" not in a.body
    assert "WATCH" not in a.body and "Loading the player" not in a.body
    assert a.slug == "festival-opens" and a.word_count > 0 and a.reading_time_minutes >= 1 and a.summary
    assert any(t.name == "Mara Quill" for t in a.tags)


def test_test_event_and_several_records_per_message(resources: Resources, lambda_context: Any) -> None:
    first = put_article(resources.bucket, "incoming/one.json", article("One"))
    second = put_article(resources.bucket, "incoming/two.json", article("Two", published_at=ago(days=1)))
    assert run(lambda_context, golden("s3_test_event.json"), notification(first, second)) == []
    assert feed(resources) == ["two", "one"]


def test_one_poison_record_fails_alone(resources: Resources, lambda_context: Any) -> None:
    good = put_article(resources.bucket, "incoming/good.json", article("Good"))
    invalid = put_article(resources.bucket, "incoming/bad.json", {"title": "No body"})
    failed = run(lambda_context, notification(good), "not json at all", notification(invalid))
    assert failed == ["1"]
    assert feed(resources) == ["good"]
    assert report(resources, "incoming/bad.json")["errors"][0]["loc"] == "body"


def test_the_same_event_twice_publishes_once(resources: Resources, lambda_context: Any) -> None:
    record = put_article(resources.bucket, "incoming/twice.json", article("Twice"))
    assert run(lambda_context, notification(record), notification(record)) == []
    assert run(lambda_context, notification(record)) == []
    assert feed(resources) == ["twice"]
    assert DynamoDBFeed(resources.table).get_record("twice").rev == 1  # type: ignore[union-attr]


def test_an_older_version_never_overwrites_a_newer_one(resources: Resources, lambda_context: Any) -> None:
    newer = put_article(resources.bucket, "incoming/v.json", article("Version two", updated_at="2029-11-22T10:00:00Z"))
    assert run(lambda_context, notification(newer)) == []
    older = put_article(resources.bucket, "incoming/v.json", article("Version one", updated_at="2029-11-21T10:00:00Z"))
    assert run(lambda_context, notification(older), notification(newer)) == []
    stored = DynamoDBFeed(resources.table).get_record("v")
    assert stored is not None and stored.stored.article.title == "Version two"


def test_a_new_version_replaces_the_old_and_moves_its_index_entries(resources: Resources, lambda_context: Any) -> None:
    v1 = put_article(
        resources.bucket,
        "incoming/m.json",
        article("Move", section="sport", tags=["Rowing"], updated_at="2029-11-20T00:00:00Z"),
    )
    assert run(lambda_context, notification(v1)) == []
    v2 = put_article(
        resources.bucket,
        "incoming/m.json",
        article("Move", section="business", tags=["Markets"], updated_at="2029-11-23T00:00:00Z"),
    )
    assert run(lambda_context, notification(v2)) == []
    assert feed(resources, "SECTION#sport") == [] and feed(resources, "SECTION#business") == ["m"]
    assert feed(resources, tag_index("rowing")) == [] and feed(resources, tag_index("markets")) == ["m"]


def test_delete_then_reupload(resources: Resources, lambda_context: Any) -> None:
    s3 = boto3.client("s3")
    created = put_article(resources.bucket, "incoming/d.json", article("Deleted then back"))
    assert run(lambda_context, notification(created)) == []
    s3.delete_object(Bucket=resources.bucket, Key="incoming/d.json")
    removed = s3_record("incoming/d.json", bucket=resources.bucket, removed=True)
    assert run(lambda_context, notification(removed), notification(created)) == []
    assert feed(resources) == []
    stored = DynamoDBFeed(resources.table).get_by_slug("deleted-then-back")
    assert stored is not None and stored.status == "withdrawn"

    again = put_article(resources.bucket, "incoming/d.json", article("Deleted then back"))
    assert run(lambda_context, notification(again), notification(removed)) == []
    assert feed(resources) == ["d"]


def test_withdrawn_upload_takes_the_article_out(resources: Resources, lambda_context: Any) -> None:
    v1 = put_article(
        resources.bucket, "incoming/w.json", article("Withdraw me", tags=["Rowing"], updated_at="2029-11-20")
    )
    assert run(lambda_context, notification(v1)) == []
    v2 = put_article(
        resources.bucket,
        "incoming/w.json",
        article("Withdraw me", status="withdrawn", updated_at="2029-11-30T00:00:00Z"),
    )
    assert run(lambda_context, notification(v2)) == []
    assert feed(resources) == [] and feed(resources, tag_index("rowing")) == []
    assert DynamoDBFeed(resources.table).get_by_slug("withdraw-me").status == "withdrawn"  # type: ignore[union-attr]


def test_drafts_are_stored_not_indexed_and_scheduled_are_hidden(resources: Resources, lambda_context: Any) -> None:
    draft = put_article(resources.bucket, "incoming/draft.json", article("A draft", status="draft"))
    later = put_article(resources.bucket, "incoming/later.json", article("Later", published_at="2099-01-01T00:00:00Z"))
    assert run(lambda_context, notification(draft), notification(later)) == []
    store = DynamoDBFeed(resources.table)
    assert store.get_by_slug("a-draft").status == "draft"  # type: ignore[union-attr]
    assert feed(resources) == ["later"]
    assert store.list_index(FEED_INDEX, limit=10, after=None, now=NOW).items == []


def test_slug_clash_gets_a_suffix(resources: Resources, lambda_context: Any) -> None:
    a = put_article(resources.bucket, "incoming/a.json", article("Same headline"))
    b = put_article(resources.bucket, "incoming/b.json", article("Same headline"))
    assert run(lambda_context, notification(a), notification(b)) == []
    store = DynamoDBFeed(resources.table)
    assert store.get_by_slug("same-headline").article.id == "a"  # type: ignore[union-attr]
    assert store.get_by_slug("same-headline-2").article.id == "b"  # type: ignore[union-attr]


def test_object_deleted_before_the_event_is_no_error(resources: Resources, lambda_context: Any) -> None:
    record = put_article(resources.bucket, "incoming/gone.json", article("Gone"))
    boto3.client("s3").delete_object(Bucket=resources.bucket, Key="incoming/gone.json")
    assert run(lambda_context, notification(record)) == []
    assert feed(resources) == []


def test_oversize_is_rejected_from_the_current_objects_headers(resources: Resources, lambda_context: Any) -> None:
    record = put_article(resources.bucket, "incoming/huge.json", b" " * (5 * 1024 * 1024))
    assert run(lambda_context, notification(record)) == []
    rejected = report(resources, "incoming/huge.json")
    assert "1 MiB" in rejected["errors"][0]["msg"] and rejected["etag"] == record["s3"]["object"]["eTag"]


def test_oversize_object_with_a_lying_event_is_rejected(resources: Resources, lambda_context: Any) -> None:
    record = put_article(resources.bucket, "incoming/big.json", b"{" + b" " * (1024 * 1024 + 10) + b"}")
    record["s3"]["object"]["size"] = 10
    assert run(lambda_context, notification(record)) == []
    assert report(resources, "incoming/big.json")["errors"][0]["type"] == "too_large"


def test_non_utf8_upload_gets_a_rejection_report(resources: Resources, lambda_context: Any) -> None:
    record = put_article(resources.bucket, "incoming/latin1.json", '{"title": "Café"}'.encode("latin-1"))
    assert run(lambda_context, notification(record)) == []
    got = report(resources, "incoming/latin1.json")
    assert set(got) == {"key", "etag", "received_at", "errors"}
    assert got["key"] == "incoming/latin1.json" and "UTF-8" in got["errors"][0]["msg"]


def test_transient_faults_fail_the_record_so_sqs_retries(resources: Resources, lambda_context: Any) -> None:
    record = put_article(resources.bucket, "incoming/t.json", article("Throttled"))
    client = ingest.ingest_service().store._client  # type: ignore[attr-defined]

    def throttle(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "PutItem"
        )

    client.meta.events.register("before-call.dynamodb.PutItem", throttle)
    assert run(lambda_context, notification(record)) == ["0"]
    client.meta.events.unregister("before-call.dynamodb.PutItem", throttle)
    assert run(lambda_context, notification(record)) == []
    assert feed(resources) == ["t"]


def test_moto_shaped_notifications_from_a_real_bucket_configuration(resources: Resources, lambda_context: Any) -> None:
    sqs, s3 = boto3.client("sqs"), boto3.client("s3")
    queue, _ = wire_ingest_queue(resources.bucket)
    s3.put_object(Bucket=resources.bucket, Key="incoming/from moto+1.json", Body=json.dumps(article("From moto")))
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    bodies = [m["Body"] for m in messages]
    assert any("s3:TestEvent" in b for b in bodies)
    assert run(lambda_context, *bodies) == []
    assert feed(resources) == ["from-moto-1"]


@pytest.mark.parametrize("with_version_ids", [True, False], ids=["real-s3-events", "moto-events"])
def test_versions_uploaded_in_reverse_order_end_at_the_newest(
    resources: Resources, lambda_context: Any, with_version_ids: bool
) -> None:
    records = [
        put_article(resources.bucket, "incoming/r.json", article(f"Version {n}", updated_at=f"2029-11-2{n}T00:00:00Z"))
        for n in (3, 2, 1)
    ]
    if not with_version_ids:
        for record in records:
            record["s3"]["object"].pop("versionId", None)
    assert run(lambda_context, *(notification(r) for r in records)) == []
    assert run(lambda_context, *(notification(r) for r in reversed(records))) == []
    stored = DynamoDBFeed(resources.table).get_record("r")
    assert stored is not None and stored.stored.article.title == "Version 3"


def test_delete_processed_before_the_upload_event_never_publishes(resources: Resources, lambda_context: Any) -> None:
    created = put_article(resources.bucket, "incoming/early.json", article("Deleted early"))
    boto3.client("s3").delete_object(Bucket=resources.bucket, Key="incoming/early.json")
    removed = s3_record("incoming/early.json", bucket=resources.bucket, removed=True)
    assert run(lambda_context, notification(removed), notification(created)) == []
    assert feed(resources) == [] and DynamoDBFeed(resources.table).get_by_slug("deleted-early") is None


def test_many_articles_with_one_headline_all_publish_under_suffixed_slugs(
    resources: Resources, lambda_context: Any
) -> None:
    records = [put_article(resources.bucket, f"incoming/same-{n}.json", article("Popular headline")) for n in range(12)]
    assert run(lambda_context, *(notification(r) for r in records)) == []
    store = DynamoDBFeed(resources.table)
    owners = {
        store.get_by_slug(s).article.id for s in ["popular-headline", *(f"popular-headline-{n}" for n in range(2, 13))]
    }  # type: ignore[union-attr]
    assert owners == {f"same-{n}" for n in range(12)}


def test_an_article_too_large_to_store_is_rejected_not_retried(resources: Resources, lambda_context: Any) -> None:
    rng = random.Random(7)
    body = "".join(chr(rng.randrange(0x20000, 0x2A6DF)) for _ in range(199_000))  # incompressible, 4 bytes each
    data = json.dumps(article("Huge body", body=body), ensure_ascii=False).encode()
    assert len(data) < 1024 * 1024
    record = put_article(resources.bucket, "incoming/huge-body.json", data)
    assert run(lambda_context, notification(record)) == []
    (error,) = report(resources, "incoming/huge-body.json")["errors"]
    assert (error["loc"], error["type"]) == ("body", "too_large") and "compressed" in error["msg"]
    assert feed(resources) == []
