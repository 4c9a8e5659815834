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
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check article files against the upload format; prints `FILE: ok` or `FILE: loc: message` per error."""
    from pressroom.parsing import UploadRejected, parse_upload

    invalid = 0
    for path in files:
        try:
            parse_upload(path.read_bytes(), f"incoming/{path.name}")
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
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait for each article's outcome.")
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(0), help="Seconds to wait.")
@click.option(
    "--validate/--no-validate",
    "check",
    default=True,
    show_default=True,
    help="Validate locally first and skip invalid files (--no-validate uploads them; the pipeline rejects them).",
)
@click.option("--api-url", help="Read API base URL (default: the stack's ApiUrl, or the local API).")
def publish(
    paths: tuple[Path, ...],
    stack_name: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    wait: bool,
    timeout: float,
    check: bool,
    api_url: str | None,
) -> None:
    """Upload article files (or folders of *.json / *.txt) to the stack's bucket under incoming/.

    Then, with --wait, report what was published and what was rejected, with the reasons from the rejection
    reports. Exit code 1 if anything was invalid, rejected or not processed in time.
    """
    from datetime import UTC, datetime

    from pressroom_stack import publishing
    from pressroom_stack.target import StackTarget

    with _errors():
        uploads = publishing.plan(publishing.collect(paths))
        if not uploads:
            raise click.UsageError("no *.json or *.txt files in the given paths")
        invalid = _check_locally(uploads, datetime.now(UTC), report=check)
        to_send = [u for u in uploads if u not in invalid] if check else uploads
        invalid = invalid if check else []
        target = StackTarget(stack_name, endpoint_url, region, profile)
        bucket = target.outputs()["ArticlesBucketName"]
        s3 = target.client("s3")
        with click.progressbar(
            length=len(to_send), label=f"Uploading to s3://{bucket}/incoming/", file=sys.stderr
        ) as bar:
            publishing.upload_all(s3, bucket, to_send, lambda _: bar.update(1))
        if not wait:
            for upload in to_send:
                click.echo(f"uploaded  {upload.path} -> s3://{bucket}/{upload.key}")
            sys.exit(1 if invalid else 0)
        resolved_api = target.api_url(api_url)
        click.echo(f"Waiting for the pipeline (up to {timeout:.0f} s) ...", err=True)
        publishing.wait_for_outcomes(s3, bucket, resolved_api, to_send, timeout=timeout)
    failed = len(invalid)
    for upload in to_send:
        failed += _report(upload)
    click.echo(f"{len(uploads) - failed} of {len(uploads)} file(s) went through", err=True)
    sys.exit(1 if failed else 0)


def _check_locally(uploads: list[Any], now: Any, *, report: bool) -> list[Any]:
    """Parse each file as the pipeline will: the invalid ones (printed when ``report``), and for the valid ones
    what to wait for (slug, id, draft or scheduled)."""
    from pressroom.parsing import UploadRejected, parse_upload
    from pressroom_stack.publishing import expectation

    invalid = []
    for upload in uploads:
        try:
            article = parse_upload(upload.path.read_bytes(), upload.key)
        except UploadRejected as rejected:
            invalid.append(upload)
            if not report:
                continue
            click.echo(f"invalid   {upload.path} (not uploaded)")
            for error in rejected.errors:
                click.echo(f"          {upload.path}: {error.loc}: {error.msg}")
        else:
            expectation(upload, article, now)
    return invalid


def _report(upload: Any) -> int:
    """Print one upload's outcome; 1 if it failed."""
    if upload.outcome == "published":
        click.echo(f"published {upload.path} -> {upload.url}")
    elif upload.outcome == "withdrawn":
        click.echo(f"withdrawn {upload.path} ({upload.url} answers 410 Gone)")
    elif upload.outcome == "accepted":
        click.echo(f"accepted  {upload.path} ({upload.detail})")
    elif upload.outcome == "rejected":
        click.echo(f"rejected  {upload.path} (report: rejected/{upload.key}.error.json)")
        for error in upload.errors:
            click.echo(f"          {upload.path}: {error.get('loc', '')}: {error.get('msg', '')}")
    else:
        click.echo(f"pending   {upload.path}: no outcome in time; check the function logs and the dead-letter queue")
    return 0 if upload.outcome in ("published", "withdrawn", "accepted") else 1


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
