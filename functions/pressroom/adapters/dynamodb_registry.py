"""The tag registry in the feed table, in a partition of its own (``pk`` = ``REGISTRY``), apart from the articles and
their indexes (``adapters/dynamodb_feed.py``):

============  ==============  ==================================================================================
pk            sk              what
============  ==============  ==================================================================================
``REGISTRY``  ``HEAD``        ``version``: the version of the newest rules (a tiny item: read on every publish)
``REGISTRY``  ``RULES``       ``version``, ``rules``: the editors' rules (``TagRules``), zlib-compressed JSON
``REGISTRY``  ``TAG#<slug>``  a known tag: ``name``, ``kind``, ``provenance``, ``first_seen``
============  ==============  ==================================================================================

One partition, so that ``pressroom tags list`` is a Query in slug order, never a Scan. Costs: reading the rules is
one consistent GetItem of ``HEAD`` (1 read unit) and, only after an edit, one of ``RULES``; learning an article's
tags is one BatchGetItem of their keys (0.5 read unit each) and one conditional PutItem (1 write unit) per tag not
known yet, so an article whose tags are all known writes nothing. An edit is one TransactWriteItems of ``HEAD``
(conditional on the version read) and ``RULES``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from pressroom.models import TagKind, TagProvenance
from pressroom.ports import RegistryChanged
from pressroom.registry import NO_RULES, KnownTag, RegistryError, TagRules

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REGISTRY_PK = "REGISTRY"
HEAD_SK = "HEAD"
RULES_SK = "RULES"
TAG_SK_PREFIX = "TAG#"
MAX_RULES_BYTES = 350_000
BATCH_GET_KEYS = 100


class Unprocessed(RuntimeError):
    """BatchGetItem kept keys unprocessed (throttling): a transient fault, retried like any AWS fault."""


def _s(value: str) -> dict[str, Any]:
    return {"S": value}


def _key(sk: str) -> dict[str, Any]:
    return {"pk": _s(REGISTRY_PK), "sk": _s(sk)}


def _known(item: dict[str, Any]) -> KnownTag:
    kind: TagKind = item["kind"]["S"]
    provenance: TagProvenance = item["provenance"]["S"]
    return KnownTag(
        slug=item["sk"]["S"].removeprefix(TAG_SK_PREFIX),
        name=item["name"]["S"],
        kind=kind,
        provenance=provenance,
        first_seen=item["first_seen"]["S"],
    )


class DynamoDBRegistry:
    """The tag registry (``TagRegistry``) in the feed table. The rules read last are kept in memory and read again
    only when ``HEAD`` names another version. ``consistent``: ``HEAD`` is read with a strongly consistent read (1
    read unit), as ingest needs so that a reindex right after an edit applies it; the read API can do with an
    eventually consistent one (0.5)."""

    def __init__(self, table_name: str, *, client: DynamoDBClient | None = None, consistent: bool = True) -> None:
        self.table_name = table_name
        self._client = client or boto3.client("dynamodb")
        self._consistent = consistent
        self._rules: TagRules = NO_RULES

    def rules(self) -> TagRules:
        head = self._get(HEAD_SK, consistent=self._consistent)
        version = int(head["version"]["N"]) if head else 0
        if version != self._rules.version:
            item = self._get(RULES_SK, consistent=True)
            self._rules = TagRules.from_json(zlib.decompress(item["rules"]["B"])) if item else NO_RULES
        return self._rules

    def save_rules(self, rules: TagRules, *, expected_version: int) -> None:
        expected = expected_version
        if rules.version <= expected:
            raise ValueError(f"rules of version {rules.version} cannot replace version {expected}")
        doc = zlib.compress(rules.to_json().encode(), 6)
        if len(doc) > MAX_RULES_BYTES:
            raise RegistryError(
                f"the tag rules would take {len(doc):,} bytes compressed; the limit is {MAX_RULES_BYTES:,}"
            )
        head: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": {**_key(HEAD_SK), "version": {"N": str(rules.version)}},
        }
        if expected == 0:
            head["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            head["ConditionExpression"] = "version = :expected"
            head["ExpressionAttributeValues"] = {":expected": {"N": str(expected)}}
        body: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": {**_key(RULES_SK), "version": {"N": str(rules.version)}, "rules": {"B": doc}},
        }
        try:
            self._client.transact_write_items(TransactItems=[{"Put": head}, {"Put": body}])  # type: ignore[typeddict-item]
        except ClientError as e:
            codes = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
            if e.response["Error"]["Code"] == "TransactionCanceledException" and (
                "ConditionalCheckFailed" in codes or "TransactionConflict" in codes
            ):
                raise RegistryChanged(f"the tag rules changed since version {expected} was read") from e
            raise
        self._rules = rules

    def known(self, slugs: Sequence[str]) -> dict[str, KnownTag]:
        return {tag.slug: tag for tag in map(_known, self._batch_get(slugs))}

    def learn(self, tags: Sequence[KnownTag]) -> int:
        present = {item["sk"]["S"] for item in self._batch_get([t.slug for t in tags], projection="sk")}
        learned = 0
        for tag in tags:
            if f"{TAG_SK_PREFIX}{tag.slug}" in present:
                continue
            item = {
                **_key(f"{TAG_SK_PREFIX}{tag.slug}"),
                "name": _s(tag.name),
                "kind": _s(tag.kind),
                "provenance": _s(tag.provenance),
                "first_seen": _s(tag.first_seen),
            }
            try:
                self._client.put_item(
                    TableName=self.table_name, Item=item, ConditionExpression="attribute_not_exists(pk)"
                )
            except ClientError as e:
                if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                continue
            learned += 1
        return learned

    def known_tags(self) -> Iterator[KnownTag]:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :tag)",
            "ExpressionAttributeValues": {":pk": _s(REGISTRY_PK), ":tag": _s(TAG_SK_PREFIX)},
        }
        while True:
            response = self._client.query(**kwargs)
            yield from map(_known, response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # ------------------------------------------------------------------ helpers

    def _get(self, sk: str, *, consistent: bool) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self.table_name, Key=_key(sk), ConsistentRead=consistent)
        return response.get("Item")

    def _batch_get(self, slugs: Sequence[str], *, projection: str | None = None) -> list[dict[str, Any]]:
        """The known-tag items of ``slugs`` (at most 100 distinct): one BatchGetItem, more only for unprocessed keys."""
        keys = [_key(f"{TAG_SK_PREFIX}{slug}") for slug in dict.fromkeys(slugs)][:BATCH_GET_KEYS]
        if not keys:
            return []
        request: dict[str, Any] = {"Keys": keys}
        if projection:
            request["ProjectionExpression"] = projection
        pending: dict[str, Any] = {self.table_name: request}
        items: list[dict[str, Any]] = []
        for _ in range(5):
            response = self._client.batch_get_item(RequestItems=pending)
            items.extend(response.get("Responses", {}).get(self.table_name, []))
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                return items
        raise Unprocessed(f"DynamoDB left {len(keys)} registry key(s) unprocessed five times in a row (throttling)")
