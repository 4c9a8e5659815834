"""The tag registry's rules (``pressroom.registry``), pure: applying them to an article's tags, and every edit with
its invariants (no alias chains or cycles, every alias target named, never an alias and blocked at once)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom.models import Tag
from pressroom.registry import (
    NO_RULES,
    KnownTag,
    RegistryError,
    TagRules,
    entries,
    entry,
    learnable,
    tag_slug,
)

SEEN = datetime(2029, 11, 1, 12, 0, 30, 123000, tzinfo=UTC)


def tag(name: str, kind: str = "person", score: float = 0.5, **extra: str) -> Tag:
    from pressroom.text import slugify

    return Tag.model_validate({"name": name, "slug": slugify(name), "kind": kind, "score": score, **extra})


def never(_: str) -> bool:
    return False


def invariants(rules: TagRules) -> None:
    assert not set(rules.aliases.values()) & set(rules.aliases), "an alias points at an alias"
    assert all(target in rules.names for target in rules.aliases.values()), "an alias target has no name"
    assert not set(rules.aliases) & rules.blocked, "a slug is an alias and blocked"
    assert not set(rules.aliases) & (set(rules.names) | set(rules.kinds)), "a rule is keyed by an alias"


# ---------------------------------------------------------------------------------------------------- provenance


def test_a_tag_without_provenance_is_the_editors_when_its_kind_is_editorial_else_extracted() -> None:
    assert tag("Festivals", kind="editorial").provenance == "editorial"
    assert tag("Zoë Saldaña").provenance == "extracted"
    assert tag("Zoë Saldaña", provenance="registry").provenance == "registry"
    stored = '{"name": "Rowing", "slug": "rowing", "kind": "editorial", "score": 1.0}'
    assert Tag.model_validate_json(stored).provenance == "editorial"


# ---------------------------------------------------------------------------------------------------- applying


def test_no_rules_change_nothing_but_the_limit() -> None:
    tags = [tag("Zoë Saldaña", score=1.0), tag("Portmere", kind="place", score=0.4), tag("Rowing", "topic", 0.2)]
    assert NO_RULES.empty and NO_RULES.apply(tags, limit=12) == tags
    assert NO_RULES.apply(tags, limit=2) == tags[:2]
    assert NO_RULES.apply(tags, limit=-1) == []


def test_an_alias_becomes_its_canonical_tag_with_the_canonical_name_and_registry_provenance() -> None:
    rules = TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña")
    [applied] = rules.apply([tag("Saldana", score=0.7)], limit=12)
    assert (applied.name, applied.slug, applied.kind, applied.score) == ("Zoë Saldaña", "zoe-saldana", "person", 0.7)
    assert applied.provenance == "registry"


def test_a_tag_and_its_alias_on_one_article_become_one_tag_with_the_best_score() -> None:
    rules = TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña")
    applied = rules.apply(
        [tag("Portmere", "place", 0.8), tag("Zoë Saldaña", score=0.3), tag("Saldana", score=0.9)], limit=12
    )
    assert [(t.slug, t.score) for t in applied] == [("zoe-saldana", 0.9), ("portmere", 0.8)]
    assert applied[0].provenance == "extracted"


def test_a_blocked_tag_never_appears_even_when_the_editor_gave_it() -> None:
    rules = TagRules().block("weather")
    tags = [tag("Weather", kind="editorial", score=1.0), tag("Weather", "topic", 0.4), tag("Portmere", "place")]
    assert [t.slug for t in rules.apply(tags, limit=12)] == ["portmere"]


def test_an_alias_of_a_blocked_slug_is_refused_and_merging_into_a_blocked_tag_too() -> None:
    rules = TagRules().block("weather")
    with pytest.raises(RegistryError, match="blocked"):
        rules.merge("forecast", "weather", target_name="Weather")


def test_an_editors_kind_wins_over_the_extractors_and_over_editorial() -> None:
    rules = TagRules().set_kind("kestrel-rovers", "organisation")
    applied = rules.apply([tag("Kestrel Rovers", kind="person"), tag("Kestrel Rovers", kind="editorial")], limit=12)
    assert [(t.kind, t.provenance) for t in applied] == [("organisation", "registry")]
    untouched = rules.apply([tag("Portmere", kind="place")], limit=12)
    assert [(t.kind, t.provenance) for t in untouched] == [("place", "extracted")]


def test_a_tag_already_as_the_rules_say_keeps_its_provenance() -> None:
    rules = TagRules().set_kind("portmere", "place").rename("portmere", "Portmere", exists=never)
    [applied] = rules.apply([tag("Portmere", kind="place", provenance="editorial")], limit=12)
    assert applied.provenance == "editorial"


def test_the_limit_applies_after_blocking_so_the_next_best_tags_fill_in() -> None:
    tags = [tag(f"Name {n}", score=1 - n / 100) for n in range(20)]
    rules = TagRules().block("name-0").block("name-1")
    assert [t.slug for t in rules.apply(tags, limit=12)] == [f"name-{n}" for n in range(2, 14)]


# ---------------------------------------------------------------------------------------------------- edits


def test_merging_repoints_the_sources_aliases_and_drops_its_own_rules() -> None:
    rules = (
        TagRules()
        .merge("saldana", "zoe", target_name="Zoe")
        .set_kind("zoe", "person")
        .merge("zoe", "zoe-saldana", target_name="Zoë Saldaña")
    )
    assert rules.aliases == {"saldana": "zoe-saldana", "zoe": "zoe-saldana"}
    assert rules.names == {"zoe-saldana": "Zoë Saldaña"} and rules.kinds == {}
    assert rules.version == 3
    invariants(rules)


def test_merging_into_an_alias_merges_into_its_canonical_tag() -> None:
    rules = (
        TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña").merge("zs", "saldana", target_name="x")
    )
    assert rules.aliases == {"saldana": "zoe-saldana", "zs": "zoe-saldana"}
    assert rules.names == {"zoe-saldana": "Zoë Saldaña"}


@pytest.mark.parametrize(("source", "target"), [("zoe", "zoe"), ("saldana", "zoe-saldana"), ("zoe-saldana", "saldana")])
def test_merging_a_tag_into_itself_or_its_alias_is_refused(source: str, target: str) -> None:
    rules = TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña")
    with pytest.raises(RegistryError, match="one tag already"):
        rules.merge(source, target, target_name="Zoë Saldaña")


def test_a_rename_that_keeps_the_slug_changes_the_name_only() -> None:
    rules = TagRules().rename("zoe-saldana", "  Zoë   Saldaña ", exists=never)
    assert rules.names == {"zoe-saldana": "Zoë Saldaña"} and rules.aliases == {}
    [applied] = rules.apply([tag("Zoe Saldana")], limit=12)
    assert (applied.name, applied.provenance) == ("Zoë Saldaña", "registry")


def test_a_rename_to_another_slug_moves_the_tag_and_keeps_the_old_slug_as_an_alias() -> None:
    rules = TagRules().merge("tweeter", "twitter", target_name="Twitter").set_kind("twitter", "organisation")
    rules = rules.block("birdsite").rename("twitter", "X", exists=never)
    assert rules.aliases == {"tweeter": "x", "twitter": "x"}
    assert rules.names == {"x": "X"} and rules.kinds == {"x": "organisation"}
    invariants(rules)
    back = rules.rename("x", "Twitter", exists=lambda slug: slug == "twitter")
    assert back.aliases == {"tweeter": "twitter", "x": "twitter"} and back.names == {"twitter": "Twitter"}
    invariants(back)


def test_a_rename_onto_another_tag_is_refused_with_the_merge_to_run() -> None:
    with pytest.raises(RegistryError, match="pressroom tags merge twitter x"):
        TagRules().rename("twitter", "X", exists=lambda slug: slug == "x")
    with pytest.raises(RegistryError, match="merge"):
        TagRules().block("x").rename("twitter", "X", exists=never)


@pytest.mark.parametrize("name", ["", "   ", "!!!", "x" * 101])
def test_a_name_without_a_slug_or_too_long_is_refused(name: str) -> None:
    with pytest.raises(RegistryError):
        TagRules().rename("twitter", name, exists=never)


def test_kinds_are_set_on_the_canonical_tag_checked_and_cleared() -> None:
    rules = TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña").set_kind("saldana", "person")
    assert rules.kinds == {"zoe-saldana": "person"}
    assert rules.set_kind("zoe-saldana", None).kinds == {}
    with pytest.raises(RegistryError, match="not a tag kind"):
        rules.set_kind("zoe-saldana", "celebrity")


def test_blocking_an_alias_is_refused_and_unblocking_restores() -> None:
    rules = TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña")
    with pytest.raises(RegistryError, match="block zoe-saldana instead"):
        rules.block("saldana")
    blocked = rules.block("weather")
    assert blocked.blocked == {"weather"} and blocked.unblock("weather").blocked == frozenset()


def test_unmerging_makes_an_alias_its_own_tag_again() -> None:
    rules = TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña")
    rules = rules.merge("zs", "zoe-saldana", target_name="")
    undone = rules.unmerge("saldana")
    assert undone.aliases == {"zs": "zoe-saldana"} and undone.version == rules.version + 1
    assert [t.slug for t in undone.apply([tag("Saldana")], limit=12)] == ["saldana"]
    with pytest.raises(RegistryError, match="no alias"):
        undone.unmerge("saldana")


def test_an_edit_that_changes_nothing_keeps_the_version() -> None:
    rules = TagRules().block("weather")
    assert rules.block("weather") is rules
    assert rules.unblock("portmere") is rules
    assert rules.set_kind("portmere", None) is rules


def test_the_stored_form_round_trips() -> None:
    rules = TagRules().merge("saldana", "zoe-saldana", target_name="Zoë Saldaña").set_kind("x", "work").block("w")
    assert TagRules.from_json(rules.to_json()) == rules


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["merge", "rename", "unmerge", "kind", "block", "unblock"]),
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.sampled_from(["a", "b", "c", "d", "e"]),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(EDITS)
def test_any_sequence_of_edits_keeps_the_invariants(edits: list[tuple[str, str, str]]) -> None:
    rules = TagRules()
    for edit, one, other in edits:
        try:
            if edit == "merge":
                rules = rules.merge(one, other, target_name=other.upper())
            elif edit == "rename":
                rules = rules.rename(one, other.upper(), exists=never)
            elif edit == "unmerge":
                rules = rules.unmerge(one)
            elif edit == "kind":
                rules = rules.set_kind(one, "person")
            elif edit == "block":
                rules = rules.block(one)
            else:
                rules = rules.unblock(one)
        except RegistryError:
            continue
        invariants(rules)
        applied = rules.apply([tag(name.upper(), score=0.5) for name in "abcde"], limit=12)
        assert all(t.slug not in rules.aliases and t.slug not in rules.blocked for t in applied)
        assert len({t.slug for t in applied}) == len(applied)


# ---------------------------------------------------------------------------------------------------- what editors see


def test_learnable_offers_one_known_tag_per_slug_as_first_seen() -> None:
    tags = [tag("Festivals", kind="editorial", score=1.0), tag("Zoë Saldaña"), tag("Zoe Saldana")]
    assert learnable(tags, at=SEEN) == [
        KnownTag("festivals", "Festivals", "editorial", "editorial", "2029-11-01T12:00:30Z"),
        KnownTag("zoe-saldana", "Zoë Saldaña", "person", "extracted", "2029-11-01T12:00:30Z"),
    ]


def test_entries_combine_what_publishing_learned_with_the_rules() -> None:
    known = [
        KnownTag("saldana", "Saldana", "person", "extracted", "2029-11-01T12:00:00Z"),
        KnownTag("zoe-saldana", "Zoe Saldana", "person", "extracted", "2029-11-02T12:00:00Z"),
        KnownTag("portmere", "Portmere", "place", "editorial", "2029-11-03T12:00:00Z"),
    ]
    rules = TagRules().merge("saldana", "zoe-saldana", target_name="Zoe Saldana").set_kind("portmere", "organisation")
    rules = rules.rename("zoe-saldana", "Zoë Saldaña", exists=never).block("weather")
    listed = {e.slug: e for e in entries(known, rules)}
    assert list(listed) == ["portmere", "weather", "zoe-saldana"]
    zoe = listed["zoe-saldana"]
    assert (zoe.name, zoe.kind, zoe.kind_set_by, zoe.aliases, zoe.blocked) == (
        "Zoë Saldaña",
        "person",
        "learned",
        ("saldana",),
        False,
    )
    assert (listed["portmere"].kind, listed["portmere"].kind_set_by) == ("organisation", "editor")
    weather = listed["weather"]
    assert (weather.blocked, weather.kind, weather.first_seen) == (True, None, None)
    by_slug = {k.slug: k for k in known}
    assert entry("saldana", rules, by_slug) == zoe
    assert entry("nobody", rules, by_slug) is None
    assert zoe.as_dict()["aliases"] == ["saldana"]


def test_an_argument_names_a_tag_by_its_slug() -> None:
    assert tag_slug("Zoë Saldaña") == tag_slug("zoe-saldana") == "zoe-saldana"
    with pytest.raises(RegistryError, match="names no tag"):
        tag_slug("!!!")
