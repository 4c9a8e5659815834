"""``pressroom reindex`` on the local stack at scale: N articles loaded, then re-enriched through the stack's queue.

    python -m bench.reindex [--articles 10000]

In a fresh interpreter, as ``pressroom up`` runs it: the local stack starts (moto in its own process, template.yaml
deployed, the functions in-process behind their SQS event source pollers), ``--articles`` news articles are uploaded
to ``incoming/`` from 8 threads and drained (the real path: S3 notification, ingest queue, IngestFunction; timed until
the queue is empty and every article is stored), then the CLI runs in-process as a developer runs it,
``pressroom reindex --endpoint-url <local>`` (``cli.reindex``: ``keys()``, ``estimate()``, ``enqueue()``, then it
follows the queue until it is empty), and right after it ``pressroom reindex --only-stale``, which must re-enrich
nothing. Each run is timed from the CLI's start until the last batch it caused has ended (the CLI itself returns on
its next 2-second look at the queue); every article's record is read afterwards to count those re-enriched (their
``rev`` went up).

The articles are the labelled set's (``bench/labelled``, real-news prose with its CMS noise, 70 to 420 words), each
copy with its own title and a publication time a minute apart. AWS calls are counted from botocore's events in every
client of the process (``bench.aws_calls.CallCounter``), by who makes them: ``cli`` (the command), ``event source``
(the SQS poller, as Lambda's event source mapping calls SQS) and ``IngestFunction``; DynamoDB units come from the
size of each item written or read (``bench.aws_calls``: moto's ``ConsumedCapacity`` is a constant, not a size).
The local CloudWatch's ``PutMetricData`` (the stand-in for CloudWatch Logs' embedded metric format) is left out.
The moto host's peak resident memory (``VmHWM``) is read at the end. While it runs, the bench prints a progress
line every 30 s (phase, records handled, queue backlog) to stderr; the functions' logs are not kept.
Lambda duration is the time inside the handler in-process, with five concurrent invocations sharing one
interpreter (and its GIL) and moto in another process on the same two cores: an upper bound of what Lambda would
bill.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.aws_calls import CallCounter

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "bench" / "labelled"
ARTICLES = 10_000
BENCH_ARTICLES = 1_000
"""What ``make bench`` runs: about 8 minutes on the 2-core machine (10,000 take over an hour)."""
QUICK_ARTICLES = 200
UPLOAD_THREADS = 8
CLI, EVENT_SOURCE, FUNCTION = "cli", "event source", "IngestFunction"
POLLER_THREAD = "poller-"
PROGRESS_THREAD = "bench-progress"
FIGURES = "figures: "
"""How the child's last line on stderr starts: the figures, as JSON."""
CHILD_TIMEOUT_S = 6 * 3600
LOCAL_ONLY = ("cloudwatch.PutMetricData",)


@dataclass(frozen=True)
class Run:
    """One ``pressroom reindex`` run until its queue was empty."""

    command: str
    articles: int
    seconds: float
    """From the CLI's start until the last batch it caused ended."""
    cli_seconds: float
    """Until the CLI returned (it looks at the queue every 2 s)."""
    items_per_s: float
    re_enriched: int
    """Records whose ``rev`` went up."""
    batches: int
    failed_batches: int
    """Invocations that failed or overran the function's timeout: all their messages came back."""
    retried_messages: int
    dead_letters: int
    """Messages the run left on the dead-letter queue (failed ``maxReceiveCount`` times)."""
    invoke_s: float
    """Sum of the IngestFunction invocations' durations."""
    calls_per_article: dict[str, dict[str, float]]
    """By origin (``cli``, ``event source``, ``IngestFunction``), then ``service.Operation``."""
    write_units_per_article: float
    read_units_per_article: float
    estimate: dict[str, float]
    """What the CLI printed: ``seconds``, ``dollars`` and the ``concurrency`` it assumed."""
    measured_dollars: float
    """The measured usage per article at the same list prices, times the articles."""
    cli_output: str
    write_units_by_partition: dict[str, float] = field(default_factory=dict)
    """Per article, by the kind of partition written (``FEED``, ``TAG#`` …): one partition takes 1,000 a second."""


@dataclass(frozen=True)
class Figures:
    articles: int
    words_per_article: float
    load_seconds: float
    load_per_s: float
    load_outcomes: dict[str, int]
    load_ms_per_article: tuple[float, float]
    """Handler time per upload in the first and the last tenth of the load's invocations (moto's Query and
    transaction costs grow with the partitions it sorts and copies; DynamoDB's do not)."""
    full: Run
    stale: Run
    moto_peak_mb: float | None = None
    """The moto host's peak resident memory over the whole run (``VmHWM``; None where ``/proc`` has none)."""


class CallsByOrigin:
    """A ``CallCounter`` per origin of the calls, fed by every botocore session created after :meth:`install`:
    calls from a poller thread are the event source's (``sqs.*``) or the function's, the rest are the CLI's."""

    def __init__(self) -> None:
        self.counters: dict[str, CallCounter] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def installed(self) -> Iterator[CallsByOrigin]:
        """Count in every botocore session created meanwhile (botocore registers its built-in handlers in each)."""
        from botocore import handlers

        mine = [("provide-client-params.*.*", self._on_params), ("after-call.*.*", self._on_response)]
        handlers.BUILTIN_HANDLERS.extend(mine)
        try:
            yield self
        finally:
            for spec in mine:
                handlers.BUILTIN_HANDLERS.remove(spec)

    def take(self) -> dict[str, CallCounter]:
        """The counters so far; counting starts again from zero."""
        with self._lock:
            taken, self.counters = self.counters, {}
        return taken

    def _counter(self, model: Any) -> CallCounter | None:
        """The counter of the calling thread's origin; None for the bench's own looks at the queue."""
        thread = threading.current_thread().name
        if thread == PROGRESS_THREAD:
            return None
        if not thread.startswith(POLLER_THREAD):
            origin = CLI
        else:
            origin = EVENT_SOURCE if model.service_model.service_name == "sqs" else FUNCTION
        return self.counters.setdefault(origin, CallCounter())

    def _on_params(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        with self._lock:
            if (counter := self._counter(model)) is not None:
                counter.on_params(params=params, model=model, **kwargs)

    def _on_response(self, model: Any, **kwargs: Any) -> None:
        with self._lock:
            if (counter := self._counter(model)) is not None:
                counter.on_response(model=model, **kwargs)


def article_id(n: int) -> str:
    """The id of the ``n``-th article (the upload's file name)."""
    return f"reindex-{n:05d}"


def articles(count: int) -> list[tuple[str, bytes]]:
    """``count`` news articles from the labelled set, each with its own title and time: (key, JSON upload)."""
    from datetime import UTC, datetime, timedelta

    labelled = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(LABELLED.glob("*.json"))]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    out = []
    for n in range(count):
        source = labelled[n % len(labelled)]
        upload = {
            "title": f"{source['title']} ({n})",
            "body": source["body"],
            "section": source["section"],
            "published_at": (start + timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
        }
        out.append((f"incoming/{article_id(n)}.json", json.dumps(upload).encode()))
    return out


class _Batches:
    """The ingest batches the pollers report, with their end times."""

    def __init__(self) -> None:
        self.ended: list[tuple[float, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, outcome: Any) -> None:
        with self._lock:
            self.ended.append((time.perf_counter(), outcome))

    def since(self, moment: float) -> list[tuple[float, Any]]:
        """(end time, ``BatchOutcome``) of the batches that ended since ``moment``."""
        with self._lock:
            return [b for b in self.ended if b[0] >= moment]


class _Progress:
    """A line on stderr every ``every`` seconds while the child runs (the parent passes it on): the phase, its
    seconds, the ingest queue's backlog and the records handled so far."""

    def __init__(self, stack: Any, batches: _Batches, every: float = 30.0) -> None:
        self.stack, self.batches, self.every = stack, batches, every
        self.out = sys.stderr  # taken now: the CLI's runs redirect sys.stderr, for every thread
        self.phase, self.started = "start", time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=PROGRESS_THREAD, daemon=True)

    def enter(self, phase: str) -> None:
        self.phase, self.started = phase, time.perf_counter()
        print(f"progress: {phase}", file=self.out, flush=True)

    def __enter__(self) -> _Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        sqs = self.stack.client("sqs")
        while not self._stop.wait(self.every):
            with contextlib.suppress(Exception):  # a look at the queue that fails is skipped, never the run
                waiting = _backlog(self.stack, sqs)
                handled = sum(b.received for _, b in self.batches.since(self.started))
                print(
                    f"progress: {self.phase} {time.perf_counter() - self.started:,.0f} s, {handled:,} records "
                    f"handled, {waiting:,} on the queue",
                    file=self.out,
                    flush=True,
                )


def _peak_mb(pid: int | None) -> float | None:
    """A process's peak resident memory in MB (``VmHWM`` in ``/proc``), None where there is none."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def _backlog(stack: Any, sqs: Any = None) -> int:
    """Messages waiting or in flight on the stack's ingest queue (``sqs``: a client of the caller's thread)."""
    from pressroom_stack.reindex import backlog

    return backlog(sqs or stack.client("sqs"), stack.outputs["IngestQueueUrl"])


def _drained(stack: Any) -> bool:
    return _backlog(stack) == 0


def _dead_letters(stack: Any) -> int:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.outputs["DeadLetterQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def _load(stack: Any, uploads: list[tuple[str, bytes]]) -> tuple[float, dict[str, int], dict[str, int]]:
    """Upload everything at once and wait until the queue is drained: the seconds, the outcomes and each article's
    ``rev``."""
    from concurrent.futures import ThreadPoolExecutor

    from pressroom_stack.local import wait_until

    s3, bucket = stack.client("s3"), stack.outputs["ArticlesBucketName"]
    started = time.perf_counter()
    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        list(pool.map(lambda item: s3.put_object(Bucket=bucket, Key=item[0], Body=item[1]), uploads))
    wait_until(lambda: _drained(stack), timeout=24 * 3600, interval=1.0)
    seconds = time.perf_counter() - started
    revs = _revs(stack, len(uploads))
    outcomes = Counter("stored" if rev else "not stored" for rev in revs.values())
    outcomes["dead letters"] = _dead_letters(stack)
    return seconds, dict(outcomes), revs


def _revs(stack: Any, count: int) -> dict[str, int]:
    """Every article's record ``rev`` (0: no record)."""
    from pressroom.adapters.dynamodb_feed import DynamoDBFeed

    feed = DynamoDBFeed(stack.outputs["FeedTableName"], client=stack.client("dynamodb"))
    revs = {}
    for n in range(count):
        record = feed.get_record(article_id(n))
        revs[article_id(n)] = record.rev if record else 0
    return revs


def _run_cli(
    stack: Any, args: list[str], count: int, counter: CallsByOrigin, batches: _Batches, before: dict[str, int]
) -> tuple[Run, dict[str, int]]:
    from bench.cost import S3_PUT_OPERATIONS
    from pressroom_stack import cli
    from pressroom_stack.prices import PRICES, Usage, dollars
    from pressroom_stack.reindex import estimate

    dead_before = _dead_letters(stack)
    counter.take()
    started = time.perf_counter()
    text = io.StringIO()
    with contextlib.redirect_stderr(text):
        try:
            cli.main(["reindex", *args, "--endpoint-url", stack.endpoint_url, "--timeout", "86400"])
        except SystemExit as done:
            if done.code:
                raise RuntimeError(f"pressroom reindex {' '.join(args)} failed:\n{text.getvalue()}") from None
    cli_seconds = time.perf_counter() - started
    counters = counter.take()
    ran = batches.since(started)
    seconds = (max(end for end, _ in ran) - started) if ran else cli_seconds
    after = _revs(stack, count)
    calls = {
        origin: {k: v / count for k, v in sorted(c.calls.items()) if k not in LOCAL_ONLY}
        for origin, c in sorted(counters.items())
    }
    every = Counter[str]()
    for c in counters.values():
        every.update({k: v for k, v in c.calls.items() if k not in LOCAL_ONLY})
    write_units = sum(c.write_units for c in counters.values()) / count
    by_partition = Counter[str]()
    for c in counters.values():
        by_partition.update(c.write_units_by_partition)
    read_units = sum(c.read_units for c in counters.values()) / count
    s3_put = sum(v for k, v in every.items() if k.startswith("s3.") and k.split(".")[1] in S3_PUT_OPERATIONS)
    s3_all = sum(v for k, v in every.items() if k.startswith("s3."))
    invoke_s = sum(b.seconds for _, b in ran)
    usage = Usage(
        lambda_invocations=len(ran) / count,
        lambda_ms=invoke_s * 1000 / max(1, len(ran)),
        dynamodb_wru=write_units,
        dynamodb_rru=read_units,
        s3_get=(s3_all - s3_put) / count,
        s3_put=s3_put / count,
        sqs_requests=sum(v for k, v in every.items() if k.startswith("sqs.")) / count,
    )
    mappings = stack.client("lambda").list_event_source_mappings(FunctionName=f"{stack.config.stack_name}-ingest")
    scaling = [m.get("ScalingConfig", {}).get("MaximumConcurrency") for m in mappings["EventSourceMappings"]]
    planned = estimate(count, next((c for c in scaling if c), 5))
    run = Run(
        command=" ".join(["pressroom reindex", *args]),
        articles=count,
        seconds=round(seconds, 1),
        cli_seconds=round(cli_seconds, 1),
        items_per_s=round(count / seconds, 2),
        re_enriched=sum(1 for key, rev in after.items() if rev > before.get(key, 0)),
        batches=len(ran),
        failed_batches=sum(1 for _, b in ran if b.retried == b.received),
        retried_messages=sum(b.retried for _, b in ran),
        dead_letters=_dead_letters(stack) - dead_before,
        invoke_s=round(invoke_s, 1),
        calls_per_article={o: {k: round(v, 4) for k, v in c.items()} for o, c in calls.items()},
        write_units_per_article=round(write_units, 2),
        read_units_per_article=round(read_units, 2),
        estimate={
            "seconds": round(planned.seconds, 1),
            "dollars": round(planned.dollars, 6),
            "concurrency": planned.concurrency,
        },
        measured_dollars=round(dollars(usage, PRICES)["total"] * count, 6),
        cli_output=_shortened(text.getvalue()),
        write_units_by_partition={k: round(v / count, 2) for k, v in by_partition.most_common()},
    )
    return run, after


def _shortened(output: str, keep: int = 3) -> str:
    """The CLI's first and last lines (it prints the backlog every 2 s)."""
    rows = output.strip().splitlines()
    return "\n".join(rows if len(rows) <= 2 * keep else [*rows[:keep], "…", *rows[-keep:]])


def _ms_per_record(batches: list[Any]) -> float:
    return round(sum(b.seconds for b in batches) * 1000 / max(1, sum(b.received for b in batches)), 1)


def _child(count: int) -> Figures:
    from pressroom_stack.local import LocalStack, free_port

    batches = _Batches()
    stack = LocalStack(aws_port=free_port(), api_port=free_port(), publish_samples=False, on_batch=batches)
    with CallsByOrigin().installed() as counter, stack, _Progress(stack, batches) as progress:
        uploads = articles(count)
        words = sum(len(json.loads(data)["body"].split()) for _, data in uploads) / count
        progress.enter(f"load of {count:,} articles")
        loading = time.perf_counter()
        load_seconds, outcomes, before = _load(stack, uploads)
        loaded = [b for _, b in batches.since(loading)]
        progress.enter("pressroom reindex")
        full, after = _run_cli(stack, [], count, counter, batches, before)
        progress.enter("pressroom reindex --only-stale")
        stale, _ = _run_cli(stack, ["--only-stale"], count, counter, batches, after)
        peak = _peak_mb(stack.moto_pid)
    return Figures(
        articles=count,
        words_per_article=round(words, 1),
        load_seconds=round(load_seconds, 1),
        load_per_s=round(count / load_seconds, 2),
        load_outcomes=outcomes,
        load_ms_per_article=(
            _ms_per_record(loaded[: len(loaded) // 10 or 1]),
            _ms_per_record(loaded[-(len(loaded) // 10 or 1) :]),
        ),
        full=full,
        stale=stale,
        moto_peak_mb=peak,
    )


def measure(count: int = BENCH_ARTICLES) -> Figures:
    """The figures of a fresh interpreter's run with ``count`` articles."""
    with subprocess.Popen(  # noqa: S603 - this module, with this interpreter
        [sys.executable, "-m", "bench.reindex", "--child", str(count)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,  # the in-process functions' logs
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None  # nosec B101 - narrows a type: stderr is a pipe
        overdue = threading.Timer(CHILD_TIMEOUT_S, process.kill)
        overdue.start()
        tail: deque[str] = deque(maxlen=100)
        figures = None
        try:
            for line in process.stderr:
                if line.startswith("progress: "):
                    print(f"  {line.removeprefix('progress: ').rstrip()}", file=sys.stderr, flush=True)
                elif line.startswith(FIGURES):
                    figures = line.removeprefix(FIGURES)
                else:
                    tail.append(line)
        finally:
            overdue.cancel()
    if process.returncode or figures is None:
        raise RuntimeError(
            f"bench.reindex --child {count} failed (exit {process.returncode}):\n{''.join(tail)[-4000:]}"
        )
    raw = json.loads(figures)
    raw["load_ms_per_article"] = tuple(raw["load_ms_per_article"])
    return Figures(**{**raw, "full": Run(**raw["full"]), "stale": Run(**raw["stale"])})


def _calls_text(calls: dict[str, dict[str, float]]) -> str:
    return "; ".join(
        f"{origin}: " + ", ".join(f"{name} {value:.3g}" for name, value in per.items())
        for origin, per in calls.items()
        if per
    )


def lines(f: Figures) -> list[str]:
    outcomes = ", ".join(f"{n:,} {outcome}" for outcome, n in f.load_outcomes.items())
    out = [
        f"{f.articles:,} articles ({f.words_per_article:.0f} words on average) uploaded at once and drained through "
        f"the stack: {f.load_seconds:,.0f} s, {f.load_per_s:.1f} articles/s ({outcomes}); handler time per upload "
        f"{f.load_ms_per_article[0]:.0f} ms in the first tenth of the invocations, {f.load_ms_per_article[1]:.0f} ms "
        "in the last"
        + (f"; the moto host's peak memory over the whole run {f.moto_peak_mb:,.0f} MB" if f.moto_peak_mb else ""),
    ]
    for run in (f.full, f.stale):
        partitions = ", ".join(f"{name} {units:g}" for name, units in run.write_units_by_partition.items())
        out += [
            f"`{run.command}`: {run.seconds:,.0f} s until the queue was empty (the CLI returned after "
            f"{run.cli_seconds:,.0f} s), {run.items_per_s:.1f} articles/s; re-enriched {run.re_enriched:,} of "
            f"{run.articles:,}; {run.batches} invocations ({run.failed_batches} failed or overran the timeout), "
            f"{run.invoke_s:,.0f} s inside the handler in all; {run.retried_messages} messages retried, "
            f"{run.dead_letters} left on the dead-letter queue",
            f"  AWS calls per article: {_calls_text(run.calls_per_article)}",
            f"  DynamoDB per article: {run.write_units_per_article:.1f} write units"
            + (f" ({partitions} by partition)" if partitions else "")
            + f", {run.read_units_per_article:.1f} read units",
            f"  the CLI's estimate: {run.estimate['seconds'] / 60:,.1f} min at {run.estimate['concurrency']:.0f} "
            f"concurrent, ${run.estimate['dollars']:.4f}; measured {run.seconds / 60:,.1f} min, "
            f"${run.measured_dollars:.4f} at the same prices",
        ]
    return out


def summary(f: Figures) -> list[tuple[str, str]]:
    """The rows of RESULTS.md's summary table: (figure, value)."""
    full, stale = f.full, f.stale
    calls = sum(sum(per.values()) for per in full.calls_per_article.values())
    return [
        (
            f"`pressroom reindex` of {f.articles:,} articles on the local stack: time, articles/s (the CLI's estimate)",
            f"{full.seconds / 60:.1f} min, {full.items_per_s:.1f} articles/s (estimate "
            f"{full.estimate['seconds'] / 60:.1f} min); {full.re_enriched:,} re-enriched, {full.dead_letters} dead "
            "letters",
        ),
        (
            "Reindex per article: DynamoDB write units (of which FEED) / read units, AWS calls; US$ per 1,000 "
            "(measured vs the CLI's estimate)",
            f"{full.write_units_per_article:.1f} ({full.write_units_by_partition.get('FEED', 0):g}) / "
            f"{full.read_units_per_article:.1f}, {calls:.1f} calls; ${full.measured_dollars * 1000 / f.articles:.3f} "
            f"vs ${full.estimate['dollars'] * 1000 / f.articles:.3f}",
        ),
        (
            "`pressroom reindex --only-stale` right after: re-enriched, time, write units per article",
            f"{stale.re_enriched:,} of {f.articles:,}, {stale.seconds:.0f} s, {stale.write_units_per_article:.1f}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        # the figures go last on stderr: the in-process functions log to stdout
        print(FIGURES + json.dumps(asdict(_child(args.child))), file=sys.stderr, flush=True)
        return
    figures = measure(args.articles)
    for line in lines(figures):
        print(line)
    for run in (figures.full, figures.stale):
        print(f"  {run.command} printed: {run.cli_output.splitlines()[0] if run.cli_output else ''}")
    if args.json:
        print(json.dumps(asdict(figures), indent=2))


if __name__ == "__main__":
    main()
