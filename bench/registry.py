"""Tag registry benchmark: what learning tags costs per published article, in DynamoDB units, next to the article's
own write. In-process on moto, one worker: the 60 articles of ``bench/labelled`` published in order (the registry
learns as it goes), then reindexed (every tag known: nothing to write).

Run: ``python -m bench.registry`` (about 15 s). Units are computed from the requests as DynamoDB bills them:
a conditional PutItem of a known-tag item (< 1 KB) is 1 write unit; BatchGetItem is 0.5 read unit per key
(eventually consistent, items < 4 KB); the rules' ``HEAD`` is one consistent GetItem (1 read unit).
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "bench" / "labelled"


class RegistryUnits:
    """Counts the registry adapter's DynamoDB units (its own client) per operation."""

    def __init__(self) -> None:
        self.write_units = 0.0
        self.read_units = 0.0
        self.calls: dict[str, int] = {}

    def attach(self, client: Any) -> Any:
        client.meta.events.register("provide-client-params.dynamodb.*", self._on_params)
        return client

    def _on_params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        from bench.aws_calls import write_units

        self.calls[model.name] = self.calls.get(model.name, 0) + 1
        if model.name == "PutItem":
            self.write_units += write_units(params["Item"], transactional=False)
        elif model.name == "BatchGetItem":
            self.read_units += 0.5 * sum(len(r["Keys"]) for r in params["RequestItems"].values())
        elif model.name == "GetItem":
            self.read_units += 1.0 if params.get("ConsistentRead") else 0.5


def run() -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from bench.aws_calls import CallCounter
    from pressroom.adapters.dynamodb_feed import DynamoDBFeed
    from pressroom.adapters.dynamodb_registry import DynamoDBRegistry
    from pressroom.adapters.s3_source import S3ArticleSource
    from pressroom.events import S3EventRecord, reindex_record
    from pressroom.services import Ingest
    from tests.moto_speedups import fast_moto_dynamodb
    from tests.template import feed_table_definition

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    files = sorted(LABELLED.glob("*.json"))
    with mock_aws(), fast_moto_dynamodb():
        s3, ddb = boto3.client("s3"), boto3.client("dynamodb")
        s3.create_bucket(Bucket="bench")
        ddb.create_table(TableName="bench", **feed_table_definition())
        feed_units, registry_units = CallCounter(), RegistryUnits()
        registry = DynamoDBRegistry("bench", client=registry_units.attach(boto3.client("dynamodb")))
        ingest = Ingest(
            source=S3ArticleSource("bench"),
            store=DynamoDBFeed("bench", client=feed_units.attach(boto3.client("dynamodb"))),
            registry=registry,
        )
        published: list[dict[str, float]] = []
        for n, path in enumerate(files):
            data = json.loads(path.read_text(encoding="utf-8"))
            upload = {"title": data["title"], "body": data["body"], "published_at": f"2020-11-20T09:{n:02d}:00Z"}
            key = f"incoming/{path.name}"
            s3.put_object(Bucket="bench", Key=key, Body=json.dumps(upload).encode())
            before = (registry_units.write_units, registry_units.read_units, feed_units.write_units)
            known_before = sum(1 for _ in registry.known_tags())
            event = {"eventName": "ObjectCreated:Put", "eventTime": "2026-11-25T00:00:00Z",
                     "s3": {"bucket": {"name": "bench"}, "object": {"key": key}}}  # fmt: skip
            ingest.handle(S3EventRecord.model_validate(event))
            record = ingest.store.get_record(path.stem)  # type: ignore[attr-defined]
            published.append(
                {
                    "tags": len(record.stored.article.tags) if record else 0,
                    "new_tags": sum(1 for _ in registry.known_tags()) - known_before,
                    "registry_wcu": registry_units.write_units - before[0],
                    "registry_rcu": registry_units.read_units - before[1],
                    "feed_wcu": feed_units.write_units - before[2],
                }
            )
        reindexed_before = (registry_units.write_units, registry_units.read_units)
        for path in files:
            record = reindex_record("bench", f"incoming/{path.name}", only_stale=False, event_time="2026-11-26T00:00Z")
            ingest.handle(S3EventRecord.model_validate(record))
        reindex_wcu = registry_units.write_units - reindexed_before[0]
        reindex_rcu = registry_units.read_units - reindexed_before[1]
        known = sum(1 for _ in registry.known_tags())
    first, last = published[:10], published[-10:]
    return {
        "articles": len(published),
        "known_tags": known,
        "tags_per_article": statistics.mean(p["tags"] for p in published),
        "registry_wcu_per_article": statistics.mean(p["registry_wcu"] for p in published),
        "registry_wcu_first_10": statistics.mean(p["registry_wcu"] for p in first),
        "registry_wcu_last_10": statistics.mean(p["registry_wcu"] for p in last),
        "registry_rcu_per_article": statistics.mean(p["registry_rcu"] for p in published),
        "feed_wcu_per_article": statistics.mean(p["feed_wcu"] for p in published),
        "new_tags_equal_writes": all(p["new_tags"] == p["registry_wcu"] for p in published),
        "reindex_registry_wcu_per_article": reindex_wcu / len(files),
        "reindex_registry_rcu_per_article": reindex_rcu / len(files),
        "calls": registry_units.calls,
    }


def main() -> dict[str, Any]:
    figures = run()
    print(f"articles published: {figures['articles']} (bench/labelled), tags learned: {figures['known_tags']}")
    print(f"tags per article: {figures['tags_per_article']:.1f}")
    print(
        f"registry write units per article: {figures['registry_wcu_per_article']:.2f} "
        f"(first 10: {figures['registry_wcu_first_10']:.1f}, last 10: {figures['registry_wcu_last_10']:.1f}; "
        f"one per new tag: {figures['new_tags_equal_writes']})"
    )
    print(f"registry read units per article: {figures['registry_rcu_per_article']:.2f}")
    print(f"feed table write units per article (the article's own transaction): {figures['feed_wcu_per_article']:.1f}")
    print(
        f"reindex of every article, all tags known: {figures['reindex_registry_wcu_per_article']:.2f} write units, "
        f"{figures['reindex_registry_rcu_per_article']:.2f} read units per article for the registry"
    )
    print(f"registry calls: {figures['calls']}")
    return figures


if __name__ == "__main__":
    main()
