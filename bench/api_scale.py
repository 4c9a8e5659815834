"""Read API scale benchmark: handler latency for a feed page and an article at 1,000 / 10,000 / 100,000 published
articles, the 100k/1k ratio, and DynamoDB read units per request.

Run: ``python -m bench.api_scale [--sizes 1000,10000,100000] [--requests 200]``. In-process on moto (``mock_aws``):
the table comes from template.yaml; articles are written with BatchWriteItem in the feed adapter's key format
(``ART#<id>``/``ARTICLE`` with the zlib document, ``SLUG#<slug>``, and the ``FEED`` index entry with the compressed
summary, built by the adapter's ``article_item`` and ``entry_item``),
which is what the ingest pipeline writes for a published article, only much faster than publishing one by one.
Each request goes through ``pressroom.handlers.api.handler`` with a real REST proxy event (Powertools decorators
included; their stdout is discarded).

Read units are computed from the items each call returns (4 KB units, eventually consistent = half price), as
moto does not report ``ConsumedCapacity`` for the adapter's calls; they are the same on real DynamoDB.
Latency on moto includes moto's own work: moto's Query walks (and sorts) the whole partition it queries (the whole
table without ``tests.moto_speedups.fast_moto_dynamodb``, which this bench uses), so its cost grows with the feed,
which real DynamoDB's does not (a Query reads only the page it returns). So the bench reports both the total and the
handler's *own* time (total minus the time spent inside DynamoDB calls): the own time and the read units are what
scale with the code; the total on moto is an upper bound. Feed pages at 100,000 use fewer requests (moto is slow).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

TABLE = "pressroom-feed-bench"
START = datetime(2020, 1, 1, tzinfo=UTC)


def _env() -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "pressroom",
        "POWERTOOLS_METRICS_NAMESPACE": "Pressroom",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "TABLE_NAME": TABLE,
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _article(n: int, tags: list[Any] | None = None) -> Any:
    from pressroom.models import Article, Tag

    published = START + timedelta(minutes=n)
    return Article(
        id=f"bench-{n:06d}",
        slug=f"bench-article-number-{n}",
        title=f"Harbour lights festival returns to Portmere, part {n}",
        summary="The festival returns this weekend with boats, lanterns and a night market along the quay.",
        body="<p>" + " ".join(["The festival returns this weekend with boats and lanterns."] * 60) + "</p>",
        published_at=published,
        updated_at=published,
        author=["Ada Byron"],
        section="entertainment",
        word_count=600,
        reading_time_minutes=3,
        tags=tags
        if tags is not None
        else [
            Tag(name="Portmere", slug="portmere", kind="place", score=0.9),
            Tag(name="Harbour Lights Festival", slug="harbour-lights-festival", kind="event", score=0.8),
            Tag(name="Mara Quill", slug="mara-quill", kind="person", score=0.6),
        ],
    )


def _items(n: int, tags: list[Any] | None = None) -> list[dict[str, Any]]:
    """The items a published article occupies that the read routes touch, built by the feed adapter's own item
    functions. With ``tags``, the article carries those tags and gets its ``TAG#<slug>`` index entries too (as
    ingest writes them)."""
    from pressroom.adapters.dynamodb_feed import article_item, entry_item
    from pressroom.ports import ArticleWrite

    article = _article(n, tags)
    indexes = ("FEED", *(f"TAG#{tag.slug}" for tag in tags or []))
    write = ArticleWrite(
        article=article,
        status="published",
        version=article.updated_at.isoformat(),
        source_key=f"incoming/{article.id}.json",
        expected_rev=None,
        index=indexes,
    )
    return [
        article_item(write, rev=1),
        {"pk": {"S": f"SLUG#{article.slug}"}, "sk": {"S": "SLUG"}, "article_id": {"S": article.id}},
        *(entry_item(article, name, rev=1) for name in indexes),
    ]


def _load(client: Any, start: int, stop: int, items: Callable[[int], list[dict[str, Any]]] | None = None) -> None:
    batch: list[dict[str, Any]] = []
    for n in range(start, stop):
        batch.extend({"PutRequest": {"Item": item}} for item in (items or _items)(n))
        while len(batch) >= 25:
            _write(client, batch[:25])
            batch = batch[25:]
    if batch:
        _write(client, batch)


def _write(client: Any, requests: list[dict[str, Any]]) -> None:
    pending = {TABLE: requests}
    while pending:
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


class _ReadMeter:
    """DynamoDB calls and read units of the requests in flight, from what the calls return."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.units = 0.0
        self.seconds = 0.0
        self._started = 0.0

    def attach(self) -> None:
        import boto3

        session = boto3.DEFAULT_SESSION or boto3.setup_default_session() or boto3.DEFAULT_SESSION
        assert session is not None
        session.events.register("before-call.dynamodb.*", self._on_request)
        session.events.register("after-call.dynamodb.*", self._on_response)

    def _on_request(self, **_: Any) -> None:
        self._started = time.perf_counter()

    def _on_response(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        from bench.aws_calls import item_size, read_units

        self.seconds += time.perf_counter() - self._started
        if model.name not in ("GetItem", "Query", "BatchGetItem"):
            return
        self.calls.append(model.name)
        if model.name == "GetItem":
            self.units += read_units(item_size(parsed.get("Item", {})), consistent=False)
        elif model.name == "Query":
            self.units += read_units(sum(item_size(i) for i in parsed.get("Items", [])), consistent=False)
        else:
            for items in parsed.get("Responses", {}).values():
                self.units += sum(read_units(item_size(i), consistent=False) for i in items)

    def reset(self) -> None:
        self.calls, self.units, self.seconds = [], 0.0, 0.0


def _measure(requests: int, page_requests: int, size: int, meter: _ReadMeter) -> dict[str, Any]:
    from pressroom.handlers import api
    from tests.conftest import LambdaContext
    from tests.fakes_api import rest_event

    context = LambdaContext()
    page_event = rest_event("GET", "/articles", query={"limit": "20"})
    with contextlib.redirect_stdout(io.StringIO()):
        first = json.loads(api.handler(page_event, context)["body"])
    assert len(first["items"]) == 20 and first["next_cursor"], "the feed page is not full"
    deep_event = rest_event("GET", "/articles", query={"limit": "20", "cursor": first["next_cursor"]})
    slugs = [f"bench-article-number-{n}" for n in range(0, size, max(1, size // 50))]

    def timed(events: list[dict[str, Any]], count: int) -> tuple[list[float], list[float], float, list[str]]:
        times: list[float] = []
        own: list[float] = []
        meter.reset()
        with contextlib.redirect_stdout(io.StringIO()):
            for i in range(count):
                event = events[i % len(events)]
                before = meter.seconds
                t0 = time.perf_counter()
                response = api.handler(event, context)
                elapsed = time.perf_counter() - t0
                times.append(elapsed * 1000)
                own.append((elapsed - (meter.seconds - before)) * 1000)
                assert response["statusCode"] == 200, response["body"]
        return times, own, meter.units / count, meter.calls[: len(meter.calls) // count]

    figures: dict[str, Any] = {"articles": size}
    cases = {
        "feed_page": [page_event],
        "feed_page_2": [deep_event],
        "article": [rest_event("GET", f"/articles/{slug}") for slug in slugs],
    }
    for name, events in cases.items():
        count = requests if name == "article" else page_requests
        times, own, units, calls = timed(events, count)
        figures[name] = {
            "requests": count,
            "median_ms": round(statistics.median(times), 2),
            "p99_ms": round(_quantile(times, 0.99), 2),
            "own_median_ms": round(statistics.median(own), 2),
            "own_p99_ms": round(_quantile(own, 0.99), 2),
            "read_units": round(units, 2),
            "calls": calls,
        }
    return figures


def run(
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000), requests: int = 200, page_requests: int | None = None
) -> dict[str, Any]:
    """Load the table up to each size in turn and measure; returns the figures and the 100k/1k ratios.

    ``page_requests`` is the number of feed page requests per size (default: ``requests`` up to 10,000 articles,
    a tenth of it above). moto runs with ``tests.moto_speedups.fast_moto_dynamodb`` (a Query looks at its own
    partition only, as DynamoDB's does), without which 100,000 articles take a quarter of an hour."""
    _env()
    import boto3
    from moto import mock_aws

    from tests.moto_speedups import fast_moto_dynamodb
    from tests.template import feed_table_definition

    results: list[dict[str, Any]] = []
    with mock_aws(), fast_moto_dynamodb():
        from pressroom.handlers import api

        api.default_root.cache_clear()
        client = boto3.client("dynamodb")
        client.create_table(TableName=TABLE, **feed_table_definition())
        meter = _ReadMeter()
        meter.attach()
        loaded = 0
        for size in sorted(sizes):
            t0 = time.perf_counter()
            _load(client, loaded, size)
            load_seconds = time.perf_counter() - t0
            loaded = size
            pages = page_requests or (requests if size <= 10_000 else max(10, requests // 10))
            figures = _measure(requests, pages, size, meter)
            figures["load_seconds"] = round(load_seconds, 1)
            results.append(figures)
            print(_line(figures), flush=True)
        api.default_root.cache_clear()
    ratios: dict[str, float] = {}
    if len(results) > 1:
        small, large = results[0], results[-1]
        for name in ("feed_page", "feed_page_2", "article"):
            ratios[name] = round(large[name]["median_ms"] / small[name]["median_ms"], 2)
            ratios[f"{name}_own"] = round(large[name]["own_median_ms"] / small[name]["own_median_ms"], 2)
    return {"results": results, "ratio_largest_to_smallest_median": ratios}


def _line(f: dict[str, Any]) -> str:
    parts = [f"{f['articles']:>7,} articles (loaded in {f['load_seconds']}s):"]
    for name in ("feed_page", "feed_page_2", "article"):
        c = f[name]
        parts.append(
            f"{name} x{c['requests']}: median {c['median_ms']} ms p99 {c['p99_ms']} ms "
            f"(own code {c['own_median_ms']}/{c['own_p99_ms']} ms), {c['read_units']} RCU ({'+'.join(c['calls'])})"
        )
    return " | ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    figures = run(sizes, args.requests)
    print(f"ratio {sizes[-1]:,}/{sizes[0]:,} (median):", figures["ratio_largest_to_smallest_median"])
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
