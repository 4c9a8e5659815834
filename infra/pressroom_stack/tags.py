"""``pressroom tags``: the newsroom's tag registry from the command line, on any ``TagRegistry`` (the feed table of a
stack, locally or on AWS, or the in-memory fake in tests).

Every edit reads the rules, applies one change (``pressroom.registry.TagRules``) and saves them over the version it
read; if another edit was saved in between, it reads again and redoes the change. An edit changes what new uploads
get at once; stored articles get it from ``pressroom reindex --only-stale`` (the edit made them stale).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pressroom.ports import FeedReader, RegistryChanged, TagRegistry, tag_index
from pressroom.registry import RegistryError, TagEntry, TagRules, entries, entry, tag_slug

MAX_EDIT_ATTEMPTS = 5
REINDEX = "pressroom reindex --only-stale"
RECENT_ARTICLES = 5


@dataclass(frozen=True)
class Edit:
    """The outcome of one edit: the tag it is about afterwards, the rules' version, whether anything changed."""

    tag: TagEntry | None
    version: int
    changed: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "changed": self.changed,
            "message": self.message,
            "tag": self.tag.as_dict() if self.tag else None,
            "reindex": REINDEX if self.changed else None,
        }


@dataclass(frozen=True)
class Shown:
    """One tag: its entry, the slug asked for when that is an alias, and the newest articles that have it."""

    tag: TagEntry
    alias: str | None
    version: int
    recent: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "alias": self.alias, "tag": self.tag.as_dict(), "recent": self.recent}


def listed(
    registry: TagRegistry, *, kind: str | None = None, blocked: bool | None = None
) -> tuple[int, list[TagEntry]]:
    """The rules' version and every canonical tag, by slug (only those of ``kind``, or ``blocked`` or not)."""
    rules = registry.rules()
    found = entries(registry.known_tags(), rules)
    return rules.version, [
        e for e in found if (kind is None or e.kind == kind) and (blocked is None or e.blocked == blocked)
    ]


def _entry(registry: TagRegistry, rules: TagRules, slug: str) -> TagEntry | None:
    canonical = rules.canonical(slug)
    return entry(slug, rules, registry.known([canonical]))


def _existing(registry: TagRegistry, rules: TagRules, name_or_slug: str) -> TagEntry:
    found = _entry(registry, rules, tag_slug(name_or_slug))
    if found is None:
        raise RegistryError(f"no tag {tag_slug(name_or_slug)!r} is known; see `pressroom tags list`")
    return found


def show(registry: TagRegistry, name_or_slug: str, *, reader: FeedReader | None = None, now: datetime) -> Shown:
    """The tag ``name_or_slug`` names (the canonical one, for an alias) with its newest articles."""
    rules = registry.rules()
    slug = tag_slug(name_or_slug)
    found = _existing(registry, rules, slug)
    recent = []
    if reader is not None:
        page = reader.list_index(tag_index(found.slug), limit=RECENT_ARTICLES, after=None, now=now)
        recent = [{"slug": s.slug, "title": s.title, "published_at": s.published_at.isoformat()} for s in page.items]
    return Shown(found, slug if slug != found.slug else None, rules.version, recent)


def _edit(registry: TagRegistry, change: Callable[[TagRules], tuple[TagRules, str]], about: str) -> Edit:
    """Apply ``change`` (rules -> new rules and what it did) to the newest rules and save them over the version
    read, again on a concurrent edit."""
    for _ in range(MAX_EDIT_ATTEMPTS):
        rules = registry.rules()
        edited, message = change(rules)
        if edited is rules:
            return Edit(_entry(registry, rules, about), rules.version, False, f"{message} already; nothing to change")
        try:
            registry.save_rules(edited, expected_version=rules.version)
        except RegistryChanged:
            continue
        return Edit(_entry(registry, edited, about), edited.version, True, message)
    raise RegistryError(f"the tag rules kept changing during {MAX_EDIT_ATTEMPTS} attempts; try again")


def rename(registry: TagRegistry, name_or_slug: str, name: str) -> Edit:
    """Show the tag as ``name``; a name with another slug moves the tag there, its old slug an alias of it."""

    def change(rules: TagRules) -> tuple[TagRules, str]:
        old = _existing(registry, rules, name_or_slug)
        edited = rules.rename(old.slug, name, exists=lambda slug: bool(registry.known([slug])))
        new = edited.canonical(old.slug)
        moved = f" (its slug is now {new}; {old.slug} is an alias of it)" if new != old.slug else ""
        return edited, f"{old.slug} is named {' '.join(name.split())!r}{moved}"

    return _edit(registry, change, tag_slug(name_or_slug))


def merge(registry: TagRegistry, sources: Sequence[str], into: str) -> Edit:
    """Make each of ``sources`` (known tags or not: an alias can come before any article uses it) an alias of the
    known tag ``into``."""

    def change(rules: TagRules) -> tuple[TagRules, str]:
        target = _existing(registry, rules, into)
        edited = rules
        for source in sources:
            edited = edited.merge(tag_slug(source), target.slug, target_name=target.name)
        merged = ", ".join(tag_slug(s) for s in sources)
        return edited, f"{merged} {'is an alias' if len(sources) == 1 else 'are aliases'} of {target.slug}"

    return _edit(registry, change, tag_slug(into))


def unmerge(registry: TagRegistry, alias: str) -> Edit:
    """Make the alias ``alias`` a tag of its own again."""
    slug = tag_slug(alias)

    def change(rules: TagRules) -> tuple[TagRules, str]:
        return rules.unmerge(slug), f"{slug} is no longer an alias of {rules.canonical(slug)}"

    return _edit(registry, change, slug)


def set_kind(registry: TagRegistry, name_or_slug: str, kind: str | None) -> Edit:
    """Give the tag ``kind`` on every article (None: the extractor's kind again)."""

    def change(rules: TagRules) -> tuple[TagRules, str]:
        found = _existing(registry, rules, name_or_slug)
        said = f"has the kind {kind}" if kind else "has the extractor's kind"
        return rules.set_kind(found.slug, kind), f"{found.slug} {said}"

    return _edit(registry, change, tag_slug(name_or_slug))


def block(registry: TagRegistry, name_or_slug: str, *, unblock: bool = False) -> Edit:
    """Keep the tag off every article (known or not yet), or let it back with ``unblock``."""
    slug = tag_slug(name_or_slug)

    def change(rules: TagRules) -> tuple[TagRules, str]:
        if unblock:
            return rules.unblock(slug), f"{slug} is not blocked"
        return rules.block(slug), f"{slug} is blocked"

    return _edit(registry, change, slug)


def line(tag: TagEntry) -> str:
    """One tag as a line of ``pressroom tags list``."""
    kind = f"{tag.kind}{' (set by an editor)' if tag.kind_set_by == 'editor' else ''}" if tag.kind else "-"
    parts = [f"{tag.slug:<32} {tag.name:<32} {kind}"]
    if tag.blocked:
        parts.append("blocked")
    if tag.aliases:
        parts.append(f"aliases: {', '.join(tag.aliases)}")
    return "  ".join(parts)
