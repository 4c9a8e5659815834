"""The local stack: moto as the AWS endpoint (in its own process, ``moto_host``), ``template.yaml`` deployed into it,
the functions run in-process.

``LocalStack(...).start()`` is what ``pressroom up`` runs; tests and benchmarks use it directly (``port=0``
picks free ports). Only one local stack per process: the handlers' environment is global.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3
import requests

from pressroom_stack.apigw import ApiTarget, LocalApi, routes_of
from pressroom_stack.deploy import DeployedStack, deploy
from pressroom_stack.fates import UploadFate
from pressroom_stack.moto_gaps import DEFAULT_ACCOUNT_ID, Gap
from pressroom_stack.moto_host import MotoHost, MotoHostError
from pressroom_stack.names import ARTIFACTS_BUCKET, DEFAULT_STACK_NAME, STATE_KEY, local_session
from pressroom_stack.poller import BatchOutcome, Clock, SqsMapping, SqsPoller
from pressroom_stack.runtime import (
    FunctionConfig,
    Handler,
    LocalFunction,
    MetricsOutOfTheLog,
    fresh_handler,
    import_handler,
    metric_data,
)
from pressroom_stack.template import REPO_ROOT, TEMPLATE_PATH, load_template

log = logging.getLogger("pressroom_stack.local")

SAMPLES_DIR = REPO_ROOT / "examples" / "articles"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}  # nosec B105 - moto's dummy credentials


class LocalStackError(RuntimeError):
    """The local stack could not start; the message says what to fix."""


@dataclass
class LocalStackConfig:
    host: str = "127.0.0.1"
    aws_port: int = 5000
    api_port: int = 3000
    stack_name: str = DEFAULT_STACK_NAME
    region: str = "us-east-1"
    stage: str = "dev"
    template_path: Path = TEMPLATE_PATH
    publish_samples: bool = True
    samples_dir: Path = SAMPLES_DIR
    retry_delay: int = 1
    """Seconds before a failed SQS message is visible again (Lambda waits for the queue's visibility timeout)."""
    batching_window: float | None = None
    """Seconds the pollers wait to fill a batch; None: the mapping's ``MaximumBatchingWindowInSeconds``."""
    cache_dir: Path | None = REPO_ROOT / ".local-stack"
    """Where transformed templates are cached between starts (None: no cache)."""
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    """Handler overrides by function logical id or name; others are imported from the deployed ``Handler``."""
    on_batch: Callable[[BatchOutcome], None] | None = None
    """Called after each SQS batch an in-process function handled (from the poller's thread)."""
    clock: Clock | None = None
    """The pollers' time source and waits; None: the process's clock, with SQS long polling (see ``poller``: under
    process-wide ``faketime`` timed thread waits never end, so inject a clock there)."""


@dataclass(frozen=True)
class Timings:
    moto: float
    deploy: float
    gaps: float
    runtime: float
    total: float


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class LocalStack:
    """Start with :meth:`start`, stop with :meth:`stop` (or use it as a context manager)."""

    def __init__(self, config: LocalStackConfig | None = None, **overrides: Any) -> None:
        self.config = config or LocalStackConfig(**overrides)
        self.stack: DeployedStack | None = None
        self.gaps: list[Gap] = []
        self.functions: dict[str, LocalFunction] = {}
        self.timings: Timings | None = None
        self.published_samples: list[str] = []
        self.sample_fates: dict[str, UploadFate] = {}
        self._moto: MotoHost | None = None
        self._api: LocalApi | None = None
        self._pollers: list[SqsPoller] = []
        self._saved_env: dict[str, str | None] = {}
        self._resource_ids: dict[str, tuple[str, str]] = {}
        self._session: boto3.Session | None = None
        self._clients: dict[str, Any] = {}
        self.function_output: MetricsOutOfTheLog | None = None
        """``sys.stdout`` while the stack runs: the functions' metric documents go to the local CloudWatch."""

    # ------------------------------------------------------------------ public surface

    @property
    def endpoint_url(self) -> str:
        if self._moto is None:
            raise LocalStackError("the local stack is not started")
        return f"http://{self._moto.host}:{self._moto.port}"

    @property
    def moto_pid(self) -> int | None:
        """The moto host's process id (None: not started)."""
        return None if self._moto is None else self._moto.pid

    @property
    def api_url(self) -> str:
        if self._api is None:
            raise LocalStackError("the local stack is not started")
        return self._api.url

    @property
    def outputs(self) -> dict[str, str]:
        return dict(self.stack.outputs) if self.stack else {}

    def session(self) -> boto3.Session:
        """A session with the dummy credentials; shared, so service models are loaded once."""
        if self._session is None:
            self._session = local_session(self.config.region)
        return self._session

    def client(self, service: str) -> Any:
        """A client of the local endpoint (cached; boto3 clients are thread-safe)."""
        if service not in self._clients:
            self._clients[service] = self.session().client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]
        return self._clients[service]

    def physical_id(self, logical_id: str) -> str:
        return self._resource_ids[logical_id][0]

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        cfg = self.config
        started = time.perf_counter()
        for port, flag in ((cfg.aws_port, "--aws-port"), (cfg.api_port, "--api-port")):
            if port and not _port_free(cfg.host, port):
                raise LocalStackError(f"port {port} on {cfg.host} is in use; stop what uses it or pass {flag}")
        try:
            self._start_moto()
            moto_ready = time.perf_counter()
            self._api = LocalApi(host=cfg.host, port=cfg.api_port)
            self._set_env(
                {
                    **DUMMY_CREDENTIALS,
                    "AWS_DEFAULT_REGION": cfg.region,
                    "AWS_REGION": cfg.region,
                    "AWS_ENDPOINT_URL": self.endpoint_url,
                    "POWERTOOLS_TRACE_DISABLED": "true",
                }
            )
            self.stack = self._deploy()
            deployed = time.perf_counter()
            self.gaps = self._apply_gaps()
            gaps_done = time.perf_counter()
            self.function_output = MetricsOutOfTheLog(sys.stdout, self._publish_metrics)
            sys.stdout = self.function_output
            self._start_runtime()
            self._write_state()
            if cfg.publish_samples:
                self.publish_samples()
            ready = time.perf_counter()
        except BaseException:
            self.stop()
            raise
        self.timings = Timings(
            moto=moto_ready - started,
            deploy=deployed - moto_ready,
            gaps=gaps_done - deployed,
            runtime=ready - gaps_done,
            total=ready - started,
        )

    def stop(self) -> None:
        for poller in self._pollers:
            poller.stop()
        self._pollers.clear()
        if self.function_output is not None and sys.stdout is self.function_output:
            sys.stdout = self.function_output.target
        self.function_output = None
        if self._api is not None:
            self._api.stop()
            self._api = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        self._clients.clear()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    # ------------------------------------------------------------------ steps

    def _start_moto(self) -> None:
        # a function invocation that records no metric makes Powertools warn, once per invocation
        warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
        try:
            self._moto = MotoHost(self.config.host, self.config.aws_port)
        except MotoHostError as e:
            raise LocalStackError(str(e)) from e
        requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()

    def _set_env(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def _deploy(self) -> DeployedStack:
        cfg = self.config
        return deploy(
            load_template(cfg.template_path),
            stack_name=cfg.stack_name,
            artifacts_bucket=ARTIFACTS_BUCKET,
            parameters={"Stage": cfg.stage, "PublicBaseUrl": self.api_url},
            region=cfg.region,
            session=self.session(),
            endpoint_url=self.endpoint_url,
            base_dir=cfg.template_path.parent,
            cache_dir=cfg.cache_dir,
        )

    def _apply_gaps(self) -> list[Gap]:
        assert self.stack is not None and self._moto is not None  # nosec B101 - narrows types; start() sets them
        cfn = self.client("cloudformation")
        resources = cfn.describe_stack_resources(StackName=self.config.stack_name)["StackResources"]
        self._resource_ids = {
            r["LogicalResourceId"]: (r["PhysicalResourceId"], r["ResourceType"])
            for r in resources
            if "LogicalResourceId" in r and "PhysicalResourceId" in r
        }
        try:
            gaps = self._moto.apply_gaps(
                self.stack.template,
                self.config.stack_name,
                endpoint_url=self.endpoint_url,
                region=self.config.region,
                account_id=DEFAULT_ACCOUNT_ID,
                local_api_url=self.api_url,
            )
        except MotoHostError as e:
            raise LocalStackError(str(e)) from e
        # Applying the gaps points CdnUrl at the local API (there is no CDN locally).
        (described,) = cfn.describe_stacks(StackName=self.config.stack_name)["Stacks"]
        self.stack = replace(self.stack, outputs={o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]})
        return gaps

    def _function(self, logical_id: str, config: FunctionConfig) -> LocalFunction:
        """The function with its handler override, else its deployed handler (a fresh module per environment)."""
        overrides = self.config.handlers
        for name in (logical_id, config.name):
            if name in overrides:
                return LocalFunction(config, overrides[name])
        return LocalFunction(config, import_handler(config.handler), new_handler=lambda: fresh_handler(config.handler))

    def _start_runtime(self) -> None:
        lam, sqs = self.client("lambda"), self.client("sqs")
        by_logical = {
            logical: FunctionConfig.fetch(lam, physical)
            for logical, (physical, rtype) in self._resource_ids.items()
            if rtype == "AWS::Lambda::Function"
        }
        self._set_env(_merged_environment(by_logical.values()))
        self.functions = {config.name: self._function(logical, config) for logical, config in by_logical.items()}
        for function in self.functions.values():
            for mapping in SqsMapping.for_function(lam, sqs, function.name):
                if self.config.batching_window is not None:
                    mapping = dataclasses.replace(mapping, batching_window=self.config.batching_window)
                poller = SqsPoller(
                    sqs=sqs,
                    mapping=mapping,
                    function=function,
                    retry_delay=self.config.retry_delay,
                    on_batch=self.config.on_batch,
                    clock=self.config.clock,
                )
                poller.start()
                self._pollers.append(poller)
        apigw = self.client("apigateway")
        for physical, rtype in self._resource_ids.values():
            if rtype != "AWS::ApiGateway::RestApi":
                continue
            stages = apigw.get_stages(restApiId=physical).get("item", [])
            routes = routes_of(apigw, physical)
            assert self._api is not None  # nosec B101 - narrows a type; start() sets it
            self._api.target = ApiTarget(
                rest_api_id=physical,
                stage=stages[0]["stageName"] if stages else self.config.stage,
                account_id=DEFAULT_ACCOUNT_ID,
                routes=routes,
                functions={r.function_name: self.functions[r.function_name] for r in routes},
            )
        assert self._api is not None  # nosec B101 - narrows a type; start() sets it
        self._api.start()

    def _publish_metrics(self, document: dict[str, Any]) -> None:
        """An invocation's embedded metric format document -> PutMetricData on the local CloudWatch."""
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        try:
            for namespace, datum in metric_data(document):
                by_namespace.setdefault(namespace, []).append(datum)
            cloudwatch = self.client("cloudwatch")
            for namespace, data in by_namespace.items():
                for start in range(0, len(data), 1000):
                    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 1000])
        except Exception as error:  # a metric lost is reported, never an invocation failed
            log.warning("metrics not published to the local CloudWatch: %s", error)

    def _write_state(self) -> None:
        state = {"stack_name": self.config.stack_name, "api_url": self.api_url, "endpoint_url": self.endpoint_url}
        self.client("s3").put_object(Bucket=ARTIFACTS_BUCKET, Key=STATE_KEY, Body=json.dumps(state).encode())

    def publish_samples(self, *, timeout: float = 60.0) -> list[str]:
        """Upload the sample articles to ``incoming/`` and wait until the pipeline's records give each one's fate
        (published, draft, rejected ...: see ``fates``), at most ``timeout`` seconds; returns their keys. The fates
        are in :attr:`sample_fates`, the keys in :attr:`published_samples`; one still ``pending`` afterwards means the
        stack is not ready (:meth:`summary` says so instead of Ready)."""
        from pressroom.adapters.dynamodb_feed import DynamoDBFeed
        from pressroom.adapters.s3_source import S3ArticleSource
        from pressroom_stack.fates import Records
        from pressroom_stack.publishing import collect, plan, upload_all, wait_for_fates

        folder = self.config.samples_dir
        if not folder.is_dir():
            return []
        uploads = plan(collect([folder]))
        s3, bucket = self.client("s3"), self.outputs["ArticlesBucketName"]
        upload_all(s3, bucket, uploads, lambda _: None)
        records = Records(
            store=DynamoDBFeed(self.outputs["FeedTableName"], client=self.client("dynamodb")),
            source=S3ArticleSource(bucket, client=s3),
            base_url=self.api_url,
        )
        wait_for_fates(records, uploads, timeout=timeout, interval=0.1)
        self.sample_fates = {u.key: u.fate for u in uploads}
        self.published_samples = [u.key for u in uploads]
        return self.published_samples

    def summary(self) -> str:
        """What ``pressroom up`` prints: endpoints, outputs, gaps, and an upload command to copy."""
        bucket = self.outputs.get("ArticlesBucketName", "<bucket>")
        lines = [
            f"Local AWS (moto)   {self.endpoint_url}   region {self.config.region}, dummy credentials",
            f"Local API          {self.api_url}   (stage {self.config.stage}; try {self.api_url}/articles)",
            "",
            f"Stack {self.config.stack_name} outputs:",
            *(f"  {k:<20} {v}" for k, v in self.outputs.items()),
            "",
            "Applied what moto's CloudFormation skips:",
            *(f"  {gap}" for gap in self.gaps),
            "",
            "Functions (run in-process, environment from their deployed configuration):",
            *(f"  {f.name:<20} {f.config.handler}" for f in self.functions.values()),
            "  their metrics (embedded metric format) go to the local CloudWatch, not to this log: "
            f"aws --endpoint-url {self.endpoint_url} cloudwatch list-metrics --namespace <namespace>",
            "",
            "Upload an article:",
            f"  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url {self.endpoint_url} "
            f"--region {self.config.region} s3 cp article.json s3://{bucket}/incoming/",
            f"  pressroom publish article.json --endpoint-url {self.endpoint_url}",
        ]
        pending = sorted(key for key, fate in self.sample_fates.items() if fate.fate == "pending")
        if self.published_samples:
            counts = Counter(fate.fate for fate in self.sample_fates.values())
            lines += [
                "",
                f"Published {len(self.published_samples)} sample articles from {self.config.samples_dir}: "
                + ", ".join(f"{n} {fate}" for fate, n in sorted(counts.items())),
            ]
        if pending:
            lines += [
                "",
                f"NOT ready: {len(pending)} sample(s) still pending ({', '.join(pending)}); "
                "check the function logs and `pressroom dlq list`",
            ]
        elif self.timings:
            t = self.timings
            lines += [
                "",
                f"Ready in {t.total:.1f} s (moto {t.moto:.1f}, deploy {t.deploy:.1f}, gaps {t.gaps:.1f}, "
                f"functions and samples {t.runtime:.1f})",
            ]
        return "\n".join(lines)


def _merged_environment(functions: Iterator[FunctionConfig] | Any) -> dict[str, str]:
    """One environment for every in-process function; a variable with two different values is an error."""
    merged: dict[str, str] = {}
    for config in functions:
        for name, value in config.environment.items():
            if name in merged and merged[name] != value:
                raise LocalStackError(
                    f"{name} differs between functions ({merged[name]!r} vs {value!r}); in-process functions share "
                    "one environment, so give it the same value or different names"
                )
            merged[name] = value
    return merged


def wait_until(predicate: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something truthy; returns it, or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout:.0f} s")
        time.sleep(interval)
