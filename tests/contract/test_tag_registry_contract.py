"""The contract of ``TagRegistry``, run on ``InMemoryRegistry`` and on ``DynamoDBRegistry`` over moto: known tags are
learned once and never overwritten, rules are versioned and saved only over the version they were edited from, and
a reader that keeps the rules in memory still sees every newer version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.dynamodb_registry import DynamoDBRegistry
from pressroom.ports import RegistryChanged, index_names, tag_index
from pressroom.registry import KnownTag, TagRules
from tests.contract.test_feed_store_contract import write
from tests.fakes import InMemoryRegistry
from tests.fakes_api import T0, make_article

SEEN = "2029-11-01T12:00:00Z"


@pytest.fixture(params=["fake", "moto"])
def registries(request: pytest.FixtureRequest) -> tuple[Any, Callable[[], Any]]:
    """A ``TagRegistry`` and a way to open the same registry again (another Lambda container, the CLI)."""
    if request.param == "fake":
        fake = InMemoryRegistry()
        return fake, lambda: fake
    table = request.getfixturevalue("resources").table
    return DynamoDBRegistry(table), lambda: DynamoDBRegistry(table)


@pytest.fixture
def registry(registries: tuple[Any, Callable[[], Any]]) -> Any:
    return registries[0]


def known(slug: str, name: str = "", kind: str = "person", provenance: str = "extracted") -> KnownTag:
    return KnownTag(slug, name or slug.replace("-", " ").title(), kind, provenance, SEEN)  # type: ignore[arg-type]


def test_a_new_registry_has_no_rules_and_knows_no_tag(registry: Any) -> None:
    assert registry.rules() == TagRules()
    assert registry.known(["zoe-saldana"]) == {}
    assert list(registry.known_tags()) == []


def test_learn_records_only_unknown_slugs_and_never_overwrites_a_known_tag(registry: Any) -> None:
    assert registry.learn([known("zoe-saldana", "Zoë Saldaña"), known("portmere", kind="place")]) == 2
    later = [known("zoe-saldana", "Zoe Saldana", kind="organisation", provenance="editorial"), known("mara-quill")]
    assert registry.learn(later) == 1
    assert registry.known(["zoe-saldana", "mara-quill", "nobody"]) == {
        "zoe-saldana": known("zoe-saldana", "Zoë Saldaña"),
        "mara-quill": known("mara-quill"),
    }
    assert registry.learn([known("dup"), known("dup", "Other name")]) == 1
    assert registry.known(["dup"])["dup"].name == "Dup"
    assert registry.learn([]) == 0


def test_known_tags_lists_every_tag_in_slug_order(registry: Any) -> None:
    slugs = [f"tag-{n:03d}" for n in range(150)]
    for start in range(0, len(slugs), 12):
        registry.learn([known(slug) for slug in reversed(slugs[start : start + 12])])
    assert [tag.slug for tag in registry.known_tags()] == slugs


def test_rules_are_saved_only_over_the_version_they_were_edited_from(
    registries: tuple[Any, Callable[[], Any]],
) -> None:
    registry, reopen = registries
    first = TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña")
    registry.save_rules(first, expected_version=0)
    assert reopen().rules() == first and first.version == 1
    second = first.block("weather")
    registry.save_rules(second, expected_version=1)
    with pytest.raises(RegistryChanged):
        registry.save_rules(first.set_kind("zoe-saldana", "person"), expected_version=1)
    with pytest.raises(RegistryChanged):
        registry.save_rules(second, expected_version=0)
    with pytest.raises(ValueError, match="cannot replace"):
        registry.save_rules(second, expected_version=2)
    assert reopen().rules() == second


def test_a_reader_keeping_the_rules_in_memory_sees_every_newer_version(
    registries: tuple[Any, Callable[[], Any]],
) -> None:
    writer, reopen = registries
    reader = reopen()
    assert reader.rules().version == 0
    rules = TagRules()
    for kind in ("person", "organisation", None):
        edited = rules.set_kind("zoe-saldana", kind)
        writer.save_rules(edited, expected_version=rules.version)
        rules = edited
        assert reader.rules() == rules
    assert reader.rules() == rules


def test_rules_keep_unicode_names_and_every_kind_of_rule(registry: Any) -> None:
    rules = (
        TagRules()
        .merge("saldana", "zoe-saldana", target_name="Zoë Saldaña")
        .rename("portmere", "Pörtmere Bay", exists=lambda _: False)
        .set_kind("zoe-saldana", "person")
        .block("weather")
    )
    registry.save_rules(rules, expected_version=0)
    assert rules.version == 4 and registry.rules() == rules
    assert registry.rules().names["portmere-bay"] == "Pörtmere Bay"


def test_the_registry_shares_the_feed_table_without_touching_its_indexes(resources: Any) -> None:
    feed, registry = DynamoDBFeed(resources.table), DynamoDBRegistry(resources.table)
    article = make_article(1, tags=[])
    registry.learn([known("portmere", kind="place")])
    registry.save_rules(TagRules().block("portmere"), expected_version=0)
    feed.save(write(article, index=index_names(article)))
    assert feed.list_index(tag_index("portmere"), limit=10, after=None, now=T0.replace(year=2040)).items == []
    assert feed.tag_neighbours("portmere", limit=10, now=T0.replace(year=2040)) == []
    assert [hit.article_id for hit in feed.recent_headlines(10)] == [article.id]
