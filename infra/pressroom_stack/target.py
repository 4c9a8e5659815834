"""Finding a deployed Pressroom: the stack's Outputs by stack name, on real AWS or on the local stack's endpoint."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from pressroom_stack.names import ARTIFACTS_BUCKET, DEFAULT_STACK_NAME, STATE_KEY, local_session
from pressroom_stack.template import CONTRACT_OUTPUTS

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104  # nosec B104 - names, not a bind address


class TargetError(RuntimeError):
    """The stack cannot be reached or is not a Pressroom stack; the message says what to fix."""


def is_local(endpoint_url: str | None) -> bool:
    return bool(endpoint_url) and (urlsplit(endpoint_url).hostname or "") in LOCAL_HOSTS


@dataclass
class StackTarget:
    """A stack by name, reached with the usual AWS CLI options (profile, region, endpoint URL)."""

    stack_name: str = DEFAULT_STACK_NAME
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    _session: boto3.Session | None = field(default=None, repr=False)
    _outputs: dict[str, str] | None = field(default=None, repr=False)

    def session(self) -> boto3.Session:
        """The profile's session; a local endpoint falls back to dummy credentials and us-east-1."""
        if self._session is None:
            try:
                session = boto3.Session(profile_name=self.profile, region_name=self.region)
            except ProfileNotFound as error:
                raise TargetError(f"{error}: check --profile") from error
            local = is_local(self.endpoint_url)
            region = session.region_name or ("us-east-1" if local else None)
            if region is None:
                raise TargetError("no AWS region: pass --region, or set AWS_REGION or a region in the profile")
            if local and session.get_credentials() is None:
                session = local_session(region)
            elif region != session.region_name:
                session = boto3.Session(profile_name=self.profile, region_name=region)
            self._session = session
        return self._session

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def where(self) -> str:
        place = self.endpoint_url or "AWS"
        return f"stack {self.stack_name!r} in {self.session().region_name} at {place}"

    def outputs(self) -> dict[str, str]:
        """The stack's Outputs; all of the contract's must be there."""
        if self._outputs is None:
            try:
                stacks = self.client("cloudformation").describe_stacks(StackName=self.stack_name)["Stacks"]
            except ClientError as error:
                if "does not exist" in str(error):
                    hint = (
                        "start it with `pressroom up`" if is_local(self.endpoint_url) else "deploy it with sam deploy"
                    )
                    raise TargetError(f"{self.where()} does not exist: {hint}, or pass --stack-name") from error
                raise TargetError(f"cannot describe {self.where()}: {error}") from error
            except EndpointConnectionError as error:
                hint = " Is `pressroom up` running?" if is_local(self.endpoint_url) else ""
                raise TargetError(f"cannot reach {self.endpoint_url or 'AWS'}.{hint}") from error
            except (NoCredentialsError, NoRegionError) as error:
                raise TargetError(f"{error}: configure AWS credentials or pass --profile") from error
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
            missing = [name for name in CONTRACT_OUTPUTS if name not in outputs]
            if missing:
                raise TargetError(f"{self.where()} has no output {', '.join(missing)}: is it a Pressroom stack?")
            self._outputs = outputs
        return self._outputs

    def api_url(self, override: str | None = None) -> str:
        """Where the read API answers: ``override``, the local stack's API for a local endpoint, else ApiUrl."""
        if override:
            return override.rstrip("/")
        outputs = self.outputs()
        if is_local(self.endpoint_url):
            try:
                body = self.client("s3").get_object(Bucket=ARTIFACTS_BUCKET, Key=STATE_KEY)["Body"].read()
                return str(json.loads(body)["api_url"]).rstrip("/")
            except (ClientError, KeyError, ValueError) as error:
                raise TargetError(
                    f"{self.endpoint_url} is not a `pressroom up` endpoint (no {STATE_KEY}); pass --api-url"
                ) from error
        return outputs["ApiUrl"].rstrip("/")
