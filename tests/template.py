"""Test resources built from template.yaml, so they cannot drift from the deployed ones."""

from __future__ import annotations

from typing import Any

from pressroom_stack.template import load_template


def feed_table_definition() -> dict[str, Any]:
    """create_table arguments (keys, attributes, billing, indexes) from the FeedTable resource of template.yaml."""
    props = load_template()["Resources"]["FeedTable"]["Properties"]
    definition: dict[str, Any] = {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        definition["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    return definition
