"""Count AWS API calls and DynamoDB capacity units from botocore's events (what the code really sends)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB item size in bytes: attribute names plus values (strings and binaries by length, numbers ~21)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "B":
        return len(inner)
    if kind == "N":
        return 21
    if kind == "BOOL" or kind == "NULL":
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + item_size(inner)
    return len(str(inner))


PARTITION_KEY = "pk"  # the feed table's hash key (template.yaml)


def partition_family(item: dict[str, Any]) -> str:
    """The kind of partition an item is in: its partition key up to its first ``#`` (``ART#``, ``TAG#``), or whole
    (``FEED``)."""
    key = str(item.get(PARTITION_KEY, {}).get("S", "?"))
    head, hash_sign, _ = key.partition("#")
    return head + hash_sign


def write_units(item: dict[str, Any], *, transactional: bool) -> int:
    return math.ceil(max(item_size(item), 1) / 1024) * (2 if transactional else 1)


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    units = math.ceil(max(size, 1) / 4096)
    return units * (2 if transactional else 1) * (1.0 if consistent else 0.5)


@dataclass
class CallCounter:
    """Counts calls per ``service.Operation`` and DynamoDB write units (from request items, transactions x2) and read
    units (from response items, eventually consistent reads at half price); the write units also by the kind of
    partition written (``partition_family``), as one partition takes at most 1,000 write units a second."""

    calls: Counter[str] = field(default_factory=Counter)
    write_units: int = 0
    read_units: float = 0.0
    write_units_by_partition: Counter[str] = field(default_factory=Counter)

    def attach(self, client: Any) -> Any:
        client.meta.events.register("provide-client-params.*.*", self.on_params)
        client.meta.events.register("after-call.*.*", self.on_response)
        return client

    def on_params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        self.calls[f"{service}.{model.name}"] += 1
        if service != "dynamodb":
            return
        if model.name == "TransactWriteItems":
            for action in params.get("TransactItems", []):
                ((kind, body),) = action.items()
                self._wrote(body.get("Item") or body.get("Key", {}), transactional=True)
        elif model.name in ("PutItem", "DeleteItem", "UpdateItem"):
            self._wrote(params.get("Item") or params.get("Key", {}), transactional=False)
        elif model.name == "BatchWriteItem":
            for requests in params.get("RequestItems", {}).values():
                for request in requests:
                    item = request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get("Key")
                    self._wrote(item or {}, transactional=False)

    def _wrote(self, item: dict[str, Any], *, transactional: bool) -> None:
        units = write_units(item, transactional=transactional)
        self.write_units += units
        self.write_units_by_partition[partition_family(item)] += units

    def on_response(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.service_model.service_name != "dynamodb":
            return
        if model.name == "GetItem" and "Item" in parsed:
            self.read_units += read_units(item_size(parsed["Item"]), consistent=True)
        elif model.name == "GetItem":
            self.read_units += 0.5
        elif model.name == "Query":
            size = sum(item_size(i) for i in parsed.get("Items", []))
            self.read_units += read_units(size, consistent=False)

    def reset(self) -> None:
        self.calls.clear()
        self.write_units = 0
        self.read_units = 0.0
        self.write_units_by_partition.clear()
