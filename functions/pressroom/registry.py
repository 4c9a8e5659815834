"""The newsroom's tag registry: the canonical tags (name, slug, kind, aliases) learned as articles are published, and
the editors' rules over them, applied by enrichment (``preparing.enrich``), so that the pipeline, ``pressroom
validate`` and ``pressroom reindex`` give the same tags for the same rules.

Two kinds of facts, each with one writer:

- *known tags* (:class:`KnownTag`): what publishing has seen of a slug, the first time: its name, kind and
  provenance, and when. Ingest records a tag only while its slug is unknown and never rewrites one.
- *rules* (:class:`TagRules`): what editors decided (``pressroom tags rename|merge|unmerge|kind|block``): aliases
  (an alias slug resolves to its canonical tag; merges and renames are kept as aliases, so old slugs keep working),
  display names, kinds, blocked tags. One versioned document: every edit makes a higher ``version``, which is part
  of the enrichment version of each article enriched with it, so ``pressroom reindex --only-stale`` redoes the
  articles enriched under older rules.

Invariants of the rules, kept by every edit: an alias never points at an alias (no chains, no cycles), every alias
target has a display name, a slug is never both an alias and blocked, kinds and names are keyed by canonical slugs.

Pure: no boto3 (the adapter is ``adapters/dynamodb_registry.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, cast, get_args

from pressroom.models import Tag, TagKind, TagProvenance
from pressroom.text import slugify

TAG_KINDS: tuple[str, ...] = get_args(TagKind)
MAX_NAME_CHARS = 100
KindSetBy = Literal["editor", "learned"]


class RegistryError(ValueError):
    """An edit that cannot be made; the message says why and what to do instead."""


def tag_slug(name_or_slug: str) -> str:
    """The slug a command-line argument names (``Zoë Saldaña`` and ``zoe-saldana`` alike); raises ``RegistryError``
    when it names none."""
    slug = slugify(name_or_slug)
    if not slug:
        raise RegistryError(f"{name_or_slug[:80]!r} names no tag: a tag's slug needs a letter or a digit")
    return slug


def _display_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME_CHARS or not slugify(cleaned):
        raise RegistryError(f"a tag name is 1-{MAX_NAME_CHARS} characters with a letter or a digit; got {name[:80]!r}")
    return cleaned


@dataclass(frozen=True)
class KnownTag:
    """A tag publishing has seen: as it was the first time (``first_seen``: ISO 8601 UTC)."""

    slug: str
    name: str
    kind: TagKind
    provenance: TagProvenance
    first_seen: str


def learnable(tags: Sequence[Tag], *, at: datetime) -> list[KnownTag]:
    """The tags of an article published at ``at``, as the registry learns them: one per slug, as first seen."""
    seen = f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    found: dict[str, KnownTag] = {}
    for tag in tags:
        if tag.slug and tag.slug not in found:
            found[tag.slug] = KnownTag(tag.slug, tag.name, tag.kind, tag.provenance, seen)
    return list(found.values())


@dataclass(frozen=True)
class TagRules:
    """The editors' rules, version ``version`` (0: none were ever saved). Keys are slugs.

    - ``aliases``: alias slug -> canonical slug (merges, renames that changed the slug, aliases of a tag);
    - ``names``: canonical slug -> display name (renames, and the name of every alias target);
    - ``kinds``: canonical slug -> the kind an editor set (it wins over the extractor's);
    - ``blocked``: slugs that never appear on an article.
    """

    version: int = 0
    aliases: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, TagKind] = field(default_factory=dict)
    blocked: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """No rule at all: applying these rules changes nothing."""
        return not (self.aliases or self.names or self.kinds or self.blocked)

    def canonical(self, slug: str) -> str:
        """The canonical slug of ``slug``: its alias target, or itself."""
        return self.aliases.get(slug, slug)

    def aliases_of(self, slug: str) -> tuple[str, ...]:
        return tuple(sorted(alias for alias, target in self.aliases.items() if target == slug))

    # ------------------------------------------------------------------ applying

    def apply(self, tags: Sequence[Tag], *, limit: int) -> list[Tag]:
        """``tags`` under these rules, best first, at most ``limit``: an alias becomes its canonical tag (with the
        canonical name), a blocked tag is left out, an editor's kind and name win; a tag the rules changed has the
        provenance ``registry``. Two tags that become one keep the first (the better scored) with the best score.
        Without rules, ``tags`` sorted and cut to ``limit``."""
        chosen: dict[str, Tag] = {}
        for tag in tags:
            slug = self.canonical(tag.slug)
            if slug in self.blocked:
                continue
            name, kind = self.names.get(slug, tag.name), self.kinds.get(slug, tag.kind)
            if (slug, name, kind) != (tag.slug, tag.name, tag.kind):
                tag = tag.model_copy(update={"slug": slug, "name": name, "kind": kind, "provenance": "registry"})
            held = chosen.get(slug)
            if held is None:
                chosen[slug] = tag
            elif tag.score > held.score:
                chosen[slug] = held.model_copy(update={"score": tag.score})
        return sorted(chosen.values(), key=lambda t: -t.score)[: max(limit, 0)]

    # ------------------------------------------------------------------ edits (each returns the next version)

    def _next(
        self,
        *,
        aliases: Mapping[str, str] | None = None,
        names: Mapping[str, str] | None = None,
        kinds: Mapping[str, TagKind] | None = None,
        blocked: frozenset[str] | None = None,
    ) -> TagRules:
        changed = replace(
            self,
            aliases=dict(self.aliases if aliases is None else aliases),
            names=dict(self.names if names is None else names),
            kinds=dict(self.kinds if kinds is None else kinds),
            blocked=self.blocked if blocked is None else blocked,
        )
        if changed == self:
            return self
        return replace(changed, version=self.version + 1)

    def rename(self, slug: str, name: str, *, exists: Callable[[str], bool]) -> TagRules:
        """The canonical tag of ``slug`` is shown as ``name``. When ``name`` has another slug, the tag moves to it and
        its old slug (and its aliases) become aliases of the new one; ``exists(slug)`` says whether publishing knows
        a tag of that slug, which a rename must not swallow (merge it instead). Renaming a tag back to one of its
        aliases' slugs makes that alias canonical again."""
        name, old = _display_name(name), self.canonical(slug)
        new = slugify(name)
        if new == old:
            return self._next(names={**self.names, old: name})
        aliases = dict(self.aliases)
        if aliases.get(new) == old:
            del aliases[new]
        elif new in aliases or new in self.names or new in self.kinds or new in self.blocked or exists(new):
            target = self.canonical(new)
            raise RegistryError(
                f"{name!r} is the name of another tag ({target}); to make them one, merge: "
                f"pressroom tags merge {old} {target}"
            )
        aliases = {alias: new if target == old else target for alias, target in aliases.items()}
        aliases[old] = new
        names = {k: v for k, v in self.names.items() if k != old} | {new: name}
        kinds = {new if k == old else k: v for k, v in self.kinds.items()}
        blocked = frozenset(new if b == old else b for b in self.blocked)
        return self._next(aliases=aliases, names=names, kinds=kinds, blocked=blocked)

    def merge(self, source: str, target: str, *, target_name: str) -> TagRules:
        """``source``'s canonical tag (with its aliases) becomes an alias of ``target``'s canonical tag, shown as its
        display name (``target_name`` when it has none yet). The source's own name, kind and block go."""
        old, new = self.canonical(source), self.canonical(target)
        if old == new:
            detail = "is" if source == target else f"and {target} are"
            raise RegistryError(f"{source} {detail} one tag already ({new})")
        if new in self.blocked:
            raise RegistryError(f"{new} is blocked: unblock it first (pressroom tags block {new} --unblock)")
        aliases = {alias: new if to == old else to for alias, to in self.aliases.items()} | {old: new}
        names = {k: v for k, v in self.names.items() if k != old}
        names[new] = self.names.get(new) or _display_name(target_name)
        kinds = {k: v for k, v in self.kinds.items() if k != old}
        return self._next(aliases=aliases, names=names, kinds=kinds, blocked=self.blocked - {old})

    def unmerge(self, alias: str) -> TagRules:
        """``alias`` is a tag of its own again (its canonical tag and other aliases stay as they are)."""
        if alias not in self.aliases:
            raise RegistryError(f"{alias} is no alias of another tag")
        return self._next(aliases={k: v for k, v in self.aliases.items() if k != alias})

    def set_kind(self, slug: str, kind: str | None) -> TagRules:
        """The canonical tag of ``slug`` has the kind ``kind`` on every article (None: the extractor's again)."""
        canonical = self.canonical(slug)
        if kind is None:
            return self._next(kinds={k: v for k, v in self.kinds.items() if k != canonical})
        if kind not in TAG_KINDS:
            raise RegistryError(f"{kind!r} is not a tag kind; use one of {', '.join(TAG_KINDS)}")
        return self._next(kinds={**self.kinds, canonical: cast("TagKind", kind)})

    def block(self, slug: str) -> TagRules:
        """``slug`` never appears on an article (a slug no article has yet included). An alias cannot be blocked
        alone: block its canonical tag."""
        if slug in self.aliases:
            raise RegistryError(f"{slug} is an alias of {self.aliases[slug]}: block {self.aliases[slug]} instead")
        return self._next(blocked=self.blocked | {slug})

    def unblock(self, slug: str) -> TagRules:
        return self._next(blocked=self.blocked - {slug})

    # ------------------------------------------------------------------ stored form

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "aliases": dict(sorted(self.aliases.items())),
                "names": dict(sorted(self.names.items())),
                "kinds": dict(sorted(self.kinds.items())),
                "blocked": sorted(self.blocked),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> TagRules:
        data = json.loads(text)
        kinds = {k: cast("TagKind", v) for k, v in data.get("kinds", {}).items() if v in TAG_KINDS}
        return cls(
            version=int(data["version"]),
            aliases=dict(data.get("aliases", {})),
            names=dict(data.get("names", {})),
            kinds=kinds,
            blocked=frozenset(data.get("blocked", [])),
        )


NO_RULES = TagRules()


# ---------------------------------------------------------------------------------------------- what editors see


@dataclass(frozen=True)
class TagEntry:
    """A canonical tag as editors see it: what publishing learned of it and what the rules say. ``kind`` is None
    only for a tag the rules name that no article has had yet; ``provenance`` and ``first_seen`` are those of the
    first sight (None when never seen)."""

    slug: str
    name: str
    kind: TagKind | None
    kind_set_by: KindSetBy | None
    aliases: tuple[str, ...]
    blocked: bool
    provenance: TagProvenance | None
    first_seen: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "kind": self.kind,
            "kind_set_by": self.kind_set_by,
            "aliases": list(self.aliases),
            "blocked": self.blocked,
            "provenance": self.provenance,
            "first_seen": self.first_seen,
        }


def entry(slug: str, rules: TagRules, known: Mapping[str, KnownTag]) -> TagEntry | None:
    """The canonical tag ``slug`` names (itself, or the tag it is an alias of), or None when neither publishing nor
    the rules know it. ``known`` holds the known tags, at least the canonical one's."""
    canonical = rules.canonical(slug)
    learned = known.get(canonical)
    aliases = rules.aliases_of(canonical)
    named = canonical in rules.names or canonical in rules.kinds or canonical in rules.blocked or aliases
    if learned is None and not named:
        return None
    editor_kind = rules.kinds.get(canonical)
    kind = editor_kind or (learned.kind if learned else None)
    return TagEntry(
        slug=canonical,
        name=rules.names.get(canonical) or (learned.name if learned else canonical),
        kind=kind,
        kind_set_by="editor" if editor_kind else "learned" if learned else None,
        aliases=aliases,
        blocked=canonical in rules.blocked,
        provenance=learned.provenance if learned else None,
        first_seen=learned.first_seen if learned else None,
    )


def entries(known: Iterable[KnownTag], rules: TagRules) -> list[TagEntry]:
    """Every canonical tag, by slug: the known ones that are no alias, and those only the rules name."""
    by_slug = {tag.slug: tag for tag in known}
    slugs = set(by_slug) | set(rules.names) | set(rules.kinds) | set(rules.blocked) | set(rules.aliases.values())
    found = (entry(slug, rules, by_slug) for slug in sorted(slugs - set(rules.aliases)))
    return [e for e in found if e is not None]
