"""The ingest path on what S3, editors and CMS exports really produce (issue: nothing lost, nothing stale): same-second
versions on a versioned bucket, events in any order, two keys claiming one id, clocks in the future, stale uploads,
reports that stay true, and batches that run short of time."""

from __future__ import annotations

import hashlib
import json
import logging
import random
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.handlers import ingest
from tests.clock import ahead
from tests.conftest import LambdaContext, Resources
from tests.helpers import article, notification, put_article, s3_record, sqs_event

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def fresh_composition_root(resources: Resources) -> Any:
    ingest.ingest_service.cache_clear()
    yield
    ingest.ingest_service.cache_clear()


def deliver(lambda_context: Any, *records: dict[str, Any]) -> None:
    response = ingest.handler(sqs_event(*(notification(r) for r in records)), lambda_context)
    assert response["batchItemFailures"] == []


def upload(resources: Resources, name: str, title: str, **fields: Any) -> dict[str, Any]:
    return put_article(resources.bucket, f"incoming/{name}.json", article(title, **fields))


def served_title(resources: Resources, article_id: str) -> str | None:
    record = DynamoDBFeed(resources.table).get_record(article_id)
    return None if record is None or record.stored.deleted else record.stored.article.title


def reports(resources: Resources) -> dict[str, dict[str, Any]]:
    s3 = boto3.client("s3")
    listing = s3.list_objects_v2(Bucket=resources.bucket, Prefix="rejected/").get("Contents", [])
    return {
        item["Key"]: json.loads(s3.get_object(Bucket=resources.bucket, Key=item["Key"])["Body"].read())
        for item in listing
    }


def s3_current_title(resources: Resources, key: str) -> str:
    return json.loads(boto3.client("s3").get_object(Bucket=resources.bucket, Key=key)["Body"].read())["title"]


@pytest.mark.parametrize("with_sequencer", [True, False], ids=["real S3 events", "moto-shaped events"])
def test_same_second_versions_delivered_in_any_order_serve_what_s3_holds(
    resources: Resources, lambda_context: Any, with_sequencer: bool
) -> None:
    rng = random.Random(7)
    for n in range(10):
        key = f"incoming/same-second-{n}.json"
        records = [put_article(resources.bucket, key, article(f"Version {v} of {n}")) for v in range(3)]
        if not with_sequencer:
            for record in records:
                del record["s3"]["object"]["sequencer"]
                del record["s3"]["object"]["versionId"]
        rng.shuffle(records)
        for record in records:
            deliver(lambda_context, record)
        assert served_title(resources, f"same-second-{n}") == s3_current_title(resources, key) == f"Version 2 of {n}"


def test_a_redelivered_earlier_event_never_brings_back_the_older_version(
    resources: Resources, lambda_context: Any
) -> None:
    first = put_article(resources.bucket, "incoming/r.json", article("First"))
    second = put_article(resources.bucket, "incoming/r.json", article("Second"))
    deliver(lambda_context, second, first, second, first)
    assert served_title(resources, "r") == "Second"
    assert reports(resources) == {}


def test_two_keys_claiming_one_id_the_first_keeps_it_and_the_second_is_told(
    resources: Resources, lambda_context: Any
) -> None:
    deliver(lambda_context, put_article(resources.bucket, "incoming/Foo Bar.json", article("The original")))
    claim = put_article(resources.bucket, "incoming/foo-bar.json", article("The impostor"))
    deliver(lambda_context, claim)
    assert served_title(resources, "foo-bar") == "The original"
    report = reports(resources)["rejected/incoming/foo-bar.json.error.json"]
    assert report["errors"][0]["type"] == "id_taken" and "incoming/Foo Bar.json" in report["errors"][0]["msg"]
    boto3.client("s3").delete_object(Bucket=resources.bucket, Key="incoming/foo-bar.json")
    deliver(lambda_context, s3_record("incoming/foo-bar.json", bucket=resources.bucket, removed=True))
    assert served_title(resources, "foo-bar") == "The original"
    assert reports(resources) == {}


def test_an_id_whose_key_was_deleted_can_be_taken_by_another_key(resources: Resources, lambda_context: Any) -> None:
    deliver(lambda_context, put_article(resources.bucket, "incoming/a.json", article("From a", id="shared")))
    boto3.client("s3").delete_object(Bucket=resources.bucket, Key="incoming/a.json")
    deliver(lambda_context, s3_record("incoming/a.json", bucket=resources.bucket, removed=True))
    deliver(lambda_context, put_article(resources.bucket, "incoming/b.json", article("From b", id="shared")))
    assert served_title(resources, "shared") == "From b"


def test_an_updated_at_in_the_future_is_rejected_so_corrections_still_land(
    resources: Resources, lambda_context: Any
) -> None:
    deliver(
        lambda_context,
        upload(resources, "f", "Locked?", updated_at=ahead(days=3000)),
    )
    assert served_title(resources, "f") is None
    assert reports(resources)["rejected/incoming/f.json.error.json"]["errors"][0]["type"] == "future"
    deliver(lambda_context, put_article(resources.bucket, "incoming/f.json", article("Corrected")))
    assert served_title(resources, "f") == "Corrected"
    assert reports(resources) == {}


def test_a_stale_upload_is_reported_until_a_newer_version_lands(resources: Resources, lambda_context: Any) -> None:
    deliver(lambda_context, upload(resources, "s", "New", updated_at=ahead(minutes=1)))
    deliver(lambda_context, upload(resources, "s", "Old", updated_at=ahead(days=-30)))
    assert served_title(resources, "s") == "New"
    assert reports(resources)["rejected/incoming/s.json.error.json"]["errors"][0]["type"] == "stale"
    deliver(lambda_context, upload(resources, "s", "Newest", updated_at=ahead(minutes=2)))
    assert served_title(resources, "s") == "Newest"
    assert reports(resources) == {}


def test_a_rejection_report_goes_when_the_key_is_fixed_or_deleted(resources: Resources, lambda_context: Any) -> None:
    for name in ("fixed", "deleted"):
        deliver(lambda_context, put_article(resources.bucket, f"incoming/{name}.json", b'{"title": "broken'))
    assert set(reports(resources)) == {f"rejected/incoming/{n}.json.error.json" for n in ("fixed", "deleted")}
    deliver(lambda_context, put_article(resources.bucket, "incoming/fixed.json", article("Fixed")))
    boto3.client("s3").delete_object(Bucket=resources.bucket, Key="incoming/deleted.json")
    deliver(lambda_context, s3_record("incoming/deleted.json", bucket=resources.bucket, removed=True))
    assert reports(resources) == {}


def test_a_first_upload_marked_withdrawn_is_never_known(resources: Resources, lambda_context: Any) -> None:
    deliver(lambda_context, put_article(resources.bucket, "incoming/w.json", article("Never out", status="withdrawn")))
    record = DynamoDBFeed(resources.table).get_record("w")
    assert record is not None and record.stored.status == "withdrawn" and record.stored.article.slug == ""
    assert DynamoDBFeed(resources.table).get_by_slug("never-out") is None
    assert DynamoDBFeed(resources.table).slug_owner("") is None
    deliver(lambda_context, put_article(resources.bucket, "incoming/w.json", article("Now out")))
    assert DynamoDBFeed(resources.table).get_by_slug("now-out") is not None


def test_hundreds_of_unresolved_promo_lines_still_publish(resources: Resources, lambda_context: Any) -> None:
    promos = "\n\n".join(f"WATCH: Story number {n} that nobody wrote" for n in range(150))
    body = f"Mara Quill said the plan was ready.\n\n{promos}\n\nThe Portmere council agreed."
    deliver(lambda_context, put_article(resources.bucket, "incoming/promos.json", article("Promos", body=body)))
    assert served_title(resources, "promos") == "Promos"


def test_a_key_too_long_for_its_report_key_gets_a_hashed_report_naming_it(
    resources: Resources, lambda_context: Any
) -> None:
    key = "incoming/" + "k" * 1005 + ".json"
    deliver(lambda_context, put_article(resources.bucket, key, b"not json"))
    hashed = f"rejected/long-keys/{hashlib.sha256(key.encode()).hexdigest()}.error.json"
    assert reports(resources)[hashed]["key"] == key


@dataclass
class ShortOfTime(LambdaContext):
    remaining_ms: int = 1_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_records_not_reached_in_time_come_back_instead_of_timing_out_the_batch(resources: Resources) -> None:
    records = [put_article(resources.bucket, f"incoming/t{n}.json", article(f"Timely {n}")) for n in range(3)]
    event = sqs_event(*(notification(r) for r in records))
    response = ingest.handler(event, ShortOfTime())
    assert len(response["batchItemFailures"]) == 3
    assert all(served_title(resources, f"t{n}") is None for n in range(3))
    assert ingest.handler(event, ShortOfTime(remaining_ms=30_000))["batchItemFailures"] == []


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_poison_message_is_logged_with_its_receive_count(resources: Resources, lambda_context: Any) -> None:
    event = sqs_event("this is not an S3 notification")
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "4"
    collect = Collect()
    logging.getLogger("pressroom").addHandler(collect)
    try:
        assert len(ingest.handler(event, lambda_context)["batchItemFailures"]) == 1
    finally:
        logging.getLogger("pressroom").removeHandler(collect)
    logged = [r for r in collect.records if getattr(r, "outcome", None) == "poison_message"]
    assert logged and logged[0].receive_count == 4 and logged[0].levelno == logging.ERROR  # type: ignore[attr-defined]


def test_a_redelivered_duplicate_is_skipped_before_any_enrichment_work(
    resources: Resources, lambda_context: Any
) -> None:
    record = put_article(resources.bucket, "incoming/d.json", article("Once", tags=["Rowing"]))
    deliver(lambda_context, record)
    client = boto3.client("dynamodb")
    calls: list[str] = []
    client.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    from pressroom.adapters.s3_source import S3ArticleSource
    from pressroom.events import S3EventRecord
    from pressroom.services import Ingest, Outcome

    service = Ingest(source=S3ArticleSource(resources.bucket), store=DynamoDBFeed(resources.table, client=client))
    assert service.handle(S3EventRecord.model_validate(record)).outcome is Outcome.DUPLICATE
    # the article record, the key's refusal marker (none: its report is not read), its feed entry (the save is
    # complete), then its event outbox and the event's sent marker
    assert calls == ["GetItem", "GetItem", "GetItem", "GetItem", "GetItem"]


def test_a_first_publish_reads_the_upload_once_and_no_report_nor_item_twice(resources: Resources) -> None:
    """The common path's reads (cost model, issue 10 item 8): S3 once (the upload; the key's report only when the
    key's refusal marker says it may name a refused version), and no DynamoDB item twice."""
    from pressroom.adapters.s3_source import S3ArticleSource
    from pressroom.events import S3EventRecord
    from pressroom.services import Ingest, Outcome

    record = put_article(resources.bucket, "incoming/first.json", article("First of its key", tags=["Rowing"]))
    s3, ddb = boto3.client("s3"), boto3.client("dynamodb")
    calls: list[str] = []
    reads: list[str] = []
    s3.meta.events.register("before-call.s3.*", lambda model, **_: calls.append(model.name))
    ddb.meta.events.register(
        "provide-client-params.dynamodb.GetItem", lambda params, **_: reads.append(json.dumps(params["Key"]))
    )
    service = Ingest(
        source=S3ArticleSource(resources.bucket, client=s3), store=DynamoDBFeed(resources.table, client=ddb)
    )
    assert service.handle(S3EventRecord.model_validate(record)).outcome is Outcome.PUBLISHED
    assert [c for c in calls if c != "DeleteObject"] == ["GetObject"]  # DeleteObject: the report cleared, free
    assert len(reads) == len(set(reads)), reads


def test_a_late_event_of_an_oversize_earlier_upload_leaves_no_report(resources: Resources, lambda_context: Any) -> None:
    big = put_article(resources.bucket, "incoming/big.json", b" " * (1024 * 1024 + 1))
    fixed = upload(resources, "big", "Fixed size")
    deliver(lambda_context, fixed)
    deliver(lambda_context, big)
    assert served_title(resources, "big") == "Fixed size"
    assert reports(resources) == {}
