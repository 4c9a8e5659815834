"""``pressroom``: the command line of the pipeline -- local stack, validation, publishing and reading the feed.

Exit codes follow the AWS/SAM CLI: 0 success, 1 failure (invalid or rejected articles, unreachable stack …),
2 usage errors. Errors go to stderr as ``Error: <what to fix>``, never as a stack trace.
"""

from __future__ import annotations

import io
import json
import logging
import signal
import sys
import threading
import xml.etree.ElementTree as ET  # noqa: S405  # nosec B405 - parses only our own API's feed output
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from pressroom_stack.names import DEFAULT_STACK_NAME

F = TypeVar("F", bound=Callable[..., Any])
FEED_PATHS = {"json": "/feed.json", "rss": "/feed.xml", "atom": "/atom.xml"}
TAG_KINDS = ("person", "organisation", "place", "work", "event", "topic", "editorial")  # pressroom.models.TagKind


@contextmanager
def _errors() -> Iterator[None]:
    """Known failures become ``Error: …`` on stderr and exit code 1."""
    from botocore.exceptions import BotoCoreError, ClientError
    from requests import RequestException

    from pressroom_stack.target import TargetError

    try:
        yield
    except (TargetError, ValueError, OSError) as error:
        raise click.ClickException(str(error)) from None
    except (BotoCoreError, ClientError) as error:
        raise click.ClickException(f"AWS call failed: {error}") from None
    except RequestException as error:
        raise click.ClickException(f"API request failed: {error}") from None


def aws_options(command: F) -> F:
    """The AWS CLI habits: --stack-name (alias --stack), --endpoint-url, --region, --profile."""
    for option in reversed(
        [
            click.option(
                "--stack-name",
                "--stack",
                "stack_name",
                default=DEFAULT_STACK_NAME,
                show_default=True,
                help="CloudFormation stack whose Outputs locate the bucket and the API.",
            ),
            click.option(
                "--endpoint-url",
                envvar="AWS_ENDPOINT_URL",
                help="AWS endpoint, e.g. http://127.0.0.1:5000 for the local stack (default: real AWS).",
            ),
            click.option("--region", envvar="AWS_REGION", help="AWS region (default: from the profile / environment)."),
            click.option("--profile", envvar="AWS_PROFILE", help="AWS named profile."),
        ]
    ):
        command = option(command)
    return command


def output_option(command: F) -> F:
    """--output json|text: json is stable for scripts."""
    return click.option(
        "--output",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text for people, json (stable) for scripts.",
    )(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="pressroom", prog_name="pressroom")
def main() -> None:
    """Pressroom: a serverless article-publishing pipeline (S3 -> SQS -> Lambda -> DynamoDB -> API Gateway)."""


# ---------------------------------------------------------------------------------------------- up


@main.command()
@click.option(
    "--aws-port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="Local AWS (moto) port."
)
@click.option("--api-port", default=3000, show_default=True, type=click.IntRange(0, 65535), help="Local API port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--no-samples", is_flag=True, help="Do not publish the sample articles in examples/articles.")
def up(aws_port: int, api_port: int, host: str, no_samples: bool) -> None:
    """Start the local stack: moto as AWS, template.yaml deployed into it, the functions run in-process.

    Stops cleanly on Ctrl-C or SIGTERM.
    """
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)-24s %(message)s")
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from pressroom_stack.local import LocalStack, LocalStackError
    from pressroom_stack.runtime import HandlerNotFound

    stack = LocalStack(aws_port=aws_port, api_port=api_port, host=host, publish_samples=not no_samples)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    click.echo("Starting the local stack (moto, deploy template.yaml, functions) ...", err=True)
    try:
        stack.start()
    except (LocalStackError, HandlerNotFound) as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        stack.stop()
        raise click.Abort from None
    click.echo(stack.summary())
    click.echo("\nFunction logs follow. Ctrl-C to stop.\n", err=True)
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("Stopping the local stack ...", err=True)
        stack.stop()


# ---------------------------------------------------------------------------------------------- validate, schema


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check article files (or folders of *.json / *.txt, or - for standard input as JSON) exactly as the pipeline
    will: the same parse, validation and enrichment. Prints `FILE: ok` or `FILE: loc: message` per error."""
    from datetime import UTC, datetime

    from pressroom.parsing import UploadRejected
    from pressroom.preparing import prepare
    from pressroom_stack.publishing import collect

    missing = [p for p in paths if str(p) != "-" and not p.exists()]
    if missing:
        raise click.BadParameter(f"{missing[0]} does not exist", param_hint="PATHS")
    files = [p for p in paths if str(p) == "-"] + collect(p for p in paths if str(p) != "-")
    invalid = 0
    for path in files:
        stdin = str(path) == "-"
        data = sys.stdin.buffer.read() if stdin else path.read_bytes()
        try:
            prepare(data, "incoming/stdin.json" if stdin else f"incoming/{path.name}", uploaded_at=datetime.now(UTC))
        except UploadRejected as rejected:
            invalid += 1
            for error in rejected.errors:
                click.echo(f"{path}: {error.loc}: {error.msg}")
        else:
            click.echo(f"{path}: ok")
    if invalid:
        click.echo(f"{invalid} of {len(files)} file(s) invalid", err=True)
        sys.exit(1)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the upload format."""
    from pressroom.models import upload_json_schema

    click.echo(json.dumps(upload_json_schema(), indent=2, ensure_ascii=False))


# ---------------------------------------------------------------------------------------------- publish


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@aws_options
@output_option
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait for each article's outcome.")
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(0), help="Seconds to wait.")
@click.option(
    "--validate/--no-validate",
    "check",
    default=True,
    show_default=True,
    help="Validate locally first and skip invalid files (--no-validate uploads them; the pipeline rejects them).",
)
@click.option("--api-url", help="Read API base URL for article links (default: the stack's ApiUrl, or the local API).")
def publish(
    paths: tuple[Path, ...],
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
    wait: bool,
    timeout: float,
    check: bool,
    api_url: str | None,
) -> None:
    """Upload article files (or folders of *.json / *.txt) to the stack's bucket under incoming/.

    Then, with --wait, report each file's fate from the pipeline's own records for its key and ETag (published,
    scheduled, draft, withdrawn, rejected with the reasons, stale, superseded). Exit code 1 if any file was invalid,
    rejected, stale, superseded or had no outcome in time.
    """
    from datetime import UTC, datetime

    from pressroom_stack import publishing
    from pressroom_stack.fates import WENT_THROUGH
    from pressroom_stack.target import StackTarget

    with _errors():
        uploads = publishing.plan(publishing.collect(paths))
        if not uploads:
            raise click.UsageError("no *.json or *.txt files in the given paths")
        invalid = _check_locally(uploads, datetime.now(UTC), report=check and output == "text")
        to_send = [u for u in uploads if u not in invalid] if check else uploads
        invalid = invalid if check else []
        target = StackTarget(stack_name, endpoint_url, region, profile)
        bucket = target.outputs()["ArticlesBucketName"]
        s3 = target.client("s3")
        with click.progressbar(
            length=len(to_send), label=f"Uploading to s3://{bucket}/incoming/", file=sys.stderr
        ) as bar:
            publishing.upload_all(s3, bucket, to_send, lambda _: bar.update(1))
        if wait:
            records = _records(target, api_url)
            with click.progressbar(length=len(to_send), label="Waiting for the pipeline", file=sys.stderr) as bar:
                publishing.wait_for_fates(records, to_send, timeout=timeout, progress=bar.update)
    fates = [u.fate for u in to_send]
    failed = len(invalid) + sum(1 for f in fates if wait and f.fate not in WENT_THROUGH)
    if output == "json":
        rows = [{"path": str(u.path), **u.fate.as_dict()} for u in to_send]
        rows += [{"path": str(u.path), "key": u.key, "etag": None, "fate": "invalid"} for u in invalid]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for upload in to_send:
            click.echo(
                _fate_line(str(upload.path), upload.fate) if wait else f"uploaded  {upload.path} -> {upload.key}"
            )
        click.echo(f"{len(uploads) - failed} of {len(uploads)} file(s) went through", err=True)
    sys.exit(1 if failed else 0)


def _check_locally(uploads: list[Any], now: Any, *, report: bool) -> list[Any]:
    """Check each file as the pipeline will (the same code path); the invalid ones, printed when ``report``."""
    from pressroom.parsing import UploadRejected
    from pressroom.preparing import prepare

    invalid = []
    for upload in uploads:
        try:
            prepare(upload.path.read_bytes(), upload.key, uploaded_at=now)
        except UploadRejected as rejected:
            invalid.append(upload)
            if not report:
                continue
            click.echo(f"invalid   {upload.path} (not uploaded)")
            for error in rejected.errors:
                click.echo(f"          {upload.path}: {error.loc}: {error.msg}")
    return invalid


def _records(target: Any, api_url: str | None) -> Any:
    from pressroom.adapters.dynamodb_feed import DynamoDBFeed
    from pressroom.adapters.s3_source import S3ArticleSource
    from pressroom_stack.fates import Records

    outputs = target.outputs()
    return Records(
        store=DynamoDBFeed(outputs["FeedTableName"], client=target.client("dynamodb")),
        source=S3ArticleSource(outputs["ArticlesBucketName"], client=target.client("s3")),
        base_url=target.api_url(api_url),
    )


def _fate_line(name: str, fate: Any) -> str:
    """One upload's fate as a line (and its errors, indented)."""
    lines = {
        "published": f"published  {name} -> {fate.url}",
        "scheduled": f"scheduled  {name} -> {fate.url} (hidden until its published_at)",
        "draft": f"draft      {name} (stored, never served)",
        "withdrawn": f"withdrawn  {name}" + (f" ({fate.url} answers 410 Gone)" if fate.url else " (never published)"),
        "rejected": f"rejected   {name} (report: {fate.report})",
        "stale": f"stale      {name}: a newer version is served (report: {fate.report})",
        "superseded": f"superseded {name}: another upload replaced it at {fate.key} before it was processed",
        "deleted": f"deleted    {name}: {fate.key} was deleted",
        "pending": f"pending    {name}: no outcome yet; check the function logs and `pressroom dlq list`",
    }
    errors = [f"           {name}: {e.get('loc', '')}: {e.get('msg', '')}" for e in fate.errors]
    return "\n".join([lines[fate.fate], *errors])


@main.command()
@click.argument("targets", nargs=-1, required=True)
@aws_options
@output_option
@click.option("--api-url", help="Read API base URL for article links (default: the stack's ApiUrl, or the local API).")
def status(
    targets: tuple[str, ...],
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
    api_url: str | None,
) -> None:
    """The fate of uploads: each TARGET is a key (incoming/...), whose current object is looked up, or a local file,
    looked up by its name and content (the ETag S3 gives it). Exit code 1 if any did not go through."""
    import hashlib
    from datetime import UTC, datetime

    from pressroom_stack.fates import WENT_THROUGH
    from pressroom_stack.target import StackTarget

    with _errors():
        records = _records(StackTarget(stack_name, endpoint_url, region, profile), api_url)
        fates = []
        for name in targets:
            path = Path(name)
            if path.is_file():
                key, etag = f"incoming/{path.name}", hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            else:
                key, etag = name, records.source.current_etag(name) or ""
            fates.append((name, records.fate(key, etag, now=datetime.now(UTC))))
    if output == "json":
        click.echo(json.dumps([{"target": n, **f.as_dict()} for n, f in fates], indent=2, ensure_ascii=False))
    else:
        for name, fate in fates:
            click.echo(_fate_line(name, fate))
    sys.exit(0 if all(f.fate in WENT_THROUGH for _, f in fates) else 1)


@main.command()
@aws_options
@output_option
def rejections(stack_name: str, endpoint_url: str | None, region: str | None, profile: str | None, output: str) -> None:
    """The current rejections: one per key whose current upload was rejected (key, etag, received_at, errors)."""
    from pressroom.adapters.s3_source import S3ArticleSource
    from pressroom_stack.target import StackTarget

    with _errors():
        target = StackTarget(stack_name, endpoint_url, region, profile)
        reports = list(S3ArticleSource(target.outputs()["ArticlesBucketName"], client=target.client("s3")).rejections())
    if output == "json":
        click.echo(json.dumps(reports, indent=2, ensure_ascii=False))
        return
    for report in reports:
        click.echo(f"{report['key']} ({report.get('etag')}, received {report.get('received_at')})")
        for error in report.get("errors", []):
            click.echo(f"    {error.get('loc', '')}: {error.get('msg', '')} [{error.get('type', '')}]")
    click.echo(f"{len(reports)} current rejection(s)", err=True)


@main.command()
@aws_options
@output_option
@click.option("--dry-run", is_flag=True, help="Print what would be reindexed and the estimate; send nothing.")
@click.option("--since", type=click.DateTime(), help="Only uploads modified at or after this date (UTC).")
@click.option("--only-stale", is_flag=True, help="Skip articles enriched by the current code already.")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Follow the queue until it is drained.")
@click.option("--timeout", default=3600.0, show_default=True, type=click.FloatRange(0), help="Seconds to follow.")
def reindex(
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
    dry_run: bool,
    since: Any,
    only_stale: bool,
    wait: bool,
    timeout: float,
) -> None:
    """Re-enrich stored articles with the current code: fans reindex requests out to the ingest queue, where
    IngestFunction does the work at the event source's concurrency. Idempotent; run it again to resume."""
    import time
    from datetime import UTC

    from pressroom_stack import reindex as plan
    from pressroom_stack.target import StackTarget

    with _errors():
        target = StackTarget(stack_name, endpoint_url, region, profile)
        outputs = target.outputs()
        bucket, queue = outputs["ArticlesBucketName"], outputs["IngestQueueUrl"]
        found = list(plan.keys(target.client("s3"), bucket, since=since.replace(tzinfo=UTC) if since else None))
        mappings = target.client("lambda").list_event_source_mappings(FunctionName=f"{stack_name}-ingest")
        scaling = [m.get("ScalingConfig", {}).get("MaximumConcurrency") for m in mappings["EventSourceMappings"]]
        estimate = plan.estimate(len(found), next((c for c in scaling if c), 5))
        summary = {
            "items": estimate.items,
            "concurrency": estimate.concurrency,
            "estimated_seconds": round(estimate.seconds, 1),
            "estimated_dollars": round(estimate.dollars, 6),
            "only_stale": only_stale,
            "dry_run": dry_run,
            "messages": 0,
        }
        if output == "text":
            click.echo(("Would reindex " if dry_run else "Reindexing ") + estimate.describe(), err=True)
        if not dry_run and found:
            sqs = target.client("sqs")
            with click.progressbar(length=len(found), label="Sending reindex requests", file=sys.stderr) as bar:
                summary["messages"] = plan.enqueue(
                    sqs, queue, bucket, found, only_stale=only_stale, progress=bar.update
                )
            deadline = time.monotonic() + timeout
            while wait and (left := plan.backlog(sqs, queue)) and time.monotonic() < deadline:
                if output == "text":
                    click.echo(f"  {left} message(s) left on the ingest queue", err=True)
                time.sleep(2)
    if output == "json":
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(f"{summary['messages']} message(s) sent for {summary['items']} article(s)")


# ---------------------------------------------------------------------------------------------- dlq


@main.group()
def dlq() -> None:
    """The dead-letter queue: messages that failed ingestion maxReceiveCount times (the DLQ alarm fires on them)."""


def _queues(target: Any) -> tuple[Any, str, str]:
    outputs = target.outputs()
    return target.client("sqs"), outputs["DeadLetterQueueUrl"], outputs["IngestQueueUrl"]


def _dead_letter_lines(letters: list[Any]) -> list[str]:
    lines = []
    for letter in letters:
        about = ", ".join(letter.keys) if letter.keys else ("s3:TestEvent" if letter.s3_notification else "")
        lines.append(
            f"{letter.message_id}  {about or 'not an S3 notification'}  "
            f"(received {letter.receive_count}x, first {letter.first_received_at or 'never'})"
        )
        lines.append(f"    reason: {letter.reason or 'in the IngestFunction log, message_id ' + letter.message_id}")
    return lines


@dlq.command("list")
@aws_options
@output_option
def dlq_list(stack_name: str, endpoint_url: str | None, region: str | None, profile: str | None, output: str) -> None:
    """Each message in the dead-letter queue: the S3 key(s) it is about (or that it is not an S3 notification),
    the reason when the message says it, its receive count and about when it first failed. Nothing is consumed
    (each message is hidden for 30 s at most and made visible again), but each listing adds one receive."""
    from pressroom_stack import dlq as dead_letters
    from pressroom_stack.target import StackTarget

    with _errors():
        sqs, dlq_url, _ = _queues(StackTarget(stack_name, endpoint_url, region, profile))
        letters = dead_letters.peek(sqs, dlq_url)
    if output == "json":
        click.echo(json.dumps([letter.as_dict() for letter in letters], indent=2, ensure_ascii=False))
        return
    for line in _dead_letter_lines(letters):
        click.echo(line)
    click.echo(f"{len(letters)} message(s) in {dlq_url}", err=True)


@dlq.command("redrive")
@aws_options
@output_option
@click.option("--dry-run", is_flag=True, help="Only list what would move.")
@click.option(
    "--wait", default=60.0, show_default=True, type=click.FloatRange(0), help="Seconds to wait for the move to finish."
)
def dlq_redrive(
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
    dry_run: bool,
    wait: float,
) -> None:
    """Move every message of the dead-letter queue back to the ingest queue (SQS StartMessageMoveTask), then report
    the task (ListMessageMoveTasks). Fix the cause first: a message that fails again comes back after
    maxReceiveCount more receives. Exit code 1 if the task failed or is still running after --wait."""
    from pressroom_stack import dlq as dead_letters
    from pressroom_stack.target import StackTarget

    with _errors():
        sqs, dlq_url, ingest_url = _queues(StackTarget(stack_name, endpoint_url, region, profile))
        source, destination = dead_letters.queue_arn(sqs, dlq_url), dead_letters.queue_arn(sqs, ingest_url)
        letters = dead_letters.peek(sqs, dlq_url)
        task = None if dry_run or not letters else dead_letters.redrive(sqs, source, destination, wait=wait)
    report = {
        "dry_run": dry_run,
        "source_arn": source,
        "destination_arn": destination,
        "messages": [letter.as_dict() for letter in letters],
        "task": task,
    }
    if output == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for line in _dead_letter_lines(letters):
            click.echo(line)
        if dry_run or not letters:
            click.echo(f"{len(letters)} message(s) would move to {destination}" if dry_run else "nothing to move")
        else:
            assert task is not None  # nosec B101 - narrows a type; set above when there are letters
            click.echo(
                f"move task {task.get('Status')}: {task.get('ApproximateNumberOfMessagesMoved', 0)} of "
                f"{task.get('ApproximateNumberOfMessagesToMove', len(letters))} moved to {destination}"
                + (f" ({task['FailureReason']})" if task.get("FailureReason") else "")
            )
    sys.exit(0 if task is None or task.get("Status") == "COMPLETED" else 1)


# ---------------------------------------------------------------------------------------------- tags


@main.group()
def tags() -> None:
    """The newsroom's tag registry: canonical tags (name, slug, kind, aliases) learned as articles are published, and
    the editors' rules over them. An edit applies to new uploads at once and to stored articles through
    `pressroom reindex --only-stale`."""


def _registry(stack_name: str, endpoint_url: str | None, region: str | None, profile: str | None) -> Any:
    from pressroom.adapters.dynamodb_registry import DynamoDBRegistry
    from pressroom_stack.target import StackTarget

    target = StackTarget(stack_name, endpoint_url, region, profile)
    return DynamoDBRegistry(target.outputs()["FeedTableName"], client=target.client("dynamodb")), target


def _edit(
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
    change: Callable[[Any], Any],
) -> None:
    """Apply one registry edit (``change`` of the stack's registry) and print what it did."""
    from pressroom_stack.tags import REINDEX

    with _errors():
        registry, _ = _registry(stack_name, endpoint_url, region, profile)
        edit = change(registry)
    if output == "json":
        click.echo(json.dumps(edit.as_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(edit.message)
    if edit.changed:
        click.echo(f"Tag rules version {edit.version}. New uploads get it now; for the stored articles run: {REINDEX}")


@tags.command("list")
@aws_options
@output_option
@click.option("--kind", type=click.Choice(TAG_KINDS), help="Only tags of this kind.")
@click.option("--blocked/--not-blocked", default=None, help="Only blocked tags, or only tags that are not.")
def tags_list(
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
    kind: str | None,
    blocked: bool | None,
) -> None:
    """Every canonical tag, by slug: its name, kind (and whether an editor set it), aliases and block."""
    from pressroom_stack import tags as registry_tags

    with _errors():
        registry, _ = _registry(stack_name, endpoint_url, region, profile)
        version, found = registry_tags.listed(registry, kind=kind, blocked=blocked)
    if output == "json":
        click.echo(json.dumps({"version": version, "tags": [t.as_dict() for t in found]}, indent=2, ensure_ascii=False))
        return
    for tag in found:
        click.echo(registry_tags.line(tag))
    click.echo(f"{len(found)} tag(s); tag rules version {version}", err=True)


@tags.command("show")
@click.argument("tag")
@aws_options
@output_option
def tags_show(
    tag: str, stack_name: str, endpoint_url: str | None, region: str | None, profile: str | None, output: str
) -> None:
    """One tag (by slug or name; an alias shows its canonical tag) and its newest articles."""
    from datetime import UTC, datetime

    from pressroom.adapters.dynamodb_feed import DynamoDBFeed
    from pressroom_stack import tags as registry_tags

    with _errors():
        registry, target = _registry(stack_name, endpoint_url, region, profile)
        reader = DynamoDBFeed(target.outputs()["FeedTableName"], client=target.client("dynamodb"))
        shown = registry_tags.show(registry, tag, reader=reader, now=datetime.now(UTC))
    if output == "json":
        click.echo(json.dumps(shown.as_dict(), indent=2, ensure_ascii=False))
        return
    entry = shown.tag
    if shown.alias:
        click.echo(f"{shown.alias} is an alias of {entry.slug}")
    click.echo(registry_tags.line(entry))
    if entry.first_seen:
        click.echo(f"  first seen {entry.first_seen} ({entry.provenance})")
    for article in shown.recent:
        click.echo(f"  {article['published_at'][:10]}  {article['slug']}  {article['title']}")


@tags.command("rename")
@click.argument("tag")
@click.argument("name")
@aws_options
@output_option
def tags_rename(
    tag: str,
    name: str,
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
) -> None:
    """Show TAG as NAME. A NAME with another slug moves the tag to it; the old slug becomes an alias (old links and
    feeds redirect)."""
    from pressroom_stack import tags as registry_tags

    _edit(stack_name, endpoint_url, region, profile, output, lambda registry: registry_tags.rename(registry, tag, name))


@tags.command("merge")
@click.argument("sources", nargs=-1, required=True)
@click.argument("into")
@aws_options
@output_option
def tags_merge(
    sources: tuple[str, ...],
    into: str,
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
) -> None:
    """Make each SOURCE tag an alias of the tag INTO: articles get INTO instead, and the SOURCE pages and feeds
    redirect to INTO's. A SOURCE no article has yet becomes an alias before it is ever used."""
    from pressroom_stack import tags as registry_tags

    _edit(
        stack_name, endpoint_url, region, profile, output, lambda registry: registry_tags.merge(registry, sources, into)
    )


@tags.command("unmerge")
@click.argument("alias")
@aws_options
@output_option
def tags_unmerge(
    alias: str, stack_name: str, endpoint_url: str | None, region: str | None, profile: str | None, output: str
) -> None:
    """Make ALIAS (a tag merged into another, or an old slug of a renamed tag) a tag of its own again."""
    from pressroom_stack import tags as registry_tags

    _edit(stack_name, endpoint_url, region, profile, output, lambda registry: registry_tags.unmerge(registry, alias))


@tags.command("kind")
@click.argument("tag")
@click.argument("kind", type=click.Choice([*TAG_KINDS, "auto"]))
@aws_options
@output_option
def tags_kind(
    tag: str,
    kind: str,
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
) -> None:
    """Give TAG the kind KIND on every article, whatever the extractor says (`auto`: the extractor's again)."""
    from pressroom_stack import tags as registry_tags

    wanted = None if kind == "auto" else kind
    _edit(
        stack_name,
        endpoint_url,
        region,
        profile,
        output,
        lambda registry: registry_tags.set_kind(registry, tag, wanted),
    )


@tags.command("block")
@click.argument("tag")
@click.option("--unblock", is_flag=True, help="Let the tag appear again.")
@aws_options
@output_option
def tags_block(
    tag: str,
    unblock: bool,
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    output: str,
) -> None:
    """Keep TAG off every article, the editor's tags included (a tag no article has yet too)."""
    from pressroom_stack import tags as registry_tags

    _edit(
        stack_name,
        endpoint_url,
        region,
        profile,
        output,
        lambda registry: registry_tags.block(registry, tag, unblock=unblock),
    )


# ---------------------------------------------------------------------------------------------- feed


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(sorted(FEED_PATHS)), default="json", show_default=True, help="Feed format."
)
@click.option("--limit", type=click.IntRange(1, 50), help="Keep only the newest N items.")
@aws_options
@click.option("--api-url", help="Read API base URL (default: the stack's ApiUrl, or the local API).")
def feed(
    fmt: str,
    limit: int | None,
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    api_url: str | None,
) -> None:
    """Print the feed: JSON Feed 1.1, RSS 2.0 or Atom 1.0, newest first."""
    import requests

    from pressroom_stack.target import StackTarget

    with _errors():
        base = api_url.rstrip("/") if api_url else StackTarget(stack_name, endpoint_url, region, profile).api_url()
        response = requests.get(base + FEED_PATHS[fmt], timeout=30)
        if response.status_code != 200:
            raise click.ClickException(
                f"{base}{FEED_PATHS[fmt]} answered {response.status_code}: {response.text[:200]}"
            )
        click.echo(_limited(response.text, fmt, limit) if limit else response.text)


def _limited(document: str, fmt: str, limit: int) -> str:
    if fmt == "json":
        data = json.loads(document)
        data["items"] = data.get("items", [])[:limit]
        return json.dumps(data, indent=2, ensure_ascii=False)
    for _, (prefix, uri) in ET.iterparse(io.StringIO(document), events=["start-ns"]):  # noqa: S314  # nosec B314 - our API's
        ET.register_namespace(prefix, uri)
    root = ET.fromstring(document)  # noqa: S314  # nosec B314 - the API's own output
    if fmt == "rss":
        parent, tag = root.find("channel"), "item"
    else:
        parent, tag = root, "{http://www.w3.org/2005/Atom}entry"
    if parent is not None:
        for extra in parent.findall(tag)[limit:]:
            parent.remove(extra)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


if __name__ == "__main__":
    main()
