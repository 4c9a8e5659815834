"""A model of the ingest pipeline, checked against the real use-case (``services.Ingest``) by hypothesis.

The machine plays editors and S3: uploads of valid and invalid articles to a few keys (some sharing an id; drafts,
withdrawals; with and without ``updated_at``, some of it in the future), identical re-uploads, several uploads in
one second, deletions; and SQS: a queue of the resulting S3 events (in S3's shape, or moto's, without sequencer and
version id) delivered in any order, with redeliveries, while transient faults strike a share of the port calls (the
faulted event goes back to the queue). Whenever the queue is empty it checks the store and the bucket against what
the model says S3 holds:

- **served truth**: every stored article comes from a key that exists, at one of the versions the key may serve:
  of its versions since it was last deleted, the newest valid one by ``versions.Version.compare`` (time, then
  sequencer; undecided means S3's current object wins, and two undecided versions that are not current are a tie);
- **nothing lost**: every key with such a version has it stored, unless another key published the id first (then
  this key has a report; if that key is deleted since, this one must be uploaded again to take the id);
- **reports true**: a key whose current object is invalid has a report; a deleted key, and a key whose current
  object is what is stored, has none;
- **indexes exact**: no FEED/TAG/SECTION entry points at a missing, draft, withdrawn or deleted article, and every
  served article has exactly the entries of its time, tags and section.

It runs on the in-memory fakes with many examples and on the moto-backed adapters with a few. The smallest examples
of the bugs it found are plain tests in ``test_model_findings.py``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.s3_source import S3ArticleSource
from pressroom.events import S3EventRecord
from pressroom.ports import FEED_INDEX, ArticleRecord
from pressroom.preparing import MAX_CLOCK_SKEW
from pressroom.services import Ingest
from pressroom.versions import Order, Version
from tests.clock import NOW, iso
from tests.fakes import TRANSIENT_ERRORS, FakeWorld, FaultInjector
from tests.helpers import MotoBucket, ObjectVersion, s3_record

KEYS = ("incoming/a.json", "incoming/b.json", "incoming/c.json")
IDS = (None, "x", "y", "a")  # None: the id from the file name
ALL_IDS = ("a", "b", "c", "x", "y")
UPDATED_AT = (
    None,
    None,
    NOW - timedelta(days=2),
    NOW - timedelta(days=1),
    NOW + timedelta(minutes=5),  # later than the upload, within the clock skew allowed
    NOW + timedelta(hours=1),  # in the future: rejected
)
PUBLISHED_AT = (NOW - timedelta(days=7), NOW - timedelta(days=3), NOW + timedelta(days=1))
TAGS = ((), ("Rowing",), ("Rowing", "Harbour"))
SECTIONS = (None, None, "Local News")
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
INDEXES = ("FEED", "TAG#", "SECTION#")
MAX_FAULTS_PER_DRAIN = 40


# ---------------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Upload:
    """One version the machine uploaded, as the model knows it (``version`` with the sequencer of its event)."""

    key: str
    etag: str
    version: Version
    valid: bool
    article_id: str | None = None
    title: str | None = None
    status: str | None = None


@dataclass
class KeyModel:
    """What S3 holds for one key: the versions since it was last deleted (``life``), those of its earlier lives
    (``past``), and whether it is deleted now."""

    life: list[Upload] = field(default_factory=list)
    past: list[Upload] = field(default_factory=list)
    deleted: bool = False
    met_taken_id: bool = False  # an event of this life ran while another key held its id

    @property
    def current(self) -> Upload | None:
        return None if self.deleted or not self.life else self.life[-1]

    def delete(self) -> None:
        self.past.extend(self.life)
        self.life, self.deleted, self.met_taken_id = [], True, False

    def _beats(self, one: Upload, other: Upload) -> bool:
        order = one.version.compare(other.version)
        return order is Order.NEWER or (order is Order.UNDECIDED and one is self.current)

    def winners(self) -> list[Upload]:
        """The newest valid versions of this life: the one newest by the version order, or those tied with it."""
        valid = [u for u in self.life if u.valid]
        return [u for u in valid if not any(self._beats(other, u) for other in valid)]

    def acceptable(self) -> list[Upload | None]:
        """What may be served from this key (None: nothing): its winners, and what the known bugs let through."""
        if self.deleted:
            return [None]
        winners = self.winners()
        return [*winners] if winners else [None]


def article_fields(n: int, *, article_id: str | None, updated_at: datetime | None, **more: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": f"Story {n}",
        "body": f"Story {n}. Mara Quill said the plan was ready.\n\nThe Portmere council agreed on item {n}.",
        **{name: value for name, value in more.items() if value},
    }
    if article_id:
        fields["id"] = article_id
    if updated_at:
        fields["updated_at"] = iso(updated_at)
    return fields


def expected_index_keys(record: ArticleRecord) -> set[tuple[str, str]]:
    article = record.stored.article
    sort_key = f"{article.published_at:%Y-%m-%dT%H:%M:%S.%fZ}#{article.id}"
    names = {FEED_INDEX, *(f"TAG#{tag.slug}" for tag in article.tags)}
    if article.section:
        names.add(f"SECTION#{article.section.lower().replace(' ', '-')}")
    return {(name, sort_key) for name in names}


# ---------------------------------------------------------------------------------------------------- the worlds


class MotoWorld:
    """The use-case on the boto3 adapters over moto (the feed table from template.yaml, a versioned bucket)."""

    def __init__(self) -> None:
        from moto import mock_aws

        from tests.template import feed_table_definition

        self._mock = mock_aws()
        self._mock.start()
        self._travels: list[Any] = []
        self.table, name = "pressroom-feed-model", "pressroom-articles-model"
        boto3.client("dynamodb").create_table(TableName=self.table, **feed_table_definition())
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        self.bucket = MotoBucket(name)
        self.feed = DynamoDBFeed(self.table)
        self.source: Any = S3ArticleSource(name)

    # S3 (and moto) list versions and delete markers apart, to the second: a delete and an upload of one key in the
    # same second cannot be ordered from a listing (``S3ArticleSource.life``), so on moto a delete has its own second.
    deletes_share_seconds = False

    def tick(self) -> None:
        """A second later: a nested time-machine travel (the tests' clock ticks on from there)."""
        traveller = time_machine.travel(datetime.now(UTC) + timedelta(seconds=1), tick=True)
        traveller.start()
        self._travels.append(traveller)

    def ingest(self, source: Any, store: Any) -> Ingest:
        return Ingest(source=source, store=store)

    def index_entries(self) -> list[tuple[str, str, str]]:
        entries = []
        for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=self.table):
            for item in page["Items"]:
                if item["pk"]["S"].startswith(INDEXES) and "gone" not in item:  # not a tombstone
                    entries.append((item["pk"]["S"], item["sk"]["S"], item["sk"]["S"].split("#", 1)[1]))
        return entries

    def close(self) -> None:
        self._mock.stop()
        while self._travels:
            self._travels.pop().stop()


# ---------------------------------------------------------------------------------------------------- the machine

shapes = st.sampled_from(["s3", "s3", "moto"])


class IngestModel(RuleBasedStateMachine):
    world_type: type = FakeWorld

    def __init__(self) -> None:
        super().__init__()
        self.world = self.world_type()
        self.keys = {key: KeyModel() for key in KEYS}
        self.queue: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.bodies: dict[str, list[bytes]] = {key: [] for key in KEYS}
        self.uploads = 0
        self.fault_rate, self.fault_seed = 0.0, 0

    # ------------------------------------------------------------------ editors and S3

    def _put(self, key: str, data: bytes, shape: str) -> None:
        written: ObjectVersion = self.world.bucket.put_object(key, data)
        record = s3_record(key, bucket=self.world.bucket.name, etag=written.etag, version_id=written.version_id)
        record["s3"]["object"]["size"] = len(data)
        if shape == "moto":
            del record["s3"]["object"]["sequencer"], record["s3"]["object"]["versionId"]
        try:
            fields = json.loads(data)
        except ValueError:
            fields = None
        fields = fields if isinstance(fields, dict) and "body" in fields else None
        updated_at = datetime.fromisoformat(fields["updated_at"]) if fields and "updated_at" in fields else None
        version = Version.of(
            updated_at=updated_at,
            last_modified=written.last_modified,
            etag=written.etag,
            sequencer=record["s3"]["object"].get("sequencer"),
        )
        self.keys[key].life.append(
            Upload(
                key=key,
                etag=written.etag,
                version=version,
                valid=fields is not None
                and (updated_at is None or updated_at <= written.last_modified + MAX_CLOCK_SKEW),
                article_id=(fields.get("id") or key[len("incoming/") : -len(".json")]) if fields else None,
                title=fields["title"] if fields else None,
                status=fields.get("status", "published") if fields else None,
            )
        )
        self.keys[key].deleted = False
        self.bodies[key].append(data)
        self._enqueue(record)

    def _enqueue(self, record: dict[str, Any]) -> None:
        self.queue.append(record)
        self.history.append(record)

    @rule(
        key=st.sampled_from(KEYS),
        article_id=st.sampled_from(IDS),
        status=st.sampled_from(["published", "published", "published", "draft", "withdrawn"]),
        updated_at=st.sampled_from(UPDATED_AT),
        published_at=st.sampled_from(PUBLISHED_AT),
        tags=st.sampled_from(TAGS),
        section=st.sampled_from(SECTIONS),
        slug=st.sampled_from([None, None, "shared-slug"]),
        shape=shapes,
    )
    def upload_valid(
        self,
        key: str,
        article_id: str | None,
        status: str,
        updated_at: datetime | None,
        published_at: datetime,
        tags: tuple[str, ...],
        section: str | None,
        slug: str | None,
        shape: str,
    ) -> None:
        self.uploads += 1
        fields = article_fields(
            self.uploads,
            article_id=article_id,
            updated_at=updated_at,
            status=status,
            published_at=iso(published_at),
            tags=list(tags),
            section=section,
            slug=slug,
        )
        self._put(key, json.dumps(fields).encode(), shape)

    @rule(key=st.sampled_from(KEYS), kind=st.sampled_from(["json", "contract"]), shape=shapes)
    def upload_invalid(self, key: str, kind: str, shape: str) -> None:
        self.uploads += 1
        data = f'{{"title": "Broken {self.uploads}"'.encode()
        if kind == "contract":
            data = json.dumps({"title": f"No body {self.uploads}", "published_at": "2029-01-01"}).encode()
        self._put(key, data, shape)

    @rule(key=st.sampled_from(KEYS), which=st.integers(min_value=0), shape=shapes)
    def reupload_identical(self, key: str, which: int, shape: str) -> None:
        """An editor uploads the very bytes of an earlier version again (a CMS re-export, or a revert)."""
        if self.bodies[key]:
            bodies = self.bodies[key]
            self._put(key, bodies[which % len(bodies)], shape)

    @precondition(lambda self: any(m.current for m in self.keys.values()))
    @rule(key=st.sampled_from(KEYS))
    def delete(self, key: str) -> None:
        if self.keys[key].current is not None:
            shared = getattr(self.world, "deletes_share_seconds", True)
            if not shared:
                self.world.tick()
            self._enqueue(self.world.bucket.remove(key))
            self.keys[key].delete()
            if not shared:
                self.world.tick()

    @rule()
    def next_second(self) -> None:
        self.world.tick()

    # ------------------------------------------------------------------ SQS

    @precondition(lambda self: self.history)
    @rule(which=st.integers(min_value=0))
    def redeliver(self, which: int) -> None:
        self.queue.append(self.history[which % len(self.history)])

    @rule(rate=st.sampled_from([0.0, 0.0, 0.03, 0.1]), seed=st.integers(0, 2**16))
    def set_faults(self, rate: float, seed: int) -> None:
        self.fault_rate, self.fault_seed = rate, seed

    @precondition(lambda self: self.queue)
    @rule(order=st.integers(0, 2**32), count=st.integers(1, 3))
    def deliver_some(self, order: int, count: int) -> None:
        """Deliver a few events, in any order, before the later uploads' events: S3 events may lag behind."""
        self._deliver(random.Random(order), count)

    @rule(order=st.integers(0, 2**32))
    def drain(self, order: int) -> None:
        """Deliver every pending event in an order of ``order``, then check."""
        self._deliver(random.Random(order), None)
        self.check()

    def _deliver(self, rnd: random.Random, count: int | None) -> None:
        source = FaultInjector(self.world.source, rate=self.fault_rate, seed=self.fault_seed)
        store = FaultInjector(self.world.feed, rate=self.fault_rate, seed=self.fault_seed + 1)
        ingest = self.world.ingest(source, store)
        done = 0
        while self.queue and (count is None or done < count):
            record = self.queue.pop(rnd.randrange(len(self.queue)))
            self._note_id_state(record)
            try:
                ingest.handle(S3EventRecord.model_validate(record))
            except TRANSIENT_ERRORS:
                self.queue.append(record)
                if sum(source.injected.values()) + sum(store.injected.values()) > MAX_FAULTS_PER_DRAIN:
                    source.active = store.active = False
                continue
            done += 1

    def _note_id_state(self, record: dict[str, Any]) -> None:
        """Before an event of a key runs, note whether another key (that still exists) holds its id: the id is then
        refused (id_taken), and stays refused when that key goes later (the editor uploads again to take it)."""
        key = S3EventRecord.model_validate(record).key
        model = self.keys.get(key)
        if model is None:
            return
        for article_id in {u.article_id for u in model.life if u.article_id}:
            stored = self.world.feed.get_record(article_id)
            if stored is None:
                continue
            if not stored.stored.deleted and not self.keys[stored.source_key].deleted and stored.source_key != key:
                model.met_taken_id = True

    def teardown(self) -> None:
        try:
            self._deliver(random.Random(0), None)
            self.check()
        finally:
            self.world.close()

    # ------------------------------------------------------------------ the checks

    def check(self) -> None:
        assert not self.queue
        feed, bucket = self.world.feed, self.world.bucket
        records = {article_id: feed.get_record(article_id) for article_id in ALL_IDS}
        served = {}
        for article_id, record in records.items():  # served truth
            if record is None or record.stored.deleted:
                continue
            owner, stored = record.source_key, record.stored
            options = [o for o in self.keys[owner].acceptable() if o and o.article_id == article_id]
            match = [o for o in options if o.etag == _etag(stored.version)]
            assert match, f"{article_id} is served from {owner} at {_etag(stored.version)}, not one of {options}"
            assert (stored.article.title, stored.status) == (match[0].title, match[0].status)
            if stored.status == "published":
                served[article_id] = record
        for key, model in self.keys.items():  # nothing lost
            options = model.acceptable()
            if None in options:
                continue
            stored_here = [o for o in options if o and _stored_from(records.get(o.article_id or ""), key)]
            if stored_here or all(o and o.status == "withdrawn" for o in options):
                continue
            held = [records.get(o.article_id or "") for o in options if o]
            taken = any(r is not None and not r.stored.deleted and r.source_key != key for r in held)
            report = bucket.report(key)
            # A key refused an id (id_taken) is not offered again when the owner goes: it must be uploaded again.
            assert report is not None and (taken or model.met_taken_id), (
                f"lost: {key} holds {options}, but its id is stored as {held} (report: {report})"
            )
        for key, model in self.keys.items():  # reports that stay true
            report, current = bucket.report(key), model.current
            if current is None:
                assert report is None, f"{key} is deleted but keeps a report {report}"
                continue
            assert report is None or report["etag"] == current.etag, f"{key}: {report} is not on its current object"
            if not current.valid:
                assert report is not None, f"{key}: its current object is invalid and has no report"
            else:
                record = records.get(current.article_id or "")
                if _stored_from(record, key) and _etag(record.stored.version) == current.etag:  # type: ignore[union-attr]
                    assert report is None, f"{key} is served from its current object but has a report {report}"
        self._check_indexes(served)

    def _check_indexes(self, served: dict[str, ArticleRecord]) -> None:
        feed = self.world.feed
        entries = {(pk, sk): article_id for pk, sk, article_id in self.world.index_entries()}
        for (pk, sk), article_id in entries.items():
            assert article_id in served, f"{pk} {sk} points at {article_id}, which is not served"
            assert (pk, sk) in served[article_id].index_keys, f"{pk} {sk} is a stale entry of {article_id}"
        for article_id, record in served.items():
            assert set(record.index_keys) == expected_index_keys(record), f"{article_id}: {record.index_keys}"
            assert set(record.index_keys) <= set(entries), f"{article_id} misses index entries"
        listed = feed.list_index(FEED_INDEX, limit=100, after=None, now=FAR_FUTURE).items
        assert sorted(item.id for item in listed) == sorted(served)


def _etag(version: str) -> str:
    """The ETag part of a stored version (``time|sequencer|etag``)."""
    return version.rsplit("|", 1)[-1]


def _stored_from(record: ArticleRecord | None, key: str) -> bool:
    return record is not None and not record.stored.deleted and record.source_key == key


class OnFakes(IngestModel):
    world_type = FakeWorld


class OnMoto(IngestModel):
    world_type = MotoWorld


TestIngestModelOnFakes = OnFakes.TestCase
TestIngestModelOnFakes.settings = settings(
    max_examples=1000, stateful_step_count=40, deadline=None, suppress_health_check=list(HealthCheck)
)

TestIngestModelOnMoto = pytest.mark.integration(OnMoto.TestCase)
TestIngestModelOnMoto.settings = settings(
    max_examples=15, stateful_step_count=40, deadline=None, suppress_health_check=list(HealthCheck)
)
