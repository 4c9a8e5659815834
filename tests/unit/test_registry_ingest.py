"""The tag registry in the ingest use-case, on the fakes: publishing learns new tags (writing only what is new), the
rules apply to what is published and indexed, every tag carries its provenance, and a registry edit makes the
articles enriched before it stale for ``reindex --only-stale``; ``pressroom validate``'s path gives the same tags."""

from __future__ import annotations

import json

from pressroom.events import reindex_record
from pressroom.models import Article
from pressroom.ports import tag_index
from pressroom.preparing import ENRICHMENT_VERSION, prepare
from pressroom.registry import TagRules
from pressroom.services import Outcome
from tests.fakes import FakeWorld
from tests.helpers import article

BODY = "Zoë Saldaña opened the Portmere festival on Friday.\n\nSaldaña said the Portmere crowd was the best yet."


def edit(world: FakeWorld, rules: TagRules) -> TagRules:
    world.registry.save_rules(rules, expected_version=world.registry.stored.version)
    return rules


def served(world: FakeWorld, article_id: str) -> Article:
    found = world.served(article_id)
    assert found is not None
    return found


def reindex(world: FakeWorld, name: str) -> Outcome:
    record = reindex_record(world.bucket.name, f"incoming/{name}.json", only_stale=True, event_time="2030-03-01T00:00Z")
    return world.handle(record).outcome


def test_publishing_learns_each_tag_once_and_writes_only_the_new_ones() -> None:
    world = FakeWorld()
    world.publish("one", "Festival opens", body=BODY, tags=["Festivals"])
    first = {t.slug for t in served(world, "one").tags}
    assert set(world.registry.tags) == first and "festivals" in first
    assert world.registry.tags["festivals"].provenance == "editorial"
    writes = world.registry.writes
    assert writes == len(first)
    world.publish("two", "Festival closes", body=BODY, tags=["Festivals", "Closing night"])
    assert world.registry.writes - writes == len({t.slug for t in served(world, "two").tags} - first) == 1
    assert world.registry.tags["closing-night"].first_seen == f"{world.clock.now:%Y-%m-%dT%H:%M:%SZ}"


def test_drafts_and_withdrawals_teach_the_registry_nothing() -> None:
    world = FakeWorld()
    world.publish("d", "A draft", tags=["Secret plans"], status="draft")
    world.publish("w", "Withdrawn", tags=["Old news"], status="withdrawn")
    assert world.registry.tags == {}


def test_an_alias_is_published_and_indexed_as_its_canonical_tag_with_registry_provenance() -> None:
    world = FakeWorld()
    edit(world, TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña"))
    world.publish("one", "Festival opens", body="The festival opened.", tags=["Saldana", "Festivals"])
    tags = {t.slug: t for t in served(world, "one").tags}
    assert (tags["zoe-saldana"].name, tags["zoe-saldana"].provenance) == ("Zoë Saldaña", "registry")
    assert tags["festivals"].provenance == "editorial" and "saldana" not in tags
    assert world.feed_ids(tag_index("zoe-saldana")) == ["one"] and world.feed_ids(tag_index("saldana")) == []
    assert "saldana" not in world.registry.tags and "zoe-saldana" in world.registry.tags


def test_a_blocked_tag_never_appears_and_an_editors_kind_wins() -> None:
    world = FakeWorld()
    edit(world, TagRules().block("festivals").set_kind("portmere", "work"))
    world.publish("one", "Festival opens", body=BODY, tags=["Festivals"])
    tags = {t.slug: t for t in served(world, "one").tags}
    assert "festivals" not in tags and world.feed_ids(tag_index("festivals")) == []
    assert (tags["portmere"].kind, tags["portmere"].provenance) == ("work", "registry")
    assert "festivals" not in world.registry.tags


def test_a_registry_edit_makes_earlier_articles_stale_and_reindex_applies_it_once() -> None:
    world = FakeWorld()
    world.publish("one", "Festival opens", body=BODY, tags=["Festivals"])
    before = world.feed.get_record("one")
    assert before is not None and before.enrichment == ENRICHMENT_VERSION
    assert reindex(world, "one") is Outcome.DUPLICATE
    rules = edit(world, TagRules().merge("festivals", "portmere-festival", target_name="Portmere Festival"))
    assert reindex(world, "one") is Outcome.PUBLISHED
    after = world.feed.get_record("one")
    assert after is not None and after.enrichment == f"{ENRICHMENT_VERSION}+tags{rules.version}"
    assert after.rev == before.rev + 1
    assert "portmere-festival" in {t.slug for t in after.stored.article.tags}
    assert world.feed_ids(tag_index("portmere-festival")) == ["one"] and world.feed_ids(tag_index("festivals")) == []
    assert reindex(world, "one") is Outcome.DUPLICATE


def test_a_duplicate_delivery_does_not_read_the_registry() -> None:
    world = FakeWorld()
    record = world.upload("one", article("Festival opens", tags=["Festivals"]))
    world.handle(record)
    reads = world.registry.reads
    assert world.handle(record).outcome is Outcome.DUPLICATE
    assert world.registry.reads == reads


def test_validate_gives_the_pipelines_tags_under_the_same_rules() -> None:
    world = FakeWorld()
    rules = edit(world, TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña").block("friday"))
    upload = article("Festival opens", body=BODY, tags=["Saldana", "Festivals"])
    world.publish("one", "Festival opens", body=BODY, tags=["Saldana", "Festivals"])
    stored = world.feed.get_record("one")
    assert stored is not None
    prepared = prepare(json.dumps(upload).encode(), "incoming/one.json", uploaded_at=stored.stored.article.updated_at)
    assert prepared.tags != stored.stored.article.tags
    ruled = prepare(json.dumps(upload).encode(), "incoming/one.json", uploaded_at=world.clock.now, rules=rules)
    assert ruled.tags == stored.stored.article.tags
