"""Every outcome of the ingest use-case (``services.Ingest``), on the in-memory fakes of its ports: no moto, no
network, a clock that moves only when told."""

from __future__ import annotations

import json
import random

import pytest
from botocore.exceptions import ClientError

from pressroom.models import MAX_OBJECT_BYTES
from pressroom.ports import ArticleTooLarge, ArticleWrite, section_index, tag_index
from pressroom.services import Outcome, Result
from tests.clock import ago, ahead, iso
from tests.fakes import FakeWorld as World
from tests.fakes import FaultInjector, InMemoryFeed
from tests.helpers import article, s3_record


@pytest.fixture
def world() -> World:
    return World()


def outcome(result: Result) -> Outcome:
    return result.outcome


# ---------------------------------------------------------------------------------------------------- published


def test_a_valid_upload_is_published_with_its_slug_source_key_and_index_entries(world: World) -> None:
    result = world.publish("harbour", "Harbour lights return", section="Local News", tags=["Festivals"])
    assert (result.outcome, result.key, result.article_id) == (Outcome.PUBLISHED, "incoming/harbour.json", "harbour")
    served = world.served("harbour")
    assert served is not None and served.slug == "harbour-lights-return" and served.section == "Local News"
    assert world.feed.article_id_for_key("incoming/harbour.json") == "harbour"
    assert world.feed_ids() == world.feed_ids(section_index("local-news")) == ["harbour"]
    assert world.feed_ids(tag_index("festivals")) == ["harbour"]
    assert world.report("harbour") is None


def test_a_draft_is_stored_but_not_indexed(world: World) -> None:
    assert outcome(world.publish("d", "A draft", status="draft")) is Outcome.STORED_DRAFT
    record = world.feed.get_record("d")
    assert record is not None and record.stored.status == "draft" and record.index_keys == ()
    assert world.feed_ids() == []
    assert outcome(world.publish("d", "Now out")) is Outcome.PUBLISHED
    assert world.feed_ids() == ["d"]


def test_a_scheduled_article_is_published_but_listed_only_from_its_time(world: World) -> None:
    assert outcome(world.publish("s", "Scheduled", published_at=ahead(days=1))) is Outcome.PUBLISHED
    assert world.title("s") == "Scheduled" and world.feed_ids() == []
    world.clock.advance(days=2)
    assert world.feed_ids() == ["s"]


# ---------------------------------------------------------------------------------------------------- unpublished


def test_a_withdrawn_version_takes_the_article_out_of_the_feed(world: World) -> None:
    world.publish("w", "Out soon", tags=["Rowing"])
    assert outcome(world.publish("w", "Out soon", status="withdrawn")) is Outcome.UNPUBLISHED
    record = world.feed.get_record("w")
    assert record is not None and record.stored.status == "withdrawn" and not record.stored.deleted
    assert world.feed_ids() == world.feed_ids(tag_index("rowing")) == []
    assert world.feed.get_by_slug("out-soon") == record.stored


def test_a_deleted_object_is_unpublished_and_its_report_cleared(world: World) -> None:
    world.publish("x", "To be deleted")
    world.handle(world.upload("x", b"{broken"))
    assert world.report_type("x") == "json_invalid"
    result = world.handle(world.delete("x"))
    assert (result.outcome, result.article_id) == (Outcome.UNPUBLISHED, "x")
    record = world.feed.get_record("x")
    assert record is not None and record.stored.deleted and record.stored.status == "withdrawn"
    assert record.deleted_at == f"{world.clock.now:%Y-%m-%dT%H:%M:%SZ}"
    assert world.feed_ids() == [] and world.report("x") is None
    assert world.feed.get_by_slug("to-be-deleted").status == "withdrawn"  # type: ignore[union-attr]


def test_a_deleted_then_reuploaded_key_is_published_again(world: World) -> None:
    world.publish("r", "First life")
    world.handle(world.delete("r"))
    assert outcome(world.publish("r", "Second life")) is Outcome.PUBLISHED
    assert world.title("r") == "Second life" and world.feed_ids() == ["r"]


def test_a_removal_event_of_a_key_uploaded_again_offers_the_current_object(world: World) -> None:
    world.publish("b", "Before")
    removal = world.delete("b")
    world.upload("b", article("Back again"))
    assert outcome(world.handle(removal)) is Outcome.PUBLISHED
    assert world.title("b") == "Back again"


# ---------------------------------------------------------------------------------------------------- duplicate


def test_a_redelivered_event_is_a_duplicate(world: World) -> None:
    record = world.upload("dup", article("Once"))
    assert outcome(world.handle(record)) is Outcome.PUBLISHED
    assert outcome(world.handle(record)) is Outcome.DUPLICATE
    assert world.feed.get_record("dup").rev == 1  # type: ignore[union-attr]


def test_identical_bytes_uploaded_again_are_a_duplicate(world: World) -> None:
    body = article("Same bytes")
    world.handle(world.upload("same", body))
    assert outcome(world.handle(world.upload("same", body))) is Outcome.DUPLICATE


def test_a_redelivered_removal_is_a_duplicate(world: World) -> None:
    world.publish("gone", "Gone")
    removal = world.delete("gone")
    assert outcome(world.handle(removal)) is Outcome.UNPUBLISHED
    assert outcome(world.handle(removal)) is Outcome.DUPLICATE


def test_an_event_without_etag_or_version_names_the_current_object(world: World) -> None:
    world.upload("bare", article("Bare event"))
    bare = s3_record("incoming/bare.json", bucket=world.bucket.name)
    del bare["s3"]["object"]["eTag"]
    assert outcome(world.handle(bare)) is Outcome.PUBLISHED
    assert outcome(world.handle(bare)) is Outcome.DUPLICATE


# ---------------------------------------------------------------------------------------------------- stale


def test_the_event_of_a_superseded_version_is_stale_without_a_report(world: World) -> None:
    first = world.upload("v", article("First"))
    second = world.upload("v", article("Second"))
    assert outcome(world.handle(second)) is Outcome.PUBLISHED
    result = world.handle(first)
    assert result.outcome is Outcome.STALE and "superseded" in result.detail
    assert world.title("v") == "Second" and world.report("v") is None


def test_versions_delivered_newest_first_end_at_the_newest(world: World) -> None:
    records = [world.upload("n", article(f"Version {v}")) for v in range(3)]
    assert [outcome(world.handle(r)) for r in reversed(records)] == [Outcome.PUBLISHED, Outcome.STALE, Outcome.STALE]
    assert world.title("n") == "Version 2"


def test_an_earlier_version_delivered_first_is_skipped_for_the_later_one(world: World) -> None:
    first = world.upload("e", article("First"))
    second = world.upload("e", article("Second"))
    assert outcome(world.handle(first)) is Outcome.STALE  # a later valid version of the key exists
    assert world.served("e") is None
    assert outcome(world.handle(second)) is Outcome.PUBLISHED
    assert world.title("e") == "Second"


def test_an_earlier_version_delivered_first_is_published_when_the_later_ones_are_invalid(world: World) -> None:
    first = world.upload("e", article("First"))
    broken = world.upload("e", b"{broken")
    assert outcome(world.handle(first)) is Outcome.PUBLISHED  # offered from its version id
    assert outcome(world.handle(broken)) is Outcome.REJECTED
    assert world.title("e") == "First"


@pytest.mark.parametrize("with_sequencer", [True, False])
def test_same_second_versions_in_any_order_end_at_s3s_current_object(world: World, with_sequencer: bool) -> None:
    for seed in range(6):
        name = f"same-{seed}-{int(with_sequencer)}"
        records = [world.bucket.upload(f"incoming/{name}.json", article(f"V{v} {seed}")) for v in range(3)]
        if not with_sequencer:
            for record in records:
                del record["s3"]["object"]["sequencer"]
        random.Random(seed).shuffle(records)
        for record in records:
            world.handle(record)
        assert world.title(name) == f"V2 {seed}"


def test_an_upload_older_than_the_served_version_is_stale_with_a_report_until_a_newer_one(world: World) -> None:
    world.publish("s", "New", updated_at=ago(minutes=1))
    result = world.publish("s", "Old", updated_at=ago(days=30))
    assert result.outcome is Outcome.STALE and "report" in result.detail
    assert world.title("s") == "New" and world.report_type("s") == "stale"
    assert outcome(world.publish("s", "Newest")) is Outcome.PUBLISHED
    assert world.title("s") == "Newest" and world.report("s") is None


def test_an_earlier_version_with_a_later_updated_at_wins_over_the_current_object(world: World) -> None:
    first = world.upload("u", article("Edited later", updated_at=iso(world.clock.now)))
    current = world.upload("u", article("Edited earlier", updated_at=ago(days=1)))
    assert outcome(world.handle(current)) is Outcome.PUBLISHED
    assert outcome(world.handle(first)) is Outcome.PUBLISHED
    assert world.title("u") == "Edited later"


def test_the_event_of_a_version_no_longer_in_the_bucket_is_stale(world: World) -> None:
    record = world.upload("lost", article("Lost"))
    world.upload("lost", article("Kept"))
    world.bucket.versions["incoming/lost.json"].pop(0)
    result = world.handle(record)
    assert result.outcome is Outcome.STALE and "superseded" in result.detail


def test_an_earlier_invalid_version_is_stale_without_a_report(world: World) -> None:
    broken = world.upload("ib", b"{broken")
    world.handle(world.upload("ib", article("Fixed")))
    assert outcome(world.handle(broken)) is Outcome.STALE
    assert world.report("ib") is None and world.title("ib") == "Fixed"


# ---------------------------------------------------------------------------------------------------- rejected


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"{broken", "json_invalid"),
        (json.dumps({"title": "No body", "published_at": "2026-01-01"}).encode(), "missing"),
        (json.dumps({**article("Extra"), "extra": 1}).encode(), "extra_forbidden"),
        (b"\xff\xfe{}", "encoding"),
        (json.dumps(article("Lone surrogate")).replace("surrogate.", "\\ud800.").encode(), "unicode_surrogate"),
    ],
)
def test_invalid_input_is_rejected_with_a_report_and_nothing_stored(world: World, data: bytes, kind: str) -> None:
    result = world.handle(world.upload("bad", data))
    assert result.outcome is Outcome.REJECTED and "rejected/incoming/bad.json.error.json" in result.detail
    report = world.report("bad")
    assert report is not None and report["key"] == "incoming/bad.json"
    assert report["etag"] == world.bucket.current_etag("incoming/bad.json")
    assert report["received_at"] == f"{world.clock.now:%Y-%m-%dT%H:%M:%SZ}"
    assert kind in {e["type"] for e in report["errors"]}, report
    assert world.feed.get_record("bad") is None


def test_an_unsupported_file_type_is_rejected_with_a_report(world: World) -> None:
    result = world.handle(world.bucket.upload("incoming/notes.pdf", b"%PDF-1.7"))
    assert result.outcome is Outcome.REJECTED
    assert world.bucket.report("incoming/notes.pdf")["errors"][0]["type"] == "unsupported_type"  # type: ignore[index]


def test_a_future_updated_at_is_rejected_and_a_correction_lands(world: World) -> None:
    assert outcome(world.publish("f", "Locked?", updated_at=ahead(days=3000))) is Outcome.REJECTED
    assert world.report_type("f") == "future" and world.served("f") is None
    assert outcome(world.publish("f", "Corrected")) is Outcome.PUBLISHED
    assert world.report("f") is None


def test_an_updated_at_within_the_clock_skew_is_accepted(world: World) -> None:
    assert outcome(world.publish("k", "Skewed", updated_at=iso(world.clock.advance(minutes=10)))) is Outcome.PUBLISHED


def test_the_size_an_event_states_is_not_trusted_the_current_object_is_judged(world: World) -> None:
    record = world.upload("big", article("Big"))
    record["s3"]["object"]["size"] = MAX_OBJECT_BYTES + 1
    assert outcome(world.handle(record)) is Outcome.PUBLISHED
    assert world.report("big") is None


def test_an_object_too_large_when_read_is_rejected(world: World) -> None:
    record = world.upload("huge", b" " * (MAX_OBJECT_BYTES + 1))
    del record["s3"]["object"]["size"]
    assert outcome(world.handle(record)) is Outcome.REJECTED
    assert world.report_type("huge") == "too_large"


class TooLargeWhenStored(InMemoryFeed):
    """A feed whose items are smaller than the article once enriched (related links can make it grow)."""

    def save(self, write: ArticleWrite) -> None:
        raise ArticleTooLarge("the article is 400,000 bytes compressed; the limit is 350,000")


def test_an_article_too_large_to_store_is_rejected(world: World) -> None:
    result = world.handle(world.upload("t", article("Too large")), store=TooLargeWhenStored())
    assert result.outcome is Outcome.REJECTED and world.report_type("t") == "too_large"


def test_an_id_published_from_another_key_is_taken_while_that_key_exists(world: World) -> None:
    world.publish("Foo Bar", "The original")
    result = world.publish("foo-bar", "The impostor")
    assert result.outcome is Outcome.REJECTED and world.title("foo-bar") == "The original"
    report = world.report("foo-bar")
    assert report is not None and report["errors"][0]["type"] == "id_taken"
    assert "incoming/Foo Bar.json" in report["errors"][0]["msg"]
    assert world.report("Foo Bar") is None
    world.handle(world.delete("foo-bar"))
    assert world.title("foo-bar") == "The original" and world.bucket.reports() == {}


# ---------------------------------------------------------------------------------------------------- gone, ignored


def test_an_object_deleted_before_its_event_is_gone(world: World) -> None:
    record = world.upload("late", article("Too late"))
    world.delete("late")
    assert outcome(world.handle(record)) is Outcome.GONE
    assert world.feed.get_record("late") is None


@pytest.mark.parametrize("key", ["rejected/incoming/x.json.error.json", "incoming/folder/", "other/x.json"])
def test_keys_outside_incoming_or_folders_are_ignored(world: World, key: str) -> None:
    world.bucket.put_object(key, b"{}")
    assert outcome(world.handle(s3_record(key, bucket=world.bucket.name))) is Outcome.IGNORED


def test_a_first_upload_already_withdrawn_is_known_but_claims_no_slug(world: World) -> None:
    assert outcome(world.publish("w", "Never out", status="withdrawn")) is Outcome.UNPUBLISHED
    record = world.feed.get_record("w")
    assert record is not None and record.stored.status == "withdrawn" and record.stored.article.slug == ""
    assert world.feed.slug_owner("never-out") is None and world.feed.get_by_slug("never-out") is None


def test_the_removal_of_a_key_never_published_is_ignored_and_clears_its_report(world: World) -> None:
    world.handle(world.upload("np", b"not json"))
    assert world.report("np") is not None
    assert outcome(world.handle(world.delete("np"))) is Outcome.IGNORED
    assert world.report("np") is None


# ---------------------------------------------------------------------------------------------------- id ownership


def test_an_id_whose_key_was_deleted_can_be_taken_by_another_key(world: World) -> None:
    world.publish("a", "From a", id="shared")
    world.handle(world.delete("a"))
    assert outcome(world.publish("b", "From b", id="shared")) is Outcome.PUBLISHED
    assert world.title("shared") == "From b"
    assert world.feed.get_record("shared").source_key == "incoming/b.json"  # type: ignore[union-attr]


def test_an_id_can_be_taken_before_the_owners_removal_is_processed(world: World) -> None:
    world.publish("a", "From a", id="shared")
    removal = world.delete("a")
    assert outcome(world.publish("b", "From b", id="shared")) is Outcome.PUBLISHED
    result = world.handle(removal)
    assert result.outcome is Outcome.IGNORED and "another key" in result.detail
    assert world.title("shared") == "From b"


def test_a_deleted_article_is_taken_over_only_by_the_current_object_of_the_new_key(world: World) -> None:
    world.publish("a", "From a", id="shared")
    world.handle(world.delete("a"))
    earlier = world.upload("b", article("Earlier b", id="shared"))
    world.upload("b", article("Later b", id="shared"))
    result = world.handle(earlier)
    assert result.outcome is Outcome.STALE and world.served("shared") is None


# ---------------------------------------------------------------------------------------------------- slugs, promos


def test_articles_with_one_title_get_suffixed_slugs(world: World) -> None:
    for n in range(4):
        world.publish(f"t{n}", "Council meets")
    slugs = [world.served(f"t{n}").slug for n in range(4)]  # type: ignore[union-attr]
    assert slugs == ["council-meets", "council-meets-2", "council-meets-3", "council-meets-4"]
    world.publish("t1", "Council meets again")
    assert world.served("t1").slug == "council-meets-2"  # type: ignore[union-attr]  # URLs stay stable


def test_a_long_run_of_taken_slugs_is_skipped_in_one_retry(world: World) -> None:
    for n in range(12):
        assert outcome(world.publish(f"r{n}", "Weather warning")) is Outcome.PUBLISHED
    assert world.served("r11").slug == "weather-warning-12"  # type: ignore[union-attr]


def test_an_editors_slug_taken_by_another_article_gets_a_suffix(world: World) -> None:
    world.publish("one", "One", slug="the-slug")
    world.publish("two", "Two", slug="the-slug")
    assert world.served("two").slug == "the-slug-2"  # type: ignore[union-attr]


def test_a_promo_line_is_resolved_when_its_article_is_published_later(world: World) -> None:
    body = "Mara Quill said the plan was ready.\n\nWATCH: Harbour bridge reopens after repairs\n\nThe council agreed."
    world.publish("promo", "Council backs plan", body=body)
    record = world.feed.get_record("promo")
    assert record is not None and len(record.pending_promos) == 1 and world.served("promo").related == []  # type: ignore[union-attr]
    world.publish("bridge", "Harbour bridge reopens after repairs")
    links = world.served("promo").related  # type: ignore[union-attr]
    assert [(link.slug, link.source) for link in links] == [("harbour-bridge-reopens-after-repairs", "promo")]
    assert world.feed.pending_promos(10) == [] and world.feed.get_record("promo").pending_promos == ()  # type: ignore[union-attr]


def test_a_promo_matching_an_article_published_before_is_linked_at_once(world: World) -> None:
    world.publish("bridge", "Harbour bridge reopens after repairs")
    body = "Mara Quill said the plan was ready.\n\nWATCH: Harbour bridge reopens after repairs"
    world.publish("promo", "Council backs plan", body=body)
    assert [link.slug for link in world.served("promo").related][:1] == ["harbour-bridge-reopens-after-repairs"]  # type: ignore[union-attr]
    assert world.feed.pending_promos(10) == []


# ---------------------------------------------------------------------------------------------------- faults


PORT_CALLS = [
    ("source", "fetch"),
    ("source", "current_etag"),
    ("source", "write_rejection"),
    ("source", "clear_rejection"),
    ("store", "get_record"),
    ("store", "save"),
    ("store", "note_refusal"),
    ("store", "refusal_noted"),
]


@pytest.mark.parametrize(("port", "method"), PORT_CALLS)
@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_a_transient_fault_propagates_and_a_retry_ends_right(world: World, port: str, method: str, after: bool) -> None:
    world.publish("owner", "Owner", id="taken")
    world.publish("p", "Old")
    events = [
        world.upload("p", article("New")),  # fetch, get_record, save, clear_rejection
        world.upload("taker", article("Taker", id="taken")),  # current_etag, write_rejection
    ]
    target = world.bucket if port == "source" else world.feed
    faulty = FaultInjector(target, rate=1.0, seed=1, methods=frozenset({method}), after_share=float(after))
    raised = []
    for event in events:
        try:
            world.handle(event, **{port: faulty})
        except (ClientError, ConnectionError) as e:
            raised.append(e)
    assert raised and sum(faulty.injected.values()) == len(raised)
    faulty.active = False
    for event in events:
        world.handle(event, **{port: faulty})
    assert world.title("p") == "New" and world.title("taken") == "Owner"
    assert world.report_type("taker") == "id_taken" and world.report("p") is None


def test_a_fault_while_unpublishing_propagates(world: World) -> None:
    world.publish("z", "Zed")
    removal = world.delete("z")
    faulty = FaultInjector(world.feed, rate=1.0, methods=frozenset({"article_id_for_key"}))
    with pytest.raises((ClientError, ConnectionError)):
        world.handle(removal, store=faulty)
    assert world.title("z") == "Zed"
    assert outcome(world.handle(removal)) is Outcome.UNPUBLISHED


def test_the_fault_injector_fails_its_share_of_calls_reproducibly() -> None:
    def failures(seed: int) -> list[int]:
        faulty = FaultInjector(InMemoryFeed(), rate=0.2, seed=seed)
        failed = []
        for n in range(500):
            try:
                faulty.slug_owner("s")
            except (ClientError, ConnectionError) as e:
                assert not isinstance(e, ClientError) or e.response["Error"]["Code"] == "ThrottlingException"
                failed.append(n)
        return failed

    assert failures(3) == failures(3) != failures(4)
    assert 60 < len(failures(3)) < 140


# ---------------------------------------------------------------------------------------------------- reports stay true


def test_publishing_an_earlier_version_keeps_the_report_of_the_invalid_current_object(world: World) -> None:
    good = world.upload("k", article("Last good version"))
    assert outcome(world.handle(world.upload("k", b"{broken"))) is Outcome.REJECTED
    assert outcome(world.handle(good)) is Outcome.PUBLISHED
    assert world.title("k") == "Last good version" and world.report_type("k") == "json_invalid"


def test_an_earlier_version_with_the_current_bytes_clears_the_report_when_published(world: World) -> None:
    world.publish("owner", "Owner", id="shared")
    body = article("Claimant", id="shared")
    first = world.upload("claimant", body)
    assert outcome(world.handle(first)) is Outcome.REJECTED
    world.handle(world.upload("claimant", body))
    world.bucket.delete_object("incoming/owner.json")
    assert outcome(world.handle(first)) is Outcome.PUBLISHED
    assert world.title("shared") == "Claimant" and world.report("claimant") is None


def test_uploading_the_served_bytes_again_clears_the_report_of_the_broken_upload_between(world: World) -> None:
    body = article("Served")
    world.handle(world.upload("s", body))
    world.handle(world.upload("s", b"{broken"))
    assert world.report_type("s") == "json_invalid"
    assert outcome(world.handle(world.upload("s", body))) is Outcome.DUPLICATE
    assert world.report("s") is None
