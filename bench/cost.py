"""Cost model: AWS requests and DynamoDB units per published article and per read, priced in US dollars.

Run: ``python -m bench.cost``. The counts are measured, not assumed: per published article from
``bench.ingest.ingest_on_moto(copies=1)`` (botocore events counted by ``bench.aws_calls.CallCounter``: DynamoDB write
units billed as DynamoDB bills them, from the size of each item before and after the write, by
``bench.aws_calls.write_units``, as moto's ``ConsumedCapacity`` is a constant per call; read units from the items
read) — the samples once, in order, so their promos resolve later samples and the rewrites of earlier articles count
— with ``article_write_units()`` for the typical (median) sample and a large article; per feed page and article
read from ``bench.api_scale.run()`` (the API handler on a 1,000-article table). The prices are list prices, in the
dated table of ``pressroom_stack.prices``; what is assumed is written next to each figure.

Assumptions (worst case for a trickle of uploads, which is what a newsroom sends): every upload is its own SQS
message and its own Lambda invocation (batch of one: SendMessage by S3, ReceiveMessage, DeleteMessageBatch = 3 SQS
requests; full batches of 10 would make Lambda and SQS requests ~10x cheaper); Lambda duration is the measured
in-process time per article or request on moto (moto's own work stands in for network waits; the bench's own
item-size lookups are left out), 512 MB, arm64; S3 DELETE requests are free (S3 pricing); free tiers, storage,
CloudWatch logs/metrics, X-Ray and data transfer are left out.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from pressroom_stack.prices import (
    LAMBDA_MEMORY_MB,
    PRICES,
    PRICES_TAKEN,
    Usage,
    dollars,
)

SQS_REQUESTS_PER_UPLOAD = 3  # S3's SendMessage, the poller's ReceiveMessage, DeleteMessageBatch (batch of one)
S3_PUT_OPERATIONS = ("PutObject", "CopyObject", "ListObjects", "ListObjectsV2", "ListObjectVersions")
S3_FREE_OPERATIONS = ("DeleteObject", "DeleteObjects")  # S3 pricing: DELETE and CANCEL requests are free
MAX_WRITE_UNITS = 20  # per published article, on the samples (issue 10 item 8)
MAX_USD_PER_MILLION = 20.0  # per million published articles, the whole cost model (issue 10 item 8)
INDEX_PREFIXES = ("FEED", "TAG#", "SECTION#", "AUTHOR#")


def per_million(usage: Usage, prices: dict[str, float] = PRICES) -> dict[str, float]:
    return {service: amount * 1e6 for service, amount in dollars(usage, prices).items()}


def comprehend_units(characters: int) -> int:
    """Billed units of one DetectEntities request: 100 characters a unit, at least 3."""
    return max(3, math.ceil(characters / 100))


def comprehend_dollars(characters: int, prices: dict[str, float] = PRICES) -> float:
    return comprehend_units(characters) * prices["comprehend_unit"]


def ingest_usage(ingest: dict[str, Any]) -> Usage:
    """Usage per *published* article from ``bench.ingest.ingest_on_moto()`` figures (which are per upload, except
    the write units, which are per written article)."""
    uploads = ingest["articles"]
    written = sum(n for outcome, n in ingest["outcomes"].items() if outcome in ("published", "draft")) or 1
    per_upload = ingest["calls_per_article"]
    s3 = {k.split(".")[1]: v for k, v in per_upload.items() if k.startswith("s3.")}
    s3_put = sum(v for k, v in s3.items() if k in S3_PUT_OPERATIONS)
    s3_get = sum(v for k, v in s3.items() if k not in S3_PUT_OPERATIONS + S3_FREE_OPERATIONS)
    scale = uploads / written
    return Usage(
        lambda_invocations=1.0 * scale,
        lambda_ms=1000 / ingest["articles_per_second"],
        dynamodb_wru=ingest["dynamodb_write_units_per_written_article"],
        dynamodb_rru=ingest["dynamodb_read_units_per_article"] * scale,
        s3_get=s3_get * scale,
        s3_put=(s3_put + 1) * scale,  # + the editor's upload
        sqs_requests=SQS_REQUESTS_PER_UPLOAD * scale,
    )


def read_usage(case: dict[str, Any]) -> Usage:
    """Usage of one API request from a ``bench.api_scale`` case (``feed_page``, ``article`` …)."""
    return Usage(lambda_invocations=1, lambda_ms=case["median_ms"], dynamodb_rru=case["read_units"], apigw_requests=1)


def average_characters() -> float:
    """Average characters a tagger reads per sample article (title + cleaned body text)."""
    from bench.ingest import _sample_uploads
    from pressroom.cleaning import clean_body
    from pressroom.parsing import UploadRejected, parse_upload

    lengths = []
    for key, data in _sample_uploads():
        try:
            upload = parse_upload(data, key)
        except UploadRejected:
            continue
        lengths.append(len(upload.title) + 1 + len(clean_body(upload.body).text))
    return sum(lengths) / len(lengths)


def large_upload() -> tuple[str, bytes]:
    """A large article: about 2,000 words of the labelled set's prose, a 120-character title, a 300-character
    summary, three authors, a section, six editorial tags (twelve after extraction, the most an article keeps), five
    links and an image."""
    from bench.ingest import prose_of_words

    upload = {
        "title": "Portmere council and Brightwell Foods agree harbour redevelopment after a year of talks with unions"[
            :120
        ],
        "summary": ("The council and the company signed the plan on Thursday. " * 6)[:300].strip(),
        "body": prose_of_words(2_000),
        "published_at": "2026-11-20T08:00:00Z",
        "author": ["Ada Byron", "Mara Quill", "Tom Reyes"],
        "section": "Local News",
        "tags": ["Harbour redevelopment", "Portmere council", "Brightwell Foods", "Unions", "Jobs", "Planning"],
        "links": [{"title": f"Background {n}", "url": f"https://news.example.com/background-{n}"} for n in range(5)],
        "image": {"url": "https://news.example.com/images/harbour-redevelopment-signing.jpg", "alt": "The signing"},
    }
    return "incoming/large-harbour-redevelopment.json", json.dumps(upload).encode()


def article_write_units() -> dict[str, Any]:
    """DynamoDB write units of publishing each sample once, in order (with what its publication writes to earlier
    articles, e.g. resolved promos), then the large article, on moto; units as ``bench.aws_calls.write_units``
    bills them (item sizes before and after each write)."""
    import os
    import statistics

    import boto3
    from moto import mock_aws

    from bench.aws_calls import CallCounter, item_size, table_peek
    from bench.ingest import _sample_uploads
    from pressroom.adapters.dynamodb_feed import DynamoDBFeed
    from pressroom.adapters.s3_source import S3ArticleSource
    from pressroom.events import S3EventRecord
    from pressroom.services import Ingest
    from tests.template import feed_table_definition

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    units: dict[str, int] = {}
    with mock_aws():
        s3, ddb = boto3.client("s3"), boto3.client("dynamodb")
        s3.create_bucket(Bucket="bench")
        ddb.create_table(TableName="bench", **feed_table_definition())
        counter = CallCounter(peek=table_peek(ddb))
        ingest = Ingest(
            source=S3ArticleSource("bench"),
            store=DynamoDBFeed("bench", client=counter.attach(boto3.client("dynamodb"))),
        )
        for key, data in [*_sample_uploads(), large_upload()]:
            s3.put_object(Bucket="bench", Key=key, Body=data)
            record = {"eventName": "ObjectCreated:Put", "eventTime": "2026-11-25T00:00:00Z"}
            record["s3"] = {"bucket": {"name": "bench"}, "object": {"key": key, "size": len(data)}}
            before = counter.write_units
            if ingest.handle(S3EventRecord.model_validate(record)).outcome.value == "published":
                units[key.removeprefix("incoming/")] = counter.write_units - before
        items = [item for page in ddb.get_paginator("scan").paginate(TableName="bench") for item in page["Items"]]
        entries = [item_size(i) for i in items if i["pk"]["S"].startswith(INDEX_PREFIXES) and "gone" not in i]
        article_items = {
            i["source_key"]["S"].removeprefix("incoming/"): item_size(i)
            for i in items
            if "doc" in i and i["sk"]["S"] == "ARTICLE"
        }
    large_key = "large-harbour-redevelopment.json"
    large = units.pop(large_key)
    typical = statistics.median_low(units.values())
    typical_key = next(k for k, v in units.items() if v == typical)
    return {
        "published_samples": units,
        "typical": {"article": typical_key, "write_units": typical},
        "large": {"article": "large-harbour-redevelopment.json", "write_units": large},
        "largest_index_entry_bytes": max(entries),
        "article_item_bytes": {"typical": article_items[typical_key], "large": article_items[large_key]},
    }


def model(
    ingest: dict[str, Any],
    reads: dict[str, Any],
    characters: float | None = None,
    articles: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The cost figures from measured ingest and read figures (and ``article_write_units()``, when given)."""
    chars = average_characters() if characters is None else characters
    publish = ingest_usage(ingest)
    tag_ms = ingest["stage_ms_per_article"].get("tag", 0.0)
    own_tagging_dollars = tag_ms / 1000 * LAMBDA_MEMORY_MB / 1024 * PRICES["lambda_gb_second"]
    feed, article = read_usage(reads["feed_page"]), read_usage(reads["article"])
    return {
        "prices_taken": PRICES_TAKEN,
        "per_published_article": {"usage": asdict(publish), "per_million_usd": per_million(publish)},
        "per_feed_page": {"usage": asdict(feed), "per_million_usd": per_million(feed)},
        "per_article_read": {"usage": asdict(article), "per_million_usd": per_million(article)},
        "tagging": {
            "average_characters": round(chars),
            "comprehend_units_per_article": comprehend_units(round(chars)),
            "comprehend_per_million_usd": comprehend_dollars(round(chars)) * 1e6,
            "own_tagger_ms_per_article": round(tag_ms, 2),
            "own_tagger_per_million_usd": own_tagging_dollars * 1e6,
        },
        **({"write_units_per_article": articles} if articles else {}),
    }


def lines(figures: dict[str, Any]) -> list[str]:
    out = []
    for key, label in (
        ("per_published_article", "1 million published articles"),
        ("per_feed_page", "1 million feed pages (GET /articles, uncached)"),
        ("per_article_read", "1 million article reads (GET /articles/{slug}, uncached)"),
    ):
        usage, usd = figures[key]["usage"], figures[key]["per_million_usd"]
        counts = (
            f"each: {usage['dynamodb_wru']:.1f} WRU, {usage['dynamodb_rru']:.2f} RRU, "
            f"{usage['s3_get']:.2f} S3 GET, {usage['s3_put']:.2f} S3 PUT, {usage['sqs_requests']:.2f} SQS, "
            f"{usage['apigw_requests']:.0f} API GW, "
            f"{usage['lambda_invocations']:.2f} Lambda x {usage['lambda_ms']:.0f} ms"
        )
        split = ", ".join(f"{k} ${v:,.2f}" for k, v in usd.items() if k != "total")
        target = ""
        if key == "per_published_article":
            verdict = "meets" if usd["total"] <= MAX_USD_PER_MILLION else "misses"
            target = f" (target <= ${MAX_USD_PER_MILLION:,.0f}: {verdict})"
        out.append(f"{label}: ${usd['total']:,.2f}{target} ({split}); {counts}")
    if "write_units_per_article" in figures:
        w = figures["write_units_per_article"]
        average = figures["per_published_article"]["usage"]["dynamodb_wru"]
        out.append(
            f"DynamoDB write units per published article: {average:.1f} on average over the samples (target <= "
            f"{MAX_WRITE_UNITS}); typical {w['typical']['article']} {w['typical']['write_units']}, large "
            f"({w['large']['article']}: 2,000 words, 12 tags, 3 authors) {w['large']['write_units']}; largest "
            f"index entry {w['largest_index_entry_bytes']:,} bytes (one unit up to 1,024); article item "
            f"{w['article_item_bytes']['typical']:,} bytes typical, {w['article_item_bytes']['large']:,} large (a unit "
            "per started 1,024)"
        )
    t = figures["tagging"]
    out.append(
        f"tagging 1 million articles (avg {t['average_characters']:,} characters): Amazon Comprehend DetectEntities "
        f"${t['comprehend_per_million_usd']:,.2f} ({t['comprehend_units_per_article']} units each) vs Pressroom's "
        f"tagger ${t['own_tagger_per_million_usd']:,.2f} of Lambda time ({t['own_tagger_ms_per_article']} ms each)"
    )
    return out


def main() -> dict[str, Any]:
    from bench import api_scale
    from bench.ingest import ingest_on_moto
    from tests.moto_speedups import fast_moto_dynamodb

    with fast_moto_dynamodb():
        ingest = ingest_on_moto(copies=1)
    reads = api_scale.run((1_000,), requests=50)["results"][0]
    figures = model(ingest, reads, articles=article_write_units())
    for line in lines(figures):
        print(line)
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
