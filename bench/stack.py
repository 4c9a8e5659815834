"""Local stack figures: start-up time (a fresh process until the API serves the feed, as `pressroom up` does it),
upload -> served round trip, medians of several runs, and a burst: N short articles uploaded at once until all
are served.

    python -m bench.stack [--runs 3] [--round-trips 5] [--burst 200]

Each run is a fresh interpreter (imports, moto start, deploy, gaps, functions), so the start-up figure is what a
developer waits for; inside it, uploads are timed from PutObject until GET /articles/{slug} answers 200. The
burst runs in its own fresh interpreter: uploads from 8 threads, timed from the first PutObject until every
slug answers 200; its breakdown sums the ingest invocations (time inside the handler, of which the ingest
function's own AWS calls are most) and counts the batches and how many ran at once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class StackFigures:
    runs: int
    startup_to_served_feed_s: float
    startup_breakdown_s: dict[str, float]
    round_trip_median_s: float
    round_trip_max_s: float
    round_trips: int


def _child(round_trips: int, started: float) -> dict[str, object]:
    import requests

    from pressroom_stack.local import LocalStack, free_port, wait_until

    stack = LocalStack(aws_port=free_port(), api_port=free_port(), publish_samples=False)
    stack.start()
    try:
        wait_until(lambda: requests.get(f"{stack.api_url}/articles", timeout=5).status_code == 200, timeout=30)
        ready = time.perf_counter() - started
        s3, bucket = stack.client("s3"), stack.outputs["ArticlesBucketName"]
        trips = []
        for n in range(round_trips):
            slug = f"bench-{n}-{uuid.uuid4().hex[:6]}"
            body = {
                "title": f"Portmere council backs the northern tram line ({n})",
                "body": "Portmere City Council backed the northern tram line on Tuesday.\n\nWork starts in 2027.",
                "published_at": "2026-11-20T09:00:00Z",
                "slug": slug,
            }
            t0 = time.perf_counter()
            s3.put_object(Bucket=bucket, Key=f"incoming/{slug}.json", Body=json.dumps(body).encode())
            wait_until(
                lambda slug=slug: requests.get(f"{stack.api_url}/articles/{slug}", timeout=5).status_code == 200,
                timeout=30,
                interval=0.02,
            )
            trips.append(time.perf_counter() - t0)
        timings = stack.timings
        assert timings is not None
        return {"ready": ready, "breakdown": asdict(timings), "trips": trips}
    finally:
        stack.stop()


@dataclass(frozen=True)
class BurstFigures:
    articles: int
    seconds: float
    articles_per_s: float
    batches: int
    mean_batch: float
    invoke_s: float
    """Sum of the ingest invocations' durations (over all concurrent invocations)."""
    peak_concurrency: int


def short_articles(count: int) -> list[tuple[str, bytes]]:
    """``count`` short news articles (two paragraphs of the labelled set's prose, unique titles): (slug, JSON)."""
    labelled = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "bench" / "labelled").glob("*.json"))]
    articles = []
    for n in range(count):
        source = labelled[n % len(labelled)]
        paragraphs = source["body"].split("\n\n")
        start = (n // len(labelled)) % max(1, len(paragraphs) - 1)
        slug = f"burst-{n}-{uuid.uuid4().hex[:6]}"
        body = {
            "title": f"{source['title']} ({n})",
            "body": "\n\n".join(paragraphs[start : start + 2]),
            "published_at": "2020-11-20T09:00:00Z",
            "slug": slug,
        }
        articles.append((slug, json.dumps(body).encode()))
    return articles


def _peak(intervals: list[tuple[float, float]]) -> int:
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def _burst_child(count: int) -> dict[str, object]:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from pressroom_stack.local import LocalStack, free_port, wait_until
    from pressroom_stack.poller import BatchOutcome

    batches: list[tuple[float, float, int]] = []
    lock = threading.Lock()

    def on_batch(outcome: BatchOutcome) -> None:
        ended = time.perf_counter()
        with lock:
            batches.append((ended - outcome.seconds, ended, outcome.received))

    stack = LocalStack(aws_port=free_port(), api_port=free_port(), publish_samples=False, on_batch=on_batch)
    stack.start()
    try:
        wait_until(lambda: requests.get(f"{stack.api_url}/articles", timeout=5).status_code == 200, timeout=30)
        s3, bucket = stack.client("s3"), stack.outputs["ArticlesBucketName"]
        articles = short_articles(count)
        with lock:
            batches.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda a: s3.put_object(Bucket=bucket, Key=f"incoming/{a[0]}.json", Body=a[1]), articles))
        waiting = [slug for slug, _ in articles]

        def all_served() -> bool:
            while waiting and requests.get(f"{stack.api_url}/articles/{waiting[0]}", timeout=30).status_code == 200:
                waiting.pop(0)
            return not waiting

        wait_until(all_served, timeout=600, interval=0.2)
        seconds = time.perf_counter() - started
        with lock:
            done = list(batches)
        return asdict(
            BurstFigures(
                articles=count,
                seconds=round(seconds, 2),
                articles_per_s=round(count / seconds, 2),
                batches=len(done),
                mean_batch=round(sum(n for *_, n in done) / max(1, len(done)), 1),
                invoke_s=round(sum(end - start for start, end, _ in done), 2),
                peak_concurrency=_peak([(start, end) for start, end, _ in done]),
            )
        )
    finally:
        stack.stop()


def burst(count: int = 200) -> BurstFigures:
    """``count`` short articles uploaded at once to a freshly started local stack, until all are served."""
    process = subprocess.run(
        [sys.executable, "-m", "bench.stack", "--child-burst", str(count)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return BurstFigures(**json.loads(process.stderr.strip().splitlines()[-1]))


def measure(runs: int = 3, round_trips: int = 5) -> StackFigures:
    """Start the local stack ``runs`` times in fresh processes; medians of start-up and round-trip times."""
    readies, trips, breakdowns = [], [], []
    for _ in range(runs):
        process = subprocess.run(
            [sys.executable, "-m", "bench.stack", "--child", "--round-trips", str(round_trips)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        figures = json.loads(process.stderr.strip().splitlines()[-1])
        readies.append(figures["ready"])
        trips.extend(figures["trips"])
        breakdowns.append(figures["breakdown"])
    breakdown = {key: round(statistics.median(b[key] for b in breakdowns), 2) for key in breakdowns[0]}
    return StackFigures(
        runs=runs,
        startup_to_served_feed_s=round(statistics.median(readies), 2),
        startup_breakdown_s=breakdown,
        round_trip_median_s=round(statistics.median(trips), 3),
        round_trip_max_s=round(max(trips), 3),
        round_trips=len(trips),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--round-trips", type=int, default=5)
    parser.add_argument("--burst", type=int, default=200, help="short articles uploaded at once (0: no burst)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-burst", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_burst:
        print(json.dumps(_burst_child(args.child_burst)), file=sys.stderr)
        return
    if args.child:
        started = time.perf_counter()
        # the figures go last on stderr: the in-process functions log to stdout
        print(json.dumps(_child(args.round_trips, started)), file=sys.stderr)
        return
    if args.burst:
        b = burst(args.burst)
        print(f"local stack burst: {b.articles} short articles uploaded at once")
        print(f"  all served in               {b.seconds:6.2f} s   {b.articles_per_s:.2f} articles/s (target >= 10)")
        print(
            f"  ingest                      {b.batches} batches of {b.mean_batch} on average, up to "
            f"{b.peak_concurrency} at once; {b.invoke_s:.1f} s inside the handler in all"
        )
    if not args.runs:
        return
    figures = measure(args.runs, args.round_trips)
    print(f"local stack, median of {figures.runs} fresh starts and {figures.round_trips} uploads")
    print(f"  start-up to a served feed   {figures.startup_to_served_feed_s:6.2f} s   (target < 10 s)")
    print(f"    of which                  {figures.startup_breakdown_s}")
    print(
        f"  upload -> served round trip {figures.round_trip_median_s:6.3f} s median, "
        f"{figures.round_trip_max_s:.3f} s max"
    )


if __name__ == "__main__":
    main()
