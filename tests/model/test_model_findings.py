"""The smallest examples of the bugs the model (``test_ingest_model.py``) and a review of its fixes found, on the
in-memory fakes: each failed before its fix and stays as a plain test, so that a regression shows by name and not
only as a shrunk model run."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest

from pressroom.models import MAX_OBJECT_BYTES
from pressroom.services import Outcome
from pressroom.versions import Version
from tests.clock import ahead, iso
from tests.fakes import FakeWorld as World
from tests.helpers import article


@pytest.fixture
def world() -> World:
    return World()


def test_a_deleted_version_is_not_served_when_the_key_comes_back_invalid(world: World) -> None:
    """The removal event of a key uploaded again (here with a broken file) offers the new current object instead of
    unpublishing: the deleted version stays served."""
    world.publish("a", "Deleted by the editor")
    removal = world.delete("a")
    world.handle(world.upload("a", b"{broken"))
    world.handle(removal)
    assert world.served("a") is None


def test_a_deleted_version_does_not_come_back_by_its_late_event(world: World) -> None:
    """A late event of a version uploaded before the key was deleted offers it by version id, and its later
    ``updated_at`` beats the version uploaded after the deletion."""
    edited = iso(world.clock.now + timedelta(minutes=10))  # within the clock skew allowed
    before = world.upload("a", article("Before the deletion", updated_at=edited))
    world.handle(world.delete("a"))
    world.clock.advance(seconds=30)
    assert world.handle(world.upload("a", article("After the deletion"))).outcome is Outcome.PUBLISHED
    world.handle(before)
    assert world.title("a") == "After the deletion"


def test_a_key_uploaded_again_after_a_deletion_keeps_its_last_valid_version(world: World) -> None:
    """After a deletion only an upload still current when its event runs may bring the id back, so a valid upload
    followed by a broken one is never published (on a key never published before it is, see the control)."""
    world.publish("a", "First life")
    world.handle(world.delete("a"))
    good = world.upload("a", article("Second life"))
    broken = world.upload("a", b"{broken")
    world.handle(broken)
    world.handle(good)
    control_good = world.upload("b", article("Never deleted"))
    world.handle(world.upload("b", b"{broken"))
    world.handle(control_good)
    assert world.title("b") == "Never deleted"
    assert world.title("a") == "Second life"


def test_an_upload_that_changes_its_id_does_not_leave_the_old_article_served(world: World) -> None:
    """The old id keeps its article from the key forever: deleting the key unpublishes only the new id."""
    world.publish("a", "Under the old id", id="old")
    world.publish("a", "Under the new id", id="new")
    world.handle(world.delete("a"))
    assert world.served("new") is None
    assert world.served("old") is None


def test_a_withdrawal_processed_before_the_first_upload_still_wins(world: World) -> None:
    """A withdrawal of an id not stored yet is ignored without a trace, so the earlier upload's late event
    publishes what the editor withdrew."""
    first = world.upload("w", article("Out by mistake"))
    withdrawal = world.upload("w", article("Out by mistake", status="withdrawn"))
    assert world.handle(withdrawal).outcome is Outcome.UNPUBLISHED
    world.handle(first)
    assert world.served("w") is None


def test_a_first_withdrawal_with_an_updated_at_in_the_future_is_reported(world: World) -> None:
    """Once a bug (the time check ran after the decision to ignore a first withdrawal): fixed, kept as a test."""
    world.handle(world.upload("f", article("Withdrawn", status="withdrawn", updated_at=ahead(days=30))))
    assert world.report_type("f") == "future"


def test_an_editor_reverting_to_earlier_bytes_ends_at_the_reverted_version(world: World) -> None:
    """The same bytes again count as the same version (rule 1 of ``versions``) with the time of their first upload,
    so the version between the two uploads of them wins when its event comes last."""
    original = article("The original")
    first = world.upload("r", original)
    between = world.upload("r", article("An edit undone"))
    reverted = world.upload("r", original)
    for record in (first, reverted, between):
        world.handle(record)
    assert world.title("r") == "The original"


def test_a_late_event_of_an_oversized_upload_leaves_no_report_on_a_fixed_key(world: World) -> None:
    """Once a bug (the size check on the event ran before the event was matched to S3's current object): fixed."""
    huge = world.upload("big", b" " * (MAX_OBJECT_BYTES + 1))
    assert world.handle(world.upload("big", article("Small enough"))).outcome is Outcome.PUBLISHED
    world.handle(huge)
    assert world.report("big") is None


def test_a_version_refused_its_id_is_not_outranked_by_an_older_current_object(world: World) -> None:
    """The key's newest version (by time) claims an id another key holds and is refused; the editor then uploads
    bytes whose ``updated_at`` is older. The key's newest version is still the refused one, so nothing is served from
    it (the pipeline once compared the current object only with stored versions, and published it)."""
    old = article("Old bytes", updated_at=iso(world.clock.now - timedelta(days=2)))
    world.publish("b", "Holds x", id="x")
    claim = world.bucket.upload("incoming/a.json", article("Claims x", id="x"))
    again = world.bucket.upload("incoming/a.json", old)
    world.handle(claim)
    world.handle(again)
    assert world.served("a") is None
    assert world.report("a") is not None


def test_a_version_refused_its_id_stays_the_keys_newest_through_a_later_broken_upload(world: World) -> None:
    """Once a bug: a broken upload's report replaced the one that named the refused version, so an older upload of
    the key between them was published."""
    world.publish("owner", "Holds x", id="x")
    claim = world.bucket.upload("incoming/k.json", article("Claims x", id="x"))
    older = world.bucket.upload(
        "incoming/k.json", article("Older", updated_at=iso(world.clock.now - timedelta(days=2)))
    )
    broken = world.bucket.upload("incoming/k.json", b"{broken")
    for record in (claim, broken, older):
        world.handle(record)
    assert world.served("k") is None
    assert world.report("k") is not None and world.report_type("k") == "json_invalid"


def test_a_report_that_names_a_refused_version_without_a_marker_gets_one_at_the_next_rejection(world: World) -> None:
    """Reports written before the refusal markers (``FeedStore.note_refusal``) name a refused version but no marker
    says so: the next rejection of the key, which keeps the refused version in its report, marks the key."""
    world.publish("owner", "Holds x", id="x")
    claim = world.bucket.upload("incoming/k.json", article("Claims x", id="x"))
    older = world.bucket.upload(
        "incoming/k.json", article("Older", updated_at=iso(world.clock.now - timedelta(days=2)))
    )
    broken = world.bucket.upload("incoming/k.json", b"{broken")
    world.handle(claim)
    world.feed.table.delete(("SRC#incoming/k.json", "REFUSED"))  # as a report from before the markers
    world.handle(broken)
    assert world.feed.refusal_noted("incoming/k.json")
    world.handle(older)
    assert world.served("k") is None


def _too_large_once_enriched(title: str, **fields: Any) -> bytes:
    """Under 1 MiB and valid by the upload contract, but over the stored size limit once enriched (``too_large``):
    a version only enrichment rejects."""
    rng = random.Random(1)
    body = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(199_000))
    return json.dumps(article(title, body=body, **fields), ensure_ascii=False).encode()


def test_a_late_deletion_of_a_key_uploaded_again_unstorable_takes_the_old_article_down(world: World) -> None:
    world.publish("a", "First life")
    removal = world.delete("a")
    assert world.handle(world.upload("a", _too_large_once_enriched("Second life"))).outcome is Outcome.REJECTED
    world.handle(removal)
    assert world.served("a") is None and world.report_type("a") == "too_large"


def test_a_later_version_only_enrichment_rejects_does_not_hide_an_earlier_valid_one(world: World) -> None:
    good = world.upload("k", article("Good version"))
    world.handle(world.upload("k", _too_large_once_enriched("Too big")))
    world.handle(good)
    assert world.title("k") == "Good version"


def test_an_unstorable_upload_under_a_new_id_leaves_the_old_article_served(world: World) -> None:
    world.publish("k", "Under x", id="x")
    assert world.handle(world.upload("k", _too_large_once_enriched("Under y", id="y"))).outcome is Outcome.REJECTED
    assert world.title("x") == "Under x"


def test_an_oversized_later_upload_does_not_hide_a_valid_earlier_one(world: World) -> None:
    good = world.upload("k", article("Good version"))
    world.handle(world.upload("k", b" " * (MAX_OBJECT_BYTES + 1)))
    world.handle(good)
    assert world.title("k") == "Good version" and world.report_type("k") == "too_large"


def test_an_older_upload_over_a_version_stored_in_the_legacy_format_is_still_stale(world: World) -> None:
    world.publish("k", "Edited yesterday", updated_at=iso(world.clock.now - timedelta(days=1)))
    item = world.feed.items[("ART#k", "ARTICLE")]
    stored = Version.parse(item["version"])
    item["version"] = f"{stored.time:%Y-%m-%dT%H:%M:%S.%fZ}|{world.clock.now:%Y-%m-%dT%H:%M:%SZ}|0123456789abcdef"
    result = world.publish("k", "Edited two days ago", updated_at=iso(world.clock.now - timedelta(days=2)))
    assert (result.outcome, world.title("k"), world.report_type("k")) == (Outcome.STALE, "Edited yesterday", "stale")


def test_a_version_stored_without_its_sequencer_gives_way_to_a_later_upload_of_the_same_second(world: World) -> None:
    """Once a bug: a deletion event published the new life's version without a sequencer (a listing has none); the
    next upload of that second, not current either, lost to it by "the current object wins", though S3 lists it
    later."""
    world.handle(world.upload("c", article("First life")))
    removal = world.bucket.remove("incoming/c.json")
    world.bucket.upload("incoming/c.json", article("Second life"))
    assert world.handle(removal).outcome is Outcome.PUBLISHED
    later = world.bucket.upload("incoming/c.json", article("Second life, edited"))
    older = world.bucket.upload(
        "incoming/c.json", article("Older", updated_at=iso(world.clock.now - timedelta(days=2)))
    )
    world.handle(later)
    world.handle(older)
    assert world.title("c") == "Second life, edited"
