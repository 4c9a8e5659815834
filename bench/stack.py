"""Local stack figures: start-up time (a fresh process until the API serves the feed, as `pressroom up` does it)
and upload -> served round trip, medians of several runs.

    python -m bench.stack [--runs 3] [--round-trips 5]

Each run is a fresh interpreter (imports, moto start, deploy, gaps, functions), so the start-up figure is what a
developer waits for; inside it, uploads are timed from PutObject until GET /articles/{slug} answers 200.
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
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        started = time.perf_counter()
        # the figures go last on stderr: the in-process functions log to stdout
        print(json.dumps(_child(args.round_trips, started)), file=sys.stderr)
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
