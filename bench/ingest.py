"""Ingest benchmark: enrichment time per article, per-stage time, throughput, and AWS calls / write units per article.

Run: ``python -m bench.ingest``. In-process on moto (``mock_aws``), one worker.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "examples" / "articles"
LABELLED = ROOT / "bench" / "labelled"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _sample_uploads() -> list[tuple[str, bytes]]:
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".json", ".txt"))
    return [(f"incoming/{p.name}", p.read_bytes()) for p in files]


def prose_of_words(words: int, bodies: list[str] | None = None) -> str:
    """About ``words`` words of real-news prose: the first paragraphs of more than 20 words of ``bodies`` (default:
    the labelled set's, in file order) until there are that many."""
    import json

    if bodies is None:
        bodies = [json.loads(p.read_text(encoding="utf-8"))["body"] for p in sorted(LABELLED.glob("*.json"))]
    paragraphs = [para for text in bodies for para in text.split("\n\n") if len(para.split()) > 20]
    body, count = [], 0
    for para in paragraphs:
        body.append(para)
        count += len(para.split())
        if count >= words:
            break
    return "\n\n".join(body)


def _article_of_words(words: int) -> bytes:
    """A synthetic news article of about ``words`` words, built from the labelled set's prose."""
    import json

    data = {"title": "A six-hundred-word article", "body": prose_of_words(words), "published_at": "2026-11-20"}
    return json.dumps(data).encode()


def enrichment_times(repeat: int = 20) -> dict[str, float]:
    """Pure enrichment (parse, clean, tag) per article: median and p95 over the samples, and for a 600-word one."""
    from pressroom.cleaning import clean_body
    from pressroom.parsing import UploadRejected, parse_upload
    from pressroom.tagging import extract_tags

    def enrich(key: str, data: bytes) -> None:
        try:
            upload = parse_upload(data, key)
        except UploadRejected:
            return
        clean = clean_body(upload.body)
        extract_tags(upload.title, clean.text, upload.tags)

    def timed(items: list[tuple[str, bytes]]) -> list[float]:
        times = []
        for _ in range(repeat):
            for key, data in items:
                start = time.perf_counter()
                enrich(key, data)
                times.append((time.perf_counter() - start) * 1000)
        return times

    samples = _sample_uploads()
    timed(samples[:2])  # warm imports and caches
    sample_times = timed(samples)
    long_times = timed([("incoming/six-hundred.json", _article_of_words(600))])
    return {
        "samples": len(samples),
        "sample_median_ms": statistics.median(sample_times),
        "sample_p95_ms": _quantile(sample_times, 0.95),
        "words600_median_ms": statistics.median(long_times),
        "words600_p95_ms": _quantile(long_times, 0.95),
    }


class _Timed:
    """Wraps an object and adds the time spent in each named method to ``totals``."""

    def __init__(self, target: Any, stages: dict[str, str], totals: dict[str, float]) -> None:
        self._target, self._stages, self._totals = target, stages, totals

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        stage = self._stages.get(name)
        if stage is None or not callable(attr):
            return attr

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self._totals[stage] = self._totals.get(stage, 0.0) + time.perf_counter() - start

        return wrapper


def _patch_stage(module: Any, name: str, stage: str, totals: dict[str, float]) -> Callable[[], None]:
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[stage] = totals.get(stage, 0.0) + time.perf_counter() - start

    setattr(module, name, wrapper)
    return lambda: setattr(module, name, original)


def _retitled(data: bytes, n: int) -> bytes:
    """A copy of a sample with its own headline (a feed rarely has ten identical ones; slugs would all clash)."""
    import json

    article = json.loads(data)
    if n:
        article["title"] = f"{article['title']} (part {n + 1})"
    return json.dumps(article).encode()


def ingest_on_moto(copies: int = 10) -> dict[str, Any]:
    """Publish the samples ``copies`` times (as distinct articles) through the ingest use-case on moto."""
    import boto3
    from moto import mock_aws

    from bench.aws_calls import CallCounter, table_peek
    from pressroom import preparing, services
    from pressroom.adapters.dynamodb_feed import DynamoDBFeed
    from pressroom.adapters.s3_source import S3ArticleSource
    from pressroom.events import S3EventRecord
    from tests.moto_speedups import fast_moto_dynamodb
    from tests.template import feed_table_definition

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    samples = _sample_uploads()
    with mock_aws(), fast_moto_dynamodb():
        s3, ddb = boto3.client("s3"), boto3.client("dynamodb")
        s3.create_bucket(Bucket="bench")
        ddb.create_table(TableName="bench", **feed_table_definition())
        events = []
        for n in range(copies):
            for key, data in samples:
                copy_key = key.replace("incoming/", f"incoming/c{n}-")
                data = _retitled(data, n) if copy_key.endswith(".json") else data
                s3.put_object(Bucket="bench", Key=copy_key, Body=data)
                events.append(
                    S3EventRecord.model_validate(
                        {
                            "eventName": "ObjectCreated:Put",
                            "eventTime": "2026-11-25T00:00:00Z",
                            "s3": {"bucket": {"name": "bench"}, "object": {"key": copy_key, "size": len(data)}},
                        }
                    )
                )
        counter = CallCounter(peek=table_peek(ddb))
        totals: dict[str, float] = {}
        store = _Timed(
            DynamoDBFeed("bench", client=counter.attach(boto3.client("dynamodb"))),
            {
                "recent_headlines": "relate",
                "tag_neighbours": "relate",
                "save": "publish",
                "get_record": "publish",
                "pending_promos": "publish",
                "resolve_promos": "publish",
            },
            totals,
        )
        source = S3ArticleSource("bench", client=counter.attach(boto3.client("s3")))
        ingest = services.Ingest(source=source, store=store)  # type: ignore[arg-type]
        restore = [
            _patch_stage(services, "parse_upload", "parse", totals),
            _patch_stage(preparing, "clean_body", "clean", totals),
            _patch_stage(preparing, "extract_tags", "tag", totals),
        ]
        outcomes: dict[str, int] = {}
        start = time.perf_counter()
        try:
            for event in events:
                result = ingest.handle(event)
                outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
        finally:
            for undo in restore:
                undo()
        elapsed = time.perf_counter() - start - counter.peek_seconds
    written = outcomes.get("published", 0) + outcomes.get("draft", 0)
    calls = dict(counter.calls)
    s3_reads = calls.get("s3.GetObject", 0) + calls.get("s3.HeadObject", 0)
    ddb_writes = sum(v for k, v in calls.items() if k.split(".")[1] in ("TransactWriteItems", "PutItem", "UpdateItem"))
    return {
        "articles": len(events),
        "outcomes": outcomes,
        "articles_per_second": len(events) / elapsed,
        "stage_ms_per_article": {k: v * 1000 / len(events) for k, v in sorted(totals.items())},
        "calls_per_article": {k: v / len(events) for k, v in sorted(calls.items())},
        "s3_reads_per_article": s3_reads / len(events),
        "dynamodb_write_calls_per_written_article": ddb_writes / max(written, 1),
        "dynamodb_write_units_per_written_article": counter.write_units / max(written, 1),
        "dynamodb_read_units_per_article": counter.read_units / len(events),
    }


def main() -> dict[str, Any]:
    enrichment = enrichment_times()
    print(
        f"enrichment (parse+clean+tag), {enrichment['samples']} sample articles: "
        f"median {enrichment['sample_median_ms']:.2f} ms, p95 {enrichment['sample_p95_ms']:.2f} ms"
    )
    print(
        f"enrichment, 600-word article: median {enrichment['words600_median_ms']:.2f} ms, "
        f"p95 {enrichment['words600_p95_ms']:.2f} ms (target <= 25 ms)"
    )
    ingest = ingest_on_moto()
    print(
        f"ingest on moto, one worker: {ingest['articles']} uploads, {ingest['articles_per_second']:.1f} articles/s, "
        f"outcomes {ingest['outcomes']}"
    )
    stages = ", ".join(f"{k} {v:.2f} ms" for k, v in ingest["stage_ms_per_article"].items())
    print(f"per-stage time per article: {stages}")
    print(f"S3 reads per article: {ingest['s3_reads_per_article']:.2f} (target <= 1)")
    print(
        f"DynamoDB write calls per published article: {ingest['dynamodb_write_calls_per_written_article']:.2f} "
        f"(target <= 2); write units: {ingest['dynamodb_write_units_per_written_article']:.1f}; "
        f"read units per article: {ingest['dynamodb_read_units_per_article']:.1f}"
    )
    calls = ", ".join(f"{k} {v:.2f}" for k, v in ingest["calls_per_article"].items())
    print(f"AWS calls per article: {calls}")
    return {"enrichment": enrichment, "ingest": ingest}


if __name__ == "__main__":
    main()
