"""``pressroom tags`` on the fakes: listing and showing what publishing learned, and every edit (rename, merge, kind,
block) saved over the version it read, redone after a concurrent edit; the edits reach stored articles through the
reindex. The command group itself is tested through the local stack in tests/e2e/test_cli.py."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pressroom.events import reindex_record
from pressroom.ports import tag_index
from pressroom.registry import TAG_KINDS, RegistryError, TagRules
from pressroom.services import Outcome
from pressroom_stack import cli
from pressroom_stack import tags as registry_tags
from tests.fakes import FakeWorld, InMemoryRegistry

BODY = "Zoë Saldaña opened the Portmere festival.\n\nSaldaña said the Portmere crowd was the best yet."


@pytest.fixture
def world() -> FakeWorld:
    world = FakeWorld()
    world.publish("one", "Festival opens", body=BODY, tags=["Festivals", "Saldana"])
    world.publish("two", "Festival closes", body=BODY, tags=["Festivals"])
    return world


def test_list_shows_what_publishing_learned_by_slug(world: FakeWorld) -> None:
    version, found = registry_tags.listed(world.registry)
    slugs = [t.slug for t in found]
    assert version == 0 and slugs == sorted(slugs) and {"festivals", "saldana", "portmere"} <= set(slugs)
    festivals = next(t for t in found if t.slug == "festivals")
    assert (festivals.kind, festivals.kind_set_by, festivals.provenance) == ("editorial", "learned", "editorial")
    orgs = registry_tags.listed(world.registry, kind="organisation")[1]
    assert "portmere" in [t.slug for t in orgs] and "festivals" not in [t.slug for t in orgs]
    assert registry_tags.listed(world.registry, blocked=True)[1] == []


def test_show_names_the_canonical_tag_of_an_alias_and_its_newest_articles(world: FakeWorld) -> None:
    registry_tags.merge(world.registry, ["saldana"], "zoe-saldana")
    shown = registry_tags.show(world.registry, "Saldana", reader=world.feed, now=world.clock.now)
    assert (shown.alias, shown.tag.slug, shown.tag.aliases, shown.version) == (
        "saldana",
        "zoe-saldana",
        ("saldana",),
        1,
    )
    assert [a["slug"] for a in shown.recent] == ["festival-closes", "festival-opens"]
    with pytest.raises(RegistryError, match="no tag 'nobody' is known"):
        registry_tags.show(world.registry, "Nobody", now=world.clock.now)


def test_a_merge_is_saved_once_and_reindex_applies_it_to_the_stored_articles(world: FakeWorld) -> None:
    edit = registry_tags.merge(world.registry, ["Festivals"], "portmere")
    assert (edit.changed, edit.version, edit.message) == (True, 1, "festivals is an alias of portmere")
    assert edit.tag is not None and edit.tag.aliases == ("festivals",)
    assert edit.as_dict()["reindex"] == "pressroom reindex --only-stale"
    assert world.feed_ids(tag_index("festivals")) == ["two", "one"]
    for name in ("one", "two"):
        record = reindex_record(world.bucket.name, f"incoming/{name}.json", only_stale=True, event_time="2030-03-01")
        assert world.handle(record).outcome is Outcome.PUBLISHED
    assert world.feed_ids(tag_index("festivals")) == []
    assert world.feed_ids(tag_index("portmere")) == ["two", "one"]
    with pytest.raises(RegistryError, match="one tag already"):
        registry_tags.merge(world.registry, ["festivals"], "portmere")
    undone = registry_tags.unmerge(world.registry, "Festivals")
    assert (undone.message, undone.version) == ("festivals is no longer an alias of portmere", 2)
    assert undone.tag is not None and undone.tag.slug == "festivals"


def test_merging_into_an_unknown_tag_is_refused_but_an_unknown_source_becomes_an_alias(world: FakeWorld) -> None:
    with pytest.raises(RegistryError, match="no tag 'portmere-bay' is known"):
        registry_tags.merge(world.registry, ["portmere"], "Portmere Bay")
    edit = registry_tags.merge(world.registry, ["Port Mere", "Portmere Town"], "portmere")
    assert edit.message == "port-mere, portmere-town are aliases of portmere" and edit.version == 2
    assert world.registry.stored.aliases == {"port-mere": "portmere", "portmere-town": "portmere"}


def test_rename_kind_and_block_edit_the_rules_and_a_repeat_changes_nothing(world: FakeWorld) -> None:
    renamed = registry_tags.rename(world.registry, "festivals", "Portmere Festival")
    assert (
        renamed.message
        == "festivals is named 'Portmere Festival' (its slug is now portmere-festival; festivals is an alias of it)"
    )
    assert renamed.tag is not None and renamed.tag.slug == "portmere-festival"
    with pytest.raises(RegistryError, match="pressroom tags merge portmere-festival portmere"):
        registry_tags.rename(world.registry, "portmere-festival", "Portmere")
    kind = registry_tags.set_kind(world.registry, "portmere", "work")
    assert kind.tag is not None and (kind.tag.kind, kind.tag.kind_set_by) == ("work", "editor")
    auto = registry_tags.set_kind(world.registry, "portmere", None)
    assert auto.tag is not None and (auto.tag.kind, auto.tag.kind_set_by) == ("organisation", "learned")
    blocked = registry_tags.block(world.registry, "Weather")
    assert blocked.changed and blocked.tag is not None and blocked.tag.blocked and blocked.tag.kind is None
    again = registry_tags.block(world.registry, "weather")
    assert (again.changed, again.version, again.as_dict()["reindex"]) == (False, blocked.version, None)
    assert "already" in again.message
    assert registry_tags.block(world.registry, "weather", unblock=True).changed
    with pytest.raises(RegistryError, match="no tag 'nobody' is known"):
        registry_tags.set_kind(world.registry, "nobody", "person")


class Contended(InMemoryRegistry):
    """A registry where another editor saves a block of ``weather`` just before each of the first ``times`` saves."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.times = times

    def save_rules(self, rules: TagRules, *, expected_version: int) -> None:
        if self.times:
            self.times -= 1
            competing = self.stored.block(f"weather-{self.times}")
            super().save_rules(competing, expected_version=self.stored.version)
        super().save_rules(rules, expected_version=expected_version)


def test_an_edit_is_redone_over_a_concurrent_one_and_gives_up_when_it_never_settles() -> None:
    registry = Contended(times=2)
    registry.learn([])
    edit = registry_tags.block(registry, "sport")
    assert edit.changed and registry.stored.blocked == {"weather-0", "weather-1", "sport"}
    with pytest.raises(RegistryError, match="kept changing"):
        registry_tags.block(Contended(times=registry_tags.MAX_EDIT_ATTEMPTS), "sport")


def test_the_cli_offers_exactly_the_tag_kinds_and_auto() -> None:
    assert cli.TAG_KINDS == TAG_KINDS
    result = CliRunner().invoke(cli.main, ["tags", "kind", "portmere", "celebrity"])
    assert result.exit_code == 2 and "auto" in result.output
    assert CliRunner().invoke(cli.main, ["tags", "merge", "only-one"]).exit_code == 2
    listed = CliRunner().invoke(cli.main, ["tags", "--help"]).output
    assert all(command in listed for command in ("list", "show", "rename", "merge", "unmerge", "kind", "block"))


def test_line_shows_kind_block_and_aliases(world: FakeWorld) -> None:
    registry_tags.merge(world.registry, ["saldana"], "zoe-saldana")
    registry_tags.set_kind(world.registry, "zoe-saldana", "person")
    shown = registry_tags.show(world.registry, "zoe-saldana", now=world.clock.now)
    assert registry_tags.line(shown.tag).split() == [
        "zoe-saldana", "Zoë", "Saldaña", "person", "(set", "by", "an", "editor)", "aliases:", "saldana",
    ]  # fmt: skip
