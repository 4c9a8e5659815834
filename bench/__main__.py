"""Run every benchmark and write ``bench/RESULTS.md`` (what ``make bench`` runs).

    python -m bench [--quick] [--only SECTION ...] [--output PATH]

Sections, in order: cold_start, ingest, tags, linearity, scale, naive, cost, stack, reindex. Each prints its figures
as it goes; the file records, for every section, the machine, the date and the command that reproduces it.
``--quick`` uses smaller sizes and fewer repeats (a fast check, not figures to quote). ``--only`` runs the sections
named and keeps the others from the file it rewrites, as they were (its header names them with their dates).
DynamoDB runs on moto with ``tests.moto_speedups.fast_moto_dynamodb`` (a Query looks at its own partition and has
moto sort only the keys it can return, transaction snapshots are cheap), which keeps moto's own cost from swamping
the code's; semantics are moto's.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTIONS = ("cold_start", "ingest", "tags", "linearity", "scale", "naive", "cost", "stack", "reindex")


@dataclass
class Section:
    name: str
    title: str
    command: str
    lines: list[str] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (figure, value)
    notes: list[str] = field(default_factory=list)
    measured_at: str = ""
    seconds: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)


def machine() -> dict[str, str]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    try:
        from importlib.metadata import version

        moto = version("moto")
    except Exception:  # noqa: BLE001 - only a label
        moto = "?"
    return {
        "nproc": str(cpus),
        "cpu": model,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "moto": moto,
        "load": load,
    }


def machine_text(m: dict[str, str]) -> str:
    return f"{m['nproc']} CPUs (nproc), {m['cpu']}, Python {m['python']}, {m['os']}"


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def command(section: str, quick: bool) -> str:
    return f"python -m bench --only {section}" + (" --quick" if quick else "")


# ---------------------------------------------------------------------------------------------------- sections


def run_cold_start(s: Section, quick: bool, shared: dict[str, Any]) -> None:
    from bench import cold_start

    figures = cold_start.measure(runs=5 if quick else 12)
    s.lines = cold_start.lines(figures)
    s.data = {"cold_start": figures}
    for function in cold_start.HANDLERS:
        verdict = "meets" if figures.meets(function) else "**misses**"
        s.summary.append(
            (
                f"{function} import above bare boto3 (target <= {cold_start.TARGET_MS[function]:.0f} ms)",
                f"{figures.above_baseline_ms[function]} ms ({figures.handlers_ms[function]} vs "
                f"{figures.baseline_ms} ms; {verdict})",
            )
        )
    s.notes.append(
        "Fresh interpreter per run (`python -c`, `time.perf_counter` around the handler's import and then boto3's: "
        "what a function has loaded when its first request reaches AWS), on the deployment package's path "
        "(functions/, functions/requirements.txt and boto3, `python -S`), runs of the three imports interleaved, "
        "medians; Lambda's environment (the template's Globals and what the runtime sets, AWS_LAMBDA_FUNCTION_NAME "
        "etc., so Powertools behaves as in Lambda); byte-code cache warmed once (a pip-installed package is "
        "compiled). Contributors: `-X importtime` self time per package, only modules `import boto3` does not load, "
        "median of 3."
    )


def run_ingest(s: Section, quick: bool, shared: dict[str, Any]) -> None:
    from bench import ingest
    from tests.moto_speedups import fast_moto_dynamodb

    enrichment = ingest.enrichment_times(repeat=5 if quick else 20)
    with fast_moto_dynamodb():
        figures = ingest.ingest_on_moto(copies=3 if quick else 10)
    shared["ingest"] = figures
    s.data = {"enrichment": enrichment, "ingest": figures}
    stages = ", ".join(f"{k} {v:.2f} ms" for k, v in figures["stage_ms_per_article"].items())
    calls = ", ".join(f"{k} {v:.2f}" for k, v in figures["calls_per_article"].items())
    s.lines = [
        f"enrichment (parse+clean+tag), {enrichment['samples']} sample articles: median "
        f"{enrichment['sample_median_ms']:.2f} ms, p95 {enrichment['sample_p95_ms']:.2f} ms",
        f"enrichment, 600-word article: median {enrichment['words600_median_ms']:.2f} ms, p95 "
        f"{enrichment['words600_p95_ms']:.2f} ms (target <= 25 ms)",
        f"ingest use-case on moto, one worker: {figures['articles']} uploads, "
        f"{figures['articles_per_second']:.1f} articles/s, outcomes {figures['outcomes']}",
        f"per-stage time per article: {stages}",
        f"AWS calls per upload: {calls}; S3 reads per upload {figures['s3_reads_per_article']:.2f}",
        f"DynamoDB per written article: {figures['dynamodb_write_calls_per_written_article']:.2f} write calls, "
        f"{figures['dynamodb_write_units_per_written_article']:.1f} write units (billed from item sizes); "
        f"{figures['dynamodb_read_units_per_article']:.1f} read units per upload",
    ]
    s.summary += [
        (
            "Enrichment of a 600-word article (median / p95)",
            f"{enrichment['words600_median_ms']:.2f} / {enrichment['words600_p95_ms']:.2f} ms",
        ),
        ("Ingest throughput, one worker in-process on moto", f"{figures['articles_per_second']:.1f} articles/s"),
        ("Per-stage time per article", stages),
    ]
    s.notes.append(
        "`bench.ingest.ingest_on_moto()` run inside `fast_moto_dynamodb()`; relate and publish times include moto's "
        "own work (it deep-copies every item a Query returns and its serialiser is slow), so they are upper bounds."
    )


def run_tags(s: Section, quick: bool, shared: dict[str, Any]) -> None:
    from bench import tags

    repeats = 1 if quick else tags.REPEATS
    sets = {
        "whole set": tags.evaluate(repeats=repeats),
        f"batch '{tags.NEW_BATCH}' (held out)": tags.evaluate(
            select=lambda a: a.get("batch") == tags.NEW_BATCH, repeats=repeats
        ),
        f"batch '{tags.FRESH_BATCH}' (held out, seen only in aggregate)": tags.evaluate(
            select=lambda a: a.get("batch") == tags.FRESH_BATCH, repeats=repeats
        ),
    }
    whole = sets["whole set"]
    s.data = {"tags": sets}
    s.lines = [
        f"{name}, top {f['top']} tags of {f['articles']} labelled articles: salient recall {f['salient_recall']:.3f} "
        f"(of {f['salient']}), precision {f['precision']:.3f} (of {f['entity_tags']} tags), kind accuracy "
        f"{f['kind_accuracy']:.3f}, junk {f['junk']}; extract_tags median {f['median_ms']:.2f} ms, p95 "
        f"{f['p95_ms']:.2f} ms per article"
        for name, f in sets.items()
    ]
    s.lines.append(f"junk tags, whole set: {', '.join(whole['junk_tags']) or 'none'}")
    s.lines.append(f"extract_tags on a 600-word article: median {whole['words600_ms']:.2f} ms (target <= 10 ms)")
    overall = whole["overall"]
    s.lines.append(
        f"all tags against all expected tags (topics included), whole set: precision {overall['precision']}, recall "
        f"{overall['recall']}, F1 {overall['f1']}; "
        + "; ".join(f"{name} {g['precision']} / {g['recall']} / {g['f1']}" for name, g in whole["groups"].items())
    )
    for name, f in sets.items():
        s.summary.append(
            (
                f"Tagger, {name.split(' (')[0]} ({f['articles']} articles): salient recall / precision / kind "
                "accuracy / junk tags / time per article (median)",
                f"{f['salient_recall']:.3f} / {f['precision']:.3f} / {f['kind_accuracy']:.3f} / {f['junk']} / "
                f"{f['median_ms']:.2f} ms",
            )
        )
    s.summary.append(("Tagger on a 600-word article (target <= 10 ms)", f"{whole['words600_ms']:.2f} ms"))
    s.notes.append(
        "`bench.tags.evaluate()` (definitions in its docstring): each article's top tags (`models.MAX_TAGS`) after "
        "`clean_body`, footer names blocked as in the pipeline. Salient recall: people, organisations and places "
        "mentioned at least twice that a tag names; precision: person, organisation, place, work and event tags "
        "that name an entity of the text (duplicates wrong); kind accuracy over people, organisations and places; "
        "junk: calendar words, all-caps runs, generic words. The 'new' and 'fresh' batches were written after the "
        "tagger was first tuned, 'fresh' after its main changes: rough held-out checks. Time: `extract_tags` alone."
    )


def run_linearity(s: Section, quick: bool, shared: dict[str, Any]) -> None:
    from bench import linearity

    sizes = linearity.QUICK_SIZES if quick else linearity.SIZES
    figures = linearity.measure(sizes)
    s.data = {"linearity": figures}
    s.lines = linearity.lines(figures)
    name, ratio = figures["worst"]
    s.summary.append(
        (
            f"Enrichment time per character, {sizes[-1] // 1000} KB over {sizes[0] // 1000} KB body, worst of "
            f"{len(figures['families'])} families (target <= {linearity.TARGET_RATIO:g}x)",
            f"{ratio:.2f}x ({name})",
        )
    )
    s.notes.append(
        "`bench.linearity.measure()`: each hostile family (long capitalised runs, connector chains, possessives, "
        "enormous words, quotes, broken HTML, promo and footer lines, …) and two sample articles repeated, cut to "
        "each size, through `clean_body`, `extract_tags`, `derive_summary`, `count_words` and "
        "`first_sentence_title`; the best of 3 rounds, each timing every size once (bodies under 50 ms repeatedly)."
    )


def run_scale(s: Section, quick: bool, shared: dict[str, Any]) -> None:
    from bench import api_scale

    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    requests = 50 if quick else 200
    figures = api_scale.run(sizes, requests)
    shared["scale"] = figures
    s.data = {"scale": figures}
    s.lines = [api_scale._line(f) for f in figures["results"]]
    ratios = figures["ratio_largest_to_smallest_median"]
    s.lines.append(f"ratio {sizes[-1]:,}/{sizes[0]:,} of the medians: {ratios}")
    for f in figures["results"]:
        s.summary.append(
            (
                f"API at {f['articles']:,} articles: feed page / next page / article, median (p99)",
                f"{f['feed_page']['median_ms']} ({f['feed_page']['p99_ms']}) / "
                f"{f['feed_page_2']['median_ms']} ({f['feed_page_2']['p99_ms']}) / "
                f"{f['article']['median_ms']} ({f['article']['p99_ms']}) ms; "
                f"{f['feed_page']['read_units']} / {f['article']['read_units']} RCU",
            )
        )
    if ratios:
        s.summary.append(
            (
                f"Ratio {sizes[-1]:,}/{sizes[0]:,} (median): feed page, article (total; own code)",
                f"{ratios['feed_page']}x, {ratios['article']}x; own {ratios['feed_page_own']}x, "
                f"{ratios['article_own']}x",
            )
        )
    s.notes.append(
        "Handler `pressroom.handlers.api.handler` with real REST proxy events on moto with `fast_moto_dynamodb()`; "
        "the table is loaded with BatchWriteItem in the adapter's item format. moto's Query still walks and sorts "
        "the whole queried partition (real DynamoDB reads only the page), so the total on moto grows with the feed; "
        "'own code' is the handler's time outside DynamoDB calls, and the read units are those DynamoDB charges."
    )


def run_naive(s: Section, quick: bool, shared: dict[str, Any]) -> None:
    from bench import naive

    sizes = (1_000,) if quick else (1_000, 10_000)
    figures = naive.run(sizes, requests=20 if quick else 50, naive_requests=2 if quick else 3)
    s.data = {"naive": figures}
    s.lines = [line for f in figures["results"] for line in naive.lines(f)]
    for f in figures["results"]:
        r = f["naive_over_real"]
        s.summary.append(
            (
                f"Naive/real at {f['articles']:,} articles: feed page, related links (latency; read units)",
                f"{r['feed_page']['latency']}x, {r['related']['latency']}x; "
                f"{r['feed_page']['read_units']:,}x, {r['related']['read_units']:,}x "
                f"(real {f['real']['feed_page']['median_ms']} / {f['real']['related']['median_ms']} ms, "
                f"naive {f['naive']['feed_page']['median_ms']:,} / {f['naive']['related']['median_ms']:,} ms)",
            )
        )
    largest = figures["results"][-1]
    if largest["articles"] < 100_000:
        per_article = largest["table_mb"] * 1e6 / largest["articles"]
        units = naive.scan_read_units(int(per_article * 100_000))
        real_units = largest["real"]["feed_page"]["read_units"]
        line = (
            f"100,000 articles (computed, not run: a naive Scan there takes minutes per request on moto): the naive "
            f"Scan reads ~{per_article * 100_000 / 1e6:,.0f} MB = {units:,.0f} RCU per feed page or related-links "
            f"computation vs {real_units} RCU for the real Query, {units / real_units:,.0f}x"
        )
        s.lines.append(line)
        s.summary.append(
            (
                "Naive/real read units at 100,000 articles (computed from item sizes)",
                f"{units / real_units:,.0f}x ({units:,.0f} vs {real_units} RCU per feed page)",
            )
        )
    s.notes.append(
        "`bench.naive`: the same moto table (article, slug, feed entry and three tag entries per article) read both "
        "ways in the same run. Real: `DynamoDBFeed.list_index` (one Query) and `DynamoDBFeed.tag_neighbours` + "
        "`pressroom.relating.rank_related` (three Queries). Naive: a paginated Scan of the whole table (feed "
        "entries filtered, sorted, 20 taken; or every article's tags scored against the new article's). Scan read "
        "units from the size of every item scanned; Query read units from the items returned. moto's Scan re-sorts "
        "the table for each 1 MB page; the bench sorts once (`naive._linear_moto_scan`) so the Scan is linear as "
        "DynamoDB's is. Latencies on moto include moto's slow per-item serialisation for both designs."
    )


def run_cost(s: Section, quick: bool, shared: dict[str, Any]) -> None:
    from bench import api_scale, cost
    from bench.ingest import ingest_on_moto
    from pressroom_stack.prices import PRICES, PRICES_TAKEN, REGION, SOURCES
    from tests.moto_speedups import fast_moto_dynamodb

    with fast_moto_dynamodb():
        ingest = ingest_on_moto(copies=1)  # the samples once: the copies of a larger run resolve fewer promos
        articles = cost.article_write_units()
    if "ingest" in shared:  # the duration from the larger run of the ingest section
        ingest["articles_per_second"] = shared["ingest"]["articles_per_second"]
    scale = shared.get("scale") or api_scale.run((1_000,), requests=50)
    reads = scale["results"][0]
    figures = cost.model(ingest, reads, articles=articles)
    s.data = {"cost": figures}
    s.lines = cost.lines(figures)
    s.lines.append(
        f"price table ({REGION} list prices, taken {PRICES_TAKEN}): "
        + ", ".join(f"{k} ${v:.10g}" for k, v in PRICES.items())
    )
    s.lines += [f"source, {k}: {v}" for k, v in SOURCES.items()]
    usd = {
        k: figures[k]["per_million_usd"]["total"]
        for k in ("per_published_article", "per_feed_page", "per_article_read")
    }
    t = figures["tagging"]
    s.summary += [
        (
            f"US$ per 1 million published articles (target <= ${cost.MAX_USD_PER_MILLION:,.0f})",
            f"${usd['per_published_article']:,.2f}",
        ),
        (
            f"US$ per 1 million feed pages / article reads (uncached, read units at {reads['articles']:,} articles)",
            f"${usd['per_feed_page']:,.2f} / ${usd['per_article_read']:,.2f}",
        ),
        (
            "Tagging 1 million articles: Amazon Comprehend vs own tagger",
            f"${t['comprehend_per_million_usd']:,.2f} vs ${t['own_tagger_per_million_usd']:,.2f}",
        ),
    ]
    s.notes.append(
        "Counts per published article from `bench.ingest.ingest_on_moto(copies=1)` (the samples once, in order: "
        "their promos resolve later samples, so they count the rewrites of earlier articles that a 10-copy run, "
        "where most promos find their article already published, spreads thinner); write units billed from item "
        "sizes before and after each write (`bench.aws_calls.write_units`); Lambda duration per article from the "
        "ingest section's run; reads from the read API section at its smallest size."
    )
    s.notes.append(cost.__doc__.split("\n\n", 2)[2].strip().replace("\n", " ") if cost.__doc__ else "")


def run_stack(s: Section, quick: bool, shared: dict[str, Any]) -> None:
    try:
        from bench import stack
    except ImportError as e:
        s.lines = [f"skipped: bench.stack is not available ({e})"]
        return
    measure = getattr(stack, "measure", None)
    if measure is None:
        s.lines = ["skipped: bench.stack has no public measure() yet"]
        return
    figures = measure(runs=1 if quick else 3, round_trips=3 if quick else 5)
    s.data = {"stack": figures}
    s.lines = [
        f"local stack, median of {figures.runs} fresh starts and {figures.round_trips} uploads",
        f"start-up to a served feed: {figures.startup_to_served_feed_s:.2f} s (target < 10 s); "
        f"of which {figures.startup_breakdown_s}",
        f"upload -> served round trip: {figures.round_trip_median_s:.3f} s median, "
        f"{figures.round_trip_max_s:.3f} s max",
    ]
    burst = stack.burst(100 if quick else 228)
    s.data["burst"] = asdict(burst)
    s.lines.append(
        f"burst: {burst.articles} short articles uploaded at once, all served in {burst.seconds:.1f} s "
        f"({burst.articles_per_s:.1f} articles/s, target >= 10); {burst.batches} batches of {burst.mean_batch:.1f}, "
        f"up to {burst.peak_concurrency} at once; invocations {burst.invoke_s:.1f} s in all"
    )
    s.summary += [
        ("Local stack start-up to a served feed (median)", f"{figures.startup_to_served_feed_s:.2f} s"),
        (
            "Local stack upload -> served (median / max)",
            f"{figures.round_trip_median_s:.3f} / {figures.round_trip_max_s:.3f} s",
        ),
        (
            f"Local stack burst of {burst.articles} short articles -> all served",
            f"{burst.articles_per_s:.1f} articles/s",
        ),
    ]


def run_reindex(s: Section, quick: bool, shared: dict[str, Any]) -> None:
    from bench import reindex

    default = reindex.QUICK_ARTICLES if quick else reindex.BENCH_ARTICLES
    count = shared.get("reindex_articles") or default
    if count != default:
        s.command += f" --reindex-articles {count}"
    figures = reindex.measure(count)
    s.data = {"reindex": asdict(figures)}
    s.lines = reindex.lines(figures)
    s.summary += reindex.summary(figures)
    s.notes += [paragraph.replace("\n", " ") for paragraph in (reindex.__doc__ or "").strip().split("\n\n")[2:]]


RUNNERS: dict[str, tuple[str, Callable[[Section, bool, dict[str, Any]], None]]] = {
    "cold_start": ("Cold start", run_cold_start),
    "ingest": ("Ingest", run_ingest),
    "tags": ("Tagger quality", run_tags),
    "linearity": ("Enrichment linearity", run_linearity),
    "scale": ("Read API at scale", run_scale),
    "naive": ("Against the naive design", run_naive),
    "cost": ("Cost model", run_cost),
    "stack": ("Local stack", run_stack),
    "reindex": ("Reindex on the local stack", run_reindex),
}


# ---------------------------------------------------------------------------------------------------- RESULTS.md


@dataclass(frozen=True)
class Carried:
    """A section of an earlier RESULTS.md kept as it was (a partial run leaves the sections it does not run)."""

    title: str
    rows: list[str]
    """Its rows of the summary table."""
    text: str
    """From its ``## `` heading to the next section."""
    measured_at: str


def earlier_sections(text: str) -> dict[str, Carried]:
    """The sections of an earlier RESULTS.md by title, with their summary rows (the Summary itself excepted)."""
    rows = [line for line in text.splitlines() if line.startswith("| ") and "](#" in line]
    found = {}
    for block in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        title = block.split("\n", 1)[0].strip()
        if title == "Summary":
            continue
        link = f"](#{_anchor(title)}) |"
        measured = re.search(r"^_Measured (.+?) on ", block, re.MULTILINE)
        found[title] = Carried(
            title=title,
            rows=[row for row in rows if row.endswith(link)],
            text="## " + block.strip("\n"),
            measured_at=measured.group(1) if measured else "an unknown date",
        )
    return found


def render(sections: list[Section | Carried], m: dict[str, str], started: str, seconds: float, argv: list[str]) -> str:
    """The Markdown of RESULTS.md: the sections in the order given, those carried over as they were."""
    where = machine_text(m)
    invocation = "python -m bench" + ("" if not argv else " " + " ".join(argv))
    carried = [s for s in sections if isinstance(s, Carried)]
    out = [
        "# Benchmark results",
        "",
        f"Written by `{invocation}` (`make bench` runs `python -m bench`), started {started}, "
        f"took {seconds / 60:.1f} min.",
        f"Machine: {where}; moto {m['moto']}; load average at start {m['load']} (other work shared the machine: "
        "latencies are medians of repeated runs).",
    ]
    if carried:
        out.append(
            "Kept from an earlier run, as they were: "
            + ", ".join(f"{s.title} (measured {s.measured_at})" for s in carried)
            + ". Every other figure below was measured in this run on this machine; each section gives its date "
            "and the command that reproduces it."
        )
    else:
        out.append(
            "Every figure below was measured in this run on this machine; each section gives its date and the "
            "command that reproduces it."
        )
    out[-1] += (
        " DynamoDB is moto's, with `tests.moto_speedups.fast_moto_dynamodb()` (a Query looks at its own partition "
        "only, as DynamoDB's does, and has moto sort only the keys it can return; transaction snapshots are cheap; "
        "semantics unchanged), which makes 100,000 articles feasible."
    )
    out += ["", "## Summary", "", "| figure | value | section |", "|---|---|---|"]
    for s in sections:
        if isinstance(s, Carried):
            out += s.rows
            continue
        for figure, value in s.summary:
            out.append(f"| {figure} | {value} | [{s.title}](#{_anchor(s.title)}) |")
    for s in sections:
        if isinstance(s, Carried):
            out += ["", s.text]
            continue
        out += [
            "",
            f"## {s.title}",
            "",
            f"_Measured {s.measured_at} on {where}, in {s.seconds:.0f} s. Reproduce: `{s.command}`._",
            "",
        ]
        out += [f"- {line}" for line in s.lines]
        if s.notes:
            out += ["", *[f"{note}" for note in s.notes if note]]
    return "\n".join(out) + "\n"


def _anchor(title: str) -> str:
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c == "-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (a fast check)")
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        metavar="SECTION",
        help=f"run only this section (repeatable): {', '.join(SECTIONS)}",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the results (RESULTS.md)")
    parser.add_argument(
        "--reindex-articles",
        type=int,
        metavar="N",
        help="articles of the reindex section (default 1,000; 200 with --quick; 10,000 takes about an hour)",
    )
    args = parser.parse_args(argv)
    chosen = [name for name in SECTIONS if not args.only or name in args.only]
    # a partial run keeps the sections it does not run from the file it rewrites
    earlier = earlier_sections(args.output.read_text(encoding="utf-8")) if args.only and args.output.exists() else {}
    m = machine()
    started, t0 = now_text(), time.perf_counter()
    print(f"bench: {', '.join(chosen)} on {machine_text(m)} (load {m['load']})", flush=True)
    sections: list[Section | Carried] = []
    shared: dict[str, Any] = {"reindex_articles": args.reindex_articles}
    for name in SECTIONS:
        title, runner = RUNNERS[name]
        if name not in chosen:
            if title in earlier:
                sections.append(earlier[title])
            continue
        section = Section(name, title, command(name, args.quick), measured_at=now_text())
        print(f"\n== {title} ({section.command})", flush=True)
        t1 = time.perf_counter()
        runner(section, args.quick, shared)
        section.seconds = time.perf_counter() - t1
        for line in section.lines:
            print(line, flush=True)
        print(f"   ({section.seconds:.0f} s)", flush=True)
        sections.append(section)
    seconds = time.perf_counter() - t0
    forwarded = (["--quick"] if args.quick else []) + [f"--only {n}" for n in args.only or []]
    if args.reindex_articles:
        forwarded.append(f"--reindex-articles {args.reindex_articles}")
    args.output.write_text(render(sections, m, started, seconds, forwarded), encoding="utf-8")
    print(f"\nwrote {args.output} ({seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
