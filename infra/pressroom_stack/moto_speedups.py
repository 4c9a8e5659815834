"""Speed-ups of moto's DynamoDB, SQS and S3 *fakes* for the local stack, the large suites and the benchmarks (the
code under test untouched).

moto snapshots every table with ``copy.deepcopy`` before each TransactWriteItems (to roll back) and sorts every
item of the table for each Query, so each call costs O(table size): a 2,000-upload burst would take an hour. Here
the snapshot copies only what the transaction can change -- the item maps of the partitions it names and the items
it names (their attribute maps); the rest is shared, as the transaction cannot touch it -- and a Query looks at its
own partition only, which is what DynamoDB does, and of it only the window of keys it can return (``_window``).
moto's SQS counted every message of a queue for each message sent to it or delivered from it (``_Sending``,
``_retention_check``) and read the clock twice per message to count them (``_queue_counts``), and its S3
deep-copied every version of the bucket for each ListObjectVersions (``_list_object_versions_of_prefix``).
Semantics are unchanged: conditions, rollback and results are moto's (one difference at moto's 1 MB page:
``_window``).

The patches swap state on moto's objects for the length of one call, so they hold only while moto runs one call
at a time: in-process (``mock_aws``) from one thread, or behind ``moto_server.one_request_at_a_time``.
"""

from __future__ import annotations

import copy
import inspect
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

_Touched = dict[str, dict[DynamoType, set[DynamoType | None]]]


class _CheapCopy:
    """Stands in for the ``copy`` module inside moto's backend: cheap, still-independent table snapshots."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def __init__(self) -> None:
        self.snapshots: dict[int, Any] | None = None
        self.touched: _Touched | None = None
        """Per table, the keys the current transaction names (None: unknown, copy every item)."""

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if not isinstance(value, table_module.Table):
            return copy.deepcopy(value, memo)
        if self.snapshots is not None and id(value) in self.snapshots:
            return self.snapshots[id(value)]  # moto snapshots the table once per item; once per call is enough
        snapshot = copy.copy(value)
        touched = None if self.touched is None else self.touched.get(value.name, {})
        snapshot.items = defaultdict(dict, value.items)
        for hash_key in list(snapshot.items) if touched is None else [k for k in touched if k in snapshot.items]:
            partition = snapshot.items[hash_key]
            if not isinstance(partition, dict):
                snapshot.items[hash_key] = _copy_item(partition)
                continue
            own = dict(partition)
            for range_key in list(own) if touched is None else touched[hash_key] & own.keys():
                own[range_key] = _copy_item(own[range_key])
            snapshot.items[hash_key] = own
        if self.snapshots is not None:
            self.snapshots[id(value)] = snapshot
        return snapshot


def _touched_keys(backend: Any, transact_items: list[dict[str, Any]]) -> _Touched | None:
    """The keys each table's items in ``transact_items`` name; None if one cannot be read (copy everything)."""
    touched: _Touched = {}
    try:
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table = backend.tables[op["TableName"]]
            key = op["Item"] if op_type == "Put" else op["Key"]
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            touched.setdefault(table.name, {}).setdefault(DynamoType(key[table.hash_key_attr]), set()).add(range_key)
    except (KeyError, TypeError, AttributeError, StopIteration):
        return None
    return touched


def _copy_item(item: Item) -> Item:
    """A copy whose attribute map is its own (moto's updates replace attribute values, they never edit them)."""
    clone = copy.copy(item)
    clone.attrs = LimitedSizeDict()
    dict.update(clone.attrs, item.attrs)
    return clone


_RUNS = {None, "=", "<", "<=", ">", ">=", "BETWEEN", "BEGINS_WITH"}
"""The key conditions that select one run of the key order (moto also passes ``NE``, ``IN`` and the like on, from
the legacy ``KeyConditions``: those queries get the whole partition)."""


def _same_partition(table: Any, start: dict[str, Any], hash_key: DynamoType) -> bool:
    """Whether the ``ExclusiveStartKey`` names the queried partition (moto orders by it first)."""
    try:
        return DynamoType(start[table.hash_key_attr]) == hash_key
    except (KeyError, TypeError, AttributeError):
        return False


def _window(table: Any, partition: dict[DynamoType, Item], query: dict[str, Any]) -> dict[DynamoType, Item]:
    """The items of ``partition`` that moto's Query of it reads: walking the keys in the query's order from its
    ``ExclusiveStartKey``, those that meet the key condition up to the ``Limit``, and the item after them (moto's sign
    of a next page); the whole partition for a query this does not read (a QueryFilter, a key that is not a string,
    a condition that selects no single run of keys, a start key of another partition).

    moto sorts the partition with Python-level comparisons for each Query (84 ms for 10,000 items: each Query of the
    feed's or a big tag's partition); here the keys are sorted as strings (2 ms: code-point order, moto's and
    DynamoDB's UTF-8 byte order alike), and moto sorts the window. Each key condition this reads selects one run of
    the key order, so the walk stops at the first key past it. One difference, in the 1 MB page only: moto also
    weighs the item after the run against the page, so a run that ends within 1 MB of data next to a large item
    can come with a ``LastEvaluatedKey`` from moto and without one here (DynamoDB's answer; no window of this
    project's ``Limit`` comes near 1 MB)."""
    from moto.dynamodb.comparisons import get_comparison_func

    comparison, bounds, limit = query.get("range_comparison"), query.get("range_objs") or [], query.get("limit")
    start = query.get("exclusive_start_key")
    conditions = query.get("range_key_conditions") or []
    start_value = (start or {}).get(table.range_key_attr, {}).get("S")
    if (
        table.range_key_type != "S"
        or query.get("filter_kwargs")
        or comparison not in _RUNS
        or any(bound.type != "S" for bound in bounds)
        or any(name != table.range_key_attr for name, *_ in conditions)
        or (start is not None and (start_value is None or not _same_partition(table, start, query["hash_key"])))
    ):
        return partition
    meets = get_comparison_func(comparison) if comparison else (lambda value: True)
    forward = query.get("scan_index_forward") is not False
    wanted = [bound.value for bound in bounds]
    window: dict[DynamoType, Item] = {}
    found = 0
    for key in sorted(partition, key=lambda k: k.value, reverse=not forward):
        if start_value is not None and (key.value <= start_value if forward else key.value >= start_value):
            continue
        if found == limit:
            window[key] = partition[key]
            break
        if meets(key.value, *wanted):
            window[key] = partition[key]
            found += 1
        elif found:
            break  # past the key condition's run of keys: no key further on meets it
    return window


def _list_object_versions_of_prefix(original: Any) -> Any:
    """moto deep-copies every version of every key of the bucket for each ListObjectVersions; S3 reads the prefix."""

    def list_object_versions(self: Any, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        prefix = kwargs.get("prefix") or (args[3] if len(args) > 3 else "")
        bucket = self.get_bucket(bucket_name)
        if not prefix:
            return original(self, bucket_name, *args, **kwargs)
        everything = bucket.keys
        subset = type(everything)()
        for key, versions in dict.items(everything):
            if key.startswith(prefix):
                dict.__setitem__(subset, key, versions)
        bucket.keys = subset
        try:
            return original(self, bucket_name, *args, **kwargs)
        finally:
            bucket.keys = everything

    return list_object_versions


def _retention_check(self: Any, queue_name: str, message: Any) -> bool:
    """moto's check builds every attribute of the queue (counting all its messages) for each message it delivers."""
    retention = int(getattr(self.get_queue(queue_name), "message_retention_period", 345600))
    return retention + message.sent_timestamp / 1000 > time.time()


class _Sending:
    """While moto's ``send_message`` runs, a queue's ``attributes`` are only what it reads of them: moto builds them
    all (counting every message of the queue, several times) to look up ``ContentBasedDeduplication``, so each send
    cost O(queue length) and filling a queue with N messages O(N²)."""

    def __init__(self) -> None:
        self.active = False

    def send(self, original: Any) -> Any:
        def send_message(backend: Any, *args: Any, **kwargs: Any) -> Any:
            self.active = True
            try:
                return original(backend, *args, **kwargs)
            finally:
                self.active = False

        return send_message

    def attributes(self, original: property) -> property:
        def attributes(queue: Any) -> dict[str, Any]:
            if not self.active:
                return original.__get__(queue)
            dedup = str(getattr(queue, "content_based_deduplication", False)).lower()
            return {"ContentBasedDeduplication": dedup} if queue.fifo_queue else {}

        return property(attributes)


def _queue_counts() -> dict[str, property]:
    """moto's queue counts and visible messages, reading the clock once per call instead of twice per message
    (``GetQueueAttributes`` of a queue holding 10,000 messages took a third of a second)."""
    from moto.sqs import models  # its clock, read when called (as moto's own properties read it)

    def messages(queue: Any) -> list[Any]:
        now = models.unix_time_millis()
        return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]

    def visible(queue: Any) -> int:
        return len(messages(queue))

    def not_visible(queue: Any) -> int:
        now = models.unix_time_millis()
        return sum(1 for m in queue._messages if not now > m.visible_at)

    def delayed(queue: Any) -> int:
        now = models.unix_time_millis()
        return sum(1 for m in queue._messages if now < m.delayed_until)

    return {
        "messages": property(messages),
        "approximate_number_of_messages": property(visible),
        "approximate_number_of_messages_not_visible": property(not_visible),
        "approximate_number_of_messages_delayed": property(delayed),
    }


_depth = 0


@contextmanager
def fast_moto_dynamodb() -> Iterator[None]:
    """Re-entrant: a nested use keeps the speed-ups of the outer one."""
    global _depth
    if _depth:
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
        return
    _depth += 1
    try:
        with _patched():
            yield
    finally:
        _depth -= 1


@contextmanager
def _patched() -> Iterator[None]:
    from moto.dynamodb import models as backend_module
    from moto.s3.models import S3Backend
    from moto.sqs.models import Queue, SQSBackend

    original_copy = backend_module.copy
    original_query = table_module.Table.query

    signature = inspect.signature(original_query)

    def query(*args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(*args, **kwargs).arguments
        self, hash_key = arguments["self"], arguments["hash_key"]
        if arguments.get("index_name") or hash_key is None or not self.range_key_attr:
            return original_query(*args, **kwargs)
        everything = self.items
        own: defaultdict[Any, Any] = defaultdict(dict)
        if hash_key in everything:
            own[hash_key] = _window(self, everything[hash_key], arguments)
        self.items = own
        try:
            return original_query(*args, **kwargs)
        finally:
            self.items = everything

    cheap = _CheapCopy()
    backend = backend_module.DynamoDBBackend
    original_transact = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        cheap.snapshots, cheap.touched = {}, _touched_keys(self, transact_items)
        try:
            return original_transact(self, transact_items, *args, **kwargs)
        finally:
            cheap.snapshots, cheap.touched = None, None

    backend_module.copy = cheap  # type: ignore[assignment]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    table_module.Table.query = query  # type: ignore[method-assign]
    original_retention = SQSBackend.is_message_valid_based_on_retention_period
    SQSBackend.is_message_valid_based_on_retention_period = _retention_check  # type: ignore[method-assign]
    original_versions = S3Backend.list_object_versions
    S3Backend.list_object_versions = _list_object_versions_of_prefix(original_versions)  # type: ignore[method-assign]
    sending, original_send, original_attributes = _Sending(), SQSBackend.send_message, Queue.__dict__["attributes"]
    SQSBackend.send_message = sending.send(original_send)  # type: ignore[method-assign]
    Queue.attributes = sending.attributes(original_attributes)  # type: ignore[method-assign,assignment]
    counts = _queue_counts()
    original_counts = {name: Queue.__dict__[name] for name in counts}
    for name, count in counts.items():
        setattr(Queue, name, count)
    try:
        yield
    finally:
        for name, count in original_counts.items():
            setattr(Queue, name, count)
        Queue.attributes = original_attributes  # type: ignore[method-assign]
        SQSBackend.send_message = original_send  # type: ignore[method-assign]
        S3Backend.list_object_versions = original_versions  # type: ignore[method-assign]
        SQSBackend.is_message_valid_based_on_retention_period = original_retention  # type: ignore[method-assign]
        backend_module.copy = original_copy
        backend.transact_write_items = original_transact  # type: ignore[method-assign]
        table_module.Table.query = original_query  # type: ignore[method-assign]
