"""Reading ``template.yaml``: CloudFormation YAML with its short-form tags (``!Ref``, ``!Sub``, ``!GetAtt`` …)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"

CONTRACT_OUTPUTS = (
    "ArticlesBucketName",
    "FeedTableName",
    "IngestQueueUrl",
    "DeadLetterQueueUrl",
    "ApiUrl",
    "EventBusName",
    "CdnUrl",
)

_FN_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "Base64",
            "Cidr",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "ImportValue",
            "Join",
            "Select",
            "Split",
            "Sub",
            "Transform",
            "And",
            "Equals",
            "If",
            "Not",
            "Or",
            "ToJsonString",
            "Length",
        )
    },
}


class _CfnLoader(yaml.SafeLoader):
    """A safe YAML loader that turns CloudFormation short-form tags into their long JSON form."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if suffix not in _FN_TAGS:
        raise yaml.constructor.ConstructorError(None, None, f"unknown CloudFormation tag !{suffix}", node.start_mark)
    key = _FN_TAGS[suffix]
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template at ``path`` as plain JSON-compatible data (long-form intrinsic functions)."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506  # nosec B506 - a SafeLoader subclass
    if not isinstance(data, dict) or "Resources" not in data:
        raise ValueError(f"{path} is not a CloudFormation template (no Resources)")
    return data
