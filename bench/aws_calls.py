"""Count AWS API calls and DynamoDB capacity units from botocore's events (what the code really sends).

moto does not report real units: its ``ConsumedCapacity`` (with ``ReturnConsumedCapacity=TOTAL``) is a constant per
call (1.0 for a PutItem of 5 KB, 0.5 for an UpdateItem, nothing for TransactWriteItems; moto 5.2), so the units are
computed here from item sizes, by DynamoDB's billing rules: ``write_units`` is the one owner of that arithmetic.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Item = dict[str, Any]
Peek = Callable[[str, Item], Item | None]


def item_size(item: Item) -> int:
    """DynamoDB item size in bytes: attribute names plus values (strings and binaries by length, numbers by their
    significant digits, two a byte, plus one byte)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "B":
        return len(inner)
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
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


def write_units(item: Item | None, *, transactional: bool, before: Item | None = None) -> int:
    """Write units DynamoDB bills for writing one item: the larger of its size before and after the write (a delete
    has no after; a write that fails its condition bills the same), one unit per started KB and at least one, twice
    that in a transaction."""
    size = max(item_size(item or {}), item_size(before or {}), 1)
    return math.ceil(size / 1024) * (2 if transactional else 1)


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    units = math.ceil(max(size, 1) / 4096)
    return units * (2 if transactional else 1) * (1.0 if consistent else 0.5)


def table_peek(client: Any) -> Peek:
    """A ``Peek`` that reads the stored item of a key with ``client`` (not one a ``CallCounter`` counts)."""

    def peek(table: str, key: Item) -> Item | None:
        return client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")

    return peek


@dataclass
class _Write:
    table: str
    key: Item
    item: Item | None  # what a Put writes; None for a delete or an update (read back after the call)
    before: Item | None
    transactional: bool
    update: bool = False


@dataclass
class CallCounter:
    """Counts calls per ``service.Operation``, DynamoDB write units (``write_units`` of every item a write request
    names, transactions x2) and read units (``read_units`` of the response items, or of a missing item; eventually
    consistent reads at half price); the write units also by the kind of partition written (``partition_family``),
    as one partition takes at most 1,000 write units a second.

    With ``peek`` (the stored item of a key, read outside the count) a write bills the larger of the item's size
    before and after, as DynamoDB does; without, an overwrite or update bills what the request carries and a delete
    the size of its key (a lower bound). ``peek_seconds`` is the time the peeks took, not the code's."""

    peek: Peek | None = None
    key_names: tuple[str, ...] = ("pk", "sk")
    calls: Counter[str] = field(default_factory=Counter)
    write_units: int = 0
    read_units: float = 0.0
    peek_seconds: float = 0.0  # time spent peeking, which a timed run subtracts
    _writes: list[_Write] = field(default_factory=list)
    _consistent: bool = False
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
        self._writes = []
        batch_gets = params.get("RequestItems", {}).values() if model.name == "BatchGetItem" else ()
        self._consistent = bool(params.get("ConsistentRead")) or any(r.get("ConsistentRead") for r in batch_gets)
        if model.name == "TransactWriteItems":
            for action in params.get("TransactItems", []):
                ((kind, body),) = action.items()
                if kind != "ConditionCheck":
                    self._planned(body["TableName"], body.get("Item"), body.get("Key"), True, kind == "Update")
        elif model.name in ("PutItem", "DeleteItem", "UpdateItem"):
            self._planned(params["TableName"], params.get("Item"), params.get("Key"), False, model.name == "UpdateItem")
        elif model.name == "BatchWriteItem":
            for table, requests in params.get("RequestItems", {}).items():
                for request in requests:
                    put = request.get("PutRequest", {}).get("Item")
                    self._planned(table, put, request.get("DeleteRequest", {}).get("Key"), False, False)

    def _planned(self, table: str, item: Item | None, key: Item | None, transactional: bool, update: bool) -> None:
        key = key if key is not None else {name: item[name] for name in self.key_names if item and name in item}
        before = self._peek(table, key) if self.peek else (None if item is not None or update else key)
        self._writes.append(_Write(table, key, None if update else item, before, transactional, update))

    def _peek(self, table: str, key: Item) -> Item | None:
        assert self.peek is not None
        start = time.perf_counter()
        try:
            return self.peek(table, key)
        finally:
            self.peek_seconds += time.perf_counter() - start

    def on_response(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.service_model.service_name != "dynamodb":
            return
        for write in self._writes:
            after = write.item
            if write.update:
                after = self._peek(write.table, write.key) if self.peek else write.key
            units = write_units(after, transactional=write.transactional, before=write.before)
            self.write_units += units
            self.write_units_by_partition[partition_family(write.key)] += units
        self._writes = []
        consistent = self._consistent
        if model.name == "GetItem":
            self.read_units += read_units(item_size(parsed.get("Item", {})), consistent=consistent)
        elif model.name == "Query":
            size = sum(item_size(i) for i in parsed.get("Items", []))
            self.read_units += read_units(size, consistent=consistent)
        elif model.name == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                self.read_units += sum(read_units(item_size(i), consistent=consistent) for i in items)

    def reset(self) -> None:
        self.calls.clear()
        self.write_units = 0
        self.read_units = 0.0
        self.peek_seconds = 0.0
        self.write_units_by_partition.clear()
