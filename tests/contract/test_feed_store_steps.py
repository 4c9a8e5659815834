"""A save cut short between any two of its single-item writes, on ``InMemoryFeed`` and on ``DynamoDBFeed`` over moto.

``FaultAt`` fails the n-th write of one ingest (before it takes effect, or after: a lost response), for every write
of the save and of marking its event sent. While it stays cut, readers never meet an index entry of an article that
is missing, not served, or at a position its stored version does not list; once the same S3 event is delivered
again, the table holds exactly what an uncut run stores and the events sent are those of the uncut run (one may go
out twice: the fault lost the mark that it was sent, the outbox's at-least-once). The promo resolution that may
follow (other articles' items) is best effort and not cut here.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.events import S3EventRecord
from pressroom.models import Article, Tag
from pressroom.notices import ArticleEvent
from pressroom.ports import FEED_INDEX, ArticleRecord, ArticleWrite, index_names
from pressroom.services import Ingest
from tests.clock import ago
from tests.fakes import TRANSIENT_ERRORS, FaultAt, InMemoryBucket, InMemoryFeed, InMemoryTable, ManualClock
from tests.helpers import article
from tests.template import feed_table_definition

INDEXES = (FEED_INDEX, "TAG#", "SECTION#", "AUTHOR#")
FAR_FUTURE_DAYS = 3650
PROMO = "Mara Quill said the plan was ready.\n\nWATCH: Lido reopens after repairs\n\nThe Portmere council agreed."
Action = tuple[str, str, dict[str, Any] | None]

# Each scenario: the actions before the one that is cut, then the one that is cut.
SCENARIOS: dict[str, list[Action]] = {
    "first publish": [
        (
            "upload",
            "harbour",
            {"tags": ["Rowing", "Harbour"], "section": "Local News", "author": "Ada Byron", "body": PROMO},
        ),
    ],
    "update moving time and tags": [
        ("upload", "harbour", {"tags": ["Rowing", "Harbour"], "section": "Local News", "body": PROMO}),
        ("upload", "harbour", {"tags": ["Rowing", "Regatta"], "section": "Sport", "published_at": ago(days=2)}),
    ],
    "withdrawal": [
        ("upload", "harbour", {"tags": ["Rowing", "Harbour"], "section": "Local News"}),
        ("upload", "harbour", {"tags": ["Rowing", "Harbour"], "section": "Local News", "status": "withdrawn"}),
    ],
    "object deletion": [
        ("upload", "harbour", {"tags": ["Rowing", "Harbour"], "section": "Local News", "author": "Ada Byron"}),
        ("delete", "harbour", None),
    ],
}


@dataclass
class Sink:
    events: list[ArticleEvent] = field(default_factory=list)

    def emit(self, events: Any) -> None:
        self.events.extend(events)


@dataclass
class World:
    """A feed (behind ``faults``), a fake bucket and a manual clock: one ingest pipeline to cut."""

    feed: Any
    faults: FaultAt
    scan: Callable[[], dict[tuple[str, str], dict[str, Any]]]
    clock: ManualClock = field(default_factory=ManualClock)
    bucket: InMemoryBucket = field(init=False)
    sink: Sink = field(default_factory=Sink)

    def __post_init__(self) -> None:
        self.bucket = InMemoryBucket(clock=self.clock)

    def act(self, action: Action) -> dict[str, Any]:
        """Do the editor's side of ``action`` and return the S3 event record it causes."""
        verb, name, fields = action
        self.clock.advance(seconds=1)
        if verb == "delete":
            return self.bucket.remove(f"incoming/{name}.json")
        fields = dict(fields or {})
        title = fields.pop("title", f"Story of the {name}")
        return self.bucket.upload(f"incoming/{name}.json", article(title, **fields))

    def handle(self, record: dict[str, Any]) -> None:
        ingest = Ingest(source=self.bucket, store=self.feed, events=self.sink, clock=self.clock)
        ingest.handle(S3EventRecord.model_validate(record))


class Worlds:
    """Makes ``World``s of one kind and copies them (the state before the cut action, for each cut)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._names = (f"pressroom-feed-steps-{n}" for n in itertools.count())

    def new(self) -> World:
        if self.kind == "fake":
            faults = FaultAt(InMemoryTable(), frozenset({"put", "delete", "update"}))
            return World(feed=InMemoryFeed(table=faults), faults=faults, scan=lambda: _plain(faults.target.items))
        name = next(self._names)
        client = boto3.client("dynamodb")
        client.create_table(TableName=name, **feed_table_definition())
        faults = FaultAt(client, frozenset({"put_item", "delete_item", "update_item", "batch_write_item"}))
        return World(feed=DynamoDBFeed(name, client=faults), faults=faults, scan=lambda: _scanned(client, name))

    def copy(self, world: World) -> World:
        twin = self.new()
        twin.clock.now = world.clock.now
        twin.bucket.versions = copy.deepcopy(world.bucket.versions)
        twin.bucket._ids = copy.deepcopy(world.bucket._ids)
        if self.kind == "fake":
            twin.faults.target.items.update(copy.deepcopy(world.faults.target.items))
            twin.faults.target._sorted.update(copy.deepcopy(world.faults.target._sorted))
        else:
            for item in world.scan().values():
                twin.faults.target.put_item(TableName=twin.feed.table_name, Item=item)
        return twin


def _plain(items: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {key: {k: v for k, v in item.items() if k != "ttl"} for key, item in items.items()}


def _scanned(client: Any, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    items = [i for page in client.get_paginator("scan").paginate(TableName=table) for i in page["Items"]]
    return {(i["pk"]["S"], i["sk"]["S"]): {k: v for k, v in i.items() if k != "ttl"} for i in items}


@pytest.fixture(params=["fake", "moto"])
def worlds(request: pytest.FixtureRequest) -> Iterator[Worlds]:
    if request.param == "moto":
        request.getfixturevalue("aws")
    yield Worlds(request.param)


def readers_see_nothing_half_written(world: World) -> None:
    """Every index entry is at a position the served version of its article lists; lists show only served ones."""
    feed, now = world.feed, world.clock.now
    for (pk, sk), item in world.scan().items():
        if not pk.startswith(INDEXES) or "gone" in item:  # a tombstone: no entry
            continue
        record = feed.get_record(sk.split("#", 1)[1])
        assert record is not None, f"{pk} {sk} points at a missing article"
        assert record.stored.status == "published" and not record.stored.deleted, f"{pk} {sk}: not served"
        assert (pk, sk) in record.index_keys, f"{pk} {sk} is not where the stored version is listed"
    listed = feed.list_index(FEED_INDEX, limit=100, after=None, now=now.replace(year=now.year + 10)).items
    for summary in listed:
        record = feed.get_record(summary.id)
        assert record is not None and record.stored.status == "published" and not record.stored.deleted


def _once(events: list[ArticleEvent]) -> list[ArticleEvent]:
    """The events, each once (by id), in the order first sent."""
    first: dict[str, ArticleEvent] = {}
    for event in events:
        first.setdefault(event.event_id, event)
    return list(first.values())


def _unsent(items: dict[tuple[str, str], Any]) -> dict[tuple[str, str], Any]:
    return {key: item for key, item in items.items() if not key[1].startswith("SENT#")}


def _written(call: tuple[str, tuple[Any, ...], dict[str, Any]]) -> str:
    """The sort key a logged write names (fake: ``(pk, sk)`` first; boto3: ``Item`` or ``Key``)."""
    _name, args, kwargs = call
    if args:
        return str(args[0][1])
    return str((kwargs.get("Item") or kwargs["Key"])["sk"]["S"])


def _positions(world: World) -> tuple[int, int]:
    """The write numbers (from 1) of the commit (the article item) and of the sent marker in an uncut run."""
    sks = [_written(call) for call in world.faults.log]
    return sks.index("ARTICLE") + 1, next(n for n, sk in enumerate(sks, 1) if sk.startswith("SENT#"))


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_save_cut_between_any_two_writes_converges_on_redelivery(worlds: Worlds, scenario: str) -> None:
    *before, cut = SCENARIOS[scenario]
    start = worlds.new()
    for action in before:
        start.handle(start.act(action))
    record = start.act(cut)

    reference = worlds.copy(start)
    reference.handle(record)
    expected, expected_events = reference.scan(), _once(reference.sink.events)
    commit, sent = _positions(reference)
    assert commit >= 1 and expected_events

    for at, after in itertools.product(range(1, sent + 1), (False, True)):
        world = worlds.copy(start)
        world.faults.at, world.faults.after = at, after
        with pytest.raises(TRANSIENT_ERRORS):
            world.handle(record)
        readers_see_nothing_half_written(world)
        world.faults.at = 0
        world.handle(record)
        where = f"{scenario}: write {at} (the commit is {commit}) cut {'after' if after else 'before'} it took effect"
        readers_see_nothing_half_written(world)
        assert world.scan() == expected, where
        assert _once(world.sink.events) == expected_events, where
        assert len(world.sink.events) - len(expected_events) <= (1 if at == sent and not after else 0), where


def test_a_deletion_cut_after_its_commit_still_sends_its_event() -> None:
    worlds = Worlds("fake")
    start = worlds.new()
    start.handle(start.act(SCENARIOS["object deletion"][0]))
    record = start.act(("delete", "harbour", None))
    reference = worlds.copy(start)
    reference.handle(record)
    world = worlds.copy(start)
    world.faults.at, world.faults.after = _positions(reference)[0], True  # the article is stored, the reply lost
    with pytest.raises(TRANSIENT_ERRORS):
        world.handle(record)
    world.faults.at = 0
    world.handle(record)
    assert [event.detail_type for event in world.sink.events] == ["ArticleWithdrawn"]


def test_a_publish_cut_after_its_commit_still_resolves_the_promo_it_answers() -> None:
    worlds = Worlds("fake")
    start = worlds.new()
    start.handle(start.act(("upload", "harbour", {"tags": ["Rowing"], "body": PROMO})))
    record = start.act(("upload", "lido", {"title": "Lido reopens after repairs", "tags": ["Rowing"]}))
    reference = worlds.copy(start)
    reference.handle(record)
    world = worlds.copy(start)
    world.faults.at, world.faults.after = _positions(reference)[0], True
    with pytest.raises(TRANSIENT_ERRORS):
        world.handle(record)
    world.faults.at = 0
    world.handle(record)
    assert world.scan() == reference.scan()


def test_a_save_overtaken_between_its_commit_and_its_entries_leaves_none_the_newer_version_dropped(
    worlds: Worlds,
) -> None:
    """Writer W commits, then writer V reads W's version and saves one without the tag W added, all before W writes
    its entries: W's late entry must not bring the dropped tag back (V's tombstone, newer than W, stops it)."""
    world = worlds.new()
    world.handle(world.act(("upload", "harbour", {"tags": ["Rowing"]})))
    first = world.feed.get_record("harbour")
    assert first is not None
    w_article = first.stored.article.model_copy(
        update={"title": "Writer W", "tags": [*first.stored.article.tags, REGATTA]}
    )
    w = _rewrite(first, w_article)

    def v_saves() -> None:
        read = world.feed.get_record("harbour")
        assert read is not None and read.stored.article.title == "Writer W"
        world.feed.save(_rewrite(read, first.stored.article.model_copy(update={"title": "Writer V"})))

    world.faults.calls, world.faults.at, world.faults.hook = 0, 2, v_saves  # write 1 is W's commit
    world.feed.save(w)
    record = world.feed.get_record("harbour")
    assert record is not None and record.stored.article.title == "Writer V"
    tags = {pk for (pk, _), item in world.scan().items() if pk.startswith("TAG#") and "gone" not in item}
    assert tags == {name for name, _ in record.index_keys if name.startswith("TAG#")} and "TAG#regatta" not in tags
    listed = world.feed.list_index(FEED_INDEX, limit=5, after=None, now=world.clock.now).items
    assert [s.title for s in listed] == ["Writer V"]
    readers_see_nothing_half_written(world)


REGATTA = Tag(name="Regatta", slug="regatta", kind="event", score=0.5)


def _rewrite(record: ArticleRecord, article: Article) -> ArticleWrite:
    return ArticleWrite(
        article=article,
        status="published",
        version=record.stored.version,
        source_key=record.source_key,
        expected_rev=record.rev,
        index=index_names(article),
        old=record,
        enrichment=record.enrichment,
    )
