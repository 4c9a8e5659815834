"""Package, transform and create a SAM template the way ``sam package`` + ``sam deploy`` do, against any
CloudFormation endpoint (the local moto server in practice).

* package: every local ``CodeUri`` is zipped (its *contents* at the zip root, like SAM) into a deployment bucket
  and replaced by an ``s3://`` location; identical directories are uploaded once, keyed by content hash;
* transform: ``aws-sam-translator`` turns ``AWS::Serverless::*`` into plain CloudFormation, without IAM calls;
* create: ``CreateStack`` with the parameters, then wait for ``CREATE_COMPLETE`` and read the Outputs.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import logging
import time
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from pressroom_stack.names import local_session
from pressroom_stack.template import REPO_ROOT

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("pressroom_stack.deploy")

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"}


class DeployError(RuntimeError):
    """The stack could not be packaged, transformed or created; the message says what failed."""


@dataclass(frozen=True)
class DeployedStack:
    name: str
    region: str
    outputs: dict[str, str]
    template: dict[str, Any] = field(repr=False)
    """The transformed (plain CloudFormation) template that was created."""
    parameters: dict[str, str] = field(default_factory=dict)


def zip_directory(directory: Path) -> bytes:
    """A deterministic zip of ``directory``'s contents (paths relative to it; caches and bytecode left out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(_files(directory)):
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _files(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if path.is_file() and not _SKIPPED_PARTS.intersection(relative.parts) and path.suffix != ".pyc":
            yield path


def package_template(
    template: Mapping[str, Any], *, s3: S3Client, bucket: str, base_dir: Path = REPO_ROOT
) -> dict[str, Any]:
    """A copy of ``template`` whose local function ``CodeUri``s point at zips uploaded to ``bucket``."""
    packaged = copy.deepcopy(dict(template))
    uploaded: dict[Path, str] = {}

    def s3_uri(code_uri: Any) -> Any:
        if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
            return code_uri
        directory = (base_dir / code_uri).resolve()
        if not directory.is_dir():
            raise DeployError(f"CodeUri {code_uri!r} is not a directory under {base_dir}")
        if directory not in uploaded:
            archive = zip_directory(directory)
            key = hashlib.md5(archive, usedforsecurity=False).hexdigest()
            s3.put_object(Bucket=bucket, Key=key, Body=archive)
            uploaded[directory] = f"s3://{bucket}/{key}"
        return uploaded[directory]

    globals_function = packaged.get("Globals", {}).get("Function", {})
    if "CodeUri" in globals_function:
        globals_function["CodeUri"] = s3_uri(globals_function["CodeUri"])
    for resource in packaged["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function" and "CodeUri" in resource.get("Properties", {}):
            resource["Properties"]["CodeUri"] = s3_uri(resource["Properties"]["CodeUri"])
    return packaged


class _AwsManagedPolicies(dict[str, str]):
    """Name -> ARN of AWS managed policies, computed instead of listed through IAM (which the transform would call)."""

    def __init__(self, partition: str) -> None:
        super().__init__()
        self._partition = partition

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)

    def __getitem__(self, name: str) -> str:
        return f"arn:{self._partition}:iam::aws:policy/{name}"

    def get(self, name: str, default: Any = None) -> Any:
        return self[name]


def transform_template(
    template: Mapping[str, Any], parameters: Mapping[str, str] | None = None, *, region: str = "us-east-1"
) -> dict[str, Any]:
    """The SAM ``template`` transformed to plain CloudFormation, as CloudFormation's SAM transform would."""
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    # The translator warns about feature toggles it has no configuration for (it never has one here).
    logging.getLogger("samtranslator.feature_toggle").setLevel(logging.ERROR)
    session = local_session(region)
    translator = Translator(None, Parser(), boto_session=session)
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    policies = _AwsManagedPolicies(partition)
    try:
        transformed = translator.translate(
            copy.deepcopy(dict(template)),
            parameter_values=dict(parameters or {}),
            get_managed_policy_map=lambda: policies,
        )
    except Exception as error:  # samtranslator raises its own InvalidDocumentException family
        raise DeployError(f"SAM transform failed: {error}") from error
    return json.loads(json.dumps(transformed))


def cached_transform(
    template: Mapping[str, Any], parameters: Mapping[str, str] | None, *, region: str, cache_dir: Path | None
) -> dict[str, Any]:
    """:func:`transform_template`, remembered in ``cache_dir`` by a hash of its inputs and the translator version
    (importing the translator is most of the cost, so a hit skips it)."""
    if cache_dir is None:
        return transform_template(template, parameters, region=region)
    from importlib.metadata import version

    inputs = json.dumps([template, dict(parameters or {}), region, version("aws-sam-translator")], sort_keys=True)
    path = cache_dir / f"transformed-{hashlib.sha256(inputs.encode()).hexdigest()[:32]}.json"
    if path.is_file():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    transformed = transform_template(template, parameters, region=region)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for stale in cache_dir.glob("transformed-*.json"):
            stale.unlink()
        path.write_text(json.dumps(transformed), encoding="utf-8")
    except OSError as error:
        log.info("transformed template not cached in %s: %s", cache_dir, error)
    return transformed


def create_stack(
    cfn: CloudFormationClient,
    name: str,
    template: Mapping[str, Any],
    parameters: Mapping[str, str] | None = None,
    *,
    timeout: float = 60.0,
) -> dict[str, str]:
    """Create stack ``name`` from the plain CloudFormation ``template``; returns its Outputs once complete."""
    cfn.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    deadline = time.monotonic() + timeout
    while True:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        status = stack["StackStatus"]
        if status == "CREATE_COMPLETE":
            return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if not status.endswith("_IN_PROGRESS"):
            raise DeployError(f"stack {name} ended in {status}: {stack.get('StackStatusReason', 'no reason given')}")
        if time.monotonic() > deadline:
            raise DeployError(f"stack {name} still {status} after {timeout:.0f} s")
        time.sleep(0.2)


def deploy(
    template: Mapping[str, Any],
    *,
    stack_name: str,
    artifacts_bucket: str,
    parameters: Mapping[str, str] | None = None,
    region: str = "us-east-1",
    session: boto3.Session | None = None,
    endpoint_url: str | None = None,
    base_dir: Path = REPO_ROOT,
    cache_dir: Path | None = None,
) -> DeployedStack:
    """``sam package`` + ``sam deploy`` of ``template`` as stack ``stack_name`` (the bucket is created if needed).

    With ``cache_dir``, transformed templates are cached there (see :func:`cached_transform`)."""
    session = session or boto3.Session(region_name=region)
    s3 = session.client("s3", region_name=region, endpoint_url=endpoint_url)
    cfn = session.client("cloudformation", region_name=region, endpoint_url=endpoint_url)
    s3.create_bucket(Bucket=artifacts_bucket)
    packaged = package_template(template, s3=s3, bucket=artifacts_bucket, base_dir=base_dir)
    transformed = cached_transform(packaged, parameters, region=region, cache_dir=cache_dir)
    outputs = create_stack(cfn, stack_name, transformed, parameters)
    return DeployedStack(stack_name, region, outputs, transformed, dict(parameters or {}))
