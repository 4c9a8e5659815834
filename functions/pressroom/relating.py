"""Related links: promo headlines matched to published articles, and related articles ranked by shared tags."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, utils

from pressroom.models import Tag
from pressroom.ports import IndexHit
from pressroom.text import fold

HEADLINE_CUTOFF = 86.0
COMPUTED_LIMIT = 3
MIN_SHARED_WEIGHT = 0.5
TOPIC_WEIGHT_CAP = 0.4


def _normal(headline: str) -> str:
    return utils.default_process(fold(headline))


def headline_score(a: str, b: str) -> float:
    """0-100 similarity of two headlines, tolerant of case, accents, punctuation and reordered words."""
    left, right = _normal(a), _normal(b)
    if not left or not right:
        return 0.0
    return max(fuzz.ratio(left, right), fuzz.token_sort_ratio(left, right))


def match_headline(headline: str, candidates: Iterable[IndexHit], *, exclude_id: str | None = None) -> IndexHit | None:
    """The candidate whose title best matches ``headline`` (at least ``HEADLINE_CUTOFF``), or None."""
    best: tuple[float, IndexHit] | None = None
    for hit in candidates:
        if hit.article_id == exclude_id:
            continue
        score = headline_score(headline, hit.title)
        if score >= HEADLINE_CUTOFF and (best is None or score > best[0]):
            best = (score, hit)
    return best[1] if best else None


def tag_weights(tags: Sequence[Tag]) -> dict[str, float]:
    """How much sharing each tag says about two articles being related: the tag's salience in this article.

    An extracted tag weighs its score relative to the best extracted score, in ``(0, 1]``: the article's main
    entities weigh about 1, a name mentioned once in passing about 0.1. A topic (broad by nature: every match
    report shares ``Football``) weighs at most ``TOPIC_WEIGHT_CAP``. An editorial tag (chosen by an editor) weighs 1.
    """
    top = max((t.score for t in tags if t.kind != "editorial"), default=0.0) or 1.0
    weights = {}
    for tag in tags:
        if tag.kind == "editorial":
            weights[tag.slug] = 1.0
            continue
        weight = min(1.0, max(0.0, tag.score / top))
        weights[tag.slug] = min(weight, TOPIC_WEIGHT_CAP) if tag.kind == "topic" else weight
    return weights


def rank_related(
    article_id: str,
    neighbours: Mapping[str, Sequence[IndexHit]],
    *,
    weights: Mapping[str, float] | None = None,
    limit: int = COMPUTED_LIMIT,
    index_depth: int = 50,
) -> list[IndexHit]:
    """The ``limit`` most related articles, given the newest entries of each of the article's tag indexes.

    ``weights`` (see ``tag_weights``; 1 for a tag without one) say how much each shared tag is evidence: another
    article is related only if the weights of the tags it shares add up to at least ``MIN_SHARED_WEIGHT``, so one
    strong shared tag (a main entity of this article) relates two articles and one weak one (a university
    mentioned once) does not, while a few weak ones together may. Related articles are ranked by the sum of
    ``weight / log2(2 + df)`` over the shared tags: a tag carried by few articles (small ``df``, the number of
    entries seen in its index, capped at ``index_depth``) counts more than a common one. Ties go to the newer
    article. The article itself is excluded; drafts, scheduled and withdrawn articles are never in the indexes.
    """
    scores: dict[str, float] = {}
    evidence: dict[str, float] = {}
    hits: dict[str, IndexHit] = {}
    for tag_slug, entries in neighbours.items():
        rarity = 1.0 / math.log2(2 + min(len(entries), index_depth))
        weight = (weights or {}).get(tag_slug, 1.0)
        for hit in entries:
            if hit.article_id == article_id:
                continue
            scores[hit.article_id] = scores.get(hit.article_id, 0.0) + weight * rarity
            evidence[hit.article_id] = evidence.get(hit.article_id, 0.0) + weight
            hits[hit.article_id] = hit
    related = [aid for aid in scores if evidence[aid] >= MIN_SHARED_WEIGHT - 1e-9]
    ranked = sorted(related, key=lambda aid: (scores[aid], hits[aid].published_at), reverse=True)
    return [hits[aid] for aid in ranked[:limit]]
