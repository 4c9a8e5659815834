"""The tag registry end to end on moto, in-process: the ingest handler learns tags into the feed table, an edit saved
as ``pressroom tags`` saves it makes the stored articles stale, ``pressroom reindex --only-stale`` (its fan-out
through the ingest queue) applies it once, through warm handlers that keep the old rules in memory, and ApiFunction's
own composition root redirects the merged tag."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.dynamodb_registry import DynamoDBRegistry
from pressroom.handlers import ingest
from pressroom.ports import tag_index
from pressroom.preparing import ENRICHMENT_VERSION
from pressroom_stack import reindex
from pressroom_stack import tags as registry_tags
from tests.clock import NOW
from tests.conftest import Resources
from tests.helpers import article, notification, put_article, sqs_event
from tests.integration.test_api_dynamodb import call
from tests.integration.test_reindex import drain

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_roots")]
ARTICLES = 12


def test_an_edit_reaches_every_stored_article_through_reindex_once(resources: Resources, lambda_context: Any) -> None:
    for n in range(ARTICLES):
        upload = article(f"Story {n}", tags=["Rowing", "Oars"])
        record = put_article(resources.bucket, f"incoming/r{n:02d}.json", upload)
        ingest.handler(sqs_event(notification(record)), lambda_context)
    feed, editor = DynamoDBFeed(resources.table), DynamoDBRegistry(resources.table)
    assert {"rowing", "oars", "portmere"} <= {t.slug for t in editor.known_tags()}
    assert len(feed.list_index(tag_index("oars"), limit=50, after=None, now=NOW).items) == ARTICLES

    merged = registry_tags.merge(editor, ["Oars"], "rowing")
    blocked = registry_tags.block(editor, "Portmere")
    assert merged.changed and blocked.version == 2

    queue = boto3.client("sqs").create_queue(QueueName="ingest")["QueueUrl"]
    keys = list(reindex.keys(boto3.client("s3"), resources.bucket))
    reindex.enqueue(boto3.client("sqs"), queue, resources.bucket, keys, only_stale=True)
    assert drain(queue, lambda_context) == []
    records = [feed.get_record(f"r{n:02d}") for n in range(ARTICLES)]
    assert all(r and r.enrichment == f"{ENRICHMENT_VERSION}+tags2" for r in records)
    for record in records:
        assert record is not None
        tags = {t.slug: t for t in record.stored.article.tags}
        assert "oars" not in tags and "portmere" not in tags and tags["rowing"].provenance == "editorial"
    assert feed.list_index(tag_index("oars"), limit=50, after=None, now=NOW).items == []
    assert len(feed.list_index(tag_index("rowing"), limit=50, after=None, now=NOW).items) == ARTICLES

    revs = [r.rev for r in records if r]
    reindex.enqueue(boto3.client("sqs"), queue, resources.bucket, keys, only_stale=True)
    assert drain(queue, lambda_context) == []
    assert [r.rev for n in range(ARTICLES) if (r := feed.get_record(f"r{n:02d}"))] == revs


def test_the_api_redirects_a_merged_tag_from_its_own_composition_root(
    resources: Resources, lambda_context: Any
) -> None:
    record = put_article(resources.bucket, "incoming/one.json", article("Story", tags=["Oars"]))
    ingest.handler(sqs_event(notification(record)), lambda_context)
    assert call(lambda_context, "/tags/oars/articles")[0] == 200
    registry_tags.merge(DynamoDBRegistry(resources.table), ["Oars"], "portmere")
    status, headers, _ = call(lambda_context, "/tags/oars/feed.xml")
    assert (status, headers["Location"]) == (
        301,
        "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev/tags/portmere/feed.xml",
    )
    status, _, body = call(lambda_context, "/articles", query={"tag": "oars"})
    assert status == 200 and [item["id"] for item in json.loads(body)["items"]] == ["one"]
