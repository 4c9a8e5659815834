"""The real design against the naive one, on the same table in the same run: a feed page and related links.

Run: ``python -m bench.naive [--sizes 1000,10000] [--requests 50] [--naive-requests 3]``. In-process on moto with
``tests.moto_speedups.fast_moto_dynamodb``. The table holds, per article, what the read routes and related links use
in the adapter's format (``bench.api_scale._items``): the article, its slug, its feed entry and its three tag entries
(a place out of 12, a topic out of 40, a person out of 997, so tags range from common to rare).

- **Feed page** (newest 20). Real: one Query of the ``FEED`` partition (``DynamoDBFeed.list_index``). Naive: Scan
  the whole table (``pk = FEED`` as a filter), drop scheduled entries, sort by time, take 20.
- **Related links** of a new article with three tags. Real: ``DynamoDBFeed.tag_neighbours`` per tag (a Query of the
  newest 50) and ``pressroom.relating.rank_related``. Naive: Scan every feed entry, read each article's tags and
  score every article against the new one with the same rarity weighting (here with the exact document frequency).

Read units: Query from the items returned (``bench.aws_calls.CallCounter``); Scan from the size of every item
scanned (DynamoDB charges a Scan for what it reads, filter or not: 4 KB units per 1 MB page, eventually consistent
at half price), summed from the items loaded. Scan code lives here only: the functions never Scan.

moto's Scan sorts the whole table again for every 1 MB page and walks it from the start to the page's start key, so
a full Scan costs pages x table on moto (quadratic); DynamoDB's is linear. For the naive requests this bench sorts once
and finds each page's start by bisection (``_linear_moto_scan``; results, pages, filters and projections unchanged).
moto also serialises each returned item slowly, so latencies on moto overstate both designs; read units are the
hardware-independent figure.
"""

from __future__ import annotations

import argparse
import bisect
import copy
import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any

from bench import api_scale

PLACES = [
    "Portmere",
    "Fennick",
    "Saltmarsh",
    "Brightwell",
    "Kestrel Bay",
    "Harrow Cross",
    "Lanternfish Quay",
    "Northgate",
    "Mayfield",
    "Glass Orchard",
    "Blue Anchor",
    "Old Ferry",
]
TOPICS = [f"Topic {n}" for n in range(40)]
PEOPLE = 997
PAGE_BYTES = 1024 * 1024
NAIVE_SIZE_LIMIT = 10_000  # above this, a naive request takes minutes on moto: read units are computed, not run


def tags_of(n: int) -> list[Any]:
    from pressroom.models import Tag
    from pressroom.text import slugify

    names = [
        (PLACES[n % len(PLACES)], "place", 0.9),
        (TOPICS[(n // 3) % len(TOPICS)], "topic", 0.5),
        (f"Person {n % PEOPLE}", "person", 0.7),
    ]
    return [Tag(name=name, slug=slugify(name), kind=kind, score=score) for name, kind, score in names]


def scan_read_units(table_bytes: int) -> float:
    """Read units of a full Scan (eventually consistent) of a table of ``table_bytes``: per 1 MB page, 4 KB units."""
    from bench.aws_calls import read_units

    full, rest = divmod(table_bytes, PAGE_BYTES)
    return full * read_units(PAGE_BYTES, consistent=False) + (read_units(rest, consistent=False) if rest else 0.0)


class _SizedItems:
    """``bench.api_scale._items`` with tags, adding up the bytes of every item it makes."""

    def __init__(self) -> None:
        self.bytes = 0

    def __call__(self, n: int) -> list[dict[str, Any]]:
        from bench.aws_calls import item_size

        items = api_scale._items(n, tags_of(n))
        self.bytes += sum(item_size(item) for item in items)
        return items


@contextmanager
def _linear_moto_scan() -> Iterator[None]:
    """moto's ``Table.scan`` for a plain (no index, no segment) Scan of an unchanging table, with the table sorted once
    and each page's start found by bisection instead of re-sorting and walking the table per page."""
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    original = table_module.Table.scan
    orders: dict[int, tuple[list[tuple[str, str]], list[Any]]] = {}

    def scan(
        self: Any,
        filters: dict[str, Any],
        limit: int,
        exclusive_start_key: Any,
        filter_expression: Any = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        projection_expression: Any = None,
        segments: Any = (None, None),
    ) -> Any:
        if index_name or segments != (None, None) or filters or not self.range_key_attr:
            return original(
                self,
                filters,
                limit,
                exclusive_start_key,
                filter_expression,
                index_name,
                consistent_read,
                projection_expression,
                segments,
            )
        if id(self) not in orders:
            items = self.all_items()  # sorted by (hash key, range key), as moto pages them
            orders[id(self)] = ([(i.hash_key.value, i.range_key.value) for i in items], items)
        keys, items = orders[id(self)]
        start = 0
        if exclusive_start_key:
            start_key = (exclusive_start_key[self.hash_key_attr]["S"], exclusive_start_key[self.range_key_attr]["S"])
            start = bisect.bisect_right(keys, start_key)
        results: list[Any] = []
        result_size = scanned = 0
        last_key = None
        for item in items[start:]:
            if len(results) == limit or result_size + item.size() > RESULT_SIZE_LIMIT:
                last_key = self._get_last_evaluated_key(results[-1], None)
                break
            results.append(copy.deepcopy(item))
            result_size += item.size()
            scanned += 1
        if filter_expression is not None:
            results = [item for item in results if filter_expression.expr(item)]
        if projection_expression:
            results = [r.project(projection_expression) for r in results]
        return results, scanned, last_key

    table_module.Table.scan = scan  # type: ignore[method-assign]
    try:
        yield
    finally:
        table_module.Table.scan = original  # type: ignore[method-assign]


def _scan(client: Any, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    request = {"TableName": api_scale.TABLE, **kwargs}
    while True:
        response = client.scan(**request)
        items.extend(response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def naive_feed_page(client: Any, now: datetime, limit: int = 20) -> list[Any]:
    from pressroom.adapters.dynamodb_feed import decode_summary, now_bound

    entries = _scan(
        client,
        FilterExpression="pk = :feed",
        ProjectionExpression="sk, doc",
        ExpressionAttributeValues={":feed": {"S": "FEED"}},
    )
    upper = now_bound(now)
    visible = sorted((e for e in entries if e["sk"]["S"] < upper), key=lambda e: e["sk"]["S"], reverse=True)
    return [decode_summary(e["doc"]["B"]) for e in visible[:limit]]


def naive_related(client: Any, article_id: str, tags: list[Any], now: datetime, limit: int = 3) -> list[str]:
    """Compare ``tags`` with every article's: shared tags count ``weight / log2(2 + df)``, newer wins ties."""
    from pressroom.adapters.dynamodb_feed import decode_summary, now_bound

    entries = _scan(
        client,
        FilterExpression="pk = :feed",
        ProjectionExpression="sk, doc",
        ExpressionAttributeValues={":feed": {"S": "FEED"}},
    )
    upper = now_bound(now)
    articles = [
        (e["sk"]["S"].split("#", 1)[1], e["sk"]["S"], {t.slug for t in decode_summary(e["doc"]["B"]).tags})
        for e in entries
        if e["sk"]["S"] < upper
    ]
    df: dict[str, int] = {}
    for _id, _sk, slugs in articles:
        for slug in slugs:
            df[slug] = df.get(slug, 0) + 1
    top = max(t.score for t in tags) or 1.0
    weights = {t.slug: (0.5 + t.score / top) / math.log2(2 + df.get(t.slug, 0)) for t in tags}
    scored = [
        (sum(weights[s] for s in slugs if s in weights), sk, other)
        for other, sk, slugs in articles
        if other != article_id and slugs & weights.keys()
    ]
    scored.sort(reverse=True)
    return [other for _score, _sk, other in scored[:limit]]


def real_feed_page(feed: Any, now: datetime, limit: int = 20) -> list[Any]:
    return feed.list_index("FEED", limit=limit, after=None, now=now).items


def real_related(feed: Any, article_id: str, tags: list[Any], now: datetime, limit: int = 3) -> list[str]:
    from pressroom.relating import rank_related
    from pressroom.services import NEIGHBOUR_DEPTH

    top = max(t.score for t in tags) or 1.0
    neighbours = {t.slug: feed.tag_neighbours(t.slug, limit=NEIGHBOUR_DEPTH, now=now) for t in tags}
    weights = {t.slug: 0.5 + t.score / top for t in tags}
    return [hit.article_id for hit in rank_related(article_id, neighbours, weights=weights, limit=limit)]


def _timed(call: Callable[[], Any], count: int, counter: Any) -> dict[str, Any]:
    counter.reset()
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "requests": count,
        "median_ms": round(statistics.median(times), 2),
        "read_units": round(counter.read_units / count, 2),
        "calls": {k: round(v / count, 2) for k, v in counter.calls.items()},
    }


def run(sizes: tuple[int, ...] = (1_000, 10_000), requests: int = 50, naive_requests: int = 3) -> dict[str, Any]:
    """Load the table up to each size in turn; time the real and the naive reads on it. Sizes above
    ``NAIVE_SIZE_LIMIT`` are loaded and measured for the real design only; the naive read units there are computed
    from the item sizes (the Scan is not run)."""
    api_scale._env()
    import boto3
    from moto import mock_aws

    from bench.aws_calls import CallCounter
    from pressroom.adapters.dynamodb_feed import DynamoDBFeed
    from tests.moto_speedups import fast_moto_dynamodb
    from tests.template import feed_table_definition

    results: list[dict[str, Any]] = []
    with mock_aws(), fast_moto_dynamodb():
        client = boto3.client("dynamodb")
        client.create_table(TableName=api_scale.TABLE, **feed_table_definition())
        counter = CallCounter()
        counter.attach(client)
        feed = DynamoDBFeed(api_scale.TABLE, client=client)
        sized = _SizedItems()
        loaded = 0
        for size in sorted(sizes):
            t0 = time.perf_counter()
            api_scale._load(client, loaded, size, sized)
            load_seconds = time.perf_counter() - t0
            loaded = size
            now = datetime.now(UTC)
            new_id, tags = "bench-new-article", tags_of(size // 2)
            assert len(real_feed_page(feed, now)) == 20
            real = {
                "feed_page": _timed(partial(real_feed_page, feed, now), requests, counter),
                "related": _timed(partial(real_related, feed, new_id, tags, now), requests, counter),
            }
            scan_units = scan_read_units(sized.bytes)
            naive: dict[str, Any] = {}
            if size <= NAIVE_SIZE_LIMIT:
                with _linear_moto_scan():
                    assert [a.id for a in naive_feed_page(client, now)] == [a.id for a in real_feed_page(feed, now)]
                    naive = {
                        "feed_page": _timed(partial(naive_feed_page, client, now), naive_requests, counter),
                        "related": _timed(partial(naive_related, client, new_id, tags, now), naive_requests, counter),
                    }
                for figures in naive.values():
                    figures["read_units"] = round(figures["read_units"] + scan_units, 2)
            else:
                naive = {name: {"requests": 0, "median_ms": None, "read_units": scan_units} for name in real}
            ratios = {
                name: {
                    "latency": round(naive[name]["median_ms"] / real[name]["median_ms"], 1)
                    if naive[name]["median_ms"]
                    else None,
                    "read_units": round(naive[name]["read_units"] / real[name]["read_units"], 1),
                }
                for name in real
            }
            figures = {
                "articles": size,
                "table_items": size * 6,
                "table_mb": round(sized.bytes / 1e6, 1),
                "load_seconds": round(load_seconds, 1),
                "real": real,
                "naive": naive,
                "naive_over_real": ratios,
            }
            results.append(figures)
            for line in lines(figures):
                print(line, flush=True)
    return {"results": results}


def lines(f: dict[str, Any]) -> list[str]:
    size = f"{f['table_items']:,} items, {f['table_mb']} MB"
    out = [f"{f['articles']:,} articles ({size}; loaded in {f['load_seconds']} s):"]
    for name in ("feed_page", "related"):
        real, naive, ratio = f["real"][name], f["naive"][name], f["naive_over_real"][name]
        calls = "+".join(f"{k.split('.')[1]}x{v:g}" for k, v in real["calls"].items())
        if naive["median_ms"] is None:
            naive_text = f"naive (Scan) not run on moto, {naive['read_units']:,} RCU computed from item sizes"
            ratio_text = f"naive/real RCU {ratio['read_units']:,}x"
        else:
            naive_calls = "+".join(f"{k.split('.')[1]}x{v:g}" for k, v in naive["calls"].items())
            naive_text = (
                f"naive {naive['median_ms']:,} ms, {naive['read_units']:,} RCU ({naive_calls}; x{naive['requests']})"
            )
            ratio_text = f"naive/real latency {ratio['latency']:,}x, RCU {ratio['read_units']:,}x"
        out.append(
            f"  {name}: real {real['median_ms']} ms, {real['read_units']} RCU ({calls}; x{real['requests']}) | "
            f"{naive_text} | {ratio_text}"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--naive-requests", type=int, default=3)
    args = parser.parse_args()
    run(tuple(int(s) for s in args.sizes.split(",")), args.requests, args.naive_requests)


if __name__ == "__main__":
    main()
