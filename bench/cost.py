"""Cost model: AWS requests and DynamoDB units per published article and per read, priced in US dollars.

Run: ``python -m bench.cost``. The counts are measured, not assumed: per published article from
``bench.ingest.ingest_on_moto(copies=1)`` (botocore events counted by ``bench.aws_calls.CallCounter``: DynamoDB write
units from the size of every item written, transactional writes counted double; read units from the items read) —
one copy of the samples, as further copies share their titles, so their slugs collide and each cancelled transaction
would be counted as a full write — per feed
page and article read from ``bench.api_scale.run()`` (the API handler on a 1,000-article table). The prices are list
prices, in the dated table below; what is assumed is written next to each figure.

Assumptions (worst case for a trickle of uploads, which is what a newsroom sends): every upload is its own SQS
message and its own Lambda invocation (batch of one: SendMessage by S3, ReceiveMessage, DeleteMessageBatch = 3 SQS
requests; full batches of 10 would make Lambda and SQS requests ~10x cheaper); Lambda duration is the measured
in-process time per article or request on moto (moto's own work stands in for network waits), 512 MB, arm64; free
tiers, storage, CloudWatch logs/metrics, X-Ray and data transfer are left out.
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
    s3_put = sum(v for k, v in per_upload.items() if k.startswith("s3.") and k.split(".")[1] in S3_PUT_OPERATIONS)
    s3_get = sum(v for k, v in per_upload.items() if k.startswith("s3.")) - s3_put
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


def model(ingest: dict[str, Any], reads: dict[str, Any], characters: float | None = None) -> dict[str, Any]:
    """The cost figures from measured ingest and read figures."""
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
        out.append(f"{label}: ${usd['total']:,.2f} ({split}); {counts}")
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
    figures = model(ingest, reads)
    for line in lines(figures):
        print(line)
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
