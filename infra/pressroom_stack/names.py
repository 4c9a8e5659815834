"""Names shared by the local stack and the CLI (kept import-light: the CLI must start fast)."""

import boto3

DEFAULT_STACK_NAME = "pressroom"
ARTIFACTS_BUCKET = "pressroom-local-deployment"
"""The local stack's deployment bucket (``sam package`` target)."""
STATE_KEY = "local-stack.json"
"""Object in the artifacts bucket telling clients of the moto endpoint where the local API listens."""


def local_session(region_name: str) -> boto3.Session:
    """A session with moto's conventional dummy credentials (the local endpoint accepts any)."""
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region_name)  # noqa: S106  # nosec B106 - moto's dummy credentials
